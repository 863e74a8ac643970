"""Org-wide Microsoft 365 mailboxes: look people up in the tenant with the app's own token.

After an org admin's admin consent, the app may act without any user (client credentials): it
finds a mailbox by address (``GET /users/{address}``) and syncs it in app mode, under
``/users/{id}``, without that person's sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings

from onboarding import http, microsoft
from onboarding.errors import OnboardingError

USER_SELECT = "id,displayName,mail,userPrincipalName"


@dataclass(frozen=True)
class TenantUser:
    id: str
    address: str
    display_name: str


class TenantDirectory:
    """One tenant seen with an app-only token (asked for once, by ``sign_in``)."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._token = ""
        self._http = http.session()

    def sign_in(self) -> None:
        """The app's own token for the tenant; OnboardingError naming the admin consent if refused."""
        self._token = microsoft.app_only_token(tenant_id=self.tenant_id)

    def _access_token(self) -> str:
        if not self._token:
            self.sign_in()
        return self._token

    def find_user(self, address: str) -> TenantUser:
        """The tenant's user (or shared mailbox) with this address: one Graph call."""
        url = f"{settings.GRAPH_API_URL.rstrip('/')}/users/{quote(address, safe='')}"
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        try:
            response = self._http.get(url, params={"$select": USER_SELECT}, headers=headers)
        except requests.RequestException as error:
            raise OnboardingError(
                f"Microsoft Graph cannot be reached ({type(error).__name__}); try again."
            ) from error
        if response.status_code == 404:
            raise OnboardingError(f"{address}: no such user or shared mailbox in your Microsoft 365 tenant.")
        if response.status_code != 200:
            raise OnboardingError(
                f"{address}: Microsoft Graph answered {response.status_code} ({_reason(response)})."
            )
        body = response.json()
        found = str(body.get("mail") or body.get("userPrincipalName") or "").strip().lower()
        if not body.get("id") or "@" not in found:
            raise OnboardingError(f"{address}: this account has no mailbox address in Microsoft 365.")
        return TenantUser(id=str(body["id"]), address=found, display_name=str(body.get("displayName") or ""))


def _reason(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return response.reason or ""
    return str(error.get("message", "") if isinstance(error, dict) else error)[:200]
