"""Discussion: spaces (a course forum, a private space of a few people; later cohort and team spaces), each
with a membership kind; categories; threads, which may hang on a unit's stable key; posts with replies one
level deep; reports. Posts keep the Markdown they were written in and the HTML sanitised when written."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..stored_enum import stored_enum


class Space(Model):
    __tablename__ = "discussion_spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names one space: "course:<id>" for a course forum, "private:<random>" for a private space.
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    membership: Mapped[str] = mapped_column(sa.String(32))  # a kind of discussion.membership
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime]


class SpaceMember(Model):
    """The people of a space whose membership kind lists them (private spaces)."""

    __tablename__ = "discussion_space_members"
    __table_args__ = (sa.UniqueConstraint("space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_spaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime]
    # Up to when the member has read the space (private conversations mark newer posts unread).
    last_read_at: Mapped[datetime | None]


class Category(Model):
    __tablename__ = "discussion_categories"
    __table_args__ = (sa.UniqueConstraint("space_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_spaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    thread_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)


class Thread(Model):
    __tablename__ = "discussion_threads"
    __table_args__ = (sa.UniqueConstraint("space_id", "unit_key"),
                      sa.Index("ix_discussion_threads_listing", "space_id", "category_id", "pinned", "last_post_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_spaces.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("discussion_categories.id", ondelete="SET NULL"))
    unit_key: Mapped[str | None] = mapped_column(sa.String(64))  # the unit whose comments these are
    title: Mapped[str] = mapped_column(sa.String(200))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    last_post_at: Mapped[datetime]
    post_count: Mapped[int] = mapped_column(default=0)  # visible posts
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    # A thread whose opening post is held for review is listed for nobody but its author and the moderators.
    held_at: Mapped[datetime | None]
    # Likes of the thread's posts by people other than their authors (the "most liked" order).
    like_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # In a help category: the post the thread's author (or a moderator) marked as answering it.
    accepted_post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("discussion_posts.id", ondelete="SET NULL", use_alter=True))


class Post(Model):
    __tablename__ = "discussion_posts"
    __table_args__ = (sa.UniqueConstraint("author_id", "request_key"),
                      sa.Index("ix_discussion_posts_thread", "thread_id", "parent_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_threads.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_spaces.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("discussion_posts.id", ondelete="CASCADE"),
                                                  index=True)  # a reply's post (one level deep)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]  # by its author: the text is gone, the place in the thread stays
    hidden_at: Mapped[datetime | None]  # by a moderator, or by reports until a moderator decides
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Held for review (a post with links from a new account, or from one with no approved post yet): only
    # its author and the space's moderators see it until a moderator approves it.
    held_at: Mapped[datetime | None] = mapped_column(index=True)
    # What a moderator said when they edited the post (shown under it to everyone).
    moderator_note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # The form's one-time key: a form sent twice makes one post.
    request_key: Mapped[str | None] = mapped_column(sa.String(64))

    @property
    def visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None and self.held_at is None


class Report(Model):
    __tablename__ = "discussion_reports"
    __table_args__ = (sa.UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class Like(Model):
    """One person likes one post (never their own): the unique constraint makes two clicks one like."""

    __tablename__ = "discussion_likes"
    __table_args__ = (sa.UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class Follow(Model):
    """A person's choice about a thread: following (told of new posts) or not. Authors and repliers follow on
    their first post; a row with following False is an explicit unfollow that later posts do not undo."""

    __tablename__ = "discussion_follows"
    __table_args__ = (sa.UniqueConstraint("thread_id", "user_id"),
                      sa.Index("ix_discussion_follows_thread_following", "thread_id", "following"))

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]  # when the current choice was made


class Mute(Model):
    """A learner muted in a course's discussions until a moment (or lifted earlier by a moderator): while it
    runs they read but do not post, reply, comment or like there."""

    __tablename__ = "discussion_mutes"
    __table_args__ = (sa.Index("ix_discussion_mutes_course_user", "course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    muted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class NoticeReason(StrEnum):
    MENTION = "mention"  # the post mentions them
    REPLY = "reply"  # it replies to their post, or is posted in their thread
    MESSAGE = "message"  # a message in their private conversation
    FOLLOW = "follow"  # a new post in a thread they follow


class PostNotice(Model):
    """Who was told about a post, and why (mentioned, replied to, following): one row per person and post, so
    that nobody hears of one post twice, and an edit tells only the people it newly mentions."""

    __tablename__ = "discussion_post_notices"
    __table_args__ = (sa.UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("discussion_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[NoticeReason] = mapped_column(stored_enum(NoticeReason, column="reason", length=16))
    created_at: Mapped[datetime]
