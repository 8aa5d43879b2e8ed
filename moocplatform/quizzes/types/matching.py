"""matching: pair each prompt with a match, picked from all matches and the distractors."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from ..gift.questions import NotConverted
from ..grading.arrangement import match_choices
from ..grading.base import Grade, QuizFormatError, as_id, entries, ids_of, nfc, scoring_of
from .base import Pair, Problem, QuestionType, RefusedField, html, plain, register_type, rendered
from .options import listed, unique_ids


@register_type
class Matching(QuestionType):
    name = "matching"
    widget = "matching"
    result_widget = "matching_result"

    gift_order = 50

    def gift_claims(self, block: Any) -> bool:
        return bool(block.has_answers and any("->" in answer.text for answer in block.answers()))

    def from_gift(self, block: Any) -> dict[str, Any]:
        answers = block.answers()
        pairs: list[dict[str, str]] = []
        distractors: list[str] = []
        for answer in answers:
            if answer.marker != "=" or "->" not in answer.text:
                raise NotConverted(answer.offset, "every answer of a matching question is written '=prompt -> match'")
            if answer.weight is not None or answer.feedback:
                block.note(answer.offset, "weights and feedback on matching pairs are not supported and were dropped")
            left, _sep, right = answer.text.partition("->")
            match = block.markdown(right, answer.offset)
            if not match:
                raise NotConverted(answer.offset, "a matching pair has no match after '->'")
            prompt = block.markdown(left, answer.offset)
            if prompt:
                pairs.append({"id": f"p{len(pairs) + 1}", "prompt": prompt, "match": match})
            else:
                distractors.append(match)  # "= -> text" is Moodle's way of offering a wrong match
        if len(pairs) < 2:
            raise NotConverted(answers[0].offset, "a matching question needs at least two pairs")
        result: dict[str, Any] = {"scoring": "partial", "pairs": pairs}
        if distractors:
            result["distractors"] = distractors
        return result

    def check(self, question: dict, path: list, problem: Problem) -> None:
        unique_ids(question, "pairs", path, problem)
        # Two prompts may share a match (the grader compares texts, so either is right); a distractor may not
        # repeat one.
        seen = {p["match"].strip() for _i, p in listed(question, "pairs") if isinstance(p.get("match"), str)}
        distractors = question.get("distractors")
        for i, text in enumerate(distractors if isinstance(distractors, list) else []):
            if isinstance(text, str):
                if text.strip() in seen:
                    problem([*path, "distractors", i],
                            f"the match text {text.strip()!r} appears twice, so answers would be ambiguous")
                seen.add(text.strip())

    def read_field(self, responses: dict[str, Any], question: dict, sub: str, values: list[str]) -> None:
        # `q.<id>.<pair id>`: the match text chosen for that pair.
        if sub not in {str(pair.get("id")) for pair in question.get("pairs") or []}:
            raise RefusedField(sub)
        if values and values[0].strip():
            responses.setdefault(str(question["id"]), {})[sub] = values[0]

    def grade(self, question: dict, response: Any) -> Grade:
        """A mapping pair id -> the chosen match text. Pairs left out (or None/"") count as wrong, not invalid.

        Two pairs may share a match text; the text is what is compared, so either is right. partial (default):
        the share of pairs matched right; all_or_nothing: all of them.
        """
        pair_ids = ids_of(question, "pairs")
        pairs = dict(zip(pair_ids, entries(question, "pairs"), strict=True))
        for known_id, pair in pairs.items():
            if not str(pair.get("match", "")).strip():
                raise QuizFormatError(f"question {question.get('id')!r}: pair {known_id!r} has no match")
        scoring = scoring_of(question, "partial")
        choices = set(match_choices(question))
        if response is None:
            return Grade.invalid("no answer")
        if not isinstance(response, dict):
            return Grade.invalid("expected a mapping of pair ids to matches")
        chosen: dict[str, str] = {}
        seen: set[str] = set()
        for key, value in response.items():
            pair_id = as_id(key)
            if pair_id is None or pair_id not in pairs:
                return Grade.invalid(f"unknown pair {key!r}")
            if pair_id in seen:
                return Grade.invalid(f"pair {pair_id!r} is answered twice")
            seen.add(pair_id)
            if value is None:
                continue
            if not isinstance(value, str):
                return Grade.invalid(f"the match for pair {pair_id!r} must be text")
            text = nfc(value).strip()
            if not text:
                continue
            if text not in choices:
                return Grade.invalid(f"{value!r} is not one of the offered matches")
            chosen[pair_id] = text
        if not chosen:
            return Grade.invalid("no answer")
        right = sum(1 for pair_id, text in chosen.items() if nfc(str(pairs[pair_id]["match"])).strip() == text)
        if scoring == "all_or_nothing":
            return Grade.scored(1.0 if right == len(pairs) else 0.0)
        return Grade.scored(right / len(pairs))

    def shuffles(self, settings: dict) -> bool:
        return True

    def option_order(self, question: dict, shuffled: Callable[[list[str]], list[str]]) -> list[str]:
        return shuffled(match_choices(question))

    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        chosen = response if isinstance(response, dict) else {}
        return {
            "match_choices": self.match_choices(question, order),
            "pairs": [Pair(str(p["id"]), rendered(p, "prompt"), str(chosen.get(str(p["id"])) or ""),
                           rendered(p, "match") if show.answers else None)
                      for p in question.get("pairs") or []],
        }

    @staticmethod
    def match_choices(question: dict, order: list[str] | None) -> list[tuple[str, Markup]]:
        """(text to send, HTML to show) for every match a learner may pick, in the attempt's order."""
        shown: dict[str, Markup] = {}
        for pair in question.get("pairs") or []:
            shown.setdefault(nfc(str(pair.get("match", ""))).strip(), html(pair.get("match_html")))
        # Stored together at import, so the lists match; a distractor without HTML would just not be shown.
        for text, text_html in zip(question.get("distractors") or [], question.get("distractors_html") or [],
                                   strict=False):
            shown.setdefault(nfc(str(text)).strip(), html(text_html))
        texts = [t for t in (order or []) if t in shown] or match_choices(question)
        return [(text, shown.get(text) or escape(text)) for text in texts]

    def response_label(self, question: dict, stored: Any) -> str | None:
        if not isinstance(stored, dict):
            return None
        return "; ".join(f"{plain(p.get('prompt_html'), p.get('prompt'))}: {stored[str(p.get('id'))]}"
                         for p in question.get("pairs") or [] if stored.get(str(p.get("id"))))
