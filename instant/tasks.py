"""django-q2 entry points for instant sync: thin, they take ids and call one service."""

from __future__ import annotations

from instant.models import NotificationChannel
from instant.services.channels import channel_renew, channels_open_missing
from instant.services.maintenance import instant_maintain
from syncengine.models import Mailbox


def maintain() -> dict[str, int]:
    return instant_maintain()


def open_channels(mailbox_id: int) -> int:
    mailbox = Mailbox.objects.select_related("organization", "owner").get(pk=mailbox_id)
    return 0 if mailbox.suspended else channels_open_missing(mailbox=mailbox)


def renew_channel(channel_pk: int, reason: str = "") -> str:
    channel = NotificationChannel.objects.select_related("mailbox").filter(pk=channel_pk).first()
    if channel is None or channel.mailbox.suspended:
        return "nothing to renew"
    channel_renew(channel=channel)
    return f"renewed ({reason})" if reason else "renewed"
