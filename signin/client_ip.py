"""The address a sign-in comes from, as django-axes counts it (AXES_CLIENT_IP_CALLABLE).

X-Forwarded-For is written by whoever sends the request, so it is only read when the operator says
how many reverse proxies of theirs stand in front of the server (TRUSTED_PROXY_COUNT). Each proxy
appends the address it saw, so the client is the entry that many places from the right; everything
left of it may be forged and is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR")
    hops = int(settings.TRUSTED_PROXY_COUNT)
    if hops <= 0:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return peer  # fewer entries than proxies: the header did not come through them all
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return peer  # a garbled entry counts against the proxy's address, never as a free one
