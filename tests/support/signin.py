"""Signing in as a fresh browser on our login page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

PASSWORD = "pw-for-tests-only"
Signed = tuple[Client, int]


def sign_in(username: str, password: str, address: str, *, path: str = "", **headers: str) -> Signed:
    """A fresh browser at ``address`` posts the login form; returns it and the answer's status."""
    client = Client(REMOTE_ADDR=address, **headers)
    answer = client.post(path or reverse("login"), {"username": username, "password": password})
    return client, answer.status_code


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
