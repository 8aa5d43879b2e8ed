from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..personal_data import delete_rows, register, rows_as_dicts
from ..stored_enum import stored_enum

ROLES = ("admin", "facilitator", "course_team")
# Roles that apply to one course; the others are site-wide.
COURSE_ROLES = ("facilitator", "course_team")


class UserStatus(StrEnum):
    active = "active"
    suspended = "suspended"  # by an administrator: cannot log in
    deleted = "deleted"  # erased: the row stays, de-personalised


USER_STATUSES = tuple(UserStatus)


class ConsentKind(StrEnum):
    terms = "terms"
    privacy = "privacy"
    minimum_age = "minimum_age"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str] = mapped_column(sa.String(16), default="en")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[UserStatus] = mapped_column(stored_enum(UserStatus, column="status", length=16),
                                               default=UserStatus.active)
    created_at: Mapped[datetime]
    email_verified_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    # Flask-Login: suspended and deleted accounts are logged out on their next request.
    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.active

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def has_role(self, role: str, course_id: int | None = None) -> bool:
        return any(g.role == role and (course_id is None or g.course_id == course_id) for g in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    def course_ids_with_role(self, role: str) -> set[int]:
        return {g.course_id for g in self.roles if g.role == role and g.course_id is not None}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleGrant(Model):
    """A role held by a user: site-wide (admin) or for one course (facilitator, course team)."""

    __tablename__ = "role_grants"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class Consent(Model):
    """A consent given at registration (terms, privacy notice, minimum age), with the text's version and time."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(stored_enum(ConsentKind, column="kind", length=32))
    version: Mapped[str] = mapped_column(sa.String(32))
    given_at: Mapped[datetime]


class LoginFailure(Model):
    """A failed log-in, kept for the throttling window; shared by every worker through the database."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip: Mapped[str] = mapped_column(sa.String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


# Personal data: how each model is exported and erased (see moocplatform.personal_data).
def _erase_account(user: User) -> None:
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = "Deleted user"
    user.full_name = ""
    user.bio = ""
    user.password_hash = "!"
    user.status = UserStatus.deleted
    user.email_verified_at = None
    user.roles.clear()


register(
    User, section="account", rule="anonymise",
    export=lambda user: rows_as_dicts(User, User.id == user.id, exclude=("password_hash",)),
    erase=_erase_account,
    reason="the row stays so that posts and records keep a (de-personalised) author",
)
register(
    RoleGrant, section="roles", rule="delete",
    export=lambda user: rows_as_dicts(RoleGrant, RoleGrant.user_id == user.id),
    erase=lambda user: delete_rows(RoleGrant, RoleGrant.user_id == user.id),
    reason="roles end with the account; grants they made keep the de-personalised granter",
)
register(
    Consent, section="consents", rule="delete",
    export=lambda user: rows_as_dicts(Consent, Consent.user_id == user.id),
    erase=lambda user: delete_rows(Consent, Consent.user_id == user.id),
    reason="consents end with the account",
)
register(
    LoginFailure, section="login_failures", rule="delete",
    export=lambda user: rows_as_dicts(LoginFailure, LoginFailure.email == user.email),
    erase=lambda user: delete_rows(LoginFailure, LoginFailure.email == user.email),
    reason="throttling data keyed by the e-mail address",
)
