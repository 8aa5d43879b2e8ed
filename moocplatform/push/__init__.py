"""Push reminders: the Web Push channel of notifications. Browsers subscribe from the preferences page, each
notification of a kind set to push becomes an outbox row per device, and the worker sends it encrypted and
signed with the platform's VAPID key. Without keys configured, push is off and shows nowhere."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..cli import add_command
    from ..notifications.channels import DeliveryChannel, register_delivery_channel
    from ..notifications.models import Channel
    from ..outbox import register_kind
    from . import models  # noqa: F401  (the table and its personal-data entry)
    from .cli import push_cli
    from .keys import public_key, push_configured
    from .services import DELIVER_KIND, deliver, send_push
    from .views import bp

    app.register_blueprint(bp)
    add_command(app, push_cli)
    register_kind(DELIVER_KIND, send_push, max_attempts=6)
    register_delivery_channel(DeliveryChannel(Channel.push, available=push_configured, deliver=deliver,
                                              device_settings_template="push/device_settings.html"))
    app.jinja_env.globals["push_public_key"] = lambda: public_key() if push_configured() else ""
