"""Quiz files: the consistency rules a JSON Schema cannot state, the Markdown fields of a question, and
rendering them once at import. The file format is in docs/content-packs.md § Quizzes."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from ..quizzes import types as _types  # noqa: F401  (registers the question types)
from ..quizzes.types.base import QUESTION_TYPES, type_of
from .model import Findings
from .yamlfile import PathItem, YamlDoc, field_path

# The defaults the format documents; filled in so that graders never need to know them (a question type adds
# its own: QuestionType.defaults and credited_answers).
_QUESTION_DEFAULTS = {"points": 1}


def add_question_types(schema: dict[str, Any]) -> None:
    """Let quiz.schema.json accept the registered question types it does not list, each with its own schema."""
    question = schema["$defs"]["question"]
    listed = question["properties"]["type"]["enum"]
    for name, question_type in QUESTION_TYPES.items():
        if name in listed or question_type.schema is None:
            continue
        listed.append(name)
        schema["$defs"][name] = question_type.schema
        question["allOf"].append({"if": {"required": ["type"], "properties": {"type": {"const": name}}},
                                  "then": {"$ref": f"#/$defs/{name}"}})


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
        question_type = type_of(question)
        if question_type:
            question_type.check(question, path, problem)
    _check_pools(data.get("settings"), set(seen), problem)


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
        question_type = type_of(question)
        for key, value in {**_QUESTION_DEFAULTS, **(question_type.defaults if question_type else {})}.items():
            question.setdefault(key, value)
        if question_type and question_type.credited_answers:
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
