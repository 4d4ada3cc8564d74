"""Outbound event webhooks at work: publish an event to the tenant's subscriptions, deliver it
(signed, see `inbox.webhooks_out`), retry with backoff for a day, log every attempt; and the
admins' writes of subscriptions and manual redelivery.

`events_publish` runs inside the writing transaction (so an event is delivered exactly when its
change commits) and schedules the deliveries after the commit. Each delivery's JSON is
`{"id", "type", "created_at", "data"}`, stored as sent, so a redelivery sends the same bytes'
content with a fresh timestamp and signature.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import httpx
from celery import current_app
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor, audit_record, require_role
from inbox.hooks import policy
from inbox.models import DeliveryState, EventDelivery, EventDeliveryAttempt, EventSubscription
from inbox.webhooks_out import new_secret, signed_request

logger = logging.getLogger(__name__)

DELIVERY_TASK = "inbox.tasks.event_delivery_send"
TIMEOUT_SECONDS = 10.0
RESPONSE_BODY_KEPT = 1000
SWEEP_BATCH = 500
TYPES_CACHE_SECONDS = 300


def _types_key(tenant_id: int) -> str:
    return f"hooks:subscribed-types:{tenant_id}"


def subscribed_types(tenant_id: int) -> frozenset[str]:
    """The event types the tenant's active subscriptions want; cached, since every write that
    emits events asks (most tenants subscribe to nothing)."""
    try:
        cached = cache.get(_types_key(tenant_id))
    except Exception:  # Redis away: ask the database rather than fail the write that emits events
        logger.warning("subscribed event types not cached; reading them", exc_info=True)
        cached = None
    if cached is None:
        subscriptions = EventSubscription.objects.for_tenant(tenant_id).filter(is_active=True)
        cached = sorted({t for types in subscriptions.values_list("event_types", flat=True) for t in types})
        try:
            cache.set(_types_key(tenant_id), cached, timeout=TYPES_CACHE_SECONDS)
        except Exception:
            logger.warning("subscribed event types not cached", exc_info=True)
    return frozenset(cached)


def _forget_subscribed_types(tenant_id: int) -> None:
    """At once, and again after the commit (a reader in between may have cached the old types)."""
    cache.delete(_types_key(tenant_id))
    transaction.on_commit(lambda: cache.delete(_types_key(tenant_id)))


def events_publish(*, tenant_id: int, events: Iterable[tuple[str, dict[str, Any]]], now: datetime) -> list[int]:
    """One delivery per (event, active subscription to its type); returns their ids."""
    wanted = [(kind, data) for kind, data in events if kind in policy.EVENT_TYPES]
    if not wanted or not {kind for kind, _data in wanted} & subscribed_types(tenant_id):
        return []
    subscriptions = list(
        EventSubscription.objects.for_tenant(tenant_id).filter(
            is_active=True, event_types__overlap=sorted({kind for kind, _data in wanted})
        )
    )
    if not subscriptions:
        return []
    rows = []
    for kind, data in wanted:
        event_id = f"evt_{uuid.uuid4().hex}"
        envelope = {"id": event_id, "type": kind, "created_at": now.isoformat(), "data": data}
        rows += [
            EventDelivery(
                tenant_id=tenant_id,
                subscription=subscription,
                event_id=event_id,
                event_type=kind,
                payload=envelope,
                next_attempt_at=now,
                created_at=now,
            )
            for subscription in subscriptions
            if kind in subscription.event_types
        ]
    ids = [row.pk for row in EventDelivery.objects.for_tenant(tenant_id).bulk_create(rows)]
    schedule_deliveries(tenant_id=tenant_id, delivery_ids=ids)
    return ids


def schedule_deliveries(*, tenant_id: int, delivery_ids: Sequence[int], countdown: float = 0) -> None:
    def send() -> None:
        try:
            for delivery_id in delivery_ids:
                current_app.send_task(
                    DELIVERY_TASK, kwargs={"tenant_id": tenant_id, "delivery_id": delivery_id}, countdown=countdown
                )
        except Exception:  # stored and due: the periodic sweep sends them
            logger.warning("could not queue event deliveries; the sweep will", exc_info=True)

    if delivery_ids:
        transaction.on_commit(send)


def _post(subscription: EventSubscription, payload: dict[str, Any]) -> tuple[int | None, str, str, int]:
    """(status code or None, error, response body, duration in ms) of one signed POST."""
    body, headers = signed_request(secret=subscription.secret, payload=payload, timestamp=int(time.time()))
    started = time.monotonic()
    try:
        response = httpx.post(
            subscription.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False
        )
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:300], "", int((time.monotonic() - started) * 1000)
    return response.status_code, "", response.text[:RESPONSE_BODY_KEPT], int((time.monotonic() - started) * 1000)


def event_delivery_attempt(*, tenant_id: int, delivery_id: int, now: datetime) -> EventDelivery | None:
    """Try a due delivery once; on failure, plan the next try (or give up after a day). Returns the
    delivery, or None when it is not due (delivered, given up, or not yet time): a task run twice
    or early does nothing."""
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.for_tenant(tenant_id)
            .select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        # Claimed: a concurrent run finds it not due until this attempt is recorded.
        delivery.next_attempt_at = now + policy.RETRY_PAUSES[0]
        delivery.save(update_fields=["next_attempt_at"])
    # The POST happens outside any transaction (it may take seconds).
    status_code, error, response_body, duration_ms = _post(delivery.subscription, delivery.payload)
    with transaction.atomic():
        EventDeliveryAttempt.objects.for_tenant(tenant_id).create(
            tenant_id=tenant_id,
            delivery=delivery,
            attempted_at=now,
            status_code=status_code,
            error=error,
            response_body=response_body,
            duration_ms=duration_ms,
        )
        delivery.attempts += 1
        delivery.last_status_code = status_code
        if policy.delivered(status_code):
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = now
        else:
            retry_at = policy.next_attempt_at(
                created_at=delivery.created_at, failed_attempts=delivery.attempts, now=now
            )
            if retry_at is None:
                delivery.state = DeliveryState.FAILED
            else:
                delivery.next_attempt_at = retry_at
                schedule_deliveries(
                    tenant_id=tenant_id, delivery_ids=[delivery.pk], countdown=(retry_at - now).total_seconds()
                )
        delivery.save(update_fields=["attempts", "last_status_code", "state", "delivered_at", "next_attempt_at"])
    return delivery


def event_deliveries_sweep(*, now: datetime) -> int:
    """Deliveries whose retry task was lost (a worker or Redis restart) are queued again (beat)."""
    # Across tenants on purpose: the periodic job over every due delivery.
    due = (
        EventDelivery.objects.unscoped()
        .filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("tenant_id", "pk")[:SWEEP_BATCH]
    )
    count = 0
    for tenant_id, delivery_id in due:
        current_app.send_task(DELIVERY_TASK, kwargs={"tenant_id": tenant_id, "delivery_id": delivery_id})
        count += 1
    return count


@transaction.atomic
def event_delivery_redeliver(*, actor: Actor, delivery: EventDelivery, now: datetime) -> EventDelivery:
    """Send a delivery again now, whatever became of it (a new day of retries if it fails)."""
    require_role(actor, Role.ADMIN)
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    delivery.created_at = now
    delivery.save(update_fields=["state", "next_attempt_at", "created_at"])
    schedule_deliveries(tenant_id=delivery.tenant_id, delivery_ids=[delivery.pk])
    audit_record(actor=actor, action="webhook.redelivered", target=delivery, target_label=delivery.event_id)
    return delivery


# Subscriptions --------------------------------------------------------------------------------


def _checked_types(event_types: Iterable[str]) -> list[str]:
    types = sorted(set(event_types))
    if not types:
        raise ServiceError(
            _("Choose at least one event."), code="event_types_missing", details={"field": "event_types"}
        )
    unknown = [t for t in types if t not in policy.EVENT_TYPES]
    if unknown:
        raise ServiceError(
            _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)},
            code="event_types_unknown",
            details={"field": "event_types"},
        )
    return types


def _checked_url(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ServiceError(_("Give the endpoint's full URL."), code="invalid_url", details={"field": "url"})
    return url


def event_subscription_create(
    *, actor: Actor, url: str, event_types: Iterable[str], description: str = "", now: datetime
) -> EventSubscription:
    require_role(actor, Role.ADMIN)
    subscription = EventSubscription.objects.for_tenant(actor.tenant_id).create(
        tenant_id=actor.tenant_id,
        url=_checked_url(url),
        event_types=_checked_types(event_types),
        description=description.strip()[:120],
        secret=new_secret(),
        created_at=now,
    )
    audit_record(actor=actor, action="webhook.created", target=subscription, target_label=subscription.url)
    _forget_subscribed_types(actor.tenant_id)
    return subscription


def event_subscription_update(
    *,
    actor: Actor,
    subscription: EventSubscription,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    is_active: bool = True,
    regenerate_secret: bool = False,
) -> EventSubscription:
    require_role(actor, Role.ADMIN)
    subscription.url = _checked_url(url)
    subscription.event_types = _checked_types(event_types)
    subscription.description = description.strip()[:120]
    subscription.is_active = is_active
    if regenerate_secret:
        subscription.secret = new_secret()
    subscription.save()
    audit_record(actor=actor, action="webhook.updated", target=subscription, target_label=subscription.url)
    _forget_subscribed_types(actor.tenant_id)
    return subscription


def event_subscription_delete(*, actor: Actor, subscription: EventSubscription) -> None:
    require_role(actor, Role.ADMIN)
    audit_record(actor=actor, action="webhook.deleted", target=subscription, target_label=subscription.url)
    subscription.delete()
    _forget_subscribed_types(actor.tenant_id)
