"""seed_demo: the demo tenant that `make run` shows a newcomer (created once, then left alone)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Role, Tenant, User

DEMO_TENANT_NAME = "Demo Coffee Roasters"
DEMO_TENANT_SLUG = "demo-coffee-roasters"
DEMO_LOGINS = (
    # (email, name, password, role)
    ("owner@demo.test", "Olivia Owner", "demo-owner-pass", Role.OWNER),
    ("agent@demo.test", "Adam Agent", "demo-agent-pass", Role.AGENT),
)


class Command(BaseCommand):
    help = "Create the demo tenant with an owner and an agent login, if it does not exist."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            tenant = Tenant.objects.filter(slug=DEMO_TENANT_SLUG).first()
            if tenant is None:
                tenant = self._create()
                self.stdout.write(f"Created the demo tenant {tenant.name}.")
        for email, _name, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {role.label:<6} {email} / {password}")

    def _create(self) -> Tenant:
        (owner_email, owner_name, owner_password, _role), *others = DEMO_LOGINS
        owner = User.objects.filter(email=owner_email).first() or services.user_create(
            email=owner_email, name=owner_name, password=owner_password
        )
        tenant = services.tenant_create(name=DEMO_TENANT_NAME, owner=owner, slug=DEMO_TENANT_SLUG)
        actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
        for email, name, password, role in others:
            user = User.objects.filter(email=email).first() or services.user_create(
                email=email, name=name, password=password
            )
            services.membership_add(tenant=tenant, actor=actor, user=user, role=role)
        return tenant
