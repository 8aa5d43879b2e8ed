"""Quiz files: the consistency rules a JSON Schema cannot state, the Markdown fields of a question, and
rendering them once at import. The file format is in docs/content-packs.md § Quizzes."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from ..quizzes.grading import regex_problem
from .model import Findings
from .yamlfile import PathItem, YamlDoc, field_path

# The defaults the format documents; filled in so that graders never need to know them.
_QUESTION_DEFAULTS = {"points": 1}
_TYPE_DEFAULTS = {"short_text": {"case_sensitive": False, "normalise_whitespace": True}}
_CREDITED_ANSWERS = ("numeric", "short_text")  # answers: credit in percent, default 100


def markdown_fields(question: dict[str, Any]) -> Iterator[tuple[list[PathItem], str, bool]]:
    """(path inside the question, Markdown text, inline?) for every Markdown field of a question.
    Inline fields (option, item and match texts) are short and render without a paragraph around them."""
    for key in ("prompt", "hint", "explanation", "feedback_true", "feedback_false"):
        if isinstance(question.get(key), str):
            yield [key], question[key], False
    # short_text answers' `text` is the expected answer, not Markdown, so only `feedback` is listed for answers.
    for list_key, inline_keys, block_keys in (("options", ("text",), ("feedback",)), ("answers", (), ("feedback",)),
                                              ("items", ("text",), ()), ("pairs", ("prompt", "match"), ())):
        entries = question.get(list_key)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict):
                continue
            for key in inline_keys + block_keys:
                if isinstance(entry.get(key), str):
                    yield [list_key, i, key], entry[key], key in inline_keys
    distractors = question.get("distractors")
    for i, text in enumerate(distractors if isinstance(distractors, list) else []):
        if isinstance(text, str):
            yield ["distractors", i], text, True


def check_quiz(doc: YamlDoc, findings: Findings) -> None:
    """Consistency beyond the schema: unique ids, answerable questions, pools that can be drawn. Written to
    cope with data that failed the schema, so that every problem is reported in one go."""
    data = doc.data if isinstance(doc.data, dict) else {}
    listed = data.get("questions")
    questions = listed if isinstance(listed, list) else []

    def problem(path: list[PathItem], message: str) -> None:
        findings.problem(doc.file, message, line=doc.line(path), field=field_path(path))

    seen: dict[str, int] = {}
    for i, question in enumerate(questions):
        if not isinstance(question, dict):
            continue
        path: list[PathItem] = ["questions", i]
        qid = question.get("id")
        if isinstance(qid, str) and qid in seen:
            problem([*path, "id"], f"question id {qid!r} is already used by questions[{seen[qid]}]")
        elif isinstance(qid, str):
            seen[qid] = i
        check = _TYPE_CHECKS.get(str(question.get("type")))
        if check:
            check(question, path, problem)
    _check_pools(data.get("settings"), set(seen), problem)


def _entries(question: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = question.get(key)
    return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)] if isinstance(value, list) else []


def _unique_ids(question: dict[str, Any], key: str, path: list[PathItem], problem) -> None:
    seen: set[str] = set()
    for i, entry in _entries(question, key):
        if isinstance(entry.get("id"), str):
            if entry["id"] in seen:
                problem([*path, key, i, "id"], f"id {entry['id']!r} is used twice in this question")
            seen.add(entry["id"])


def _single_choice(question, path, problem) -> None:
    _unique_ids(question, "options", path, problem)
    options = _entries(question, "options")
    if options and not any(o.get("correct") is True for _, o in options):
        problem([*path, "options"], "a single_choice question needs at least one correct option")


def _multiple_response(question, path, problem) -> None:
    _unique_ids(question, "options", path, problem)
    options = _entries(question, "options")
    # As the graders read it: once one option has a credit, credits decide and `correct` is ignored.
    if any("credit" in o for _, o in options):
        for i, option in options:
            if option.get("correct") is True:
                problem([*path, "options", i, "correct"], "is ignored because other options have credit; "
                                                          "give this option a credit instead")
        if not any(_number(o.get("credit"), 0) > 0 for _, o in options):
            problem([*path, "options"], "a multiple_response question needs an option with a positive credit")
    elif options and not any(o.get("correct") is True for _, o in options):
        problem([*path, "options"], "a multiple_response question needs at least one correct option")


def _numeric(question, path, problem) -> None:
    for i, answer in _entries(question, "answers"):
        low, high = answer.get("min"), answer.get("max")
        if _is_number(low) and _is_number(high) and low > high:
            problem([*path, "answers", i], f"min ({low}) must not be greater than max ({high})")
    _needs_credit(question, path, problem)


def _short_text(question, path, problem) -> None:
    for i, answer in _entries(question, "answers"):
        if isinstance(answer.get("regex"), str):
            # The graders' own rule: the pattern compiles and cannot run away (catastrophic backtracking).
            reason = regex_problem(answer["regex"])
            if reason:
                problem([*path, "answers", i, "regex"], f"cannot be used: {reason}")
    _needs_credit(question, path, problem)


def _needs_credit(question, path, problem) -> None:
    answers = _entries(question, "answers")
    if answers and not any(_number(a.get("credit"), 100) > 0 for _, a in answers):
        problem([*path, "answers"], "no answer earns credit, so the question cannot be answered right")


def _ordering(question, path, problem) -> None:
    _unique_ids(question, "items", path, problem)


def _matching(question, path, problem) -> None:
    _unique_ids(question, "pairs", path, problem)
    # Two prompts may share a match (the graders compare texts, so either is right); a distractor may not repeat one.
    seen = {p["match"].strip() for _, p in _entries(question, "pairs") if isinstance(p.get("match"), str)}
    distractors = question.get("distractors")
    distractors = distractors if isinstance(distractors, list) else []
    texts = [([*path, "distractors", i], d) for i, d in enumerate(distractors)]
    for where, text in texts:
        if isinstance(text, str):
            if text.strip() in seen:
                problem(where, f"the match text {text.strip()!r} appears twice, so answers would be ambiguous")
            seen.add(text.strip())


_TYPE_CHECKS: dict[str, Callable] = {
    "single_choice": _single_choice, "multiple_response": _multiple_response, "numeric": _numeric,
    "short_text": _short_text, "ordering": _ordering, "matching": _matching,
}


def _check_pools(settings: Any, question_ids: set[str], problem) -> None:
    pools = settings.get("pools") if isinstance(settings, dict) else None
    in_pool: dict[str, int] = {}
    for k, pool in enumerate(pools if isinstance(pools, list) else []):
        if not isinstance(pool, dict) or not isinstance(pool.get("from"), list):
            continue
        path: list[PathItem] = ["settings", "pools", k]
        for m, qid in enumerate(pool["from"]):
            if not isinstance(qid, str):
                continue
            if qid not in question_ids:
                problem([*path, "from", m], f"question {qid!r} is not in this quiz")
            elif qid in in_pool and in_pool[qid] != k:
                problem([*path, "from", m], f"question {qid!r} is already in pools[{in_pool[qid]}]")
            in_pool.setdefault(qid, k)
        draw = pool.get("draw")
        if _is_number(draw) and draw > len(pool["from"]):
            problem([*path, "draw"], f"draws {draw} questions from a pool of {len(pool['from'])}")


def apply_defaults(data: dict[str, Any]) -> None:
    """Fill in the documented defaults (points 1, credit 100, short_text's case and whitespace rules)."""
    for question in data["questions"]:
        for key, value in {**_QUESTION_DEFAULTS, **_TYPE_DEFAULTS.get(question["type"], {})}.items():
            question.setdefault(key, value)
        if question["type"] in _CREDITED_ANSWERS:
            for answer in question["answers"]:
                answer.setdefault("credit", 100)


def render_quiz(data: dict[str, Any], render: Callable[[str], str]) -> None:
    """Add `<field>_html` beside every Markdown field (and `distractors_html`), so that no page renders Markdown.
    The source texts stay: graders compare a matching answer with the `match` text."""
    for question in data["questions"]:
        for path, text, inline in list(markdown_fields(question)):
            html = render(text)
            if inline:
                html = _unwrap_paragraph(html)
            if path[0] == "distractors":
                question.setdefault("distractors_html", [""] * len(question["distractors"]))[path[1]] = html
                continue
            container = question
            for item in path[:-1]:
                container = container[item]
            container[f"{path[-1]}_html"] = html


def _unwrap_paragraph(html: str) -> str:
    """Option texts sit inside <label>, which may not hold a <p>; drop one wrapping paragraph."""
    inner = html.strip()
    if inner.startswith("<p>") and inner.endswith("</p>") and inner.count("<p>") == 1:
        return inner[3:-4]
    return html


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, default: float) -> float:
    return value if _is_number(value) else default
