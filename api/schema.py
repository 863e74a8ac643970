"""What the OpenAPI schema says beyond the views: the token scheme, and which paths are the API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "'Token <token>', a token made on /api/tokens/",
        }


def only_the_api(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """The pages' own JSON (the dashboard's live refresh) is not part of the published API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
