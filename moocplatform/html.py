"""The only module that sanitises HTML: Markdown rendering and the one allow-list for users' and packs' HTML.

Values returned here are safe to mark as such in templates; nothing else is.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import bleach
from bleach.css_sanitizer import CSSSanitizer
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
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


def render_user_markdown(text: str) -> str:
    """Markdown written by users (bios, posts): no images, links get rel=nofollow."""
    html = _markdown(None).disable("image").render(text)
    return bleach.linkify(clean_html(html), callbacks=[bleach.callbacks.nofollow], parse_email=False)


def highlighted(text: str, start: str, end: str) -> str:
    """A search snippet of user text as HTML: everything escaped, the matches (between `start` and `end`
    markers) in <mark>, and the result through the allow-list so that a stray marker cannot unbalance a tag."""
    escaped = str(escape(text))
    return clean_html(escaped.replace(start, "<mark>").replace(end, "</mark>"))


def safe_html(value: str | None) -> Markup:
    """Jinja filter for HTML that came out of this module when it was written or imported."""
    return Markup(value or "")


def citations_used(text: str) -> list[str]:
    return _CITATION.findall(text)
