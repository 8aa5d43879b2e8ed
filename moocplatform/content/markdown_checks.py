"""Checks on the Markdown of a pack (unit bodies, the course description, quiz texts), each with its line:
raw HTML, links and images that do not resolve, unknown citations, images without alt text."""
from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from ..html import ALLOWED_PROTOCOLS

# html=True so that raw HTML shows up as its own tokens; the renderer itself never passes it through.
_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
_CITATION = re.compile(r"\[@([A-Za-z0-9_:.-]+)\]")
_WORD = re.compile(r"\w[\w'’-]*")


def resolve_link(url: str, base: str, assets: Collection[str], unit_paths: Collection[str]) -> tuple[str, str]:
    """Where a link or image in the file at `base` points: ('external', url), ('asset', path), ('unit', path)
    or ('missing', path). A path is tried relative to the pack root, then relative to the linking file."""
    if not url or urlsplit(url).scheme or url.startswith(("#", "/")):
        return "external", url
    target = unquote(url.partition("#")[0].partition("?")[0])
    candidates = [posixpath.normpath(target), posixpath.normpath(posixpath.join(posixpath.dirname(base), target))]
    for candidate in candidates:
        if candidate in assets:
            return "asset", candidate
        if candidate in unit_paths:
            return "unit", candidate
    return "missing", target  # as written: the author finds it on the reported line


@dataclass
class MarkdownContext:
    """What links and citations may point at, and what they did point at (for the 'never used' warning)."""

    assets: Collection[str]
    unit_paths: Mapping[str, str]  # unit file path -> unit id
    reference_keys: Collection[str]
    assets_used: set[str] = field(default_factory=set)


def check_markdown(text: str, *, file: str, first_line: int, base: str, context: MarkdownContext, findings,
                   field_name: str | None = None) -> None:
    """Report the problems and warnings of one piece of Markdown into `findings`. `first_line` is the line of
    the file on which `text` starts; `base` is the pack path that relative links start from."""
    def report(kind: str, message: str, line: int) -> None:
        getattr(findings, kind)(file, message, line=line, field=field_name)

    for match in _CITATION.finditer(text):
        if match.group(1) not in context.reference_keys:
            report("problem", f"cites [@{match.group(1)}], which is not in references.yaml",
                   first_line + text.count("\n", 0, match.start()))

    line = first_line
    for token in _PARSER.parse(text):
        if token.map:
            line = first_line + token.map[0]
        if token.type == "html_block":
            report("problem", f"raw HTML is not rendered (it would show as text); use Markdown instead: "
                              f"{_snippet(token.content)}", line)
        if token.type != "inline":
            continue
        offset = 0
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type == "html_inline":
                report("problem", f"raw HTML is not rendered (it would show as text); use Markdown instead: "
                                  f"{_snippet(child.content)}", line + offset)
            elif child.type == "link_open":
                _check_target(str(child.attrGet("href") or ""), "link", base, context, report, line + offset)
            elif child.type == "image":
                _check_target(str(child.attrGet("src") or ""), "image", base, context, report, line + offset)
                if not "".join(c.content for c in child.children or []).strip():
                    report("warn", "image without alt text: describe it in ![…](…) for readers who cannot see it",
                           line + offset)


def _check_target(url: str, kind: str, base: str, context: MarkdownContext, report, line: int) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme and scheme not in ALLOWED_PROTOCOLS:
        report("problem", f"{kind} to {url!r}: only {', '.join(sorted(ALLOWED_PROTOCOLS))} links are kept", line)
        return
    if kind == "image" and (scheme or url.startswith("/")):
        report("problem", f"image {url!r} is not in the pack: images must be files in assets/ "
                          "(the site does not load images from elsewhere)", line)
        return
    found, target = resolve_link(url, base, context.assets, context.unit_paths)
    if found == "asset":
        context.assets_used.add(target)
    elif found == "missing" and target.endswith(".md"):
        report("problem", f"links to {target}, which is not a unit of the pack", line)
    elif found == "missing":
        report("problem", f"refers to {target}, which is not in the pack", line)
    elif found == "unit" and kind == "image":
        report("problem", f"image {url!r} is a unit, not an image", line)


def _snippet(html: str) -> str:
    first = html.strip().splitlines()[0] if html.strip() else html
    return first if len(first) <= 60 else first[:57] + "…"


def count_words(text: str) -> int:
    """Words a reader reads: the text of the rendered Markdown, without markup, link targets or citation keys."""
    count = 0
    for token in _PARSER.parse(_CITATION.sub("", text)):
        if token.type == "inline":
            count += sum(len(_WORD.findall(c.content)) for c in token.children or []
                         if c.type in ("text", "code_inline"))
        elif token.type in ("fence", "code_block"):
            count += len(_WORD.findall(token.content))
    return count


def citations_in(text: str) -> list[str]:
    return _CITATION.findall(text)
