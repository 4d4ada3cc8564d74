"""Give a tenant a credit (a correction of an issued statement): it is deducted on its next statement."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.errors import ServiceError
from accounts.models import Tenant
from billing import services


class Command(BaseCommand):
    help = "Credit a tenant AMOUNT euros, deducted on its next statement, with the REASON printed on it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("--amount", required=True, help="euros, e.g. 12.50")
        parser.add_argument("--reason", required=True, help="printed on the statement")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant “{options['tenant']}”.")
        try:
            credit = services.credit_grant(
                tenant_id=tenant.pk, amount=options["amount"], reason=options["reason"], now=timezone.now()
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"credit of {credit.amount} EUR for {tenant.slug}, on its next statement")
