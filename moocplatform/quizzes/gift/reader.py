"""Reading a GIFT file into question blocks: line endings, comments, blank-line separation and escapes.

Escaped characters are swapped for private-use placeholders while the structure is parsed, so that `\\{` or
`\\=` can never be mistaken for syntax; `restore()` turns them back into text at the very end.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_PLACEHOLDERS = {
    "~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004", ":": "\ue005",
    "n": "\ue006", "\\": "\ue007",
}
_ESCAPE = re.compile(r"\\([~=#{}:n\\])")
_RESTORE = str.maketrans({hidden: ("\n" if char == "n" else char) for char, hidden in _PLACEHOLDERS.items()})


def hide_escapes(line: str) -> str:
    return _ESCAPE.sub(lambda match: _PLACEHOLDERS[match.group(1)], line)


def restore(text: str) -> str:
    """Placeholders back to the characters they stand for (`\\n` becomes a line break)."""
    return text.translate(_RESTORE)


@dataclass(frozen=True)
class Block:
    """The lines of one question (or category command), escapes hidden, with their numbers in the file."""

    lines: tuple[tuple[int, str], ...]
    comments: tuple[str, ...] = ()  # the `//` lines just before and inside it, where Moodle reads [id:] and [tag:]

    @property
    def first_line(self) -> int:
        return self.lines[0][0]

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def line_at(self, offset: int) -> int:
        """The file line number of a character offset in `text`."""
        starts, position = [], 0
        for _, text in self.lines:
            starts.append(position)
            position += len(text) + 1
        return self.lines[max(0, bisect.bisect_right(starts, offset) - 1)][0]

    def without_first_line(self) -> Block | None:
        return Block(self.lines[1:], self.comments) if len(self.lines) > 1 else None


def split_blocks(text: str) -> list[Block]:
    """Blocks separated by blank lines. Lines starting with `//` are comments and neither text nor separators."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[Block] = []
    current: list[tuple[int, str]] = []
    comments: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            comments.append(stripped[2:])
            continue
        if not stripped:
            if current:
                blocks.append(Block(tuple(current), tuple(comments)))
                current, comments = [], []
            continue
        current.append((number, hide_escapes(line.rstrip())))
    if current:
        blocks.append(Block(tuple(current), tuple(comments)))
    return blocks
