"""What every CSV download shares: cells a spreadsheet will not run as formulas, and a file name that is safe
in a Content-Disposition header whatever the course or cohort is called."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; anything else is as given."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def safe_filename(*parts: str | int, extension: str = "csv", fallback: str = "export") -> str:
    """ASCII letters, digits and hyphens from the parts, joined by hyphens: nothing a header or a file system
    could misread (quotes, slashes, control characters)."""
    words = []
    for part in parts:
        ascii_text = unicodedata.normalize("NFKD", str(part)).encode("ascii", "ignore").decode()
        word = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
        if word:
            words.append(word)
    stem = "-".join(words)[:100].strip("-") or fallback
    return f"{stem}.{extension}"
