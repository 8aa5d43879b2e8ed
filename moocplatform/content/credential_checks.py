"""Checks of what a certificate states from the manifest: the `micro_credential` block (ECTS that the workload
can carry) and the partners (a country that exists, a logo that is a real PNG or JPEG of sensible size).

A logo is drawn on every certificate of the course, so it is judged by its content, never by its name, and
refused before it is decoded when its header announces an image too large to decode safely.
"""
from __future__ import annotations

import io
import warnings
from functools import cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from babel import Locale
from PIL import Image, UnidentifiedImageError

from .model import LOGO_TYPES, Where

if TYPE_CHECKING:
    from .markdown_checks import MarkdownContext
    from .pack import PackReader

KB = 1024
MAX_LOGO_BYTES = 1024 * KB
MAX_LOGO_SIDE = 2500  # pixels: decoding stays within about 25 MB
MIN_LOGO_SIDE = 16
SHARP_LOGO_HEIGHT = 150  # pixels: a logo is drawn about 14 mm high, which needs about this many to print sharply
# ECTS Users' Guide (2015): one credit stands for 25 to 30 hours of work.
ECTS_HOURS = (25, 30)
_SIGNATURES = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff"}
# Territories CLDR names that are not ISO 3166-1 countries (regions, groupings, reserved codes).
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English name (from CLDR, through babel; XK, Kosovo, as the EU uses it)."""
    return {code: name for code, name in Locale("en").territories.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}


def country_name(code: str) -> str:
    return country_names().get(code, code)


def workload_hours(micro_credential: dict, effort_hours_per_week: int, duration_weeks: int) -> float:
    """The notional workload: as the block states it, or the declared effort over the declared weeks."""
    stated = micro_credential.get("workload_hours")
    return float(stated) if stated else float(effort_hours_per_week * duration_weeks)


def check_credential_elements(reader: PackReader, context: MarkdownContext) -> None:
    _micro_credential(reader)
    _partners(reader, context)


def _micro_credential(reader: PackReader) -> None:
    pack, manifest = reader.read_pack, reader.manifest_doc
    ects = pack.micro_credential.get("ects")
    if not ects:
        return
    hours = workload_hours(pack.micro_credential, pack.effort_hours_per_week, pack.duration_weeks)
    low, high = ECTS_HOURS
    where: Where = {"line": manifest.line(["micro_credential", "ects"]), "field": "micro_credential.ects"}
    if hours < ects * low:
        reader.findings.problem(
            "course.yaml", f"{ects:g} ECTS credits stand for at least {ects * low:g} hours of work ({low}–{high} "
            f"hours a credit), but the course's workload is {hours:g} hours: lower ects or state "
            "micro_credential.workload_hours", **where)
    elif hours > ects * high:
        reader.findings.warn(
            "course.yaml", f"{hours:g} hours of work are more than {ects:g} ECTS credits stand for ({low}–{high} "
            "hours a credit): check ects and workload_hours", **where)


def _partners(reader: PackReader, context: MarkdownContext) -> None:
    pack, manifest, findings = reader.read_pack, reader.manifest_doc, reader.findings
    for i, partner in enumerate(pack.partners):
        country = partner.get("country")
        if isinstance(country, str) and len(country) == 2 and country.isupper() and country not in country_names():
            findings.problem("course.yaml", f"{country!r} is not an ISO 3166-1 country code",
                             line=manifest.line(["partners", i, "country"]), field=f"partners[{i}].country")
        logo = partner.get("logo")
        if not isinstance(logo, str) or not logo:
            continue
        where: Where = {"line": manifest.line(["partners", i, "logo"]), "field": f"partners[{i}].logo"}
        suffix = PurePosixPath(logo).suffix.lower()
        if suffix not in LOGO_TYPES:
            findings.problem("course.yaml", f"{logo} must be a PNG or JPEG image: certificates draw raster logos "
                             "only (export an SVG logo as a PNG about 600 pixels wide)", **where)
            continue
        asset = pack.assets.get(logo)
        if asset is None:
            findings.problem("course.yaml", f"{logo} is not in the pack's assets/", **where)
            continue
        context.assets_used.add(logo)
        problems, notes = logo_findings(LOGO_TYPES[suffix], asset.source.read_bytes())
        for message in problems:
            findings.problem(logo, message)
        for message in notes:
            findings.warn(logo, message)


def logo_findings(expected: str, data: bytes) -> tuple[list[str], list[str]]:
    """(problems, warnings) of a logo file that should be an image of the `expected` format (PNG or JPEG)."""
    if len(data) > MAX_LOGO_BYTES:
        return [f"is {len(data) // KB} KB; a partner logo may be at most {MAX_LOGO_BYTES // KB} KB"], []
    actual = next((kind for kind, signature in _SIGNATURES.items() if data.startswith(signature)), None)
    if actual is None:
        return [f"is not a {expected} image: its content is neither PNG nor JPEG"], []
    if actual != expected:
        return [f"is a {actual} image under a {expected} name: rename it to match its content"], []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if max(width, height) > MAX_LOGO_SIDE:
                    return [f"is {width} × {height} pixels; a partner logo may be at most {MAX_LOGO_SIDE} pixels "
                            "on each side"], []
                if min(width, height) < MIN_LOGO_SIDE:
                    return [f"is {width} × {height} pixels: too small to draw"], []
                image.load()  # decodes every pixel: a truncated or damaged file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as error:
        return [f"cannot be read as a {expected} image ({type(error).__name__}: {error})"], []
    notes = []
    if height < SHARP_LOGO_HEIGHT:
        notes.append(f"is {height} pixels high; a certificate draws a logo about 14 mm high, which needs about "
                     f"{SHARP_LOGO_HEIGHT} pixels to print sharply")
    return [], notes
