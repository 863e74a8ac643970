"""The stamp the engine puts on each mail item it creates: the pair's sync key, in a property the
engine owns, so that a create whose commit was lost is found again instead of made twice.

Graph and EWS write the same MAPI named property (a string name in the PS_PUBLIC_STRINGS set): a
mailbox reached through either API shows the same stamp. Google Calendar keeps it as a private
extended property (private to this calendar's copy of the event), People as client data. Google Tasks
has no field of the application's own: its creates are found by their content instead (see
connectors/google/streams.py).
"""

from __future__ import annotations

PUBLIC_STRINGS = "00020329-0000-0000-C000-000000000046"  # PS_PUBLIC_STRINGS
PROPERTY_NAME = "MailSyncKey"
GRAPH_PROPERTY_ID = f"String {{{PUBLIC_STRINGS}}} Name {PROPERTY_NAME}"
GOOGLE_KEY = "mailSyncKey"


def odata_literal(value: str) -> str:
    """A string as an OData literal: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"
