"""Delete a tenant for good: its data keys first (crypto-shredding), then its files and rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Tenant
from accounts.services import tenant_shred


class Command(BaseCommand):
    help = "Crypto-shred a tenant: destroy its data keys, then delete its files and rows. Irreversible."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant's slug (its /t/<slug>/ address)")
        parser.add_argument("--yes", action="store_true", help="confirm: this can't be undone")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with the slug {options['slug']!r}.")
        if not options["yes"]:
            raise CommandError(f"This destroys {tenant.name!r} and all its data for good: add --yes to confirm.")
        files = tenant_shred(tenant=tenant)
        self.stdout.write(f"Shredded tenant {tenant.slug!r}: data keys destroyed, {files} files and its rows deleted.")
