"""Factories for accounts; tenant-owned rows are created without a scope, as fixtures should be."""

from __future__ import annotations

from typing import Any, TypeVar

import factory
from django.contrib.auth.hashers import make_password
from django.db.models import Model

from accounts import services
from accounts.models import ApiKey, ApiKeyScope, Membership, Role, Tenant, User

T = TypeVar("T", bound=Model)

PASSWORD = "correct horse battery staple"


class TenantOwnedFactory(factory.django.DjangoModelFactory[T]):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class: type[Model]) -> Any:
        return model_class.objects.unscoped()  # type: ignore[attr-defined]


class TenantFactory(factory.django.DjangoModelFactory[Tenant]):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class MembershipFactory(TenantOwnedFactory[Membership]):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


def api_key_for(tenant: Tenant, name: str = "test key", scope: str = ApiKeyScope.ADMIN) -> tuple[ApiKey, str]:
    """A real key made by the service, with its secret."""
    owner = Membership.objects.for_tenant(tenant).filter(role=Role.OWNER).first()
    actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner.user if owner else None)
    return services.api_key_create(tenant=tenant, actor=actor, name=name, scope=scope)
