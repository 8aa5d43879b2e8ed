"""Discussion's personal data. Erasing an account keeps the threads readable: posts lose their author (shown
as a former member) and keep their text, unless the author deleted them; reports and memberships go."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..personal_data import delete_rows, register, rows_as_dicts
from .models import Follow, Like, Mute, Post, PostNotice, Report, SpaceMember, Thread


def _anonymise_posts(user) -> None:
    db.session.execute(sa.update(Post).where(Post.author_id == user.id).values(author_id=None, request_key=None),
                       execution_options={"synchronize_session": False})
    db.session.execute(sa.update(Post).where(Post.hidden_by_id == user.id).values(hidden_by_id=None),
                       execution_options={"synchronize_session": False})


def _anonymise_threads(user) -> None:
    db.session.execute(sa.update(Thread).where(Thread.author_id == user.id).values(author_id=None),
                       execution_options={"synchronize_session": False})


register(Post, section="discussion_posts", rule="anonymise",
         export=lambda user: rows_as_dicts(Post, Post.author_id == user.id, exclude=("request_key",)),
         erase=_anonymise_posts,
         reason="others replied to them: the thread stays readable without saying who wrote them")
register(Thread, section="discussion_threads", rule="anonymise",
         export=lambda user: rows_as_dicts(Thread, Thread.author_id == user.id),
         erase=_anonymise_threads, reason="a thread belongs to everyone who posted in it")
register(Report, section="discussion_reports", rule="delete",
         export=lambda user: rows_as_dicts(Report, Report.reporter_id == user.id),
         erase=lambda user: delete_rows(Report, Report.reporter_id == user.id),
         reason="a report is the reporter's; the moderators' decisions are in the audit log")
register(SpaceMember, section="discussion_memberships", rule="delete",
         export=lambda user: rows_as_dicts(SpaceMember, SpaceMember.user_id == user.id),
         erase=lambda user: delete_rows(SpaceMember, SpaceMember.user_id == user.id),
         reason="membership of a private space says who talked to whom")
register(Like, section="discussion_likes", rule="delete",
         export=lambda user: rows_as_dicts(Like, Like.user_id == user.id),
         erase=lambda user: delete_rows(Like, Like.user_id == user.id),
         reason="a like is the person's own; the post keeps its text and loses the like")
register(Follow, section="discussion_follows", rule="delete",
         export=lambda user: rows_as_dicts(Follow, Follow.user_id == user.id),
         erase=lambda user: delete_rows(Follow, Follow.user_id == user.id),
         reason="which threads a person follows is theirs alone")
register(PostNotice, section="discussion_post_notices", rule="delete",
         export=lambda user: rows_as_dicts(PostNotice, PostNotice.user_id == user.id),
         erase=lambda user: delete_rows(PostNotice, PostNotice.user_id == user.id),
         reason="which posts a person was told of, and why, says what they were mentioned in")
register(Mute, section="discussion_mutes", rule="delete",
         export=lambda user: rows_as_dicts(Mute, Mute.user_id == user.id),
         erase=lambda user: delete_rows(Mute, Mute.user_id == user.id),
         reason="a mute is about the person muted; the moderators' decisions are in the audit log")
