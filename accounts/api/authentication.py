"""`Authorization: Bearer <API key>` authentication for /api/v1/."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiKey, Tenant
from accounts.selectors import api_key_by_secret
from accounts.services import api_key_touch


@dataclass(frozen=True)
class ApiClient:
    """request.user of an API request: the tenant's integration holding the key."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False

    @property
    def tenant(self) -> Tenant:
        return self.api_key.tenant


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, secret = header.partition(" ")
        secret = secret.strip()
        if keyword != self.keyword or not secret or " " in secret:
            raise exceptions.AuthenticationFailed("Send the API key as `Authorization: Bearer <key>`.")
        api_key = api_key_by_secret(secret)
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid or was revoked.")
        api_key_touch(api_key=api_key, now=timezone.now())
        return ApiClient(api_key=api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to unauthenticated requests.
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "accounts.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A tenant API key (Settings → API keys)."}
