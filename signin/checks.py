"""A deploy check: behind a reverse proxy, every sign-in seems to come from the proxy unless
TRUSTED_PROXY_COUNT says how many there are, and one address's failures would lock out everyone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def proxy_count_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.SECURE_PROXY_SSL_HEADER and not settings.TRUSTED_PROXY_COUNT:
        return [
            checks.Warning(
                "BEHIND_PROXY is on but TRUSTED_PROXY_COUNT is 0: sign-ins are counted by the proxy's "
                "address, so a few failures lock out everyone behind it.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For.",
                id="signin.W001",
            )
        ]
    return []
