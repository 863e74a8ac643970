"""A throw-away certificate authority, made at start, so sandboxes can serve https.

simple-salesforce and msal only speak https; clients trust the CA through its PEM file.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class SandboxCA:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._ca = trustme.CA(organization_name="Sync Engine Sandbox CA")
        self._leaf = self._ca.issue_cert("127.0.0.1", "localhost", "::1")
        self.ca_path = directory / "sandbox-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_path))

    @property
    def leaf_spki_sha256(self) -> str:
        """The served certificate's key as Chromium's --ignore-certificate-errors-spki-list takes
        it (base64 of the SHA-256 of its SubjectPublicKeyInfo): a browser trusts this run's
        sandboxes without the CA being installed anywhere."""
        leaf = x509.load_pem_x509_certificate(self._leaf.cert_chain_pems[0].bytes())
        spki = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")

    def leaf_pems(self) -> tuple[bytes, bytes]:
        """The served certificate's private key and chain, PEM: what gRPC's TLS takes."""
        chain = b"".join(blob.bytes() for blob in self._leaf.cert_chain_pems)
        return self._leaf.private_key_pem.bytes(), chain

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._leaf.configure_cert(context)
        return context
