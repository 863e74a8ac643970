"""Which provider failures end more than the item or stream they happened in."""

from __future__ import annotations

# Failures no retry can fix: suspend the mailbox at once, with the reason, until a person acts.
SUSPENDING_CODES = {"CRM_AUTH_REVOKED", "MAIL_AUTH_REVOKED", "SALESFORCE_NOT_CONNECTED"}
# Failures that end the whole session rather than one stream (or one step of it).
SESSION_WIDE_CODES = SUSPENDING_CODES | {"REQUEST_LIMIT_EXCEEDED", "NETWORK"}
