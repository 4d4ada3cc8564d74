"""Who is asking: the client's address, the acting member, and role checks for page views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from accounts import policy
from accounts.models import Membership, Role, Tenant
from accounts.services import Actor


class TenantRequest(HttpRequest):
    """A request under /t/<slug>/, after TenantMiddleware resolved who and where."""

    tenant: Tenant
    membership: Membership


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, believing X-Forwarded-For only as far as NUM_PROXIES proxies."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    proxies: int = settings.NUM_PROXIES
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote


def actor_for(request: TenantRequest) -> Actor:
    return Actor(
        tenant_id=request.tenant.pk,
        role=request.membership.role,
        user=request.membership.user,
        ip=client_ip(request),
    )


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def role_required(role: Role) -> Callable[[ViewFunc], ViewFunc]:
    """Allow the view to members whose role includes `role`; others get 403."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not policy.role_includes(request.membership.role, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapped)

    return decorator
