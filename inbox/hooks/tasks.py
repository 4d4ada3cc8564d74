"""Celery tasks of outbound event webhooks (registered through inbox.tasks, which Celery discovers)."""

from celery import shared_task
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.hooks import services


@shared_task(name=services.DELIVERY_TASK)
def event_delivery_send(*, tenant_id: int, delivery_id: int) -> str:
    with tenant_scope(tenant_id):
        delivery = services.event_delivery_attempt(tenant_id=tenant_id, delivery_id=delivery_id, now=timezone.now())
    return delivery.state if delivery is not None else "not_due"


@shared_task(name="inbox.tasks.event_deliveries_sweep")
def event_deliveries_sweep() -> int:
    return services.event_deliveries_sweep(now=timezone.now())
