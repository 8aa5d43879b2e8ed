"""A learner's portfolio: entries (written by hand, an uploaded file, or evidence copied from another area)
and the settings of the one public page that shows the entries the learner chose.

Every entry is private until the learner chooses it for the public page (`is_public`); the page itself exists
only while its link (a `portfolio_link` token) is live.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from ..personal_data import delete_rows, register, rows_as_dicts
from ..stored_enum import stored_enum

STORAGE_NAMESPACE = "portfolio"


class EntryKind(StrEnum):
    written = "written"  # a title and Markdown written on the page
    file = "file"  # an uploaded file, in storage
    evidence = "evidence"  # a copy of something from another area (a certificate, a reflection, ...)


class PortfolioEntry(Model):
    __tablename__ = "portfolio_entries"
    __table_args__ = (
        # The same form sent twice makes one entry.
        sa.UniqueConstraint("user_id", "request_key"),
        # The same evidence is added once (NULLs are distinct: written and file entries are not concerned).
        sa.UniqueConstraint("user_id", "evidence_source", "evidence_ref"),
        sa.Index("ix_portfolio_entries_user_id_position", "user_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(stored_enum(EntryKind, column="kind", length=16))
    title: Mapped[str] = mapped_column(sa.String(200))
    # The learner's own text (the body of a written entry, a note on a file or on evidence): Markdown as
    # written and the HTML html.py made of it when it was saved.
    body_source: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)  # the learner's order, smallest first
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    request_key: Mapped[str | None] = mapped_column(sa.String(64))
    # file entries: the bytes are in storage under a random key
    storage_key: Mapped[str | None] = mapped_column(sa.String(128))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(120))
    file_size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # evidence entries: a snapshot taken when it was added, so a later change at the source does not alter
    # the portfolio without the learner knowing
    evidence_source: Mapped[str | None] = mapped_column(sa.String(32))
    evidence_ref: Mapped[str | None] = mapped_column(sa.String(64))
    evidence_html: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised when the snapshot was taken
    evidence_url: Mapped[str] = mapped_column(sa.String(500), default="")
    evidence_date: Mapped[datetime | None]


class PortfolioPage(Model):
    """The public page's words and its current link. The link's secret is kept (unlike other tokens' secrets)
    because the page exists to be shown: the learner must be able to copy its address again, and the page
    holds only what the learner chose to publish. Revoking the token ends the page at once."""

    __tablename__ = "portfolio_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    headline: Mapped[str] = mapped_column(sa.String(200), default="")
    intro_source: Mapped[str] = mapped_column(sa.Text, default="")
    intro_html: Mapped[str] = mapped_column(sa.Text, default="")
    link_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tokens.id", ondelete="SET NULL"), index=True)
    link_secret: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime]


# Personal data -------------------------------------------------------------------------------------------------

def delete_stored_files_after_commit(keys: set[str]) -> None:
    """Stored files go once the rows that name them are gone for good: never when the transaction rolls back."""
    if not keys:
        return
    from .. import transaction
    from ..storage import storage_for

    store = storage_for(STORAGE_NAMESPACE)  # resolved now, inside the app context

    def delete() -> None:
        for key in sorted(keys):
            store.delete(key)

    transaction.after_commit(delete)


def _erase_entries(user) -> None:
    keys = {key for key in db.session.scalars(sa.select(PortfolioEntry.storage_key).where(
        PortfolioEntry.user_id == user.id, PortfolioEntry.storage_key.is_not(None))) if key}
    delete_rows(PortfolioEntry, PortfolioEntry.user_id == user.id)
    delete_stored_files_after_commit(keys)


register(PortfolioEntry, section="portfolio_entries", rule="delete", erase=_erase_entries,
         export=lambda user: rows_as_dicts(PortfolioEntry, PortfolioEntry.user_id == user.id,
                                           exclude=("storage_key", "request_key")),
         reason="the learner's portfolio; uploaded files are deleted from storage with the rows")
register(PortfolioPage, section="portfolio_page", rule="delete",
         erase=lambda user: delete_rows(PortfolioPage, PortfolioPage.user_id == user.id),
         export=lambda user: rows_as_dicts(PortfolioPage, PortfolioPage.user_id == user.id,
                                           exclude=("link_secret",)),
         reason="the public page's words and link end with the account (the link's token is revoked with it)")
