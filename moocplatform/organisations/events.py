"""What organisations does when something is announced: a course published without a partner takes away the
course-team roles that partner gave on it, in the publish's transaction."""
from __future__ import annotations

from .. import events
from ..accounts.services import require_user
from .services import drop_former_partner_grants


def drop_grants_of_removed_partners(event: events.VersionPublished) -> None:
    """Durable: the roles go in the transaction that removed the partner."""
    actor = require_user(event.actor_id) if event.actor_id is not None else None
    drop_former_partner_grants(actor, event.course_id)


def subscribe() -> None:
    events.subscribe(events.VersionPublished, drop_grants_of_removed_partners)
    events.register_reconciliation(
        "drop-former-partner-roles", "Take away the course-team roles given by organisations that are no longer "
        "partners of the course.", drop_former_partner_grants_everywhere)


def drop_former_partner_grants_everywhere() -> int:
    return drop_former_partner_grants(None)
