"""The notification kinds: each area registers what it tells people about (replies, mentions, moderation
outcomes; later announcements, reminders, submissions), so that there is one notification system."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import Channel


@dataclass(frozen=True)
class NotificationKind:
    name: str
    label: Callable[[], str]  # what the preferences page calls it, in the reader's language
    describe: Callable[[dict[str, Any]], str]  # one line about a notification, in the reader's language
    default_channel: Channel = Channel.in_app


_kinds: dict[str, NotificationKind] = {}


def register_notification_kind(kind: NotificationKind) -> NotificationKind:
    if _kinds.get(kind.name, kind) != kind:
        raise ValueError(f"notification kind {kind.name!r} is registered already")
    _kinds[kind.name] = kind
    return kind


def notification_kind(name: str) -> NotificationKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no notification kind {name!r}") from None


def registered_notification_kinds() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)
