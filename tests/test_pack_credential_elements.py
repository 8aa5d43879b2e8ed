"""What a pack tells certificates: the `micro_credential` block (ECTS, EQF level, workload, quality assurance) and
the partners' countries and logos are checked like every other field, each problem with its file, line and field;
a logo is judged by its content (PNG or JPEG) and its size before anything decodes it."""
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from moocplatform.content import PackError, load_pack, validate_pack
from tests.test_content_pack import EXAMPLE, HOSTS, edit, line_of, warnings_of


@pytest.fixture()
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


def problems(folder) -> list[str]:
    with pytest.raises(PackError) as caught:
        load_pack(folder, video_hosts=HOSTS)
    return [str(p) for p in caught.value.problems]


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (23, 43, 77)).save(buffer, "PNG")
    return buffer.getvalue()


BLOCK = """micro_credential:             # optional: what certificates state beyond what the platform derives
  workload_hours: 5           # the notional workload (default: effort_hours_per_week × duration_weeks)
  # ects: 0.2                 # only where ECTS credits are awarded (25–30 hours of work each)
  # eqf_level: 4              # only where a qualifications framework places the course (1–8)
  quality_assurance: Reviewed by the example course team before each version is published.
"""


def with_block(folder: Path, block: str) -> None:
    edit(folder, "course.yaml", BLOCK, block)


def test_the_example_states_its_elements_and_partners_with_logos():
    pack = load_pack(EXAMPLE, video_hosts=HOSTS)
    assert pack.micro_credential == {
        "workload_hours": 5,
        "quality_assurance": "Reviewed by the example course team before each version is published."}
    assert [(p["name"], p["country"], p["logo"]) for p in pack.partners] == [
        ("Example University", "AT", "assets/partner-example-university.png"),
        ("Example Learning Lab", "PT", "assets/partner-example-learning-lab.jpg")]
    assert pack.warnings == []  # the logos count as used assets


@pytest.mark.parametrize(("block", "field", "message"), [
    ("  eqf_level: 9\n", "micro_credential.eqf_level", "must be a level of the European Qualifications Framework"),
    ("  eqf_level: 0\n", "micro_credential.eqf_level", "a whole number from 1 to 8"),
    ("  eqf_level: 4.5\n", "micro_credential.eqf_level", "a whole number from 1 to 8"),
    ("  eqf_level: four\n", "micro_credential.eqf_level", "a whole number from 1 to 8"),
    ("  ects: -1\n", "micro_credential.ects", "must be the ECTS credits awarded, a number above 0"),
    ("  ects: 0\n", "micro_credential.ects", "a number above 0 and at most 60"),
    ("  ects: 90\n", "micro_credential.ects", "a number above 0 and at most 60"),
    ("  ects: 'two'\n", "micro_credential.ects", "a number above 0 and at most 60"),
    ("  workload_hours: 0\n", "micro_credential.workload_hours", "must be the notional workload in hours"),
    ("  eqf_levle: 4\n", "micro_credential.eqf_levle", "is not a field here (did you mean 'eqf_level'?)"),
])
def test_bad_micro_credential_values_are_refused_with_their_line(example, block, field, message):
    with_block(example, "micro_credential:\n  quality_assurance: Reviewed.\n" + block)
    line = line_of(example, "course.yaml", block.strip().split(":")[0] + ":")
    found = [p for p in problems(example) if f": {field}: " in p]
    assert found, problems(example)
    assert found[0].startswith(f"course.yaml:{line}: {field}: ") and message in found[0]


def test_the_block_needs_its_quality_assurance(example):
    with_block(example, "micro_credential:\n  workload_hours: 5\n")
    line = line_of(example, "course.yaml", "micro_credential:")
    assert f"course.yaml:{line}: micro_credential.quality_assurance: is required" in problems(example)


def test_ects_must_be_carried_by_the_workload(example):
    with_block(example, "micro_credential:\n  ects: 1\n  quality_assurance: Reviewed.\n")
    line = line_of(example, "course.yaml", "  ects: 1")
    assert problems(example) == [
        f"course.yaml:{line}: micro_credential.ects: 1 ECTS credits stand for at least 25 hours of work (25–30 hours "
        "a credit), but the course's workload is 4 hours: lower ects or state micro_credential.workload_hours"]
    changed = (example / "course.yaml").read_text().replace("  ects: 1\n", "  ects: 1\n  workload_hours: 28\n")
    (example / "course.yaml").write_text(changed)
    assert load_pack(example, video_hosts=HOSTS).micro_credential == {
        "ects": 1, "workload_hours": 28, "quality_assurance": "Reviewed."}
    (example / "course.yaml").write_text(changed.replace("workload_hours: 28", "workload_hours: 80"))
    assert any("80 hours of work are more than 1 ECTS credits stand for" in w for w in warnings_of(example))


def test_an_eqf_level_and_ects_that_hold_load(example):
    with_block(example, "micro_credential:\n  workload_hours: 55\n  ects: 2\n  eqf_level: 5\n"
                        "  quality_assurance: Accredited by an example agency.\n")
    pack = load_pack(example, video_hosts=HOSTS)
    assert pack.micro_credential == {"workload_hours": 55, "ects": 2, "eqf_level": 5,
                                     "quality_assurance": "Accredited by an example agency."}


def logo_problems(example, name: str, data: bytes | None, *, logo: str | None = None) -> list[str]:
    if data is not None:
        (example / "assets" / name).write_bytes(data)
    edit(example, "course.yaml", "logo: assets/partner-example-university.png", f"logo: {logo or 'assets/' + name}")
    report = validate_pack(example, video_hosts=HOSTS)
    return [str(p) for p in report.problems]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><title>Logo</title></svg>',
     "course.yaml:{line}: partners[0].logo: assets/logo.svg must be a PNG or JPEG image: certificates draw raster "
     "logos only"),
    ("logo.png", b"GIF89a not a png at all",
     "assets/logo.png: is not a PNG image: its content is neither PNG nor JPEG"),
    ("logo.png", b"\xff\xd8\xff\xe0 a jpeg header", "assets/logo.png: is a JPEG image under a PNG name"),
    ("logo.jpg", png(200, 200), "assets/logo.jpg: is a PNG image under a JPEG name"),
    ("logo.png", png(200, 200)[:120], "assets/logo.png: cannot be read as a PNG image"),
    ("logo.png", png(3000, 200), "assets/logo.png: is 3000 × 200 pixels; a partner logo may be at most 2500 pixels"),
    ("logo.png", png(8, 8), "assets/logo.png: is 8 × 8 pixels: too small to draw"),
    ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(1100 * 1024), "assets/logo.png: is 1100 KB; a partner logo may be at "
     "most 1024 KB"),
])
def test_a_bad_logo_is_refused_naming_the_file(example, name, data, message):
    line = line_of(example, "course.yaml", "logo: assets/partner-example-university.png")
    found = logo_problems(example, name, data)
    assert any(p.startswith(message.format(line=line)) for p in found), found


def test_a_logo_must_be_an_asset_of_the_pack(example):
    line = line_of(example, "course.yaml", "logo: assets/partner-example-university.png")
    assert f"course.yaml:{line}: partners[0].logo: assets/missing.png is not in the pack's assets/" in \
        logo_problems(example, "missing.png", None)


def test_a_small_logo_is_a_warning_only(example):
    (example / "assets" / "small.png").write_bytes(png(120, 40))
    edit(example, "course.yaml", "logo: assets/partner-example-university.png", "logo: assets/small.png")
    (example / "assets" / "partner-example-university.png").unlink()
    assert warnings_of(example) == [
        "assets/small.png: is 40 pixels high; a certificate draws a logo about 14 mm high, which needs about 150 "
        "pixels to print sharply"]


def test_a_partner_country_is_an_iso_code(example):
    line = line_of(example, "course.yaml", "country: AT")
    edit(example, "course.yaml", "country: AT", "country: XY")
    assert f"course.yaml:{line}: partners[0].country: 'XY' is not an ISO 3166-1 country code" in problems(example)
    edit(example, "course.yaml", "country: XY", "country: at")
    assert any(p.startswith(f"course.yaml:{line}: partners[0].country: must be a two-letter ISO 3166-1 country code")
               for p in problems(example))


def test_the_cli_reports_bad_values_and_logos_together(app, example):
    with_block(example, "micro_credential:\n  eqf_level: 12\n  quality_assurance: Reviewed.\n")
    (example / "assets" / "partner-example-university.png").write_bytes(b"not an image")
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(example)])
    assert result.exit_code == 1
    assert "micro_credential.eqf_level: must be a level of the European Qualifications Framework" in result.output
    assert "assets/partner-example-university.png: is not a PNG image" in result.output
