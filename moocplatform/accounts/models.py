from __future__ import annotations

import enum
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..personal_data import register, register_owned, rows_as_dicts
from ..stored_enum import stored_enum

ROLES = ("admin", "facilitator", "course_team")
# Roles held within a scope narrower than the platform (a course, a cohort, an organisation); admin is
# platform-wide only.
COURSE_ROLES = ("facilitator", "course_team")


class ScopeType(enum.StrEnum):
    """Where a role grant applies. scope_id names the organisation, course or cohort; platform has none."""

    PLATFORM = "platform"
    ORGANISATION = "organisation"
    COURSE = "course"
    COHORT = "cohort"


SCOPE_TYPES = tuple(t.value for t in ScopeType)


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
    # The public @handle others mention the person by: lower case, given once when the account is made
    # (accounts.handles), never reused while the account exists; erased with the account.
    handle: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)
    status: Mapped[UserStatus] = mapped_column(stored_enum(UserStatus, column="status", length=16),
                                               default=UserStatus.active)
    created_at: Mapped[datetime]
    email_verified_at: Mapped[datetime | None]
    # An address the holder asked to move the account to, until its link is opened (accounts.email_change);
    # the account keeps signing in and getting mail at `email` meanwhile.
    pending_email: Mapped[str | None] = mapped_column(sa.String(254))
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped when every credential of the account must stop working (password change or reset, suspension);
    # a signed-in session is honoured only while it carries the current version.
    auth_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The bell: the person's unread notifications, kept by the notifications area (through
    # accounts.services.change_unread_notifications) in the transaction that makes or reads them, so that a
    # page shows it without a query.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

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

    def has_role(self, role: str, scope_type: str = ScopeType.PLATFORM, scope_id: int | None = None) -> bool:
        """Holds role granted for exactly this scope (platform-wide by default)."""
        return any(g.role == role and g.scope_type == scope_type and g.scope_id == scope_id for g in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    def scopes_of(self, role: str) -> set[tuple[str, int | None]]:
        """(scope_type, scope_id) of every grant of role."""
        return {(g.scope_type, g.scope_id) for g in self.roles if g.role == role}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleGrant(Model):
    """A role held by a user within a scope: the platform (admin), or an organisation, a course or a cohort
    (facilitator, course team). scope_id has no foreign key because it names a row of the scope's table.

    via_organisation_id names the partner organisation that gave the grant (a course-team role on a course it
    co-owns), NULL for a grant given directly. One person may hold one role on one scope from several sources,
    a row each, so taking one source away leaves the others."""

    __tablename__ = "role_grants"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "scope_type", "scope_id", "via_organisation_id",
                            name="uq_role_grants_user_role_scope_source"),
        sa.CheckConstraint("scope_type IN ('platform', 'organisation', 'course', 'cohort')", name="scope_type"),
        sa.CheckConstraint("(scope_type = 'platform') = (scope_id IS NULL)", name="scope_id_for_scope"),
        sa.Index("ix_role_grants_scope", "scope_type", "scope_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    scope_type: Mapped[str] = mapped_column(sa.String(16), default=ScopeType.PLATFORM.value)
    scope_id: Mapped[int | None]
    granted_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    via_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)

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
    """A failed log-in or current-password check, kept for the throttling window; shared by every worker
    through the database. `device` names the device cookie it came with, when that cookie was trusted for
    this account: such failures count for that device alone, not for the address they came from."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip: Mapped[str] = mapped_column(sa.String(64), index=True)
    device: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class UserSession(Model):
    """One signed-in browser. Its cookie holds a random key whose hash is stored here, so a session ends for
    good, on every node, when its row is deleted. A remembered session also has a remember key, a longer life,
    and a new remember key each time it re-establishes a browser session (the previous one is kept, to notice
    its reuse)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    auth_version: Mapped[int]
    device: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    remember: Mapped[bool] = mapped_column(default=False)
    remember_key_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    previous_remember_key_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    remember_rotated_at: Mapped[datetime | None]
    # When the holder last typed the password in this session (log-in or re-authentication); None when it
    # began otherwise (a confirmation link). Sensitive actions need it recent (accounts/reauth.py).
    password_confirmed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class SecondFactor(Model):
    """An account's authenticator app: a TOTP secret (RFC 6238), stored encrypted (accounts/totp.py). A row
    without `enabled_at` is an enrolment begun and not confirmed yet; it protects nothing. `last_used_step`
    is the time step of the last code accepted, so that no code is accepted twice."""

    __tablename__ = "second_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
    enabled_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(Model):
    """A single-use code that stands in for the authenticator app. Only a salted SHA-256 of it is kept: the
    code itself is shown once, when it is made."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(sa.String(32))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginChallenge(Model):
    """A log-in whose password was right, waiting for the second factor. The browser holds a random key whose
    hash is stored here (in Flask's signed session cookie); nothing is signed in until the code is right, and
    the row ends after a few minutes, after too many wrong codes, or with a change of credentials."""

    __tablename__ = "login_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    auth_version: Mapped[int]
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # The WebAuthn challenge the log-in page last offered to the account's security keys (base64url); it is
    # single-use: cleared once an answer to it is checked.
    key_challenge: Mapped[str | None] = mapped_column(sa.String(128))


class SecurityKey(Model):
    """A security key or passkey registered as a second factor (WebAuthn): the credential's id (base64url, as
    the browser names it), its COSE public key, and the signature counter it last reported (a counter that goes
    back means the key was copied). The holder names it to tell their keys apart."""

    __tablename__ = "security_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(sa.String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[str] = mapped_column(sa.String(200), default="")
    name: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


# Personal data: how each model is exported and erased (see moocplatform.personal_data).
def _erase_account(user: User) -> None:
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = "Deleted user"
    user.full_name = ""
    user.bio = ""
    user.handle = None
    user.password_hash = "!"
    user.status = UserStatus.deleted
    user.email_verified_at = None
    user.pending_email = None
    user.unread_notifications = 0  # the notifications go with the account
    user.roles.clear()


register(
    User, section="account", rule="anonymise",
    export=lambda user: rows_as_dicts(User, User.id == user.id, exclude=("password_hash",)),
    erase=_erase_account,
    reason="the row stays so that posts and records keep a (de-personalised) author",
)
register_owned(RoleGrant, section="roles",
               reason="roles end with the account; grants they made keep the de-personalised granter")
register_owned(Consent, section="consents",
               reason="consents end with the account")
register_owned(UserSession, section="sessions", exclude=("key_hash", "remember_key_hash", "previous_remember_key_hash"),
               reason="a deleted account has no signed-in devices")
register_owned(SecondFactor, section="second_factor", exclude=("secret_encrypted",),
               reason="the authenticator app set up for the account ends with it")
register_owned(RecoveryCode, section="recovery_codes", exclude=("salt", "code_hash"),
               reason="recovery codes end with the account")
register_owned(SecurityKey, section="security_keys", exclude=("public_key",),
               reason="the security keys registered for the account end with it")
register_owned(LoginChallenge, section="login_challenges", exclude=("key_hash", "key_challenge"),
               reason="a log-in waiting for its second factor ends with the account")
register_owned(LoginFailure, section="login_failures", owner="email",
               reason="throttling data keyed by the e-mail address")
