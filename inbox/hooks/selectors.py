"""Reads of outbound event webhooks: a tenant's subscriptions and their delivery log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from inbox.models import EventDelivery, EventDeliveryAttempt, EventSubscription


@dataclass(frozen=True)
class LoggedDelivery:
    delivery: EventDelivery
    attempts: list[EventDeliveryAttempt]


def event_subscriptions(*, tenant_id: int) -> QuerySet[EventSubscription]:
    return EventSubscription.objects.for_tenant(tenant_id).order_by("pk")


def event_deliveries(*, subscription: EventSubscription) -> QuerySet[EventDelivery]:
    return EventDelivery.objects.for_tenant(subscription.tenant_id).filter(subscription=subscription)


def delivery_log(*, subscription: EventSubscription, limit: int) -> list[LoggedDelivery]:
    """The subscription's latest deliveries, newest first, each with its attempts in order."""
    deliveries = list(event_deliveries(subscription=subscription).order_by("-created_at", "-pk")[:limit])
    attempts: dict[int, list[EventDeliveryAttempt]] = {d.pk: [] for d in deliveries}
    rows = EventDeliveryAttempt.objects.for_tenant(subscription.tenant_id).filter(delivery__in=deliveries)
    for row in rows.order_by("pk"):
        attempts[row.delivery_id].append(row)
    return [LoggedDelivery(d, attempts[d.pk]) for d in deliveries]
