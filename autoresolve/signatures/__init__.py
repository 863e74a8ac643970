"""Read a sender's signature: who they are, their title, company, phones and address, each with a
confidence (pure: an email in, a Signature out). ``read_signature`` is the entry point."""

from autoresolve.signatures.model import Found, Phone, Signature, SignedEmail
from autoresolve.signatures.read import read_signature

__all__ = ["Found", "Phone", "Signature", "SignedEmail", "read_signature"]
