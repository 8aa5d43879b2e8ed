"""Where portfolio evidence comes from: a registry of sources, each listing what a learner could add and
taking a snapshot of one item. An area (or this one, reading an area's queries) registers a source once.

A source's `snapshot` returns HTML that is already sanitised (it came out of html.py, or was built with
escaping); the portfolio stores the snapshot as it is, so a later change at the source does not alter it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import LazyString


@dataclass(frozen=True)
class Candidate:
    """One item a learner could add: `ref` names it within its source (at most 64 characters)."""

    ref: str
    title: str
    date: datetime | None
    summary: str = ""  # plain text


@dataclass(frozen=True)
class Snapshot:
    title: str
    html: str  # sanitised
    date: datetime | None
    url: str  # the source: a unit page, a certificate's verification page


@dataclass(frozen=True)
class EvidenceSource:
    name: str
    label: str | LazyString
    list_candidates: Callable[[Any], list[Candidate]]
    snapshot: Callable[[Any, str], Snapshot | None]  # None: no such item of this user


_sources: dict[str, EvidenceSource] = {}


def register_evidence_source(name: str, list_candidates: Callable[[Any], list[Candidate]],
                             snapshot: Callable[[Any, str], Snapshot | None], *,
                             label: str | LazyString | None = None) -> EvidenceSource:
    if not name.isidentifier() or len(name) > 32:
        raise ValueError(f"not an evidence source name: {name!r}")
    source = EvidenceSource(name, label or name, list_candidates, snapshot)
    earlier = _sources.get(name)
    if earlier is not None and (earlier.list_candidates, earlier.snapshot) != (list_candidates, snapshot):
        raise ValueError(f"evidence source {name!r} is registered twice")
    _sources[name] = source
    return source


def evidence_source(name: str) -> EvidenceSource | None:
    return _sources.get(name)


def evidence_sources() -> list[EvidenceSource]:
    return list(_sources.values())
