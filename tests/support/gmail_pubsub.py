"""The operator's Cloud Pub/Sub in the Google sandbox: a project, its service account (a real JSON key,
JWT-signed through google-auth), and a topic + pull subscription Gmail may publish to."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2 import service_account
from googleapiclient.discovery import build

from connectors.google.gmail_watch import PubSubConfig, PubSubPuller
from sandbox.base import SandboxServer
from sandbox.fixtures_google import GoogleAccount
from sandbox.tls import SandboxCA
from tests.support.sandbox import authed_http

PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub"
_projects = itertools.count(1)


@dataclass
class Operator:
    server: SandboxServer
    ca_path: str
    project: str
    key: dict[str, Any]  # the service account's JSON key
    topic: str  # projects/{p}/topics/{t}
    subscription: str  # projects/{p}/subscriptions/{s}

    @property
    def app(self) -> Any:
        return self.server.app

    def http(self, scopes: tuple[str, ...] = (PUBSUB_SCOPE,), key: dict[str, Any] | None = None) -> Any:
        creds = service_account.Credentials.from_service_account_info(key or self.key, scopes=list(scopes))
        return google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(ca_certs=self.ca_path))

    def pubsub(self, http: Any = None) -> Any:
        """Pub/Sub v1 as google-api-python-client builds it, at the sandbox (Google's own paths)."""
        return build(
            "pubsub",
            "v1",
            http=http or self.http(),
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": self.server.url + "/"},
        )


def make_operator(server: SandboxServer, ca: SandboxCA, **push: Any) -> Operator:
    """A fresh project (so tests never share messages) with a Gmail push topic and subscription; an
    empty pull waits half a second, unless ``push`` says otherwise."""
    project = f"mailsync-ops-{next(_projects)}"
    key = server.app.create_service_account(project, token_uri=f"{server.url}/token")
    made = server.app.create_gmail_push(project, **{"pull_wait_seconds": 0.5, **push})
    return Operator(server, str(ca.ca_path), project, key, made["topic"], made["subscription"])


def gmail(account: GoogleAccount, http: Any = None) -> Any:
    """Gmail v1 for the mailbox's own user (an OAuth user token)."""
    return build(
        "gmail",
        "v1",
        http=http or authed_http(account),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": account.server.url + "/"},
    )


def until(check: Callable[[], Any], seconds: float = 5.0) -> Any:
    """``check()``'s first truthy answer, asked again until ``seconds`` pass (then the last answer)."""
    give_up = time.monotonic() + seconds
    while True:
        answer = check()
        if answer or time.monotonic() > give_up:
            return answer
        time.sleep(0.05)


def puller(operator: Operator, **overrides: Any) -> PubSubPuller:
    """The engine's puller for the operator's subscription, as settings would configure it."""
    values: dict[str, Any] = {
        "service_account_info": operator.key,
        "subscription": operator.subscription,
        "api_url": operator.server.url,
        "ca_bundle": operator.ca_path,
        "timeout": 10,
        **overrides,
    }
    return PubSubPuller(PubSubConfig(**values))
