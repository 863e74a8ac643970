"""Which hosts may receive a Salesforce access token.

A token answer names the org's ``instance_url`` and identity URL; we send the user's access token
to both. They are accepted only over https on Salesforce's own domains or on the host of the login
URL we chose (our sandbox in the demo and tests), so a tampered answer or an edited connection row
cannot make us hand a token to a host no operator chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

# Salesforce's instance domains (My Domain, Government Cloud, the Alibaba-hosted China instance).
SALESFORCE_DOMAINS = (
    "salesforce.com",
    "force.com",
    "cloudforce.com",
    "salesforce.mil",
    "crmforce.mil",
    "sfcrmproducts.cn",
)


def host_accepted(url: str, *, login_url: str, domains: Iterable[str] = SALESFORCE_DOMAINS) -> bool:
    """True if ``url`` is https on the login URL's host or on (a subdomain of) one of ``domains``."""
    parts, login = urlsplit(url), urlsplit(login_url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        return False
    if parts.netloc.lower() == login.netloc.lower():
        return True
    host = parts.hostname.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (d.lower().strip(".") for d in domains))
