"""Checks of what format 2 adds for running a course: learning outcomes and the questions that assess them,
live sessions whose steps add up, participation rules, assignments with rubrics, and partner slugs.

Runs after the schemas (which check each field's shape) and fills in what the import stores: the resolved
completion rules and the defaults of assignments.
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from .markdown_checks import MarkdownContext, check_markdown
from .model import CURRENT_FORMAT
from .yamlfile import YamlDoc, field_path

if TYPE_CHECKING:
    from .pack import PackReader

# Unit front matter that only format 2 knows; the schema accepts it, this module refuses it in format 1.
FORMAT_2_UNIT_FIELDS = ("facilitator_notes", "session", "participation", "assignment")
MIGRATE = "add format: 2 to course.yaml (docs/content-packs.md § Formats)"


def check_teaching(reader: PackReader, context: MarkdownContext) -> None:
    pack = reader.read_pack
    if pack.format < CURRENT_FORMAT:
        _format_1(reader)
        pack.completion["discussions"] = []
        return
    known = _outcome_ids(reader)
    assessed = _question_outcomes(reader, known)
    for unit in pack.units:
        doc = reader.unit_docs[unit.path]
        _notes_markdown(reader, unit.path, doc, context)
        if unit.session is not None:
            _session(reader, unit, doc)
        if unit.participation is not None:
            _participation(reader, unit.path, doc, unit.participation)
        if unit.assignment is not None:
            assessed.update(_assignment(reader, unit.path, doc, unit.assignment, known))
    _coverage(reader, assessed)
    _completion(reader)
    _partners(reader)


def _format_1(reader: PackReader) -> None:
    """A format 1 pack imports as before; what only format 2 knows is refused with the way to migrate."""
    findings = reader.findings
    for path, doc in reader.unit_docs.items():
        for name in FORMAT_2_UNIT_FIELDS:
            if name in doc.data:
                findings.problem(path, f"is part of format 2: {MIGRATE}", line=doc.line([name]), field=name)
    for path, doc in reader.quiz_docs.items():
        for i, question in _questions(doc):
            if "outcome" in question:
                findings.problem(path, f"is part of format 2: {MIGRATE}", line=doc.line(["questions", i, "outcome"]),
                                 field=f"questions[{i}].outcome")


def _outcome_ids(reader: PackReader) -> dict[str, list]:
    """Every outcome id of the course and its modules (one namespace), with where it is written."""
    manifest, findings = reader.manifest_doc, reader.findings
    places: list[list] = [["outcomes", i] for i in range(len(_list(manifest.data.get("outcomes"))))]
    for m, module in enumerate(_list(manifest.data.get("modules"))):
        if isinstance(module, dict):
            places += [["modules", m, "outcomes", i] for i in range(len(_list(module.get("outcomes"))))]
    known: dict[str, list] = {}
    for place in places:
        outcome = _at(manifest.data, place)
        if not isinstance(outcome, dict) or not isinstance(outcome.get("id"), str):
            continue
        key = outcome["id"]
        if key in known:
            findings.problem("course.yaml", f"outcome id {key!r} is already used by {field_path(known[key])}",
                             line=manifest.line([*place, "id"]), field=field_path([*place, "id"]))
        else:
            known[key] = place
    return known


def _question_outcomes(reader: PackReader, known: dict[str, list]) -> set[str]:
    """Checks that every question names an outcome that exists; returns the outcomes named."""
    assessed: set[str] = set()
    for path, doc in reader.quiz_docs.items():
        for i, question in _questions(doc):
            where = dict(line=doc.line(["questions", i, "outcome"]), field=f"questions[{i}].outcome")
            outcome = question.get("outcome")
            if outcome is None:
                reader.findings.problem(path, "needs an outcome: the id of the course or module outcome this "
                                        "question assesses", line=doc.line(["questions", i]),
                                        field=f"questions[{i}]")
            elif isinstance(outcome, str) and _known(reader, path, where, outcome, known):
                assessed.add(outcome)
    return assessed


def _known(reader: PackReader, path: str, where: dict, outcome: str, known: dict[str, list]) -> bool:
    if outcome in known:
        return True
    close = difflib.get_close_matches(outcome, list(known), n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    reader.findings.problem(path, f"{outcome!r} is not an outcome of the course or of a module{hint}", **where)
    return False


def _coverage(reader: PackReader, assessed: set[str]) -> None:
    for outcome in reader.read_pack.all_outcomes:
        if outcome["id"] and outcome["id"] not in assessed:
            place = _outcome_place(reader, outcome)
            reader.findings.warn("course.yaml", f"outcome {outcome['id']!r} is assessed by no quiz question and no "
                                 "assignment", line=reader.manifest_doc.line(place), field=field_path(place))


def _outcome_place(reader: PackReader, outcome: dict[str, Any]) -> list:
    if not outcome["module"]:
        index = next(i for i, o in enumerate(reader.read_pack.outcomes) if o["id"] == outcome["id"])
        return ["outcomes", index]
    m, module = next((m, mod) for m, mod in enumerate(reader.read_pack.modules) if mod.key == outcome["module"])
    return ["modules", m, "outcomes", next(i for i, o in enumerate(module.outcomes) if o["id"] == outcome["id"])]


def _notes_markdown(reader: PackReader, path: str, doc: YamlDoc, context: MarkdownContext) -> None:
    """The Markdown fields of format 2 get the same checks as unit bodies (no raw HTML, links that resolve)."""
    fields: list[list] = [["facilitator_notes"], ["session", "facilitator_notes"], ["assignment", "instructions"]]
    session = doc.data.get("session")
    steps = session.get("steps") if isinstance(session, dict) else None
    fields += [["session", "steps", i, "description"] for i in range(len(_list(steps)))]
    for where in fields:
        text = _at(doc.data, where)
        if isinstance(text, str):
            check_markdown(text, file=path, first_line=doc.text_line(where) or 1, base=path, context=context,
                           findings=reader.findings, field_name=field_path(where))


def _session(reader: PackReader, unit, doc: YamlDoc) -> None:
    session = unit.session
    minutes, steps = session.get("minutes"), [s for s in _list(session.get("steps")) if isinstance(s, dict)]
    step_minutes = [s.get("minutes") for s in steps]
    whole = [m for m in step_minutes if isinstance(m, int)]
    if not isinstance(minutes, int) or len(whole) != len(step_minutes):
        return  # the schema has reported it
    total = sum(whole)
    if total != minutes:
        reader.findings.problem(unit.path, f"the steps add up to {total} minutes, but the session is {minutes} "
                                "minutes: change a step or the session's minutes",
                                line=doc.line(["session", "minutes"]), field="session.minutes")
    if unit.minutes and minutes > unit.minutes:
        reader.findings.warn(unit.path, f"the live session takes {minutes} minutes, longer than the unit's "
                             f"{unit.minutes}: raise the unit's minutes or shorten the session",
                             line=doc.line(["session", "minutes"]), field="session.minutes")


def _participation(reader: PackReader, path: str, doc: YamlDoc, rule: dict[str, Any]) -> None:
    if rule.get("posts") == 0 and rule.get("replies") == 0:
        reader.findings.problem(path, "asks for no post and no reply: ask for at least one, or leave the rule out",
                                line=doc.line(["participation"]), field="participation")


def _assignment(reader: PackReader, path: str, doc: YamlDoc, assignment: dict[str, Any],
                known: dict[str, list]) -> set[str]:
    findings = reader.findings
    criteria: dict[str, int] = {}
    for c, criterion in enumerate(_list(assignment.get("rubric"))):
        if not isinstance(criterion, dict):
            continue
        where: list[str | int] = ["assignment", "rubric", c]
        key = criterion.get("id")
        if isinstance(key, str) and key in criteria:
            findings.problem(path, f"criterion id {key!r} is already used by rubric[{criteria[key]}]",
                             line=doc.line([*where, "id"]), field=field_path([*where, "id"]))
        elif isinstance(key, str):
            criteria[key] = c
        for name in ("points", "label"):
            seen: set = set()
            for k, level in enumerate(_list(criterion.get("levels"))):
                value = level.get(name) if isinstance(level, dict) else None
                if value is not None and value in seen:
                    findings.problem(path, f"two levels of this criterion have the {name} {value!r}",
                                     line=doc.line([*where, "levels", k, name]),
                                     field=field_path([*where, "levels", k, name]))
                seen.add(value)
    _pass_mark(reader, path, doc, assignment)
    named: set[str] = set()
    for k, outcome in enumerate(_list(assignment.get("outcomes"))):
        place = {"line": doc.line(["assignment", "outcomes", k]), "field": f"assignment.outcomes[{k}]"}
        if isinstance(outcome, str) and _known(reader, path, place, outcome, known):
            named.add(outcome)
    assignment.setdefault("counts_toward_completion", True)
    return named


def _pass_mark(reader: PackReader, path: str, doc: YamlDoc, assignment: dict[str, Any]) -> None:
    """A pass mark the rubric can reach: at most the sum of its criteria's highest points."""
    mark = assignment.get("pass_mark")
    if not isinstance(mark, int) or isinstance(mark, bool):
        return  # absent, or the schema has reported it
    most = 0
    for criterion in _list(assignment.get("rubric")):
        points = [level.get("points") for level in _list(criterion.get("levels") if isinstance(criterion, dict)
                                                          else None) if isinstance(level, dict)]
        most += max((p for p in points if isinstance(p, int)), default=0)
    if mark > most:
        reader.findings.problem(path, f"the pass mark {mark} is more than the rubric's {most} points: lower it, "
                                "or add points to the rubric", line=doc.line(["assignment", "pass_mark"]),
                                field="assignment.pass_mark")
    if "peers" not in _list(assignment.get("assessed_by")):
        reader.findings.warn(path, "the pass mark decides only when peers assess: add peers to assessed_by, or "
                             "leave the pass mark out", line=doc.line(["assignment", "pass_mark"]),
                             field="assignment.pass_mark")


def _completion(reader: PackReader) -> None:
    """Resolves completion.discussions and lists the assignments that count, for the completion rules."""
    pack, manifest = reader.read_pack, reader.manifest_doc
    with_rule = [u.key for u in pack.units if u.type == "discussion" and u.participation is not None]
    listed = pack.completion.get("discussions")
    if listed == "all":
        pack.completion["discussions"] = with_rule
    else:
        for k, key in enumerate(_list(listed)):
            if isinstance(key, str) and key not in with_rule:
                reader.findings.problem("course.yaml", f"{key!r} is not a discussion unit with a participation rule",
                                        line=manifest.line(["completion", "discussions", k]),
                                        field=f"completion.discussions[{k}]")
        pack.completion["discussions"] = [str(k) for k in _list(listed)]
    pack.completion["assignments"] = [u.key for u in pack.units if u.assignment is not None
                                      and u.assignment.get("counts_toward_completion") is True]


def _partners(reader: PackReader) -> None:
    seen: dict[str, int] = {}
    for i, partner in enumerate(reader.read_pack.partners):
        slug = partner.get("slug")
        if isinstance(slug, str) and slug in seen:
            reader.findings.problem("course.yaml", f"partner {slug!r} is already listed at partners[{seen[slug]}]",
                                    line=reader.manifest_doc.line(["partners", i, "slug"]), field=f"partners[{i}].slug")
        elif isinstance(slug, str):
            seen[slug] = i


def _questions(doc: YamlDoc):
    questions = doc.data.get("questions") if isinstance(doc.data, dict) else None
    return [(i, q) for i, q in enumerate(_list(questions)) if isinstance(q, dict)]


def _at(data: Any, path: list) -> Any:
    for item in path:
        if isinstance(data, dict) and isinstance(item, str):
            data = data.get(item)
        elif isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data):
            data = data[item]
        else:
            return None
    return data


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
