"""The console link in every page's header, for the people who may open it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from console.access import console_organizations


def console_link(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not console_organizations(user=user).exists():
        return {}
    return {"console_url": reverse("console:index")}
