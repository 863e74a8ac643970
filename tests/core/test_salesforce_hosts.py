"""Which hosts may receive a Salesforce access token (connectors/salesforce/hosts.py)."""

from __future__ import annotations

import pytest

from connectors.salesforce.hosts import host_accepted

LOGIN = "https://login.salesforce.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.my.salesforce.com",
        "https://na1.salesforce.com/id/00D/005",
        "https://acme--uat.sandbox.my.salesforce.com",
        "https://acme.lightning.force.com",
        "https://acme.my.salesforce.mil",
        "https://LOGIN.salesforce.com",
    ],
    ids=["my-domain", "identity-url", "sandbox-org", "force-com", "government-cloud", "case-folded"],
)
def test_it_accepts_salesforce_hosts(url: str):
    assert host_accepted(url, login_url=LOGIN)


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.my.salesforce.com",
        "https://salesforce.com.attacker.example",
        "https://attacker-salesforce.com",
        "https://user:pw@acme.my.salesforce.com",
        "https://",
        "acme.my.salesforce.com",
    ],
    ids=["plain-http", "suffix-spoof", "lookalike", "credentials-in-url", "no-host", "no-scheme"],
)
def test_it_refuses_hosts_outside_salesforce(url: str):
    assert not host_accepted(url, login_url=LOGIN)


def test_it_accepts_the_login_urls_own_host_and_listed_domains():
    sandbox = "https://127.0.0.1:8443"
    assert host_accepted("https://127.0.0.1:8443/id/00D/005", login_url=sandbox)
    assert not host_accepted("https://127.0.0.1:9443", login_url=sandbox)
    assert host_accepted("https://crm.proxy.example", login_url=LOGIN, domains=["proxy.example"])
