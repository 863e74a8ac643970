"""When a stored sign-in stops working by itself, from what the provider told us and its own rules
(pure: no Django, no network).

What each provider does (README "Sign-ins that expire"):
- Google answers ``refresh_token_expires_in`` when a refresh token has a fixed lifetime (a "Testing"
  app's 7 days, or the time a user chose for time-based access): stored at sign-in as
  ``refresh_expires_at``. Otherwise a refresh token unused for 6 months stops.
- Microsoft 365 answers no refresh token lifetime to a web app; a refresh token unused for 90 days
  stops (AADSTS700082), and every use gives a fresh one.
- Salesforce answers none either: the connected app's refresh token policy decides ("expire after
  N", "expire if not used for N", or valid until revoked, the default), so the operator states it.

Credentials carry the times as epoch seconds: ``signed_in_at`` (the consent), ``renewed_at`` (the
last refresh the provider answered) and ``refresh_expires_at`` (what the provider said).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MICROSOFT_UNUSED = timedelta(days=90)
GOOGLE_UNUSED = timedelta(days=183)


@dataclass(frozen=True)
class Expiry:
    at: datetime
    why: str  # plain words: whose rule, and since when


@dataclass(frozen=True)
class SalesforcePolicy:
    """The connected app's refresh token policy as the operator states it (0: not set)."""

    expire_after_days: int = 0
    expire_unused_days: int = 0


def _when(credentials: Mapping[str, Any], key: str) -> datetime | None:
    value = credentials.get(key)
    try:
        return datetime.fromtimestamp(float(value), UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def last_used(credentials: Mapping[str, Any], fallback: datetime) -> datetime:
    """The last time the provider renewed or gave this sign-in (``fallback`` for older rows)."""
    known = [t for t in (_when(credentials, "renewed_at"), _when(credentials, "signed_in_at")) if t]
    return max(known) if known else fallback


UNUSED = {
    "google": (GOOGLE_UNUSED, "Google", "6 months"),
    "graph": (MICROSOFT_UNUSED, "Microsoft 365", "90 days"),
}


def mailbox_expiry(provider: str, credentials: Mapping[str, Any], *, fallback: datetime) -> Expiry | None:
    """The earliest moment a mailbox's sign-in stops by itself: the end the provider named at sign-in,
    or its time unused; None when nothing is known to end it (Exchange on-premises: a Windows
    password, whose expiry EWS does not tell)."""
    if provider not in UNUSED:
        return None
    limit, service, span = UNUSED[provider]
    used = last_used(credentials, fallback)
    unused = Expiry(
        used + limit,
        f"{service} ends a sign-in that has not been used for {span}; this one was last used on "
        f"{used:%d %B %Y}.",
    )
    told = _when(credentials, "refresh_expires_at")
    if told is not None and told < unused.at:
        return Expiry(told, f"{service} gave this sign-in a fixed lifetime when you connected the mailbox.")
    return unused


def salesforce_expiry(
    credentials: Mapping[str, Any], policy: SalesforcePolicy, *, connected_at: datetime
) -> Expiry | None:
    signed_in = _when(credentials, "signed_in_at") or connected_at
    candidates = []
    if policy.expire_after_days:
        candidates.append(
            Expiry(
                signed_in + timedelta(days=policy.expire_after_days),
                f"Your Salesforce administrator set sign-ins to this app to end {policy.expire_after_days} "
                f"days after they are made; you signed in on {signed_in:%d %B %Y}.",
            )
        )
    if policy.expire_unused_days:
        used = last_used(credentials, connected_at)
        candidates.append(
            Expiry(
                used + timedelta(days=policy.expire_unused_days),
                f"Your Salesforce administrator set sign-ins to this app to end after "
                f"{policy.expire_unused_days} days unused; this one was last used on {used:%d %B %Y}.",
            )
        )
    return min(candidates, key=lambda e: e.at) if candidates else None


def notice_due(
    expiry: Expiry,
    *,
    now: datetime,
    signed_in: datetime | None,
    lead: timedelta,
    short_lead: timedelta,
) -> bool:
    """Whether to tell people now: within ``lead`` of the end (``short_lead`` for a sign-in whose
    whole life is no longer than ``lead``, such as Google's 7-day ones), and not past it (then it
    has stopped, and the suspension notice says so)."""
    lifetime = expiry.at - signed_in if signed_in else None
    ahead = short_lead if lifetime is not None and lifetime <= lead else lead
    return expiry.at - ahead <= now < expiry.at


def signed_in_at(credentials: Mapping[str, Any]) -> datetime | None:
    return _when(credentials, "signed_in_at")
