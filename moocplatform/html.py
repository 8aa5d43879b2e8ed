"""The only module that sanitises HTML: Markdown rendering and the one allow-list for users' and packs' HTML.

Values returned here are safe to mark as such in templates; nothing else is.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import bleach
from bleach.css_sanitizer import CSSSanitizer
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "*": ["id", "class", "lang", "title"],
    "a": ["href", "rel", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "width", "height", "loading"],
    "ol": ["start", "reversed"],
    "td": ["colspan", "rowspan", "style"],
    "th": ["colspan", "rowspan", "scope", "style"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_css = CSSSanitizer(allowed_css_properties=["text-align"])

_CITATION = re.compile(r"\[@([A-Za-z0-9_:.-]+)\]")


def clean_html(html: str) -> str:
    """Strip everything outside the allow-list from HTML."""
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        css_sanitizer=_css,
        strip=True,
        strip_comments=True,
    )


def _markdown(rewrite_url: Callable[[str], str] | None) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    if rewrite_url is not None:
        def image(renderer, tokens, idx, options, env):
            token = tokens[idx]
            token.attrSet("src", rewrite_url(token.attrGet("src") or ""))
            token.attrSet("loading", "lazy")
            return _render_image(md, tokens, idx, options, env)

        def link_open(renderer, tokens, idx, options, env):
            token = tokens[idx]
            token.attrSet("href", rewrite_url(token.attrGet("href") or ""))
            return _html_renderer(md).renderToken(tokens, idx, options, env)

        md.add_render_rule("image", image)
        md.add_render_rule("link_open", link_open)
    return md


def _render_image(md: MarkdownIt, tokens, idx, options, env) -> str:
    token = tokens[idx]
    renderer = _html_renderer(md)
    token.attrSet("alt", renderer.renderInlineAsText(token.children or [], options, env))
    return renderer.renderToken(tokens, idx, options, env)


def _html_renderer(md: MarkdownIt) -> RendererHTML:
    """The HTML renderer that MarkdownIt uses by default (its declared type is the bare protocol)."""
    if not isinstance(md.renderer, RendererHTML):
        raise TypeError(f"expected markdown-it's HTML renderer, not {type(md.renderer).__name__}")
    return md.renderer


def render_markdown(
    text: str,
    *,
    rewrite_url: Callable[[str], str] | None = None,
    citations: dict[str, tuple[str, str]] | None = None,
) -> str:
    """Markdown to sanitised HTML.

    rewrite_url maps a pack-relative link or image path to its public URL; citations maps a citation key to
    (label, url) so that `[@key]` becomes a labelled link.
    """
    if citations is not None:
        def cite(match: re.Match[str]) -> str:
            label, url = citations.get(match.group(1), (match.group(1), ""))
            return f"[{label}]({url})" if url else label
        text = _CITATION.sub(cite, text)
    return clean_html(_markdown(rewrite_url).render(text))


# An @handle in running text (not inside a word, an e-mail address or a path): see accounts.handles.
_MENTION = re.compile(r"(?<![\w@/.+-])@([A-Za-z0-9_]{3,30})(?![\w@])")
MENTION_CLASS = "mention"


def _mentions_rule(state: StateCore) -> None:
    """Find @handles in the text of a post (never in code, nor inside a link's text). With env["mentions"]
    ({handle: profile path}) the handles it names become links; every handle seen goes in env["found"]."""
    links: Mapping[str, str] = state.env.get("mentions") or {}
    found: list[str] = state.env.setdefault("found", [])
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0
        for token in block.children:
            depth += token.type == "link_open"
            depth -= token.type == "link_close"
            if token.type != "text" or depth or "@" not in token.content:
                children.append(token)
                continue
            rest = 0
            for match in _MENTION.finditer(token.content):
                handle = match.group(1).lower()
                if handle not in found:
                    found.append(handle)
                href = links.get(handle)
                if not href:
                    continue
                if match.start() > rest:
                    children.append(_text_token(token.content[rest:match.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": href, "class": MENTION_CLASS}
                children += [link, _text_token(match.group(0)), Token("link_close", "a", -1)]
                rest = match.end()
            if rest < len(token.content):
                children.append(_text_token(token.content[rest:]) if rest else token)
        block.children = children


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _user_markdown() -> MarkdownIt:
    md = _markdown(None).disable("image")
    md.core.ruler.push("mentions", _mentions_rule)
    return md


def render_user_markdown(text: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """Markdown written by users (bios, posts): no images, links get rel=nofollow. `mentions` maps the
    @handles that should link ({handle: the person's profile path}); other @handles stay plain text, so a
    mention says nothing about anyone it does not link."""
    html = _user_markdown().render(text, {"mentions": dict(mentions or {})})
    return bleach.linkify(clean_html(html), callbacks=[bleach.callbacks.nofollow], parse_email=False)


def mentioned_handles(text: str) -> list[str]:
    """The @handles a user's Markdown mentions, lower case, first mention first (none in code or link text)."""
    env: dict[str, list[str]] = {}
    _user_markdown().parse(text, env)
    return env.get("found", [])


def link_count(html: str) -> int:
    """The links in sanitised HTML that lead somewhere else (mentions of people are not counted)."""
    return len(re.findall(r"<a\s", html)) - len(re.findall(rf'<a\s[^>]*class="{MENTION_CLASS}"', html))


def highlighted(text: str, start: str, end: str) -> str:
    """A search snippet of user text as HTML: every piece of text escaped, the matches (between `start` and
    `end` markers) in <mark>. The markers are read in order, so a stray one cannot unbalance the tags; no
    other markup can appear, which is why this needs no pass through the allow-list."""
    out: list[str] = []
    marking = False
    for piece in re.split(f"({re.escape(start)}|{re.escape(end)})", text):
        if piece in (start, end):
            if marking != (piece == start):
                out.append("<mark>" if piece == start else "</mark>")
                marking = piece == start
        elif piece:
            out.append(str(escape(piece)))
    if marking:
        out.append("</mark>")
    return "".join(out)


def safe_html(value: str | None) -> Markup:
    """Jinja filter for HTML that came out of this module when it was written or imported."""
    return Markup(value or "")


def citations_used(text: str) -> list[str]:
    return _CITATION.findall(text)
