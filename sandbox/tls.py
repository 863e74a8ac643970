"""A throw-away certificate authority, made at start, so sandboxes can serve https.

simple-salesforce and msal only speak https; clients trust the CA through its PEM file.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


class SandboxCA:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._ca = trustme.CA(organization_name="Sync Engine Sandbox CA")
        self._leaf = self._ca.issue_cert("127.0.0.1", "localhost", "::1")
        self.ca_path = directory / "sandbox-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_path))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._leaf.configure_cert(context)
        return context
