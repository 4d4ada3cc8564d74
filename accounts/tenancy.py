"""Tenant scoping that fails closed.

Every tenant-owned model inherits `TenantOwnedModel`. Its default manager filters by the
tenant of the current scope and raises `TenantScopeError` when there is none, so a query
that forgot its tenant is a crash in development, not a leak in production. Scopes are set
by the tenant middleware (pages under /t/<slug>/), the API base view (from the API key),
Celery tasks and webhooks, always with `tenant_scope`. Cross-tenant reads are spelled out
with `.unscoped()`, so each one can be found with grep.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Tenant

ModelT = TypeVar("ModelT", bound=models.Model)

_current_tenant_id: ContextVar[int | None] = ContextVar("current_tenant_id", default=None)


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried outside a tenant scope."""


def current_tenant_id() -> int | None:
    return _current_tenant_id.get()


@contextmanager
def tenant_scope(tenant: Tenant | int) -> Iterator[None]:
    """Run the block with `tenant` as the scope of every tenant-owned query."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    token = _current_tenant_id.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant_id.reset(token)


class TenantQuerySet(models.QuerySet[ModelT]):
    def for_tenant(self, tenant: Tenant | int) -> Self:
        tenant_id = tenant if isinstance(tenant, int) else tenant.pk
        return self.filter(tenant_id=tenant_id)


class TenantScopedManager(models.Manager[ModelT]):
    """Default manager of tenant-owned models: scoped to the current tenant, or raising."""

    _queryset_class = TenantQuerySet

    def get_queryset(self) -> TenantQuerySet[ModelT]:
        tenant_id = _current_tenant_id.get()
        if tenant_id is None:
            raise TenantScopeError(
                f"{self.model.__name__} queried outside a tenant scope; "
                "use tenant_scope(), .for_tenant(tenant) or, deliberately, .unscoped()"
            )
        return self._queryset_class(self.model, using=self._db).filter(tenant_id=tenant_id)

    def for_tenant(self, tenant: Tenant | int) -> TenantQuerySet[ModelT]:
        """Rows of one named tenant, whatever the current scope is."""
        return self._queryset_class(self.model, using=self._db).for_tenant(tenant)

    def unscoped(self) -> TenantQuerySet[ModelT]:
        """Rows of every tenant. Each caller says in a comment why it may see them all."""
        return self._queryset_class(self.model, using=self._db)


class TenantOwnedModel(models.Model):
    """A row that belongs to exactly one tenant."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")

    # Django's internals (cascading deletes, refresh_from_db, forward relations) use the
    # plain base manager, so they keep working outside a scope; every read we write goes
    # through `objects`.
    objects = TenantScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        scope = _current_tenant_id.get()
        if scope is not None and self.tenant_id != scope:
            raise TenantScopeError(
                f"{type(self).__name__} of tenant {self.tenant_id} saved inside the scope of tenant {scope}"
            )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = self._with_derived_fields(kwargs["update_fields"])
        super().save(*args, **kwargs)

    def _with_derived_fields(self, update_fields: Any) -> list[str]:
        """`update_fields` plus the columns computed from any of them (a search index, a lookup
        hash: accounts.crypto.fields), so saving some fields never leaves those stale."""
        names = list(update_fields)
        for field in self._meta.concrete_fields:
            sources = getattr(field, "derived_from", ())
            if field.name not in names and any(source in names for source in sources):
                names.append(field.name)
        return names
