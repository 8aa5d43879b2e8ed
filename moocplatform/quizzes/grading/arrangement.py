"""What matching questions need beyond their type: the texts a learner may pick from."""
from __future__ import annotations

from .base import QuizFormatError, entries, nfc


def match_choices(question: dict) -> list[str]:
    """Every text a learner may pick for a matching prompt: the pairs' matches, then the distractors, no repeats."""
    distractors = question.get("distractors") or []
    if not isinstance(distractors, list):
        raise QuizFormatError(f"question {question.get('id')!r}: `distractors` must be a list")
    texts = [str(pair.get("match", "")) for pair in entries(question, "pairs")] + [str(text) for text in distractors]
    return list(dict.fromkeys(nfc(text).strip() for text in texts))
