"""The dry run of a mailbox's session (syncengine/stream/preview.py) with its real connectors: what
each stream would do now, or after a full resync (``from_scratch``). Nothing is written."""

from __future__ import annotations

from django.utils import timezone

from connectors.base import ConnectorError
from syncengine.models import Mailbox
from syncengine.selectors import salesforce_connection_for
from syncengine.services.connectors import mail_connector_for, salesforce_for
from syncengine.services.leases import Lease
from syncengine.services.streams import stream_specs
from syncengine.stream.context import StreamContext
from syncengine.stream.preview import StreamPreview, stream_preview


def mailbox_preview(*, mailbox: Mailbox, from_scratch: bool) -> list[StreamPreview]:
    connection = salesforce_connection_for(mailbox=mailbox)
    if connection is None:
        raise ConnectorError(
            "Salesforce is not connected for this mailbox.", permanent=True, code="SALESFORCE_NOT_CONNECTED"
        )
    crm, mail = salesforce_for(connection), mail_connector_for(mailbox)
    lease = Lease(mailbox_id=mailbox.pk, token="")  # nothing is committed, so no lease is taken
    now = timezone.now()
    return [
        stream_preview(StreamContext(mailbox, lease, None, spec, mail, crm, now), from_scratch=from_scratch)
        for spec in stream_specs(mailbox.organization, mailbox)
        if spec.mail_side_stream in mail.SUPPORTED_STREAMS
    ]
