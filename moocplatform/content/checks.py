"""Checks across the files of a pack, after each file has passed (or failed) its own schema: ids unique in the
course, references that resolve, Markdown problems, videos, and the warnings an author should look at."""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .credential_checks import check_credential_elements
from .markdown_checks import MarkdownContext, check_markdown
from .model import CARD_IMAGE_TYPES
from .quizzes import markdown_fields
from .teaching_checks import check_teaching
from .yamlfile import field_path

if TYPE_CHECKING:
    from .pack import PackReader

KNOWN_FILES = ("course.yaml", "references.yaml")
KNOWN_FOLDERS = ("units/", "assets/", "quizzes/")


def check_pack(reader: PackReader, video_hosts: set[str]) -> None:
    _unique_ids(reader)
    _competences(reader)
    _completion(reader)
    _references_unit(reader)
    pack = reader.read_pack
    context = MarkdownContext(set(pack.assets), {u.path: u.key for u in pack.units},
                              {r["key"] for r in pack.references})
    _card_image(reader, context)
    check_credential_elements(reader, context)
    _markdown(reader, context)
    _videos(reader, video_hosts, context)
    check_teaching(reader, context)
    _unused_files(reader, context)


def _unique_ids(reader: PackReader) -> None:
    manifest, findings = reader.manifest_doc, reader.findings
    modules = manifest.data.get("modules")
    seen: dict[str, int] = {}
    for i, module in enumerate(modules if isinstance(modules, list) else []):
        key = module.get("id") if isinstance(module, dict) else None
        if isinstance(key, str) and key in seen:
            findings.problem("course.yaml", f"module id {key!r} is already used by modules[{seen[key]}]",
                             line=manifest.line(["modules", i, "id"]), field=f"modules[{i}].id")
        elif isinstance(key, str):
            seen[key] = i
    units: dict[str, str] = {}
    for unit in reader.read_pack.units:
        if unit.key and unit.key in units:
            findings.problem(unit.path, f"unit id {unit.key!r} is already used by {units[unit.key]}",
                             line=reader.unit_docs[unit.path].line(["id"]), field="id")
        elif unit.key:
            units[unit.key] = unit.path


def _competences(reader: PackReader) -> None:
    manifest, findings = reader.manifest_doc, reader.findings
    codes: dict[str, int] = {}
    for i, competence in enumerate(reader.read_pack.competences):
        if competence["code"] in codes:
            findings.problem("course.yaml", f"competence code {competence['code']!r} is listed twice",
                             line=manifest.line(["competences", i, "code"]), field=f"competences[{i}].code")
        codes.setdefault(competence["code"], i)
    modules = manifest.data.get("modules")
    for i, module in enumerate(modules if isinstance(modules, list) else []):
        used = module.get("competences") if isinstance(module, dict) else None
        for j, code in enumerate(used if isinstance(used, list) else []):
            if str(code) not in codes:
                findings.problem("course.yaml", f"competence {code!r} is not among the course's competences",
                                 line=manifest.line(["modules", i, "competences", j]),
                                 field=f"modules[{i}].competences[{j}]")


def _completion(reader: PackReader) -> None:
    manifest, findings = reader.manifest_doc, reader.findings
    raw = manifest.data.get("completion")
    if not isinstance(raw, dict):
        return
    unit_ids = {u.key for u in reader.read_pack.units}
    quiz_ids = {u.quiz for u in reader.read_pack.units if u.quiz}
    for key, known, kind in (("required_units", unit_ids, "unit"), ("quizzes_to_pass", quiz_ids, "quiz")):
        listed = raw.get(key)
        for k, item in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(item, str) and item not in known:
                findings.problem("course.yaml", f"{item!r} is not a {kind} of the course",
                                 line=manifest.line(["completion", key, k]), field=f"completion.{key}[{k}]")


def _references_unit(reader: PackReader) -> None:
    """One unit at most shows the reference list; visitors follow citations from preview units to it."""
    findings = reader.findings
    units = [u for u in reader.read_pack.units if u.type == "references"]
    for extra in units[1:]:
        findings.problem(extra.path, f"a course has one references unit, and {units[0].path} is already one",
                         line=reader.unit_docs[extra.path].line(["type"]), field="type")
    if units and not reader.read_pack.references:
        findings.warn(units[0].path, "is a references unit, but references.yaml lists no sources")
    if units and not units[0].preview:
        findings.warn(units[0].path, "is the references unit: make it preview: true so that visitors who follow a "
                                     "citation can read it")


def _card_image(reader: PackReader, context: MarkdownContext) -> None:
    """The catalogue card's image is an image asset of the pack that every browser shows."""
    path = reader.read_pack.card_image
    if not path:
        return
    line = reader.manifest_doc.line(["card_image"])
    if PurePosixPath(path).suffix.lower() not in CARD_IMAGE_TYPES:
        reader.findings.problem("course.yaml", f"{path} must be an SVG, PNG or JPEG image", line=line,
                                field="card_image")
    elif path not in reader.read_pack.assets:
        reader.findings.problem("course.yaml", f"{path} is not in the pack's assets/", line=line, field="card_image")
    else:
        context.assets_used.add(path)


def _markdown(reader: PackReader, context: MarkdownContext) -> None:
    manifest, findings = reader.manifest_doc, reader.findings
    if isinstance(manifest.data.get("description"), str):
        check_markdown(manifest.data["description"], file="course.yaml", base="course.yaml", context=context,
                       first_line=manifest.text_line(["description"]) or 1, findings=findings,
                       field_name="description")
    for unit in reader.read_pack.units:
        check_markdown(unit.body, file=unit.path, first_line=unit.body_line, base=unit.path, context=context,
                       findings=findings)
    for rel, doc in reader.quiz_docs.items():
        questions = doc.data.get("questions")
        for i, question in enumerate(questions if isinstance(questions, list) else []):
            if not isinstance(question, dict):
                continue
            for path, text, _inline in markdown_fields(question):
                where = ["questions", i, *path]
                check_markdown(text, file=rel, first_line=doc.text_line(where) or 1, base=rel, context=context,
                               findings=findings, field_name=field_path(where))


def _videos(reader: PackReader, video_hosts: set[str], context: MarkdownContext) -> None:
    findings, assets = reader.findings, reader.read_pack.assets
    for unit in reader.read_pack.units:
        video, doc = unit.video, reader.unit_docs[unit.path]
        if video is None:
            continue
        if isinstance(video.get("url"), str):
            parts = urlsplit(video["url"])
            if parts.scheme != "https" or parts.hostname not in video_hosts:
                findings.problem(unit.path, f"video host {parts.hostname or video['url']!r} is not in the allow-list "
                                 f"({', '.join(sorted(video_hosts)) or 'empty'})",
                                 line=doc.line(["video", "url"]), field="video.url")
        listed = video.get("captions")
        captions = listed if isinstance(listed, dict) else {}
        files = [(["video", "transcript"], video.get("transcript"))]
        files += [(["video", "captions", lang], path) for lang, path in captions.items()]
        for where, path in files:
            if not isinstance(path, str):
                continue
            if path in assets:
                context.assets_used.add(path)
                if path.endswith(".md") and path in reader.texts:  # a Markdown transcript is rendered too
                    check_markdown(reader.texts[path], file=path, first_line=1, base=path, context=context,
                                   findings=findings)
            else:
                findings.problem(unit.path, f"{path} is not in the pack", line=doc.line(where),
                                 field=field_path(where))
        if not captions:
            findings.warn(unit.path, "has no captions: add video.captions (a WebVTT file in assets/ per language) "
                          "unless the player shows captions of its own", line=doc.line(["video"]),
                          field="video")


def _unused_files(reader: PackReader, context: MarkdownContext) -> None:
    findings = reader.findings
    unit_paths = {u.path for u in reader.read_pack.units}
    for rel in reader.files:
        if rel in reader.read_pack.assets and rel not in context.assets_used:
            findings.warn(rel, "asset is never used: no unit, quiz, video or the description refers to it")
        elif rel.startswith("units/") and rel.endswith(".md") and rel not in unit_paths:
            findings.warn(rel, "unit file is not listed in course.yaml, so it is not part of the course")
        elif rel.startswith("quizzes/") and rel not in reader.quiz_units:
            findings.warn(rel, "quiz file is not named by any unit of type quiz, so it is not part of the course")
        elif rel not in KNOWN_FILES and not rel.startswith(KNOWN_FOLDERS):
            findings.warn(rel, "is not part of the pack format (course.yaml, references.yaml, units/, assets/, "
                          "quizzes/) and is ignored")
