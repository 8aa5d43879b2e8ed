"""Channels that reach people outside the site and this package: another area brings the delivery (push
messages to devices) and says whether it is set up here. The preferences page offers such a channel only while
it is; a notification for a person who chose it is then also handed to the area's delivery."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import Channel, Notification

# Channels that exist only when an area delivers them (the others this package delivers itself).
DELIVERED_ELSEWHERE = frozenset({Channel.push})


@dataclass(frozen=True)
class DeliveryChannel:
    channel: Channel
    available: Callable[[], bool]  # set up on this platform (keys configured, a service reachable)
    deliver: Callable[[Any, Notification], None]  # in the caller's transaction: enqueue, never send
    device_settings_template: str | None = None  # shown under the choices (turning it on for this device)


_deliveries: dict[Channel, DeliveryChannel] = {}


def register_delivery_channel(delivery: DeliveryChannel) -> DeliveryChannel:
    if delivery.channel not in DELIVERED_ELSEWHERE:
        raise ValueError(f"the channel {delivery.channel.value!r} is delivered by the notifications area itself")
    if _deliveries.get(delivery.channel, delivery) != delivery:
        raise ValueError(f"a delivery for the channel {delivery.channel.value!r} is registered already")
    _deliveries[delivery.channel] = delivery
    return delivery


def delivery_for(channel: Channel) -> DeliveryChannel | None:
    delivery = _deliveries.get(channel)
    return delivery if delivery is not None and delivery.available() else None


def offered_channels() -> list[Channel]:
    """The channels a person may choose here, in their order."""
    return [channel for channel in Channel if channel not in DELIVERED_ELSEWHERE or delivery_for(channel)]


def device_settings_templates() -> list[str]:
    return [d.device_settings_template for channel in offered_channels()
            if (d := _deliveries.get(channel)) is not None and d.device_settings_template]
