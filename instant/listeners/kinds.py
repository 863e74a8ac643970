"""Every kind of listener the ``listen`` command runs: each names the listeners that should run now."""

from __future__ import annotations

from instant.listeners import ews_streams, gmail_pubsub, salesforce_cdc, wake_flush
from instant.listeners.supervisor import Wanted

KINDS: tuple[Wanted, ...] = (
    salesforce_cdc.wanted,
    ews_streams.wanted,
    gmail_pubsub.wanted,
    wake_flush.wanted,
)
