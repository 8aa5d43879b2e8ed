"""Load a content pack folder into plain data, reporting every problem with its file and line or field."""
from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..html import citations_used, clean_html, render_markdown

STABLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
VERSION = re.compile(r"^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$")
UNIT_TYPES = ("text", "video", "activity", "reflection", "resource", "discussion", "quiz")
ENROLMENT_MODES = ("open", "invitation", "window")
ASSET_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".gif": "image/gif", ".pdf": "application/pdf", ".vtt": "text/vtt",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".csv": "text/csv; charset=utf-8",
}
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class PackError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class PackAssetFile:
    path: str  # relative to the pack, posix
    sha256: str
    size: int
    content_type: str
    source: Path


@dataclass
class PackUnit:
    key: str
    title: str
    type: str
    minutes: int
    preview: bool
    body: str
    path: str
    body_line: int
    video: dict[str, Any] | None = None
    html: str = ""
    video_html: dict[str, Any] | None = None


@dataclass
class PackModule:
    key: str
    title: str
    summary: str
    outcomes: list[str]
    competences: list[str]
    units: list[PackUnit] = field(default_factory=list)


@dataclass
class Pack:
    root: Path
    id: str
    title: str
    version: str
    language: str
    summary: str
    description: str
    outcomes: list[str]
    competences: list[dict[str, str]]
    effort_hours_per_week: int
    duration_weeks: int
    licence: str
    authors: list[dict[str, str]]
    enrolment: dict[str, Any]
    modules: list[PackModule]
    references: list[dict[str, str]]
    assets: dict[str, PackAssetFile]
    description_html: str = ""

    @property
    def units(self) -> list[PackUnit]:
        return [unit for module in self.modules for unit in module.units]

    def digest(self) -> str:
        """A hash of every file's bytes: equal digests mean equal packs."""
        h = hashlib.sha256()
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            h.update(path.relative_to(self.root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH")
    return int(match[1]), int(match[2]), int(match[3])


class _Checker:
    """Collects problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(file, message, line, field))

    def text(self, data: dict, key: str, file: str, *, required=True, max_len: int | None = None, prefix="") -> str:
        value = data.get(key)
        name = prefix + key
        if value is None or value == "":
            if required:
                self.add(file, "is required", field=name)
            return ""
        if not isinstance(value, str):
            self.add(file, "must be text", field=name)
            return str(value)
        if max_len and len(value) > max_len:
            self.add(file, f"must be at most {max_len} characters", field=name)
        return value.strip()

    def integer(self, data: dict, key: str, file: str, low: int, high: int, prefix="") -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(file, f"must be a whole number from {low} to {high}", field=prefix + key)
            return low
        return value

    def stable_id(self, data: dict, key: str, file: str, prefix="") -> str:
        value = data.get(key)
        if not isinstance(value, str) or not STABLE_ID.match(value):
            self.add(file, "must be 2–64 lowercase letters, digits or '-', starting with a letter or digit",
                     field=prefix + key)
            return str(value or "")
        return value

    def string_list(self, data: dict, key: str, file: str, prefix="", required=True) -> list[str]:
        value = data.get(key, [] if not required else None)
        if value is None or (required and value == []):
            self.add(file, "is required (a list)", field=prefix + key)
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(file, "must be a list of texts", field=prefix + key)
            return []
        return [v.strip() for v in value]


def _read_yaml(path: Path, rel: str, check: _Checker) -> Any:
    try:
        raw = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        check.add(rel, "file is missing")
        return None
    except UnicodeDecodeError as error:
        check.add(rel, f"is not UTF-8 (byte {error.start})")
        return None
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        check.add(rel, f"is not valid YAML: {getattr(error, 'problem', error)}",
                  line=(mark.line + 1) if mark else None)
        return None


def _safe_relative(path_text: str) -> str | None:
    """A pack-relative posix path, or None when it is absolute or escapes the pack."""
    if not isinstance(path_text, str) or not path_text or "\\" in path_text or path_text.startswith("/"):
        return None
    normal = posixpath.normpath(path_text)
    if normal.startswith("../") or normal == ".." or PurePosixPath(normal).is_absolute():
        return None
    return normal


def _iter_files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            yield path


def load_pack(root: str | Path, *, video_hosts: Iterable[str] = ()) -> Pack:
    """Read and check a pack folder. Raises PackError listing every problem found."""
    root = Path(root)
    check = _Checker()
    if not (root / "course.yaml").is_file():
        raise PackError([Problem(str(root), "is not a content pack: course.yaml is missing")])

    assets: dict[str, PackAssetFile] = {}
    for path in _iter_files(root):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            check.add(rel, "symbolic links are not allowed in a pack")
            continue
        if rel.startswith("assets/"):
            content_type = ASSET_TYPES.get(path.suffix.lower())
            if content_type is None:
                check.add(rel, f"asset type {path.suffix or '(none)'} is not allowed; allowed: "
                          + ", ".join(sorted(ASSET_TYPES)))
                continue
            data = path.read_bytes()
            assets[rel] = PackAssetFile(rel, hashlib.sha256(data).hexdigest(), len(data), content_type, path)

    manifest = _read_yaml(root / "course.yaml", "course.yaml", check)
    if not isinstance(manifest, dict):
        if manifest is not None:
            check.add("course.yaml", "must be a mapping of fields")
        raise PackError(check.problems)

    m = "course.yaml"
    course_id = check.stable_id(manifest, "id", m)
    title = check.text(manifest, "title", m, max_len=200)
    version = check.text(manifest, "version", m)
    if version:
        try:
            parse_version(version)
        except ValueError as error:
            check.add(m, str(error), field="version")
    language = check.text(manifest, "language", m, max_len=16)
    summary = check.text(manifest, "summary", m, max_len=300)
    description = check.text(manifest, "description", m)
    outcomes = check.string_list(manifest, "outcomes", m)
    effort = check.integer(manifest, "effort_hours_per_week", m, 1, 40)
    duration = check.integer(manifest, "duration_weeks", m, 1, 52)
    licence = check.text(manifest, "licence", m, max_len=64)
    authors = manifest.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, dict) and a.get("name") for a in authors):
        check.add(m, "must be a list of {name: …}", field="authors")
        authors = []
    competences = _competences(manifest, check)
    enrolment = _enrolment(manifest.get("enrolment") or {"mode": "open"}, check)
    references = _references(root, check)
    modules = _modules(root, manifest, {c["code"] for c in competences}, check)

    pack = Pack(root, course_id, title, version, language, summary, description, outcomes, competences, effort,
                duration, licence, authors, enrolment, modules, references, assets)
    _check_units(pack, set(video_hosts), check)
    if check.problems:
        raise PackError(check.problems)
    return pack


def _competences(manifest: dict, check: _Checker) -> list[dict[str, str]]:
    raw = manifest.get("competences")
    if not isinstance(raw, list) or not raw:
        check.add("course.yaml", "is required: a list of {framework, code, name}", field="competences")
        return []
    found = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            check.add("course.yaml", "must be {framework, code, name}", field=f"competences[{i}]")
            continue
        entry = {k: check.text(item, k, "course.yaml", prefix=f"competences[{i}].") for k in ("framework", "name")}
        code = item.get("code")
        if not isinstance(code, (str, int, float)) or str(code).strip() == "":
            check.add("course.yaml", "is required", field=f"competences[{i}].code")
        entry["code"] = str(code)
        found.append(entry)
    return found


def _enrolment(raw: Any, check: _Checker) -> dict[str, Any]:
    if not isinstance(raw, dict):
        check.add("course.yaml", "must be a mapping with a mode", field="enrolment")
        return {"mode": "open"}
    mode = raw.get("mode", "open")
    if mode not in ENROLMENT_MODES:
        check.add("course.yaml", f"must be one of {', '.join(ENROLMENT_MODES)}", field="enrolment.mode")
        mode = "open"
    result: dict[str, Any] = {"mode": mode}
    for key in ("opens", "closes"):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                value = None
        if not isinstance(value, datetime):
            check.add("course.yaml", "must be a date and time such as 2026-01-10T00:00:00Z", field=f"enrolment.{key}")
            continue
        result[key] = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    if mode == "window" and not ("opens" in result or "closes" in result):
        check.add("course.yaml", "mode window needs opens, closes or both", field="enrolment")
    if "opens" in result and "closes" in result and result["closes"] <= result["opens"]:
        check.add("course.yaml", "closes must be after opens", field="enrolment.closes")
    return result


def _references(root: Path, check: _Checker) -> list[dict[str, str]]:
    path = root / "references.yaml"
    if not path.exists():
        return []
    raw = _read_yaml(path, "references.yaml", check)
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add("references.yaml", "must be a list of references")
        return []
    found, keys = [], set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            check.add("references.yaml", "must be {key, short, citation, url}", field=f"[{i}]")
            continue
        key = check.text(item, "key", "references.yaml", prefix=f"[{i}].")
        if key in keys:
            check.add("references.yaml", f"key {key!r} is used twice", field=f"[{i}].key")
        keys.add(key)
        found.append({
            "key": key,
            "short": check.text(item, "short", "references.yaml", prefix=f"[{i}]."),
            "citation": check.text(item, "citation", "references.yaml", prefix=f"[{i}]."),
            "url": check.text(item, "url", "references.yaml", required=False, prefix=f"[{i}]."),
        })
    return found


def _modules(root: Path, manifest: dict, competence_codes: set[str], check: _Checker) -> list[PackModule]:
    raw = manifest.get("modules")
    if not isinstance(raw, list) or not raw:
        check.add("course.yaml", "is required: a list of modules", field="modules")
        return []
    modules: list[PackModule] = []
    module_keys: set[str] = set()
    for i, item in enumerate(raw):
        prefix = f"modules[{i}]."
        if not isinstance(item, dict):
            check.add("course.yaml", "must be a mapping", field=f"modules[{i}]")
            continue
        key = check.stable_id(item, "id", "course.yaml", prefix=prefix)
        if key in module_keys:
            check.add("course.yaml", f"module id {key!r} is used twice", field=prefix + "id")
        module_keys.add(key)
        codes = [str(c) for c in item.get("competences") or []]
        for code in codes:
            if code not in competence_codes:
                check.add("course.yaml", f"competence {code!r} is not among the course's competences",
                          field=prefix + "competences")
        module = PackModule(
            key=key,
            title=check.text(item, "title", "course.yaml", max_len=200, prefix=prefix),
            summary=check.text(item, "summary", "course.yaml", required=False, prefix=prefix),
            outcomes=check.string_list(item, "outcomes", "course.yaml", prefix=prefix, required=False),
            competences=codes,
        )
        unit_paths = item.get("units")
        if not isinstance(unit_paths, list) or not unit_paths:
            check.add("course.yaml", "is required: a list of unit files", field=prefix + "units")
            unit_paths = []
        for j, unit_path in enumerate(unit_paths):
            rel = _safe_relative(unit_path)
            if rel is None:
                check.add("course.yaml", f"{unit_path!r} must be a path inside the pack", field=f"{prefix}units[{j}]")
                continue
            unit = _read_unit(root, rel, check)
            if unit is not None:
                module.units.append(unit)
        modules.append(module)
    return modules


def _read_unit(root: Path, rel: str, check: _Checker) -> PackUnit | None:
    path = root / rel
    if not path.is_file() or path.is_symlink():
        check.add(rel, "unit file is missing")
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        check.add(rel, f"is not UTF-8 (byte {error.start})")
        return None
    match = FRONT_MATTER.match(text)
    if not match:
        check.add(rel, "must start with front matter between '---' lines", line=1)
        return None
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        check.add(rel, f"front matter: not valid YAML: {getattr(error, 'problem', error)}",
                  line=(mark.line + 2) if mark else 1)
        return None
    if not isinstance(meta, dict):
        check.add(rel, "front matter: must be a mapping of fields", line=1)
        return None
    before = len(check.problems)
    key = check.stable_id(meta, "id", rel, prefix="front matter: ")
    title = check.text(meta, "title", rel, max_len=200, prefix="front matter: ")
    unit_type = meta.get("type")
    if unit_type not in UNIT_TYPES:
        check.add(rel, f"must be one of {', '.join(UNIT_TYPES)}", field="front matter: type")
    minutes = meta.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        check.add(rel, "must be a positive integer", field="front matter: minutes")
    preview = meta.get("preview", False)
    if not isinstance(preview, bool):
        check.add(rel, "must be true or false", field="front matter: preview")
    video = meta.get("video")
    if unit_type == "video" and not isinstance(video, dict):
        check.add(rel, "a video unit needs video: {url, transcript}", field="front matter: video")
    if len(check.problems) > before:
        return None
    body_line = text[: match.end()].count("\n") + 1
    return PackUnit(key, title, unit_type, minutes, preview, text[match.end():], rel, body_line, video)


def _check_units(pack: Pack, video_hosts: set[str], check: _Checker) -> None:
    seen: dict[str, str] = {}
    reference_keys = {r["key"] for r in pack.references}
    for unit in pack.units:
        if unit.key in seen:
            check.add(unit.path, f"unit id {unit.key!r} is already used by {seen[unit.key]}",
                      field="front matter: id")
        seen[unit.key] = unit.path
        for key in citations_used(unit.body):
            if key not in reference_keys:
                check.add(unit.path, f"cites [@{key}], which is not in references.yaml", line=_line_of(unit, f"[@{key}]"))
        for target in re.findall(r"\]\((assets/[^)\s]+)", unit.body):
            if target not in pack.assets:
                check.add(unit.path, f"refers to {target}, which is not in the pack", line=_line_of(unit, target))
        if unit.video:
            url = str(unit.video.get("url", ""))
            parts = urlsplit(url)
            if parts.scheme != "https" or parts.hostname not in video_hosts:
                check.add(unit.path, f"video host {parts.hostname or url!r} is not in the allow-list "
                          f"({', '.join(sorted(video_hosts)) or 'empty'})", field="front matter: video.url")
            transcript = unit.video.get("transcript")
            if not transcript:
                check.add(unit.path, "a video needs a transcript", field="front matter: video.transcript")
            elif transcript not in pack.assets:
                check.add(unit.path, f"transcript {transcript} is not in the pack", field="front matter: video.transcript")


def _line_of(unit: PackUnit, needle: str) -> int | None:
    index = unit.body.find(needle)
    return unit.body_line + unit.body[:index].count("\n") if index >= 0 else None


def render_pack(
    pack: Pack,
    *,
    asset_url: Callable[[PackAssetFile], str],
    unit_url: Callable[[str], str],
    references_url: str,
) -> None:
    """Render every unit's Markdown (and the description) to sanitised HTML, once, in place."""
    units_by_path = {unit.path: unit.key for unit in pack.units}
    citations = {r["key"]: (r["short"], f"{references_url}#ref-{r['key']}") for r in pack.references}

    def rewriter(base: str) -> Callable[[str], str]:
        def rewrite(url: str) -> str:
            if not url or urlsplit(url).scheme or url.startswith(("#", "/")):
                return url
            target, _, fragment = url.partition("#")
            for candidate in (target, posixpath.normpath(posixpath.join(posixpath.dirname(base), target))):
                if candidate in pack.assets:
                    return asset_url(pack.assets[candidate])
                if candidate in units_by_path:
                    return unit_url(units_by_path[candidate]) + (f"#{fragment}" if fragment else "")
            return url
        return rewrite

    pack.description_html = render_markdown(pack.description, rewrite_url=rewriter(""), citations=citations)
    for unit in pack.units:
        unit.html = render_markdown(unit.body, rewrite_url=rewriter(unit.path), citations=citations)
        if unit.video:
            transcript = pack.assets[unit.video["transcript"]]
            transcript_text = transcript.source.read_text("utf-8")
            if transcript.path.endswith(".md"):
                transcript_html = render_markdown(transcript_text, citations=citations)
            else:
                transcript_html = clean_html("<pre>" + _escape(transcript_text) + "</pre>")
            unit.video_html = {
                "url": unit.video["url"],
                "title": unit.video.get("title") or unit.title,
                "transcript_html": transcript_html,
                "transcript_url": asset_url(transcript),
            }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
