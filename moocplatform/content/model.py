"""The plain data a content pack loads into, and the problems found on the way. No Flask, no I/O here."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

VERSION = re.compile(r"^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$")
FORMATS = (1, 2)
CURRENT_FORMAT = 2
UNIT_TYPES = ("text", "video", "activity", "reflection", "resource", "discussion", "quiz", "references")
ASSET_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".gif": "image/gif", ".pdf": "application/pdf", ".vtt": "text/vtt",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".csv": "text/csv; charset=utf-8",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# Assets a course card may show (course.yaml's card_image).
CARD_IMAGE_TYPES = frozenset({".svg", ".png", ".jpg", ".jpeg"})
# Partner logos (course.yaml's partners[].logo): drawn on certificates, so raster images only, judged by content.
LOGO_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
# Files read as text anywhere in a pack; each must be UTF-8.
TEXT_SUFFIXES = frozenset({".md", ".yaml", ".yml", ".txt", ".vtt", ".csv", ".svg"})


@dataclass(frozen=True)
class Problem:
    """One finding, printed as `file:line: field: message` (line and field when known)."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class PackError(Exception):
    """A pack (or an archive of one) that cannot be used; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.warnings = warnings or []


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
    quiz: str | None = None  # the quiz id, for a unit of type quiz
    # Format 2. Facilitator notes are staff-only: render_pack puts them in facilitator_notes_html, never in html.
    facilitator_notes: str = ""
    session: dict[str, Any] | None = None  # {title?, minutes, steps: [{minutes, title, grouping?, description?}]}
    participation: dict[str, int] | None = None  # {posts, replies}, discussion units
    assignment: dict[str, Any] | None = None  # activity units; see docs/content-packs.md § Assignments
    # Set by render_pack: the notes as HTML ({"unit": html, "session": html}, either may be absent), and the
    # session as stored (its steps with description_html, and without its facilitator notes).
    facilitator_notes_html: dict[str, str] | None = None
    session_plan: dict[str, Any] | None = None


@dataclass
class PackQuiz:
    """A quiz file as parsed (the contract of docs/content-packs.md § Quizzes); render_pack adds `*_html` keys."""

    id: str
    path: str
    unit_key: str
    data: dict[str, Any]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def settings(self) -> dict[str, Any]:
        return self.data["settings"]

    @property
    def questions(self) -> list[dict[str, Any]]:
        return self.data["questions"]


@dataclass
class PackModule:
    key: str
    title: str
    summary: str
    outcomes: list[dict[str, Any]]  # [{id, text}]; id is None for an outcome written as plain text
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
    outcomes: list[dict[str, Any]]  # [{id, text}]; id is None in a format 1 pack
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
    quizzes: dict[str, PackQuiz] = field(default_factory=dict)
    # {required_units: "all" | [unit ids], quizzes_to_pass: [quiz ids], participation: text ("" when none),
    #  discussions: [ids of discussion units whose participation rule counts],
    #  assignments: [ids of activity units whose assignment counts]}
    completion: dict[str, Any] = field(default_factory=dict)
    # [{slug (format 2), name, url?, country?, logo?}]; render_pack adds logo_url and logo_sha256 to a logo's
    partners: list[dict[str, str]] = field(default_factory=list)
    # What certificates state beyond what the platform derives: {quality_assurance, workload_hours?, ects?,
    # eqf_level?} ({} when the manifest has no micro_credential block); see docs/content-packs.md
    micro_credential: dict[str, Any] = field(default_factory=dict)
    card_image: str = ""  # the pack path of the catalogue card's image ("" for none); render_pack sets card_image_url
    card_image_url: str = ""
    format: int = 1
    warnings: list[Problem] = field(default_factory=list)

    @property
    def units(self) -> list[PackUnit]:
        return [unit for module in self.modules for unit in module.units]

    @property
    def all_outcomes(self) -> list[dict[str, Any]]:
        """The course's outcomes, then each module's, every one with the module key ("" for the course)."""
        found = [{**o, "module": ""} for o in self.outcomes]
        return found + [{**o, "module": m.key} for m in self.modules for o in m.outcomes]

    def digest(self) -> str:
        """A hash of every file's bytes: equal digests mean equal packs."""
        h = hashlib.sha256()
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            h.update(path.relative_to(self.root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()


class Where(TypedDict):
    """Where in a file a finding points (the keyword arguments of Findings.problem and .warn)."""

    line: int | None
    field: str | None


@dataclass
class Findings:
    """What the loader collects while reading a pack: it reports everything at once instead of stopping."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, file: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(file, message, line, field))

    def warn(self, file: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.warnings.append(Problem(file, message, line, field))


@dataclass
class Report:
    """What checking a pack found. `pack` is None when problems kept it from loading; for a zip, the pack's
    files were in a temporary folder that is gone by the time the report is returned."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    pack: Pack | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH")
    return int(match[1]), int(match[2]), int(match[3])
