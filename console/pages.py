"""What every console page shares: its organization, how the user sees it, and the tabs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from console.access import console_role
from syncengine.models import Organization

CONSOLE_TABS = (
    ("people", "People & mailboxes", "console:people"),
    ("sessions", "Sessions", "console:sessions"),
    ("issues", "Issues", "console:issues"),
    ("trace", "Item trace", "console:trace"),
    ("statistics", "Statistics", "console:statistics"),
    ("listeners", "Listeners", "instant_pages:console_listeners"),  # the instant app's page
    ("notifications", "Notifications", "console:notifications"),
)


def console_context(
    request: HttpRequest, organization: Organization, active: str, **extra: Any
) -> dict[str, Any]:
    return {
        "organization": organization,
        "role": console_role(user=request.user, organization=organization),
        "console_tabs": [
            {"label": label, "url": reverse(name, args=[organization.pk]), "active": key == active}
            for key, label, name in CONSOLE_TABS
        ],
        **extra,
    }
