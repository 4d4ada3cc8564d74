"""Outbound event webhooks against a real local receiver: published where things happen, signed,
retried with backoff after errors for a day, logged, redelivered by hand; replays refused by the
documented verification helper."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.hooks import policy
from inbox.hooks.services import (
    event_delivery_attempt,
    event_delivery_redeliver,
    event_subscription_create,
    event_subscription_update,
)
from inbox.models import DeliveryState, EventDelivery, EventDeliveryAttempt, EventSubscription
from inbox.services.consent import consent_record
from inbox.services.outbound import send_message
from inbox.webhooks_out import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid
from tests.inbox.factories import ConversationFactory
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import webhook_receiver  # noqa: F401 (fixture)
from tests.whatsapp.test_template_webhooks import ORDER_CONFIRMATION_ID, deliver, status_update, template

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failed_attempts", "after", "expected"),
    [
        (1, timedelta(0), timedelta(seconds=30)),
        (2, timedelta(minutes=1), timedelta(minutes=2)),
        (3, timedelta(minutes=5), timedelta(minutes=10)),
        (5, timedelta(hours=1), timedelta(hours=1)),
        (9, timedelta(hours=10), timedelta(hours=2)),  # the last pause repeats
        (9, timedelta(hours=22), timedelta(hours=2)),  # the last try, just within the day
        (9, timedelta(hours=22, minutes=1), None),  # past a day: give up
    ],
)
def test_retry_schedule(failed_attempts, after, expected):
    now = T0 + after
    retry_at = policy.next_attempt_at(created_at=T0, failed_attempts=failed_attempts, now=now)
    assert retry_at == (now + expected if expected is not None else None)


@pytest.mark.parametrize(
    ("status", "delivered"), [(200, True), (204, True), (301, False), (404, False), (500, False), (None, False)]
)
def test_only_a_2xx_answer_is_a_delivery(status, delivered):
    assert policy.delivered(status) is delivered


@pytest.fixture
def admin(world):
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)


@pytest.fixture
def subscription(world, admin, webhook_receiver):  # noqa: F811
    with tenant_scope(world.tenant):
        return event_subscription_create(
            actor=admin,
            url=webhook_receiver.url,
            event_types=["message.created", "contact.opted_out", "template.status"],
            description="Our CRM",
            now=T0,
        )


@pytest.fixture
def conversation(world):
    channel = connect_number(world).channel
    return ConversationFactory.create(channel=channel, contact__wa_id="4915112345678", last_inbound_at=T0)


def deliveries(world) -> list[EventDelivery]:
    with tenant_scope(world.tenant):
        return list(EventDelivery.objects.order_by("pk"))


def attempt(world, delivery: EventDelivery, now: datetime) -> EventDelivery | None:
    with tenant_scope(world.tenant):
        return event_delivery_attempt(tenant_id=world.tenant.pk, delivery_id=delivery.pk, now=now)


def test_a_sent_message_is_delivered_signed_to_the_subscriber(
    world,
    admin,
    subscription,
    conversation,
    webhook_receiver,  # noqa: F811
):
    with tenant_scope(world.tenant):
        message = send_message(
            conversation=conversation, payload={"type": "text", "text": {"body": "Hi!"}}, actor=admin, now=T0
        )
    [delivery] = deliveries(world)  # conversation.updated is not subscribed to
    assert attempt(world, delivery, delivery.created_at).state == DeliveryState.DELIVERED
    [request] = webhook_receiver.received()
    assert signature_valid(
        secret=subscription.secret,
        body=request.body,
        timestamp=request.header(TIMESTAMP_HEADER),
        signature_header=request.header(SIGNATURE_HEADER),
        now=time.time(),
    )
    sent = json.loads(request.body)
    assert (sent["type"], sent["id"]) == ("message.created", delivery.event_id)
    assert sent["data"]["message"]["id"] == message.pk
    with tenant_scope(world.tenant):
        assert list(EventDeliveryAttempt.objects.values_list("status_code", flat=True)) == [200]


def test_errors_are_retried_with_backoff_and_every_attempt_is_logged(
    world,
    admin,
    subscription,
    conversation,
    webhook_receiver,  # noqa: F811
):
    webhook_receiver.answer_with(500, 503)
    with tenant_scope(world.tenant):
        send_message(conversation=conversation, payload={"type": "text", "text": {"body": "Hi!"}}, actor=admin, now=T0)
    [delivery] = deliveries(world)
    start = delivery.created_at
    first = attempt(world, delivery, start)
    assert (first.state, first.attempts, first.last_status_code) == (DeliveryState.PENDING, 1, 500)
    assert first.next_attempt_at == start + timedelta(seconds=30)
    assert attempt(world, delivery, start + timedelta(seconds=10)) is None  # not due yet: nothing is sent
    second = attempt(world, delivery, start + timedelta(seconds=30))
    assert second.next_attempt_at == start + timedelta(seconds=30) + timedelta(minutes=2)
    third = attempt(world, delivery, second.next_attempt_at)
    assert (third.state, third.attempts) == (DeliveryState.DELIVERED, 3)
    with tenant_scope(world.tenant):
        assert list(EventDeliveryAttempt.objects.order_by("pk").values_list("status_code", flat=True)) == [
            500,
            503,
            200,
        ]
    # the same event each time, so the receiver can deduplicate by its id
    assert len({json.loads(r.body)["id"] for r in webhook_receiver.received()}) == 1
    assert attempt(world, delivery, start + timedelta(hours=1)) is None  # delivered: never again


def test_after_a_day_of_failures_it_gives_up_and_can_be_redelivered_by_hand(
    world,
    admin,
    subscription,
    conversation,
    webhook_receiver,  # noqa: F811
):
    webhook_receiver.default_status = 500
    with tenant_scope(world.tenant):
        send_message(conversation=conversation, payload={"type": "text", "text": {"body": "Hi!"}}, actor=admin, now=T0)
    [delivery] = deliveries(world)
    last_minute = delivery.created_at + timedelta(hours=23, minutes=59, seconds=45)  # 30 s more: past the day
    with tenant_scope(world.tenant):
        EventDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=last_minute)
    given_up = attempt(world, delivery, last_minute)
    assert given_up.state == DeliveryState.FAILED
    webhook_receiver.default_status = 200
    with tenant_scope(world.tenant):
        event_delivery_redeliver(actor=admin, delivery=given_up, now=last_minute + timedelta(days=1))
    again = attempt(world, delivery, last_minute + timedelta(days=1))
    assert (again.state, again.attempts) == (DeliveryState.DELIVERED, 2)


def test_a_replayed_or_tampered_delivery_is_refused_by_the_verification_helper(
    world,
    admin,
    subscription,
    conversation,
    webhook_receiver,  # noqa: F811
):
    with tenant_scope(world.tenant):
        send_message(conversation=conversation, payload={"type": "text", "text": {"body": "Hi!"}}, actor=admin, now=T0)
    [delivery] = deliveries(world)
    attempt(world, delivery, delivery.created_at)
    [request] = webhook_receiver.received()
    stamp, signed = request.header(TIMESTAMP_HEADER), request.header(SIGNATURE_HEADER)
    replayed_later = time.time() + 301
    assert not signature_valid(
        secret=subscription.secret, body=request.body, timestamp=stamp, signature_header=signed, now=replayed_later
    )
    assert not signature_valid(
        secret=subscription.secret,
        body=request.body.replace(b"Hi!", b"Ho!"),
        timestamp=stamp,
        signature_header=signed,
        now=time.time(),
    )
    assert not signature_valid(
        secret=subscription.secret,
        body=request.body,
        timestamp=str(int(stamp) + 1),
        signature_header=signed,
        now=time.time(),
    )
    assert not signature_valid(
        secret=subscription.secret, body=request.body, timestamp=None, signature_header=signed, now=time.time()
    )


def test_opt_outs_and_template_decisions_are_published(world, admin, subscription, conversation):
    with tenant_scope(world.tenant):
        consent_record(
            tenant_id=world.tenant.pk, contact=conversation.contact, kind="opt_out", scope="all", source="api",
            proof="DELETE /contacts", actor=admin, occurred_at=T0,
        )  # fmt: skip
    template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(status_update("APPROVED"))
    published = deliveries(world)
    assert [d.event_type for d in published] == ["contact.opted_out", "template.status"]
    assert published[0].payload["data"]["contact_id"] == conversation.contact_id
    assert published[1].payload["data"] == {
        "template_id": published[1].payload["data"]["template_id"],
        "name": "order_confirmation",
        "language": "en_US",
        "status": "APPROVED",
        "reason": "",
    }


def test_a_paused_subscription_and_other_tenants_get_nothing(world, admin, subscription, conversation, other_tenant):
    with tenant_scope(world.tenant):
        event_subscription_update(
            actor=admin,
            subscription=subscription,
            url=subscription.url,
            event_types=subscription.event_types,
            is_active=False,
        )
        send_message(conversation=conversation, payload={"type": "text", "text": {"body": "Hi!"}}, actor=admin, now=T0)
    assert deliveries(world) == []
    with tenant_scope(other_tenant.tenant):
        assert not EventDelivery.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"url": "ftp://example.com/x", "event_types": ["message.created"]}, "invalid_url"),
        ({"url": "https://example.com/x", "event_types": []}, "event_types_missing"),
        ({"url": "https://example.com/x", "event_types": ["message.deleted"]}, "event_types_unknown"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_saved(world, admin, fields, code):
    with tenant_scope(world.tenant):
        with pytest.raises(ServiceError) as refused:
            event_subscription_create(actor=admin, now=T0, **fields)
        assert refused.value.code == code
        assert not EventSubscription.objects.exists()
