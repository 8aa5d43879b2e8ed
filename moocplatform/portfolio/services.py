"""Changes to a learner's portfolio. Every function takes the acting user and checks that it is the owner:
nobody else, administrators included, writes (or reads) a learner's private entries."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, policy, validation
from ..assignments import files
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..html import render_user_markdown
from ..storage import storage_for
from ..tokens.services import issue_token, revoke_token
from . import queries
from .evidence import evidence_source
from .models import STORAGE_NAMESPACE, EntryKind, PortfolioEntry, PortfolioPage, delete_stored_files_after_commit

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_HEADLINE = 200
MAX_INTRO = 5_000
MAX_ENTRIES = 500
MAX_FILE_BYTES = 10 * files.MB
MAX_BYTES_PER_LEARNER = 50 * files.MB
MAX_REQUEST_KEY = 64


def new_request_key() -> str:
    """The one-time key a form carries, so that the same form sent twice makes one entry."""
    return secrets.token_urlsafe(24)


def _require_owner(actor: Any, owner_id: int) -> None:
    if not policy.can_manage_portfolio(actor, owner_id):
        raise PermissionDenied(_("Only its owner changes a portfolio."))


def _entry_for(actor: Any, entry: PortfolioEntry) -> PortfolioEntry:
    # Someone else's entry does not exist for the actor (404, not 403).
    if not policy.can_manage_portfolio(actor, entry.user_id):
        raise NotFound(_("No such portfolio entry."))
    return entry


def _request_key(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_REQUEST_KEY:
        raise InvalidInput(_("The form is not valid; load the page again."), field="request_key")
    return value


def _title(value: Any) -> str:
    return validation.text(value, "title", max_length=MAX_TITLE, min_length=1)


def _body(value: Any, field: str = "body", max_length: int = MAX_BODY) -> tuple[str, str]:
    source = validation.text(value if value is not None else "", field, max_length=max_length)
    return source, render_user_markdown(source) if source else ""


def _check_room(owner_id: int) -> None:
    count = db.session.scalar(sa.select(sa.func.count()).where(PortfolioEntry.user_id == owner_id)) or 0
    if count >= MAX_ENTRIES:
        raise InvalidInput(_("A portfolio holds at most %(n)d entries; delete one first.", n=MAX_ENTRIES),
                           field="title")


def _insert(entry: PortfolioEntry) -> PortfolioEntry | None:
    """Add the entry; None when its request key or evidence is there already (the form sent twice, even at
    the same moment)."""
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return None
    return entry


def _earlier(owner_id: int, request_key: str | None) -> PortfolioEntry | None:
    return queries.entry_by_request_key(owner_id, request_key) if request_key else None


def write_entry(actor: Any, owner: Any, *, title: Any, body: Any, request_key: str | None = None) -> PortfolioEntry:
    """A written entry: a title and Markdown, private until the learner shows it on the public page."""
    _require_owner(actor, owner.id)
    key = _request_key(request_key)
    earlier = _earlier(owner.id, key)
    if earlier is not None:
        return earlier
    clean_title = _title(title)
    source, html = _body(body)
    _check_room(owner.id)
    now = clock.now()
    entry = PortfolioEntry(user_id=owner.id, kind=EntryKind.written, title=clean_title, body_source=source,
                           body_html=html, position=queries.last_position(owner.id) + 1, created_at=now,
                           updated_at=now, request_key=key)
    inserted = _insert(entry)
    if inserted is None:
        found = _earlier(owner.id, key)
        if found is None:
            raise InvalidInput(_("The entry could not be saved; send it again."), field="title")
        return found
    db.session.flush()
    return inserted


def upload_file(actor: Any, owner: Any, *, name: str, data: bytes, title: Any = "", body: Any = "",
                request_key: str | None = None) -> PortfolioEntry:
    """A file entry, once its content says it is a kind we accept (PDF, PNG, JPEG, plain text, an ODF or OOXML
    document) and it fits the limits. A refused file stores nothing."""
    _require_owner(actor, owner.id)
    key = _request_key(request_key)
    earlier = _earlier(owner.id, key)
    if earlier is not None:
        return earlier
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput(_("Choose a file."), field="file")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(_("The file is larger than %(mb)d MB.", mb=MAX_FILE_BYTES // files.MB), field="file")
    try:
        clean = files.clean_name(name)
        kind = files.identify(clean, bytes(data))
    except files.FileRefused as refused:
        raise InvalidInput(str(refused), field="file") from None
    clean_title = _title(title) if isinstance(title, str) and title.strip() else clean[:MAX_TITLE]
    source, html = _body(body)
    if queries.bytes_stored_by(owner.id) + len(data) > MAX_BYTES_PER_LEARNER:
        raise InvalidInput(_("Your files would take more than %(mb)d MB; delete a file you no longer need.",
                             mb=MAX_BYTES_PER_LEARNER // files.MB), field="file")
    _check_room(owner.id)
    digest = hashlib.sha256(data).hexdigest()
    storage_key = f"{digest[:2]}/{secrets.token_hex(16)}"  # random: nobody finds a file by guessing its content
    now = clock.now()
    entry = PortfolioEntry(user_id=owner.id, kind=EntryKind.file, title=clean_title, body_source=source,
                           body_html=html, position=queries.last_position(owner.id) + 1, created_at=now,
                           updated_at=now, request_key=key, storage_key=storage_key, file_name=clean,
                           content_type=kind.content_type, file_size=len(data), sha256=digest)
    inserted = _insert(entry)
    if inserted is None:
        found = _earlier(owner.id, key)
        if found is None:
            raise InvalidInput(_("The file could not be saved; send it again."), field="file")
        return found
    # Stored last, once every check passed: should the transaction still fail, the bytes stay unnamed under a
    # random key.
    storage_for(STORAGE_NAMESPACE).put(storage_key, bytes(data), kind.content_type)
    db.session.flush()
    return inserted


def add_evidence(actor: Any, owner: Any, source_name: Any, ref: Any) -> PortfolioEntry:
    """Copy a snapshot of one item from another area (a reflection, an accepted submission, a certificate).
    Adding the same item again gives the entry made the first time."""
    _require_owner(actor, owner.id)
    source = evidence_source(source_name) if isinstance(source_name, str) else None
    if source is None:
        raise InvalidInput(_("Choose where the evidence comes from."), field="source")
    if not isinstance(ref, str) or not ref or len(ref) > 64:
        raise InvalidInput(_("Choose an item to add."), field="ref")
    earlier = queries.entry_by_evidence(owner.id, source.name, ref)
    if earlier is not None:
        return earlier
    snapshot = source.snapshot(owner, ref)
    if snapshot is None:
        raise InvalidInput(_("That item is not yours to add, or no longer exists."), field="ref")
    _check_room(owner.id)
    now = clock.now()
    entry = PortfolioEntry(user_id=owner.id, kind=EntryKind.evidence, title=snapshot.title[:MAX_TITLE],
                           position=queries.last_position(owner.id) + 1, created_at=now, updated_at=now,
                           evidence_source=source.name, evidence_ref=ref, evidence_html=snapshot.html,
                           evidence_url=snapshot.url[:500], evidence_date=snapshot.date)
    inserted = _insert(entry)
    if inserted is None:
        found = queries.entry_by_evidence(owner.id, source.name, ref)
        if found is None:
            raise InvalidInput(_("The evidence could not be added; try again."), field="ref")
        return found
    db.session.flush()
    return inserted


def update_entry(actor: Any, entry: PortfolioEntry, *, title: Any, body: Any) -> PortfolioEntry:
    """A new title and text (the body of a written entry, a note on a file or on evidence). The evidence's
    snapshot itself stays as it was taken."""
    _entry_for(actor, entry)
    entry.title = _title(title)
    entry.body_source, entry.body_html = _body(body)
    entry.updated_at = clock.now()
    db.session.flush()
    return entry


def move_entry(actor: Any, entry: PortfolioEntry, direction: Any) -> None:
    """Move an entry one place up or down in the learner's order (positions are renumbered 1, 2, ...)."""
    _entry_for(actor, entry)
    if direction not in ("up", "down"):
        raise InvalidInput(_("Move an entry up or down."), field="direction")
    ordered = queries.entries_of(entry.user_id)
    index = next(i for i, e in enumerate(ordered) if e.id == entry.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered, start=1):
        row.position = position
    db.session.flush()


def delete_entry(actor: Any, entry: PortfolioEntry) -> None:
    """Delete an entry; its stored file goes once the deletion is committed."""
    _entry_for(actor, entry)
    key = entry.storage_key
    db.session.delete(entry)
    db.session.flush()
    if key:
        delete_stored_files_after_commit({key})


def _page_for(owner_id: int) -> PortfolioPage:
    page = queries.page_of(owner_id)
    if page is None:
        page = PortfolioPage(user_id=owner_id, updated_at=clock.now())
        db.session.add(page)
        db.session.flush()
    return page


def set_public_page(actor: Any, owner: Any, *, headline: Any, intro: Any, public_entry_ids: Any) -> PortfolioPage:
    """The public page's headline and introduction, and which entries it shows (the others stay private)."""
    _require_owner(actor, owner.id)
    clean_headline = validation.text(headline if headline is not None else "", "headline", max_length=MAX_HEADLINE)
    intro_source, intro_html = _body(intro, "intro", MAX_INTRO)
    if not isinstance(public_entry_ids, list | tuple | set | frozenset) or \
            not all(isinstance(i, int) and not isinstance(i, bool) for i in public_entry_ids):
        raise InvalidInput(_("Choose entries from the list."), field="entries")
    chosen = set(public_entry_ids)
    entries = queries.entries_of(owner.id)
    if chosen - {e.id for e in entries}:
        raise InvalidInput(_("Choose entries from the list."), field="entries")
    shown_before = {e.id for e in entries if e.is_public}
    for entry in entries:
        entry.is_public = entry.id in chosen
    page = _page_for(owner.id)
    page.headline, page.intro_source, page.intro_html = clean_headline, intro_source, intro_html
    page.updated_at = clock.now()
    if chosen != shown_before:
        audit.record(actor, "portfolio.public_entries", page, shown=len(chosen),
                     added=len(chosen - shown_before), removed=len(shown_before - chosen))
    db.session.flush()
    return page


def publish_link(actor: Any, owner: Any) -> queries.PublicLink:
    """A new public link; the previous one, if any, stops working at once."""
    _require_owner(actor, owner.id)
    page = _page_for(owner.id)
    if page.link_token_id is not None:
        revoke_token(actor, page.link_token_id)
    issued = issue_token(actor, owner, queries.LINK_PURPOSE, scopes=["read:portfolio"],
                         label=_("Public portfolio"))
    page.link_token_id, page.link_secret = issued.token.id, issued.secret
    page.updated_at = clock.now()
    audit.record(actor, "portfolio.link_issue", page, token=issued.token.id)
    db.session.flush()
    return queries.PublicLink(issued.token.id, issued.secret, issued.token.created_at, issued.token.expires_at)


def revoke_link(actor: Any, owner: Any) -> bool:
    """End the public link at once. False when there was none."""
    _require_owner(actor, owner.id)
    page = queries.page_of(owner.id)
    if page is None or page.link_token_id is None:
        return False
    token_id = page.link_token_id
    revoke_token(actor, token_id)
    page.link_token_id, page.link_secret = None, None
    page.updated_at = clock.now()
    audit.record(actor, "portfolio.link_revoke", page, token=token_id)
    db.session.flush()
    return True
