"""Load a content pack folder into plain data, reporting every problem with its file and line or field.

The format is docs/content-packs.md; the JSON Schemas in schemas/ check each metadata file, checks.py the links
between files, quizzes.py the quizzes, render.py turns the Markdown into sanitised HTML at import.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from . import checks
from .documents import document_problems
from .model import (
    ASSET_TYPES,
    FORMATS,
    TEXT_SUFFIXES,
    UNIT_TYPES,
    Findings,
    Pack,
    PackAssetFile,
    PackError,
    PackModule,
    PackQuiz,
    PackUnit,
    Problem,
    Report,
    Where,
    parse_version,
)
from .quizzes import apply_defaults, check_quiz
from .render import render_pack
from .schema import schema_problems
from .yamlfile import YamlDoc, parse_yaml

__all__ = [
    "ASSET_TYPES", "UNIT_TYPES", "Pack", "PackAssetFile", "PackError", "PackModule", "PackQuiz", "PackUnit",
    "Problem", "Report", "inspect_pack", "load_pack", "parse_version", "render_pack",
]

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)


def load_pack(root: str | Path, *, video_hosts: Iterable[str] = ()) -> Pack:
    """Read and check a pack folder. Raises PackError listing every problem found; the warnings of a pack that
    loads are in `pack.warnings`."""
    report = inspect_pack(root, video_hosts=video_hosts)
    if report.problems or report.pack is None:
        raise PackError(report.problems, report.warnings)
    return report.pack


def inspect_pack(root: str | Path, *, video_hosts: Iterable[str] = ()) -> Report:
    """Read and check a pack folder, returning every problem and warning instead of raising."""
    root = Path(root)
    if not (root / "course.yaml").is_file():
        return Report([Problem(str(root), "is not a content pack: course.yaml is missing")])
    reader = PackReader(root)
    pack = reader.read()
    if pack is not None:
        checks.check_pack(reader, set(video_hosts))
    problems, warnings = _by_file(reader.findings.problems), _by_file(reader.findings.warnings)
    if pack is not None:
        pack.warnings = warnings
    return Report(problems, warnings, pack)


def _by_file(found: list[Problem]) -> list[Problem]:
    """Each file's findings together (files in the order they were first reported), by line within a file."""
    first_seen: dict[str, int] = {}
    for problem in found:
        first_seen.setdefault(problem.file, len(first_seen))
    return sorted(found, key=lambda p: (first_seen[p.file], p.line or 0))


def safe_relative(path_text: Any) -> str | None:
    """A pack-relative posix path, or None when it is absolute or escapes the pack."""
    if not isinstance(path_text, str) or not path_text or "\\" in path_text or path_text.startswith("/"):
        return None
    if re.match(r"^[A-Za-z]:", path_text) or "\0" in path_text:
        return None
    normal = posixpath.normpath(path_text)
    if normal.startswith("../") or normal in ("..", ".") or PurePosixPath(normal).is_absolute():
        return None
    return normal


@dataclass
class PackReader:
    """Reads one pack folder. Keeps the parsed YAML of each file so that later checks can name lines."""

    root: Path
    findings: Findings = field(default_factory=Findings)
    files: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # every UTF-8 text file, by pack path
    assets: dict[str, PackAssetFile] = field(default_factory=dict)
    manifest: YamlDoc | None = None
    unit_docs: dict[str, YamlDoc] = field(default_factory=dict)
    quiz_docs: dict[str, YamlDoc] = field(default_factory=dict)
    quiz_units: dict[str, str] = field(default_factory=dict)  # quiz file -> the unit that names it
    pack: Pack | None = None

    @property
    def read_pack(self) -> Pack:
        """The pack that read() built; the checks across files run only once it has."""
        if self.pack is None:
            raise RuntimeError("the pack has not been read (or course.yaml could not be)")
        return self.pack

    @property
    def manifest_doc(self) -> YamlDoc:
        """The parsed course.yaml, once read() has found it."""
        if self.manifest is None:
            raise RuntimeError("course.yaml has not been read")
        return self.manifest

    def read(self) -> Pack | None:
        self._scan()
        manifest = self._yaml("course.yaml", "course")
        if manifest is None or not isinstance(manifest.data, dict):
            return None
        self.manifest, data = manifest, manifest.data
        competences = [{"framework": _text(c.get("framework")), "code": str(c.get("code", "")),
                        "name": _text(c.get("name"))} for c in _dicts(data.get("competences"))]
        self.pack = Pack(
            self.root, _text(data.get("id")), _text(data.get("title")), _text(data.get("version")),
            _text(data.get("language")), _text(data.get("summary")), _text(data.get("description")),
            _outcomes(data.get("outcomes")), competences, _int(data.get("effort_hours_per_week")),
            _int(data.get("duration_weeks")), _text(data.get("licence")),
            [dict(a) for a in _dicts(data.get("authors"))], self._enrolment(data.get("enrolment")),
            self._modules(data.get("modules")), self._references(), self.assets,
            completion=_completion(data.get("completion")), partners=[dict(p) for p in _dicts(data.get("partners"))],
            micro_credential=_micro_credential(data.get("micro_credential")),
            card_image=safe_relative(data.get("card_image")) or _text(data.get("card_image")),
            format=data["format"] if data.get("format") in FORMATS else 1,
        )
        self._quizzes()
        return self.pack

    # files -------------------------------------------------------------------------------------------------

    def _scan(self) -> None:
        for folder, dirnames, filenames in os.walk(self.root, followlinks=False):
            base = Path(folder)
            for name in sorted(dirnames):
                if (base / name).is_symlink():
                    self.findings.problem(self._rel(base / name), "symbolic links are not allowed in a pack")
                    dirnames.remove(name)
            dirnames.sort()
            for name in sorted(filenames):
                self._scan_file(base / name)

    def _scan_file(self, path: Path) -> None:
        rel = self._rel(path)
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            self.findings.problem(rel, "symbolic links are not allowed in a pack")
            return
        if not stat.S_ISREG(mode):
            self.findings.problem(rel, "is not a regular file")
            return
        if rel != path.relative_to(self.root).as_posix():
            self.findings.problem(rel, "file names must be UTF-8")
            return
        self.files.append(rel)
        data = path.read_bytes()
        if path.suffix.lower() in TEXT_SUFFIXES:
            try:
                self.texts[rel] = data.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                self.findings.problem(rel, f"is not UTF-8 (byte {error.start}); save the file as UTF-8", line=line)
        if rel.startswith("assets/"):
            content_type = ASSET_TYPES.get(path.suffix.lower())
            if content_type is None:
                self.findings.problem(rel, f"asset type {path.suffix or '(none)'} is not allowed; allowed: "
                                      + ", ".join(sorted(ASSET_TYPES)))
                return
            for message in document_problems(path.suffix, data):
                self.findings.problem(rel, message)
            self.assets[rel] = PackAssetFile(rel, hashlib.sha256(data).hexdigest(), len(data), content_type, path)

    def _rel(self, path: Path) -> str:
        rel = path.relative_to(self.root).as_posix()
        # A name that is not UTF-8 arrives with surrogate escapes; show its bytes instead of failing to print.
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    def _yaml(self, rel: str, schema: str, *, text: str | None = None, first_line: int = 1) -> YamlDoc | None:
        text = self.texts.get(rel) if text is None else text
        if text is None:
            if rel not in self.files:  # a file that is not UTF-8 has been reported already
                self.findings.problem(rel, "file is missing")
            return None
        doc, problems = parse_yaml(text, rel, first_line=first_line)
        self.findings.problems.extend(problems)
        if doc is not None:
            self.findings.problems.extend(schema_problems(schema, doc))
        return doc

    # course.yaml -------------------------------------------------------------------------------------------

    def _enrolment(self, raw: Any) -> dict[str, Any]:
        raw = raw if isinstance(raw, dict) else {}
        mode = raw.get("mode") if raw.get("mode") in ("open", "invitation", "window") else "open"
        result: dict[str, Any] = {"mode": mode}
        for key in ("opens", "closes"):
            if isinstance(raw.get(key), str):
                try:
                    value = datetime.fromisoformat(raw[key].replace("Z", "+00:00"))
                except ValueError:
                    self.findings.problem("course.yaml", "must be a date and time such as 2026-01-10T00:00:00Z",
                                          line=self.manifest_doc.line(["enrolment", key]), field=f"enrolment.{key}")
                    continue
                result[key] = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        if "opens" in result and "closes" in result and result["closes"] <= result["opens"]:
            self.findings.problem("course.yaml", "closes must be after opens",
                                  line=self.manifest_doc.line(["enrolment", "closes"]), field="enrolment.closes")
        return result

    def _references(self) -> list[dict[str, str]]:
        if "references.yaml" not in self.files:
            return []
        doc = self._yaml("references.yaml", "references")
        found: list[dict[str, str]] = []
        keys: dict[str, int] = {}
        if doc is None or not isinstance(doc.data, list):
            return found
        for i, item in enumerate(doc.data):
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                continue
            key = item["key"]
            if key in keys:
                self.findings.problem("references.yaml", f"key {key!r} is already used by [{keys[key]}]",
                                      line=doc.line([i, "key"]), field=f"[{i}].key")
                continue
            keys[key] = i
            found.append({"key": key, "short": _text(item.get("short")), "citation": _text(item.get("citation")),
                          "url": _text(item.get("url"))})
        return found

    def _modules(self, raw: Any) -> list[PackModule]:
        modules: list[PackModule] = []
        listed: dict[str, str] = {}  # unit path -> the field that lists it
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(item, dict):
                continue
            module = PackModule(_text(item.get("id")), _text(item.get("title")), _text(item.get("summary")),
                                _outcomes(item.get("outcomes")), [str(c) for c in _list(item.get("competences"))])
            for j, unit_path in enumerate(_list(item.get("units"))):
                field = f"modules[{i}].units[{j}]"
                where: Where = {"line": self.manifest_doc.line(["modules", i, "units", j]), "field": field}
                rel = safe_relative(unit_path)
                if rel is None:
                    self.findings.problem("course.yaml", f"{unit_path!r} must be a path inside the pack", **where)
                elif rel in listed:
                    self.findings.problem("course.yaml", f"{rel} is already listed at {listed[rel]}", **where)
                elif rel.endswith(".md"):
                    listed[rel] = field
                    unit = self._read_unit(rel)
                    if unit is not None:
                        module.units.append(unit)
            modules.append(module)
        return modules

    # units and quizzes -------------------------------------------------------------------------------------

    def _read_unit(self, rel: str) -> PackUnit | None:
        text = self.texts.get(rel)
        if text is None:
            if rel not in self.files:
                self.findings.problem(rel, "unit file is missing")
            return None
        match = FRONT_MATTER.match(text)
        if not match:
            self.findings.problem(rel, "must start with front matter between '---' lines", line=1)
            return None
        doc = self._yaml(rel, "unit-front-matter", text=match.group(1), first_line=2)
        if doc is None or not isinstance(doc.data, dict):
            return None
        self.unit_docs[rel] = doc
        meta = doc.data
        body_line = text[: match.end()].count("\n") + 1
        minutes = meta.get("minutes")
        return PackUnit(
            key=_text(meta.get("id")), title=_text(meta.get("title")), type=_text(meta.get("type")),
            minutes=minutes if isinstance(minutes, int) and not isinstance(minutes, bool) else 0,
            preview=meta.get("preview") is True, body=text[match.end():], path=rel, body_line=body_line,
            video=_dict(meta.get("video")), facilitator_notes=_text(meta.get("facilitator_notes")),
            session=_dict(meta.get("session")), participation=_dict(meta.get("participation")),
            assignment=_dict(meta.get("assignment")),
        )

    def _quizzes(self) -> None:
        attached = self.quiz_units
        for unit in self.read_pack.units:
            doc = self.unit_docs[unit.path]
            quiz_path = doc.data.get("quiz")
            if unit.type != "quiz" or not isinstance(quiz_path, str):
                continue
            where: Where = {"line": doc.line(["quiz"]), "field": "quiz"}
            rel = safe_relative(quiz_path)
            if rel is None or not rel.startswith("quizzes/"):
                self.findings.problem(unit.path, f"{quiz_path!r} must be a path inside the pack's quizzes/ folder",
                                      **where)
                continue
            if rel in attached:
                self.findings.problem(unit.path, f"{rel} is already the quiz of unit {attached[rel]!r}", **where)
                continue
            attached[rel] = unit.key
            if rel not in self.files:
                self.findings.problem(unit.path, f"quiz file {rel} is missing", **where)
                continue
            before = len(self.findings.problems)
            quiz_doc = self._yaml(rel, "quiz")
            if quiz_doc is None or not isinstance(quiz_doc.data, dict):
                continue
            self.quiz_docs[rel] = quiz_doc
            check_quiz(quiz_doc, self.findings)
            quiz_id = quiz_doc.data.get("id")
            if isinstance(quiz_id, str):
                unit.quiz = quiz_id
                if quiz_id in self.read_pack.quizzes:
                    self.findings.problem(rel, f"quiz id {quiz_id!r} is already used by "
                                          f"{self.read_pack.quizzes[quiz_id].path}",
                                          line=quiz_doc.line(["id"]), field="id")
                elif len(self.findings.problems) == before:
                    apply_defaults(quiz_doc.data)
                    self.read_pack.quizzes[quiz_id] = PackQuiz(quiz_id, rel, unit.key, quiz_doc.data)


def _completion(raw: Any) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    units = raw.get("required_units", "all")
    return {
        "required_units": units if units == "all" else [str(u) for u in _list(units)],
        "quizzes_to_pass": [str(q) for q in _list(raw.get("quizzes_to_pass"))],
        "participation": _text(raw.get("participation")),
        # Resolved to unit ids by teaching_checks once the units are read.
        "discussions": raw.get("discussions", []),
        "assignments": [],
    }


def _micro_credential(raw: Any) -> dict[str, Any]:
    """The block as written, with only values of the right type (the schema reports the others)."""
    raw = raw if isinstance(raw, dict) else {}
    found: dict[str, Any] = {}
    if _text(raw.get("quality_assurance")):
        found["quality_assurance"] = _text(raw["quality_assurance"])
    for key in ("workload_hours", "ects"):
        value = raw.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            found[key] = int(value) if float(value).is_integer() else float(value)
    level = raw.get("eqf_level")
    if isinstance(level, (int, float)) and not isinstance(level, bool) and float(level).is_integer() \
            and 1 <= level <= 8:
        found["eqf_level"] = int(level)
    return found


def _outcomes(value: Any) -> list[dict[str, Any]]:
    """Outcomes as {id, text}: a format 2 outcome has its id; one written as plain text has id None."""
    found = []
    for item in _list(value):
        if isinstance(item, str) and item.strip():
            found.append({"id": None, "text": item.strip()})
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            found.append({"id": item.get("id") if isinstance(item.get("id"), str) else None,
                          "text": item["text"].strip()})
    return found


def _dict(value: Any) -> dict | None:
    return value if isinstance(value, dict) else None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict]:
    return [v for v in _list(value) if isinstance(v, dict)]
