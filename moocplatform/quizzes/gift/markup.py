"""Turning GIFT text in its declared format ([html], [markdown], [plain], [moodle]) into Markdown.

[markdown] text is kept. [moodle] and [plain] text is shown as written: Markdown's special characters are
escaped, each line break stays one, and each line's indentation is removed (common in GIFT files, it would
otherwise make a code block). [moodle] text holding HTML tags is read as [html], as Moodle's format allows
HTML. [html] is converted with a small, conservative mapping (paragraphs, line breaks, emphasis, code, links,
lists, headings; an image with a web address becomes a link to it, since packs show images from their assets
only); other tags keep only their text and are reported, so nothing is lost without a word.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

FORMAT_MARKER = re.compile(r"\s*\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
_QUIET = {"span", "div", "p", "body", "html"}
_TABLE = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption"}  # harmless when they carry no attributes
_WEB = re.compile(r"(?:https?:|mailto:)", re.IGNORECASE)
# `&` only where it would start an entity: "&amp;copy;" must stay the text "&copy;", not become "©".
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>]|&(?=#?\w+;))")
_LINE_START_MARKER = re.compile(r"(#|[-+]\s|\d+[.)])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class _HtmlToMarkdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lost: list[str] = []
        self.lists: list[list[int]] = []  # one counter per open list; -1 marks a bulleted list
        self.links: list[str | None] = []
        self.skipping = 0
        self.preformatted = 0
        self.code = 0

    def _lose(self, what: str) -> None:
        if what not in self.lost:
            self.lost.append(what)

    def _at_line_start(self) -> bool:
        text = "".join(self.out[-3:])
        return not text or text.endswith("\n")

    def _block(self) -> None:
        self.out.append("\n\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self.skipping += 1
            self._lose(f"<{tag}> content")
        elif tag in ("p", "div"):
            self._block()
        elif tag == "br":
            self.out.append("\\\n")  # a CommonMark hard line break
        elif tag in _INLINE:
            self.out.append(_INLINE[tag])
            self.code += tag == "code"
        elif re.fullmatch(r"h[1-6]", tag):
            self._block()
            self.out.append("#" * int(tag[1]) + " ")
        elif tag in ("ul", "ol"):
            self._block()
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            self.out.append("\n" + "   " * max(0, len(self.lists) - 1))
            counter = self.lists[-1] if self.lists else [-1]
            if counter[0] >= 0:
                counter[0] += 1
                self.out.append(f"{counter[0]}. ")
            else:
                self.out.append("- ")
        elif tag == "a":
            href = values.get("href", "")
            self.links.append(href if _WEB.match(href) else None)
            if _WEB.match(href):
                self.out.append("[")
            elif href:
                self._lose(f"a link to {href}")
        elif tag == "img":
            src, alt = values.get("src", ""), values.get("alt", "")
            if _WEB.match(src):
                # Packs show images from their own assets/ only, so an image from elsewhere stays as a link to it.
                self.out.append(f"[{_escape(alt or 'image')}]({src})")
                self._lose(f"an image from elsewhere, kept as a link ({src}): add the file to assets/ to show it")
            else:
                self._lose(f"an image ({src or 'no address'})")
        elif tag == "pre":
            self._block()
            self.out.append("```\n")
            self.preformatted += 1
        elif tag == "hr":
            self._block()
            self.out.append("---")
            self._block()
        elif tag in _QUIET and not attrs:
            pass
        elif tag in _TABLE:
            self._lose("table layout")
            if tag in ("table", "tr"):
                self._block()
            elif not self._at_line_start():
                self.out.append(" ")
        else:
            self._lose(f"<{tag}> formatting")
            if tag == "blockquote":
                self._block()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("p", "div") or re.fullmatch(r"h[1-6]", tag):
            self._block()
        elif tag in _INLINE:
            self.out.append(_INLINE[tag])
            self.code = max(0, self.code - (tag == "code"))
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._block()
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f"]({href})")
        elif tag == "pre" and self.preformatted:
            self.preformatted -= 1
            if self.out and self.out[-1].endswith("\n"):
                self.out[-1] = self.out[-1][:-1]
            self.out.append("\n```")
            self._block()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.preformatted:
            if self.out and self.out[-1] == "```\n":
                data = data.removeprefix("\n")  # as in HTML, a line break right after <pre> is not content
            self.out.append(data)
            return
        if self.code:
            self.out.append(re.sub(r"\s+", " ", data))  # backslash escapes do not work inside code spans
            return
        text = _escape(re.sub(r"\s+", " ", data))
        if self._at_line_start():
            text = text.lstrip()
            if _LINE_START_MARKER.match(text):
                text = "\\" + text  # keep "# 1" or "- x" at a line start from becoming a heading or a list
        self.out.append(text)


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def html_to_markdown(html: str) -> tuple[str, list[str]]:
    """Markdown for an HTML fragment, and a description of each thing that could not be carried over."""
    converter = _HtmlToMarkdown()
    converter.feed(html)
    converter.close()
    text = "".join(converter.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), converter.lost


def to_markdown(text: str, text_format: str) -> tuple[str, str, list[str]]:
    """(Markdown, the format in force, losses) for one piece of GIFT text, honouring its own format marker."""
    marker = FORMAT_MARKER.match(text)
    if marker:
        text_format, text = marker.group(1).lower(), text[marker.end():]
    if text_format == "html":
        converted, lost = html_to_markdown(text)
        return converted, text_format, lost
    if text_format == "markdown":
        return text.strip(), text_format, []
    if text_format == "moodle" and _HTML_TAG.search(text):
        # Moodle's own format allows HTML; reading it as Markdown would make `courses validate` refuse it.
        converted, lost = html_to_markdown(text)
        return converted, text_format, lost
    return text_to_markdown(text), text_format, []


def text_to_markdown(text: str) -> str:
    """Markdown that shows text as written: `2*3*4` and `\\` stay, each line break stays a line break."""
    lines = []
    for line in text.strip().split("\n"):
        line = _escape(line.strip())  # indentation would make a Markdown code block
        lines.append("\\" + line if _LINE_START_MARKER.match(line) else line)
    return "\\\n".join(lines)  # a CommonMark hard line break, as Moodle shows a line break in its text formats
