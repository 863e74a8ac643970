"""Exchange on-premises (EWS): a person types their sign-in, we test it with one EWS call, then keep it.

There is no consent page to send the browser to: the password is the credential, so it is checked
against Exchange before anything is saved, and never shown again, logged or put in a message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from connectors.base import ConnectorError, RetryPolicy
from connectors.ews.client import EwsConfig
from connectors.ews.connector import EwsConnector
from onboarding import services
from onboarding.errors import OnboardingError
from syncengine.models import Mailbox, Organization, Provider


class ExchangeForm(forms.Form):
    address = forms.EmailField(label="Mailbox address", max_length=254)
    service_endpoint = forms.URLField(
        label="EWS endpoint URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://mail.example.com/EWS/Exchange.asmx"}),
    )
    username = forms.CharField(
        label="Username", max_length=254, help_text="DOMAIN\\user, user@domain, or the mailbox address."
    )
    # render_value=False: a re-shown form (after an error) never carries the password back.
    password = forms.CharField(label="Password", max_length=512, strip=False, widget=forms.PasswordInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.EWS_SERVICE_ENDPOINT:
            self.fields[
                "service_endpoint"
            ].help_text = f"Leave empty to use your organization's server ({settings.EWS_SERVICE_ENDPOINT})."

    def clean_service_endpoint(self) -> str:
        url = str(self.cleaned_data.get("service_endpoint") or "").strip()
        if not url:
            if not settings.EWS_SERVICE_ENDPOINT:
                raise ValidationError("Enter your Exchange server's EWS URL (ask your IT team).")
            return ""
        if urlsplit(url).scheme.lower() != "https":
            raise ValidationError(
                "The EWS URL must start with https:// (a password is never sent unencrypted)."
            )
        if not _config().allows(url):
            # Checked before any call: the server never sends a password to a host a member typed.
            raise ValidationError(
                "This Exchange server is not one this service may connect to. Leave the URL empty to use "
                "your organization's server, or ask your admin to allow it."
            )
        return url


def _config() -> EwsConfig:
    return EwsConfig(
        service_endpoint=settings.EWS_SERVICE_ENDPOINT,
        allowed_hosts=frozenset(h.lower() for h in settings.EWS_ALLOWED_HOSTS),
        ca_bundle=settings.OUTBOUND_CA_BUNDLE,
        timeout=settings.HTTP_TIMEOUT_SECONDS,
        retry=RetryPolicy(max_attempts=1),  # a person is waiting: one try, and tell them
    )


def exchange_connect(
    *,
    owner: object,
    organization: Organization,
    address: str,
    service_endpoint: str,
    username: str,
    password: str,
    reconnecting: Mailbox | None = None,
) -> tuple[Mailbox, bool]:
    """Test the sign-in with one EWS call, then create or renew the mailbox; (mailbox, created).

    ``service_endpoint`` "" keeps the server setting (EWS_SERVICE_ENDPOINT) in force for this mailbox.
    """
    account = {"primary_smtp_address": address, "service_endpoint": service_endpoint}
    credentials = {"username": username, "password": password, "auth_type": "basic"}
    _check_sign_in(account, credentials)
    return services.mailbox_connect(
        owner=owner,
        organization=organization,
        provider=Provider.EWS,
        address=address,
        provider_account=account,
        credentials=credentials,  # encrypted at rest by the model field
        reconnecting=reconnecting,
    )


def _check_sign_in(account: dict[str, str], credentials: dict[str, str]) -> None:
    try:
        EwsConnector(_config(), account, credentials).check_sign_in()
    except ConnectorError as error:
        raise OnboardingError(_message(error, account["primary_smtp_address"])) from None


def _message(error: ConnectorError, address: str) -> str:
    """What the person can do about it; Exchange's own words only where they help (never the password)."""
    if error.code == "MAIL_AUTH_REVOKED":
        return (
            "Exchange did not accept this username and password: check them and try again. Nothing was saved."
        )
    if error.code == "MAIL_ACCESS_DENIED":
        return f"Exchange accepted the sign-in, but it may not open the mailbox {address}. Nothing was saved."
    # Anything else gets one message: what answered (a TLS error, a refused port, another service)
    # is not told apart, so the form cannot be used to probe the network behind this server.
    return (
        "The sign-in could not be checked with this Exchange server: check the EWS URL, or try again "
        "later. Nothing was saved."
    )
