"""Every kind of listener the ``listen`` command runs: each names the listeners that should run now."""

from __future__ import annotations

from instant.listeners import gmail_pubsub, salesforce_cdc
from instant.listeners.supervisor import Wanted

KINDS: tuple[Wanted, ...] = (
    salesforce_cdc.wanted,
    gmail_pubsub.wanted,
)
