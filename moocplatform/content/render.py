"""Markdown of a loaded pack to sanitised HTML, once, at import: the description, units, video transcripts and
every Markdown field of the quizzes. Pages then show stored HTML and never render Markdown per request."""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import escape

from ..html import clean_html, render_markdown
from .markdown_checks import resolve_link
from .model import Pack, PackAssetFile, PackUnit
from .quizzes import render_quiz


def render_pack(
    pack: Pack,
    *,
    asset_url: Callable[[PackAssetFile], str],
    unit_url: Callable[[str], str],
    references_url: str,
) -> None:
    """Render every unit's Markdown (and the description and quizzes) to sanitised HTML, in place.

    Citations link to the pack's references unit when it has one, otherwise to references_url."""
    units_by_path = {unit.path: unit.key for unit in pack.units}
    references_unit = next((unit for unit in pack.units if unit.type == "references"), None)
    if references_unit is not None:
        references_url = unit_url(references_unit.key)
    citations = {r["key"]: (r["short"], f"{references_url}#ref-{r['key']}") for r in pack.references}
    if pack.card_image in pack.assets:
        pack.card_image_url = asset_url(pack.assets[pack.card_image])
    for partner in pack.partners:
        logo = pack.assets.get(partner.get("logo") or "")
        if logo is not None:  # what the course page shows and certificates draw
            partner.update(logo_url=asset_url(logo), logo_sha256=logo.sha256)

    def rewriter(base: str) -> Callable[[str], str]:
        def rewrite(url: str) -> str:
            kind, target = resolve_link(url, base, pack.assets, units_by_path)
            if kind == "asset":
                return asset_url(pack.assets[target])
            if kind == "unit":
                fragment = url.partition("#")[2]
                return unit_url(units_by_path[target]) + (f"#{fragment}" if fragment else "")
            return url
        return rewrite

    def markdown(base: str) -> Callable[[str], str]:
        return lambda text: render_markdown(text, rewrite_url=rewriter(base), citations=citations)

    pack.description_html = markdown("course.yaml")(pack.description)
    for unit in pack.units:
        unit.html = markdown(unit.path)(unit.body)
        if unit.type == "references":
            unit.html += reference_list_html(pack.references)
        if unit.video:
            unit.video_html = _video_html(pack, unit.video, unit.title, asset_url, markdown)
        _render_teaching(unit, markdown(unit.path))
    for quiz in pack.quizzes.values():
        render_quiz(quiz.data, markdown(quiz.path))


def _render_teaching(unit: PackUnit, markdown: Callable[[str], str]) -> None:
    """Format 2's Markdown fields. Facilitator notes go to their own field, never into the unit's HTML or its
    session plan, so that whatever shows a unit or a session to learners has no way to show them."""
    notes = {}
    if unit.facilitator_notes:
        notes["unit"] = markdown(unit.facilitator_notes)
    if unit.session is not None:
        if isinstance(unit.session.get("facilitator_notes"), str):
            notes["session"] = markdown(unit.session["facilitator_notes"])
        plan = {k: v for k, v in unit.session.items() if k != "facilitator_notes"}
        plan["steps"] = [{**step, **({"description_html": markdown(step["description"])}
                                     if isinstance(step.get("description"), str) else {})}
                         for step in unit.session.get("steps", [])]
        unit.session_plan = plan
    unit.facilitator_notes_html = notes or None
    if unit.assignment is not None and isinstance(unit.assignment.get("instructions"), str):
        unit.assignment["instructions_html"] = markdown(unit.assignment["instructions"])


def _video_html(pack: Pack, video: dict, title: str, asset_url, markdown) -> dict:
    transcript = pack.assets[video["transcript"]]
    transcript_text = transcript.source.read_text("utf-8")
    if transcript.path.endswith(".md"):
        transcript_html = markdown(transcript.path)(transcript_text)
    else:
        transcript_html = clean_html(f"<pre>{escape(transcript_text)}</pre>")
    return {
        "url": video["url"],
        "title": video.get("title") or title,
        "transcript_html": transcript_html,
        "transcript_url": asset_url(transcript),
        "captions": [{"language": language, "url": asset_url(pack.assets[path])}
                     for language, path in (video.get("captions") or {}).items()],
    }


def reference_list_html(references: list[dict[str, str]]) -> str:
    """The sources in the order of their labels, each with the anchor its citations link to."""
    items = []
    for ref in sorted(references, key=lambda r: (r["short"].casefold(), r["key"])):
        link = f' <a href="{escape(ref["url"])}" rel="noopener">{escape(ref["url"])}</a>' if ref.get("url") else ""
        items.append(f'<li id="ref-{escape(ref["key"])}"><strong>{escape(ref["short"])}.</strong> '
                     f'{escape(ref["citation"])}{link}</li>')
    return clean_html(f'<ol class="references">\n{chr(10).join(items)}\n</ol>\n') if items else ""
