"""The window clock tells open inboxes when a window is about to close and when it closed, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.models import Conversation, TenantEvent
from inbox.services.window_clock import window_clock
from tests.inbox.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def events(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(TenantEvent.objects.order_by("seq").values_list("type", flat=True))


def test_closing_then_closed_each_announced_once(world, other_tenant):
    now = timezone.now()
    conversation = ConversationFactory.create(
        channel__tenant=world.tenant, last_inbound_at=now - timedelta(hours=23, minutes=30)
    )
    ConversationFactory.create(channel__tenant=world.tenant, last_inbound_at=now - timedelta(hours=2))
    assert window_clock(now=now) == {"closing": 1, "closed": 0}
    assert window_clock(now=now) == {"closing": 0, "closed": 0}
    assert window_clock(now=now + timedelta(hours=1)) == {"closing": 0, "closed": 1}
    assert window_clock(now=now + timedelta(hours=2)) == {"closing": 0, "closed": 0}
    assert events(world.tenant) == ["conversation.window_closing", "conversation.window_closed"]
    assert events(other_tenant.tenant) == []
    with tenant_scope(world.tenant):
        assert Conversation.objects.get(pk=conversation.pk).window_notice == "closed"


def test_resolved_conversations_are_left_alone(world):
    now = timezone.now()
    ConversationFactory.create(
        channel__tenant=world.tenant, status="resolved", last_inbound_at=now - timedelta(hours=23, minutes=30)
    )
    assert window_clock(now=now) == {"closing": 0, "closed": 0}
