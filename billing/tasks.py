"""The monthly statements job: beat runs it every night at 03:00 UTC for last month; the 1st
issues them, later nights only what was held back (a missing exchange rate)."""

import logging

from celery import shared_task
from django.utils import timezone

from billing import services

logger = logging.getLogger(__name__)


@shared_task(name="billing.tasks.statements_issue_last_month")
def statements_issue_last_month() -> dict[str, int]:
    """Issue last month's statements that are not issued yet; a tenant that failed (e.g. no
    exchange rate yet) is logged and issued by the next night's run once the cause is fixed."""
    now = timezone.now()
    report = services.statements_issue(month=services.previous_month(now), now=now)
    for tenant_id, problem in report.failed:
        logger.error("statement of tenant %s not issued: %s", tenant_id, problem)
    return {"issued": len(report.issued), "existing": len(report.existing), "failed": len(report.failed)}
