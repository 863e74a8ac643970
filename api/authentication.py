"""``Authorization: Token <token>``: the user whose live token hashes to it. A token acts exactly as
its user does on the pages, no more."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken, token_digest


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send one token: 'Authorization: Token <token>'.")
        token = header[1].decode(errors="replace")
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            raise exceptions.AuthenticationFailed("This token is unknown or was revoked.")
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.user, found

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
