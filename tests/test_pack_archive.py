"""Uploaded .zip packs are hostile input: every limit and naming rule refuses a crafted archive before anything
is extracted, and a damaged archive leaves nothing behind."""
import inspect
import shutil
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from moocplatform.content import ArchiveError, archive, load_pack, open_pack, validate_pack

EXAMPLE = Path(__file__).resolve().parent / "packs" / "valid-example"
HOSTS = ("www.youtube-nocookie.com",)
MINIMAL = [("course.yaml", b"id: x\n")]


def make_zip(path: Path, entries, *, method=zipfile.ZIP_DEFLATED) -> Path:
    """entries: (name, bytes) or (ZipInfo, bytes)."""
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def zip_folder(folder: Path, target: Path, *, top: str | None = None) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                zf.write(path, f"{top}/{rel}" if top else rel)
    return target


def refused(path: Path, into: Path, **limits) -> list[str]:
    with pytest.raises(ArchiveError) as caught:
        open_pack(path, into, **limits)
    assert not into.exists() or not any(into.iterdir()), "nothing may be extracted from a refused archive"
    return [str(p) for p in caught.value.problems]


@pytest.fixture()
def into(tmp_path) -> Path:
    return tmp_path / "extracted"


def test_default_limits_are_the_specified_ones():
    mb = 1024 * 1024
    assert 100 * mb == archive.MAX_COMPRESSED_BYTES
    assert 500 * mb == archive.MAX_UNCOMPRESSED_BYTES
    assert archive.MAX_FILES == 2000
    assert archive.MAX_RATIO == 100
    assert 20 * mb == archive.MAX_FILE_BYTES
    defaults = {name: p.default for name, p in inspect.signature(open_pack).parameters.items()}
    assert defaults["max_compressed_bytes"] == archive.MAX_COMPRESSED_BYTES
    assert defaults["max_uncompressed_bytes"] == archive.MAX_UNCOMPRESSED_BYTES
    assert defaults["max_files"] == archive.MAX_FILES
    assert defaults["max_ratio"] == archive.MAX_RATIO
    assert defaults["max_file_bytes"] == archive.MAX_FILE_BYTES


def test_valid_zip_with_a_top_folder_opens_and_loads(tmp_path, into):
    path = zip_folder(EXAMPLE, tmp_path / "example.zip", top="valid-example")
    root = open_pack(path, into)
    assert root == into / "valid-example"
    pack = load_pack(root, video_hosts=HOSTS)
    assert pack.id == "example-course" and "ex-check" in pack.quizzes


def test_valid_zip_with_the_pack_at_its_top(tmp_path, into):
    path = zip_folder(EXAMPLE, tmp_path / "example.zip")
    assert open_pack(path, into) == into
    assert (into / "course.yaml").is_file()


def test_a_folder_is_used_as_it_is(tmp_path, into):
    assert open_pack(EXAMPLE, into) == EXAMPLE


def test_validate_pack_reads_a_zip(tmp_path):
    report = validate_pack(zip_folder(EXAMPLE, tmp_path / "example.zip", top="x"), video_hosts=HOSTS)
    assert report.ok and report.warnings == [] and report.pack.id == "example-course"


def test_macos_extras_are_not_extracted(tmp_path, into):
    path = make_zip(tmp_path / "mac.zip", [("pack/course.yaml", b"id: x\n"), ("__MACOSX/pack/._course.yaml", b"x"),
                                           ("pack/.DS_Store", b"x")])
    assert open_pack(path, into) == into / "pack"
    assert sorted(p.name for p in into.rglob("*")) == ["course.yaml", "pack"]


def test_zip_without_a_pack(tmp_path, into):
    path = make_zip(tmp_path / "two.zip", [("a/course.yaml", b""), ("b/course.yaml", b"")])
    assert refused(path, into) == ["two.zip: course.yaml is neither at the top of the archive nor inside its one "
                                   "top folder"]


def test_not_a_zip(tmp_path, into):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ArchiveError, match="neither a pack folder nor a .zip"):
        open_pack(tmp_path / "notes.txt", into)


def test_target_folder_must_be_empty(tmp_path, into):
    into.mkdir()
    (into / "old").write_text("x")
    with pytest.raises(ValueError):
        open_pack(make_zip(tmp_path / "a.zip", MINIMAL), into)


# limits ----------------------------------------------------------------------------------------------------

def test_archive_too_large(tmp_path, into):
    path = make_zip(tmp_path / "big.zip", MINIMAL + [("assets/a.txt", b"x" * 50)], method=zipfile.ZIP_STORED)
    found = refused(path, into, max_compressed_bytes=100)
    assert len(found) == 1 and "an archive may have at most 100 bytes" in found[0]


def test_too_many_entries(tmp_path, into):
    path = make_zip(tmp_path / "many.zip", MINIMAL + [(f"assets/{i}.txt", b"x") for i in range(3)])
    assert refused(path, into, max_files=3) == ["many.zip: has 4 entries; at most 3 files and folders are allowed"]


def test_file_too_large(tmp_path, into):
    path = make_zip(tmp_path / "f.zip", MINIMAL + [("assets/big.txt", b"0123456789A")], method=zipfile.ZIP_STORED)
    assert refused(path, into, max_file_bytes=10) == [
        "f.zip: entry 'assets/big.txt': is 11 bytes; a file may have at most 10 bytes"]


def test_too_much_uncompressed(tmp_path, into):
    path = make_zip(tmp_path / "u.zip", MINIMAL + [(f"assets/{i}.txt", b"x" * 10) for i in range(3)],
                    method=zipfile.ZIP_STORED)
    assert refused(path, into, max_uncompressed_bytes=30) == ["u.zip: extracts to 36 bytes; at most 30 are allowed"]


def test_zip_bomb_is_refused_by_its_ratio(tmp_path, into):
    path = make_zip(tmp_path / "bomb.zip", MINIMAL + [("assets/zeros.txt", bytes(2 * 1024 * 1024))])
    found = refused(path, into)
    assert any("entry 'assets/zeros.txt': compresses" in p and "at most 100:1" in p for p in found)
    assert any("the whole archive compresses" in p for p in found)


def test_ratio_limit_can_be_lowered(tmp_path, into):
    path = make_zip(tmp_path / "r.zip", MINIMAL + [("assets/a.txt", b"a" * 400)])
    assert any("compresses" in p for p in refused(path, into, max_ratio=5))


# names and entry types -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "reason"), [
    ("../evil.txt", "leaves the pack"),
    ("pack/../../evil.txt", "leaves the pack"),
    ("/etc/evil.txt", "is absolute"),
    ("C:/evil.txt", "is absolute"),
    ("pack\\..\\evil.txt", "backslash"),
    ("pack//evil.txt", "empty or '.' part"),
])
def test_zip_slip_is_refused(tmp_path, into, name, reason):
    path = make_zip(tmp_path / "slip.zip", MINIMAL + [(name, b"owned")])
    found = refused(path, into)
    assert len(found) == 1 and found[0].startswith(f"slip.zip: entry {name!r}:") and reason in found[0]
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_entry_is_refused(tmp_path, into):
    link = zipfile.ZipInfo("assets/passwd")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(tmp_path / "link.zip", MINIMAL + [(link, b"/etc/passwd")])
    assert refused(path, into) == ["link.zip: entry 'assets/passwd': is a symbolic link; links are not allowed "
                                   "in a pack"]


def set_flag_bits(path: Path, entry: int, bits: int) -> None:
    """Set general purpose flag bits of one entry in its local header and in the central directory
    (zipfile resets them when writing)."""
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = -1
        for _ in range(entry + 1):
            start = raw.find(signature, start + 1)
        flags = int.from_bytes(raw[start + offset:start + offset + 2], "little") | bits
        raw[start + offset:start + offset + 2] = flags.to_bytes(2, "little")
    path.write_bytes(bytes(raw))


def test_special_files_and_encrypted_entries_are_refused(tmp_path, into):
    fifo = zipfile.ZipInfo("assets/pipe")
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    path = make_zip(tmp_path / "odd.zip", MINIMAL + [(fifo, b""), ("assets/secret.txt", b"x")])
    set_flag_bits(path, 2, 0x1)
    found = refused(path, into)
    assert any("'assets/pipe': is not a regular file" in p for p in found)
    assert any("'assets/secret.txt': is encrypted" in p for p in found)


def test_duplicate_names_are_refused(tmp_path, into):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate we write on purpose
        path = make_zip(tmp_path / "dup.zip", MINIMAL + [("assets/a.txt", b"1"), ("assets/a.txt", b"2")])
    assert refused(path, into) == ["dup.zip: entry 'assets/a.txt': has the same name as 'assets/a.txt'"]


def test_names_that_differ_only_in_case_are_refused(tmp_path, into):
    path = make_zip(tmp_path / "case.zip", MINIMAL + [("assets/Photo.svg", b"1"), ("assets/photo.SVG", b"2")])
    assert refused(path, into) == [
        "case.zip: entry 'assets/photo.SVG': has a name that differs only in case from 'assets/Photo.svg'"]


def test_a_file_cannot_also_be_a_folder(tmp_path, into):
    path = make_zip(tmp_path / "clash.zip", MINIMAL + [("assets", b"1"), ("assets/a.txt", b"2")])
    assert refused(path, into) == ["clash.zip: entry 'assets/a.txt': lies inside 'assets', which is a file"]


def test_non_utf8_name_is_refused(tmp_path, into):
    # zipfile writes ASCII names without the UTF-8 flag; put a Latin-1 byte in place of the '?' afterwards.
    path = make_zip(tmp_path / "latin1.zip", MINIMAL + [("assets/caf?.txt", b"x")])
    path.write_bytes(path.read_bytes().replace(b"caf?", b"caf\xe9"))
    found = refused(path, into)
    assert len(found) == 1 and "assets/caf" in found[0] and "its name is not UTF-8" in found[0]


def test_name_flagged_utf8_but_invalid_is_refused(tmp_path, into):
    path = make_zip(tmp_path / "bad.zip", MINIMAL + [("assets/é?.txt", b"x")])  # non-ASCII: flagged UTF-8
    path.write_bytes(path.read_bytes().replace("é?".encode(), b"\xff\xfe?"))
    assert refused(path, into) == ["bad.zip: entry 'assets/\\xff\\xfe?.txt': its name is marked UTF-8 but is not"]


# damaged archives ------------------------------------------------------------------------------------------

def test_truncated_archive(tmp_path, into):
    path = zip_folder(EXAMPLE, tmp_path / "cut.zip")
    path.write_bytes(path.read_bytes()[:-40])
    found = refused(path, into)
    assert len(found) == 1 and found[0].startswith("cut.zip: is not a zip archive, or it is truncated or damaged")


def test_crc_error_while_extracting_leaves_nothing_behind(tmp_path, into):
    data = b"the original content of a transcript " * 4
    path = make_zip(tmp_path / "crc.zip", MINIMAL + [("assets/t.txt", data)], method=zipfile.ZIP_STORED)
    path.write_bytes(path.read_bytes().replace(data, data.replace(b"original", b"ORIGINAL")))
    found = refused(path, into)
    assert len(found) == 1 and "entry 'assets/t.txt': is damaged" in found[0] and "CRC" in found[0]


def test_header_that_understates_the_size_is_caught_while_extracting(tmp_path, into):
    data = b"A" * 64
    path = make_zip(tmp_path / "liar.zip", MINIMAL + [("assets/t.txt", data)], method=zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    # Patch the uncompressed size (64) to 8 in the local header and the central directory of that entry.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = raw.find(signature, raw.find(signature) + 1)  # the second entry's header
        assert raw[start + offset:start + offset + 4] == (64).to_bytes(4, "little")
        raw[start + offset:start + offset + 4] = (8).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    found = refused(path, into)
    assert len(found) == 1 and "entry 'assets/t.txt'" in found[0]


def test_validate_pack_reports_a_refused_archive(tmp_path):
    path = make_zip(tmp_path / "slip.zip", MINIMAL + [("../evil.txt", b"x")])
    report = validate_pack(path, video_hosts=HOSTS)
    assert not report.ok and report.pack is None
    assert [str(p) for p in report.problems] == ["slip.zip: entry '../evil.txt': its path leaves the pack (..)"]


def test_every_bad_entry_is_named_at_once(tmp_path, into):
    link = zipfile.ZipInfo("assets/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(tmp_path / "all.zip", MINIMAL + [("../a", b""), ("/b", b""), (link, b"x")])
    assert len(refused(path, into)) == 3


def test_extracted_tree_stays_inside_the_target(tmp_path, into):
    path = zip_folder(EXAMPLE, tmp_path / "example.zip", top="valid-example")
    root = open_pack(path, into)
    for extracted in into.rglob("*"):
        assert into.resolve() in extracted.resolve().parents
    shutil.rmtree(root)
