"""The bot's Celery task (registered through inbox.tasks, which Celery discovers)."""

from celery import shared_task
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.automation.services import AUTOMATION_TASK, automation_run


@shared_task(name=AUTOMATION_TASK)
def automation_run_task(*, tenant_id: int, message_id: int) -> str:
    """Answer one customer message by the workspace's rules (idempotent)."""
    with tenant_scope(tenant_id):
        decision = automation_run(tenant_id=tenant_id, message_id=message_id, now=timezone.now())
    if decision is None:
        return "skipped"
    return decision.silence or decision.handover or decision.matched or "answered"
