"""Issue every tenant's statement of a month (last month by default); running it again adds none twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.errors import ServiceError
from billing import services
from billing.api.views import parse_month


class Command(BaseCommand):
    help = "Issue the monthly statements of --month YYYY-MM (last month when left out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (UTC); last month when left out")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            month = parse_month(options["month"], default=services.previous_month(now))
            report = services.statements_issue(month=month, now=now)
        except ServiceError as error:
            raise CommandError(error.message) from error
        for statement in report.issued:
            self.stdout.write(f"issued {statement.number}: tenant {statement.tenant_id}, {statement.total} EUR")
        for statement in report.existing:
            self.stdout.write(f"already issued {statement.number}: tenant {statement.tenant_id}")
        for tenant_id, problem in report.failed:
            self.stderr.write(f"not issued: tenant {tenant_id}: {problem}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} statement(s) could not be issued")
