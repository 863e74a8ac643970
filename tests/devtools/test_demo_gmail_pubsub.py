"""The demo's Gmail push: the operator's Cloud Pub/Sub made in the Google sandbox through its control
routes, and settings the Gmail listener can pull with."""

from __future__ import annotations

import stat
from pathlib import Path

from connectors.google.gmail_watch import PubSubConfig, PubSubPuller, service_account_key, subscription_path
from devtools.world import SandboxControl, provision_gmail_pubsub
from sandbox.base import SandboxServer
from sandbox.google.pubsub import GMAIL_PUSH, PUBLISHER
from sandbox.tls import SandboxCA


def test_it_sets_the_operators_gmail_pubsub_up_in_the_google_sandbox(
    google_server: SandboxServer, sandbox_ca: SandboxCA, tmp_path: Path
) -> None:
    control = SandboxControl(
        salesforce_url="", graph_url="", ca_bundle=str(sandbox_ca.ca_path), google_url=google_server.url
    )
    key_file = tmp_path / "gmail-pubsub-key.json"
    values = provision_gmail_pubsub(control, key_file)
    assert values["GMAIL_PUBSUB_KEY_FILE"] == str(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # a private key: this user's only
    project = values["GMAIL_PUBSUB_PROJECT"]
    topic = f"projects/{project}/topics/{values['GMAIL_PUBSUB_TOPIC']}"
    assert google_server.app.pubsub.topics[topic].grants(GMAIL_PUSH, PUBLISHER)
    puller = PubSubPuller(
        PubSubConfig(
            service_account_info=service_account_key(str(key_file)),
            subscription=subscription_path(project, values["GMAIL_PUBSUB_SUBSCRIPTION"]),
            api_url=google_server.url,
            ca_bundle=str(sandbox_ca.ca_path),
            timeout=10,
        )
    )
    assert puller.ack_deadline_seconds() == 10  # the subscription is there, and the service account's
