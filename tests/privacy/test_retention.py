"""Retention: exactly what is older than a workspace's period goes, in batches, with what carries
it; counts are logged and audited. The clock is passed in (a night 40 days after the messages)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import AuditLog
from inbox.models import Attachment, Message, StatusUpdate, TenantEvent
from privacy.services.retention import retention_apply, retention_apply_all
from tests.inbox.factories import AttachmentFactory, ConversationFactory, MessageFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number
from whatsapp.models import DeadLetter, WebhookEvent, WebhookEventState


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


NOW = timezone.now()


def _message(conversation, *, days_ago: int, text: str) -> Message:
    message = MessageFactory.create(conversation=conversation, text=text, sent_at=NOW - timedelta(days=days_ago))
    StatusUpdate.objects.for_tenant(conversation.tenant).create(
        tenant=conversation.tenant, provider_message_id=message.provider_message_id, status="read",
        occurred_at=message.sent_at, recipient_id=conversation.contact.wa_id,
    )  # fmt: skip
    TenantEvent.objects.for_tenant(conversation.tenant).create(
        tenant=conversation.tenant, seq=message.pk, type="message.created", created_at=message.sent_at,
        payload={"message": {"id": message.pk, "conversation_id": conversation.pk, "text": text}},
    )  # fmt: skip
    return message


@pytest.fixture
def thread(world):
    world.tenant.message_retention_days = 30
    world.tenant.save()
    conversation = ConversationFactory.create(channel__tenant=world.tenant)
    old = [_message(conversation, days_ago=days, text=f"old {days}") for days in (400, 45, 31)]
    recent = [_message(conversation, days_ago=days, text=f"recent {days}") for days in (29, 1)]
    AttachmentFactory.create(message=old[0], ready=True, file__data=b"OLD-FILE")
    AttachmentFactory.create(message=recent[0], ready=True, file__data=b"RECENT-FILE")
    return conversation, old, recent


def test_retention_deletes_exactly_the_messages_past_the_period(
    world, thread, tmp_path, django_capture_on_commit_callbacks
):
    _conversation, _old, recent = thread

    with django_capture_on_commit_callbacks(execute=True):
        counts = retention_apply(tenant=world.tenant, now=NOW, batch_size=2)

    assert set(Message.objects.for_tenant(world.tenant).values_list("pk", flat=True)) == {m.pk for m in recent}
    assert counts["messages"] == 3
    assert counts["files"] == 1
    assert set(StatusUpdate.objects.for_tenant(world.tenant).values_list("provider_message_id", flat=True)) == {
        m.provider_message_id for m in recent
    }
    assert TenantEvent.objects.for_tenant(world.tenant).count() == 2
    assert Attachment.objects.for_tenant(world.tenant).count() == 1
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"OLD-FILE" not in stored
    assert b"RECENT-FILE" in stored
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="retention.applied")
    assert entry.details["counts"]["messages"] == 3


def test_a_message_just_inside_the_period_stays(world):
    world.tenant.message_retention_days = 30
    world.tenant.save()
    conversation = ConversationFactory.create(channel__tenant=world.tenant)
    kept = MessageFactory.create(conversation=conversation, sent_at=NOW - timedelta(days=30) + timedelta(seconds=1))
    gone = MessageFactory.create(conversation=conversation, sent_at=NOW - timedelta(days=30) - timedelta(seconds=1))

    retention_apply(tenant=world.tenant, now=NOW)

    remaining = list(Message.objects.for_tenant(world.tenant).values_list("pk", flat=True))
    assert remaining == [kept.pk]
    assert gone.pk not in remaining


def test_without_a_period_nothing_goes_and_nothing_is_audited(world, thread):
    world.tenant.message_retention_days = None
    world.tenant.save()

    assert retention_apply_all(now=NOW) == {}

    assert Message.objects.for_tenant(world.tenant).count() == 5
    assert not AuditLog.objects.for_tenant(world.tenant).filter(action="retention.applied").exists()


def test_another_workspaces_messages_keep_their_own_period(world, other_tenant, thread):
    foreign = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    MessageFactory.create(conversation=foreign, sent_at=NOW - timedelta(days=400))

    report = retention_apply_all(now=NOW)

    assert set(report) == {world.tenant.pk}
    assert Message.objects.for_tenant(other_tenant.tenant).count() == 1


def test_old_webhook_bodies_lose_the_workspaces_messages_and_dead_letters_go(world, other_tenant):
    world.tenant.message_retention_days = 30
    world.tenant.save()
    number = connect_number(world)
    connect_number(other_tenant, phone_number_id=payloads.SECOND_PHONE_NUMBER_ID)
    ours = payloads.envelope(messages=[payloads.text_message(body="OURS-OLD")], phone_number_id=number.phone_number_id)
    theirs = payloads.envelope(
        messages=[payloads.text_message(body="THEIRS-OLD")], phone_number_id=payloads.SECOND_PHONE_NUMBER_ID
    )
    shared = {"object": "whatsapp_business_account", "entry": ours["entry"] + theirs["entry"]}
    event = WebhookEvent.objects.create(
        body=json.dumps(shared), phone_number_ids=[number.phone_number_id, payloads.SECOND_PHONE_NUMBER_ID],
        state=WebhookEventState.PROCESSED, received_at=NOW - timedelta(days=31),
    )  # fmt: skip
    fresh = WebhookEvent.objects.create(
        body=json.dumps(ours), phone_number_ids=[number.phone_number_id], state=WebhookEventState.PROCESSED,
        received_at=NOW - timedelta(days=1),
    )  # fmt: skip
    DeadLetter.objects.create(event=event, position=0, tenant=world.tenant, item={}, error="x",
                              created_at=NOW - timedelta(days=31))  # fmt: skip

    counts = retention_apply(tenant=world.tenant, now=NOW)

    event.refresh_from_db()
    fresh.refresh_from_db()
    assert "OURS-OLD" not in event.body
    assert "THEIRS-OLD" in event.body
    assert "OURS-OLD" in fresh.body
    assert counts["webhook_events"] == 1
    assert counts["dead_letters"] == 1
    assert not DeadLetter.objects.exists()


def test_retention_runs_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "privacy.tasks.retention_apply_all"
    assert entry["schedule"].hour == {3}
