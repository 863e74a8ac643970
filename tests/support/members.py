"""Plain accounts in an organization, signed in, for the pages that touch no provider."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client

from syncengine.models import Organization


@dataclass
class Member:
    user: User
    organization: Organization
    client: Client
