"""The Graph sandbox's admin consent endpoint answers as the identity platform does, on the v1
path (``/{tenant}/adminconsent``) and the v2.0 one."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from sandbox.base import SandboxServer
from tests.support.onboarding import GRAPH_PASSWORD, Consent, install_admin_consent_routes
from tests.support.people import GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET

REDIRECT = "https://app.example/consented"


@pytest.fixture
def tenant(graph_server: SandboxServer) -> dict[str, Any]:
    install_admin_consent_routes(graph_server)
    app = graph_server.app
    tenant = app.create_tenant(domain="consent.example")
    app.register_app(tenant["id"], GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET, [REDIRECT])
    admin = app.create_user(tenant["id"], "admin@consent.example", "Ada Admin")
    app.authority.make_admin(tenant["id"], admin["id"])
    return {"server": graph_server, "id": tenant["id"], "admin": admin}


def _url(tenant: dict[str, Any], path: str, **changes: str) -> str:
    query = {"client_id": GRAPH_CLIENT_ID, "redirect_uri": REDIRECT, "state": "xyz", **changes}
    return f"{tenant['server'].url}/{tenant['id']}{path}?{urlencode(query)}"


@pytest.mark.parametrize("path", ["/adminconsent", "/v2.0/adminconsent"])
def test_it_redirects_back_with_the_tenant_after_an_admin_consents(
    consent: Consent, tenant: dict[str, Any], path: str
):
    location = consent.microsoft(_url(tenant, path), tenant["admin"]["mail"])

    assert location.startswith(REDIRECT + "?")
    answer = parse_qs(urlsplit(location).query)
    assert answer["admin_consent"] == ["True"]
    assert answer["tenant"] == [tenant["id"]]
    assert answer["state"] == ["xyz"]
    assert tenant["server"].app.authority.has_admin_consent(tenant["id"], GRAPH_CLIENT_ID)


def test_it_redirects_back_with_an_error_when_the_admin_cancels(consent: Consent, tenant: dict[str, Any]):
    location = consent.microsoft(_url(tenant, "/adminconsent"), tenant["admin"]["mail"], action="cancel")

    answer = parse_qs(urlsplit(location).query)
    assert answer["error"] == ["access_denied"] and answer["state"] == ["xyz"]
    assert not tenant["server"].app.authority.has_admin_consent(tenant["id"], GRAPH_CLIENT_ID)


def test_it_refuses_a_redirect_uri_the_app_does_not_list(consent: Consent, tenant: dict[str, Any]):
    response = consent.http.get(_url(tenant, "/adminconsent", redirect_uri="https://evil.example/"))

    assert response.status_code == 400 and "AADSTS50011" in response.text


def test_it_refuses_an_unknown_app(consent: Consent, tenant: dict[str, Any]):
    response = consent.http.get(_url(tenant, "/adminconsent", client_id="unknown-app"))

    assert response.status_code == 400 and "AADSTS700016" in response.text


def test_it_shows_the_form_again_after_a_wrong_password(consent: Consent, tenant: dict[str, Any]):
    url = _url(tenant, "/adminconsent")
    admin = tenant["admin"]["mail"]

    page = consent.submit(url, consent.page(url), login=admin, passwd=GRAPH_PASSWORD + "x", action="accept")

    assert page.status_code == 200 and "Your account or password is incorrect." in page.text
    assert not tenant["server"].app.authority.has_admin_consent(tenant["id"], GRAPH_CLIENT_ID)
