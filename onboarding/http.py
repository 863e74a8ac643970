"""The outbound HTTP session onboarding uses: the configured CA bundle and timeout, no proxy variables."""

from __future__ import annotations

import requests
from django.conf import settings

from connectors.http import make_session


def session() -> requests.Session:
    return make_session(ca_bundle=settings.OUTBOUND_CA_BUNDLE, timeout=settings.HTTP_TIMEOUT_SECONDS)
