"""The pack loader, as a pure function: valid packs load, each class of problem is reported with its file."""
from pathlib import Path

import pytest
import yaml

from moocplatform.content import PackError, load_pack, render_pack
from tests.factories import write_pack

COURSES = Path(__file__).resolve().parent.parent / "courses"
HOSTS = ("www.youtube-nocookie.com",)


def problems(folder) -> list[str]:
    with pytest.raises(PackError) as caught:
        load_pack(folder, video_hosts=HOSTS)
    return [str(p) for p in caught.value.problems]


def edit_manifest(folder: Path, **changes) -> None:
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))


def test_valid_pack_loads_in_order(tmp_path):
    pack = load_pack(write_pack(tmp_path, "alpha", modules=2, units_per_module=2), video_hosts=HOSTS)
    assert pack.id == "alpha" and pack.version == "1.0.0"
    assert [m.key for m in pack.modules] == ["m1", "m2"]
    assert [u.key for u in pack.units] == ["m1-u1", "m1-u2", "m2-u1", "m2-u2"]
    assert pack.units[0].preview and not pack.units[1].preview
    assert set(pack.assets) == {"assets/square.svg"}


@pytest.mark.parametrize("name", ["learning-to-learn", "sense-of-initiative", "innovation-and-creativity"])
def test_pilot_courses_are_valid(name):
    pack = load_pack(COURSES / name, video_hosts=HOSTS)
    assert len(pack.modules) >= 4
    assert pack.licence == "CC-BY-SA-4.0"
    for module in pack.modules:
        types = [u.type for u in module.units]
        assert types.count("text") >= 2 and "activity" in types and "discussion" in types
    for unit in pack.units:
        if unit.type == "text":
            assert len(unit.body.split()) >= 350, unit.path


def test_every_problem_is_reported_at_once_with_its_file(tmp_path):
    folder = write_pack(tmp_path, "alpha")
    edit_manifest(folder, title=None, version="one", effort_hours_per_week=0)
    unit = folder / "units/m1/02-m1-u2.md"
    unit.write_text(unit.read_text().replace("minutes: 10", "minutes: -3"))
    found = problems(folder)
    assert "course.yaml: title: is required" in found
    assert any(p.startswith("course.yaml: version:") for p in found)
    assert any(p.startswith("course.yaml: effort_hours_per_week:") for p in found)
    assert "units/m1/02-m1-u2.md: front matter: minutes: must be a positive integer" in found


def test_duplicate_unit_ids(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, unit_keys=["same-id", "same-id"])
    assert any("unit id 'same-id' is already used" in p for p in problems(folder))


def test_missing_unit_file_and_escaping_paths(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=1)
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    manifest["modules"][0]["units"] += ["units/m1/missing.md", "../outside.md", "/etc/passwd"]
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest))
    found = problems(folder)
    assert "units/m1/missing.md: unit file is missing" in found
    assert sum("must be a path inside the pack" in p for p in found) == 2


def test_unknown_citation_and_missing_asset(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=1)
    unit = folder / "units/m1/01-m1-u1.md"
    unit.write_text(unit.read_text() + "\nAs shown [@nobody]. ![Chart](assets/chart.png)\n")
    found = problems(folder)
    assert any("cites [@nobody]" in p and p.startswith("units/m1/01-m1-u1.md:10:") for p in found)
    assert any("assets/chart.png, which is not in the pack" in p for p in found)


def test_front_matter_problems(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=3)
    (folder / "units/m1/01-m1-u1.md").write_text("No front matter here.\n")
    (folder / "units/m1/02-m1-u2.md").write_text("---\nid: [unclosed\n---\nBody\n")
    (folder / "units/m1/03-m1-u3.md").write_bytes(b"---\nid: x\n---\n\xff\xfe not utf-8")
    found = problems(folder)
    assert "units/m1/01-m1-u1.md:1: must start with front matter between '---' lines" in found
    assert any(p.startswith("units/m1/02-m1-u2.md") and "not valid YAML" in p for p in found)
    assert any(p.startswith("units/m1/03-m1-u3.md") and "is not UTF-8" in p for p in found)


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    folder = write_pack(tmp_path, "alpha")
    (folder / "course.yaml").write_text("!!python/object/apply:os.system ['echo hacked']\n")
    assert any("not valid YAML" in p for p in problems(folder))


def test_video_host_allow_list_and_transcript(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, extra_files={
        "units/m1/02-m1-u2.md": "---\nid: m1-u2\ntitle: A video\ntype: video\nminutes: 5\n"
                                "video: {url: 'https://evil.example/embed/1'}\n---\nWatch.\n"})
    found = problems(folder)
    assert any("video host 'evil.example' is not in the allow-list" in p for p in found)
    assert any("a video needs a transcript" in p for p in found)


def test_video_unit_renders_embed_and_transcript(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, extra_files={
        "assets/t.md": "Hello, **world**.",
        "units/m1/02-m1-u2.md": "---\nid: m1-u2\ntitle: A video\ntype: video\nminutes: 5\n"
                                "video: {url: 'https://www.youtube-nocookie.com/embed/x', transcript: assets/t.md}\n"
                                "---\nWatch.\n"})
    pack = load_pack(folder, video_hosts=HOSTS)
    render_pack(pack, asset_url=lambda a: f"/a/{a.sha256}", unit_url=lambda k: f"/u/{k}", references_url="/r")
    video = pack.units[1].video_html
    assert video["url"] == "https://www.youtube-nocookie.com/embed/x"
    assert "<strong>world</strong>" in video["transcript_html"]


def test_symlinks_and_unknown_asset_types_are_refused(tmp_path):
    folder = write_pack(tmp_path, "alpha")
    (folder / "assets" / "link.svg").symlink_to(folder / "assets" / "square.svg")
    (folder / "assets" / "tool.exe").write_bytes(b"MZ")
    found = problems(folder)
    assert "assets/link.svg: symbolic links are not allowed in a pack" in found
    assert any(p.startswith("assets/tool.exe: asset type .exe is not allowed") for p in found)


def test_rendering_rewrites_pack_links_and_citations(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2)
    unit = folder / "units/m1/01-m1-u1.md"
    unit.write_text(unit.read_text() + "\nSee [the next unit](02-m1-u2.md) and [@ref1]. <script>alert(1)</script>\n")
    pack = load_pack(folder, video_hosts=HOSTS)
    render_pack(pack, asset_url=lambda a: f"/assets/{a.sha256}/square.svg", unit_url=lambda k: f"/u/{k}",
                references_url="/refs")
    html = pack.units[0].html
    assert 'href="/u/m1-u2"' in html
    assert 'href="/refs#ref-ref1">Author, 2020</a>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'src="/assets/{pack.assets["assets/square.svg"].sha256}/square.svg"' in html


def test_not_a_pack(tmp_path):
    found = problems(tmp_path)
    assert found == [f"{tmp_path}: is not a content pack: course.yaml is missing"]
