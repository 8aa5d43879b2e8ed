"""The completion rule discussion brings: `discussions`, the discussion units (listed in the manifest's
`completion.discussions`) whose participation rule `{posts, replies}` the learner met, counting their own
visible comments and their replies to others in the unit's threads: the course's and those of its group spaces
(a cohort's), wherever the learner posted. Two queries for any number of learners."""
from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask_babel import ngettext
from sqlalchemy.orm import aliased

from ..extensions import db
from ..learning.criteria import CompletionContext, chunks, register_criterion
from .models import Post, Space, Thread
from .queries import participation_rules


class Participation:
    kind = "discussions"

    def applies(self, context: CompletionContext) -> bool:
        return bool(context.rules.get("discussions"))

    def measure(self, context: CompletionContext, user_ids: Collection[int]) -> tuple[int, dict[int, int]]:
        rules = participation_rules(context)
        done: dict[int, int] = {}
        if not rules:
            return 0, done
        parent = aliased(Post)
        is_reply = parent.id.is_not(None)
        counts: dict[tuple[int, str], dict[bool, int]] = {}
        for ids in chunks(user_ids):
            rows = db.session.execute(
                sa.select(Post.author_id, Thread.unit_key, is_reply.label("is_reply"), sa.func.count())
                .join(Thread, Thread.id == Post.thread_id).join(Space, Space.id == Post.space_id)
                .outerjoin(parent, parent.id == Post.parent_id)
                .where(Space.course_id == context.course_id, Space.membership != "private",
                       Thread.unit_key.in_(sorted(rules)),
                       Post.author_id.in_(ids), Post.deleted_at.is_(None), Post.hidden_at.is_(None),
                       Post.held_at.is_(None),
                       sa.or_(parent.id.is_(None), parent.author_id.is_(None), parent.author_id != Post.author_id))
                .group_by(Post.author_id, Thread.unit_key, is_reply)).all()
            for author_id, unit_key, reply_flag, count in rows:
                counts.setdefault((author_id, unit_key), {})[bool(reply_flag)] = count
        for (author_id, unit_key), by_kind in counts.items():
            rule = rules[unit_key]
            posts, replies = by_kind.get(False, 0), by_kind.get(True, 0)
            if posts >= int(rule.get("posts", 0)) and replies >= int(rule.get("replies", 0)):
                done[author_id] = done.get(author_id, 0) + 1
        return len(rules), done

    def label(self, done: int, total: int) -> str:
        return ngettext("%(done)d of %(num)d discussion taken part in",
                        "%(done)d of %(num)d discussions taken part in", total, done=done)


def register_criteria() -> None:
    register_criterion(Participation())
