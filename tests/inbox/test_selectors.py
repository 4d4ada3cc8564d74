"""Reads of the inbox: always one tenant's rows, in the order the API promises."""

from datetime import UTC, datetime, timedelta

import pytest

from inbox import selectors
from inbox.models import AttachmentState, Direction, MessageType
from tests.inbox.factories import (
    AttachmentFactory,
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    MessageFactory,
    ReactionFactory,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant)


@pytest.fixture
def theirs(other_tenant):
    return ConversationFactory.create(channel__tenant=other_tenant.tenant, updated_at=T0)


def test_conversations_are_the_tenants_only(world, channel, theirs):
    mine = ConversationFactory.create(channel=channel)
    assert list(selectors.conversations(tenant=world.tenant)) == [mine]


def test_conversations_filters(world, channel):
    match = ConversationFactory.create(channel=channel, status="pending", assignee=world.agent.user, updated_at=T0)
    ConversationFactory.create(channel=channel, status="open", assignee=world.agent.user, updated_at=T0)
    ConversationFactory.create(channel=channel, status="pending", updated_at=T0)
    ConversationFactory.create(
        channel=channel, status="pending", assignee=world.agent.user, updated_at=T0 - timedelta(1)
    )
    found = selectors.conversations(
        tenant=world.tenant,
        status="pending",
        assignee_id=world.agent.user.pk,
        updated_since=T0,
        channel_id=channel.pk,
    )
    assert list(found) == [match]


def test_unassigned_wins_over_an_assignee_id(world, channel):
    unassigned = ConversationFactory.create(channel=channel)
    ConversationFactory.create(channel=channel, assignee=world.agent.user)
    found = selectors.conversations(tenant=world.tenant, unassigned=True, assignee_id=world.agent.user.pk)
    assert list(found) == [unassigned]


def test_conversation_get_is_none_for_another_tenants(world, channel, theirs):
    mine = ConversationFactory.create(channel=channel)
    assert selectors.conversation_get(tenant=world.tenant, conversation_id=mine.pk) == mine
    assert selectors.conversation_get(tenant=world.tenant, conversation_id=theirs.pk) is None


def test_conversation_messages_leave_reactions_out(world, channel):
    conversation = ConversationFactory.create(channel=channel)
    text = MessageFactory.create(conversation=conversation, sent_at=T0)
    MessageFactory.create(conversation=conversation, type=MessageType.REACTION, sent_at=T0 + timedelta(seconds=1))
    system = MessageFactory.create(
        conversation=conversation, type=MessageType.SYSTEM, sent_at=T0 + timedelta(seconds=2)
    )
    assert list(selectors.conversation_messages(tenant=world.tenant, conversation=conversation)) == [text, system]


def test_thread_entries_attach_reactions_and_files_in_two_queries(world, channel, django_assert_num_queries):
    conversation = ConversationFactory.create(channel=channel)
    plain = MessageFactory.create(conversation=conversation, sent_at=T0)
    liked_in = ReactionFactory.create(message=plain, direction=Direction.INBOUND, reacted_at=T0 + timedelta(minutes=2))
    liked_out = ReactionFactory.create(
        message=plain, direction=Direction.OUTBOUND, reacted_at=T0 + timedelta(minutes=1)
    )
    attachment = AttachmentFactory.create(message__conversation=conversation)
    messages = list(selectors.conversation_messages(tenant=world.tenant, conversation=conversation))
    with django_assert_num_queries(2):
        entries = selectors.thread_entries(tenant=world.tenant, messages=messages)
    assert [(e.message, e.reactions, e.attachment) for e in entries] == [
        (plain, [liked_out, liked_in], None),
        (attachment.message, [], attachment),
    ]


def test_thread_entries_of_an_empty_page_ask_nothing(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.thread_entries(tenant=world.tenant, messages=[]) == []


def test_attachment_ready_only_when_downloaded_and_the_tenants(world, channel, other_tenant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    conversation = ConversationFactory.create(channel=channel)
    ready = AttachmentFactory.create(message__conversation=conversation, ready=True)
    pending = AttachmentFactory.create(message__conversation=conversation)
    failed = AttachmentFactory.create(message__conversation=conversation, state=AttachmentState.FAILED)
    without_file = AttachmentFactory.create(message__conversation=conversation, state=AttachmentState.READY)
    theirs = AttachmentFactory.create(message__conversation__channel__tenant=other_tenant.tenant, ready=True)
    assert selectors.attachment_ready(tenant=world.tenant, message_id=ready.message_id) == ready
    for attachment in (pending, failed, without_file, theirs):
        assert selectors.attachment_ready(tenant=world.tenant, message_id=attachment.message_id) is None


def test_contacts_search_and_tenant(world, other_tenant):
    maria = ContactFactory.create(tenant=world.tenant, name="María", wa_id="34600111222", phone="+34600111222")
    ContactFactory.create(tenant=other_tenant.tenant, name="María", wa_id="34600111222", phone="+34600111222")
    assert list(selectors.contacts(tenant=world.tenant, search="maría")) == [maria]
    assert list(selectors.contacts(tenant=world.tenant, search="(600) 111-222")) == [maria]
    assert list(selectors.contacts(tenant=world.tenant, search="600 x")) == []
