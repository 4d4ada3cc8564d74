"""The inbox read API: conversations, their messages and files, contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inbox.models import AttachmentState, ConversationStatus, Direction, MessageStatus, MessageType
from tests.accounts.test_api import assert_envelope
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
def api(world):
    return world.api_client()


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant, name="Main line")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def conversation_in(channel, **fields):
    return ConversationFactory.create(channel=channel, **fields)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# Conversations --------------------------------------------------------------------------------


def test_conversation_list_shows_each_conversation_with_contact_and_window(api, channel, monkeypatch):
    now = T0 + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: now)
    contact = ContactFactory.create(
        tenant=channel.tenant, name="", profile_name="Maria", wa_id="4915123456789", phone="+4915123456789"
    )
    conversation = conversation_in(
        channel,
        contact=contact,
        status=ConversationStatus.PENDING,
        unread_count=2,
        last_message_at=T0 + timedelta(hours=1),
        last_inbound_at=T0,
        entry_point_expires_at=T0 + timedelta(hours=72),
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
    )

    body = api.get("/api/v1/conversations/").json()

    assert body == {
        "results": [
            {
                "id": conversation.pk,
                "channel": channel.pk,
                "contact": {
                    "id": contact.pk,
                    "name": "Maria",
                    "phone": "+4915123456789",
                    "wa_id": "4915123456789",
                    "profile_name": "Maria",
                },
                "status": "pending",
                "assignee": None,
                "unread_count": 2,
                "last_message_at": "2025-03-01T13:00:00Z",
                "last_inbound_at": "2025-03-01T12:00:00Z",
                "window": {"open": True, "expires_at": "2025-03-02T12:00:00Z"},
                "entry_point_expires_at": "2025-03-04T12:00:00Z",
                "created_at": "2025-03-01T12:00:00Z",
                "updated_at": "2025-03-01T13:00:00Z",
            }
        ],
        "next": None,
    }


def test_contact_name_is_the_given_name_before_the_profile_name(api, channel):
    contact = ContactFactory.create(tenant=channel.tenant, name="Maria Lopez (VIP)", profile_name="Maria")
    conversation_in(channel, contact=contact)
    (item,) = api.get("/api/v1/conversations/").json()["results"]
    assert item["contact"]["name"] == "Maria Lopez (VIP)"
    assert item["contact"]["profile_name"] == "Maria"


def test_conversations_are_most_recently_updated_first(api, channel):
    older = conversation_in(channel, updated_at=T0)
    newest = conversation_in(channel, updated_at=T0 + timedelta(minutes=5))
    tied_low = conversation_in(channel, updated_at=T0 + timedelta(minutes=1))
    tied_high = conversation_in(channel, updated_at=T0 + timedelta(minutes=1))
    assert ids(api.get("/api/v1/conversations/")) == [newest.pk, tied_high.pk, tied_low.pk, older.pk]


def test_conversations_are_paginated_with_next(api, channel):
    created = [conversation_in(channel, updated_at=T0 + timedelta(minutes=i)) for i in range(5)]
    first = api.get("/api/v1/conversations/?page_size=2").json()
    assert set(first) == {"results", "next"}
    assert first["next"].startswith("http://testserver/api/v1/conversations/?cursor=")
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert third["next"] is None
    seen = [c["id"] for page in (first, second, third) for c in page["results"]]
    assert seen == [c.pk for c in reversed(created)]


def test_pagination_keeps_the_filters(api, channel):
    for _ in range(3):
        conversation_in(channel, status=ConversationStatus.RESOLVED)
    conversation_in(channel, status=ConversationStatus.OPEN)
    first = api.get("/api/v1/conversations/?status=resolved&page_size=2").json()
    second = api.get(first["next"]).json()
    statuses = {c["status"] for c in first["results"] + second["results"]}
    assert statuses == {"resolved"}
    assert len(first["results"] + second["results"]) == 3


@pytest.mark.parametrize("status", ["open", "pending", "snoozed", "resolved"])
def test_filter_by_status(api, channel, status):
    wanted = conversation_in(channel, status=status)
    for other in set(ConversationStatus) - {status}:
        conversation_in(channel, status=other)
    assert ids(api.get(f"/api/v1/conversations/?status={status}")) == [wanted.pk]


def test_unknown_status_is_a_validation_error_naming_the_field(api, channel):
    conversation_in(channel)
    response = api.get("/api/v1/conversations/?status=closed")
    assert_envelope(response, 400, "validation_error")
    assert response.json()["error"]["message"].startswith("status:")
    assert set(response.json()["error"]["details"]) == {"status"}


def test_filter_by_assignee(api, world, channel):
    mine = conversation_in(channel, assignee=world.agent.user)
    conversation_in(channel, assignee=world.admin.user)
    conversation_in(channel)
    assert ids(api.get(f"/api/v1/conversations/?assignee={world.agent.user.pk}")) == [mine.pk]


def test_filter_unassigned_with_none(api, world, channel):
    conversation_in(channel, assignee=world.agent.user)
    unassigned = conversation_in(channel)
    assert ids(api.get("/api/v1/conversations/?assignee=none")) == [unassigned.pk]


@pytest.mark.parametrize("value", ["me", "-1", "0", "1.5", "99999999999999999999", "٣"])
def test_bad_assignee_is_a_validation_error(api, value):
    response = api.get(f"/api/v1/conversations/?assignee={quote(value)}")
    assert_envelope(response, 400, "validation_error")
    assert response.json()["error"]["message"].startswith("assignee:")


def test_assignee_of_another_tenant_matches_nothing(api, channel, other_tenant):
    conversation_in(channel)
    assert ids(api.get(f"/api/v1/conversations/?assignee={other_tenant.agent.user.pk}")) == []


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-01T12:00:00Z",
        "2025-03-01T13:00:00+01:00",
        "2025-03-01T13:00:00 01:00",  # an unescaped "+" arrives as a space
        "2025-03-01T07:00:00-05:00",
    ],
)
def test_filter_updated_since_includes_the_instant(api, channel, value):
    conversation_in(channel, updated_at=T0 - timedelta(microseconds=1))
    at = conversation_in(channel, updated_at=T0)
    after = conversation_in(channel, updated_at=T0 + timedelta(hours=1))
    assert ids(api.get(f"/api/v1/conversations/?updated_since={quote(value)}")) == [after.pk, at.pk]


@pytest.mark.parametrize("value", ["yesterday", "2025-03-01", "2025-13-01T00:00:00Z", "2025-03-01T12:00:00"])
def test_bad_updated_since_is_a_validation_error(api, value):
    response = api.get(f"/api/v1/conversations/?updated_since={quote(value)}")
    assert_envelope(response, 400, "validation_error")
    assert response.json()["error"]["message"].startswith("updated_since:")


def test_naive_updated_since_asks_for_a_time_zone(api):
    response = api.get("/api/v1/conversations/?updated_since=2025-03-01T12:00:00")
    assert "time zone" in response.json()["error"]["message"]


def test_filter_by_channel(api, world, channel):
    other_channel = ChannelFactory.create(tenant=world.tenant)
    conversation_in(other_channel)
    wanted = conversation_in(channel)
    assert ids(api.get(f"/api/v1/conversations/?channel={channel.pk}")) == [wanted.pk]


@pytest.mark.parametrize("value", ["main", "0", "-3", "99999999999999999999"])
def test_bad_channel_is_a_validation_error(api, value):
    response = api.get(f"/api/v1/conversations/?channel={value}")
    assert_envelope(response, 400, "validation_error")
    assert response.json()["error"]["message"].startswith("channel:")


def test_empty_filters_are_no_filters(api, channel):
    conversation = conversation_in(channel)
    assert ids(api.get("/api/v1/conversations/?status=&assignee=&updated_since=&channel=")) == [conversation.pk]


def test_filters_combine(api, world, channel):
    wanted = conversation_in(channel, status="open", assignee=world.agent.user, updated_at=T0)
    conversation_in(channel, status="open", assignee=world.agent.user, updated_at=T0 - timedelta(days=1))
    conversation_in(channel, status="resolved", assignee=world.agent.user, updated_at=T0)
    conversation_in(channel, status="open", updated_at=T0)
    query = f"status=open&assignee={world.agent.user.pk}&updated_since=2025-03-01T00:00:00Z&channel={channel.pk}"
    assert ids(api.get(f"/api/v1/conversations/?{query}")) == [wanted.pk]


def test_conversation_list_never_shows_another_tenants(api, channel, other_tenant):
    mine = conversation_in(channel)
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    listed = ids(api.get("/api/v1/conversations/"))
    assert listed == [mine.pk]
    assert ids(api.get(f"/api/v1/conversations/?channel={theirs.channel_id}")) == []


def test_conversation_detail(api, channel):
    conversation = conversation_in(channel, last_inbound_at=None)
    body = api.get(f"/api/v1/conversations/{conversation.pk}/").json()
    assert body["id"] == conversation.pk
    assert body["contact"]["id"] == conversation.contact_id
    assert body["window"] == {"open": False, "expires_at": None}
    assert set(body) == {
        "id", "channel", "contact", "status", "assignee", "unread_count", "last_message_at", "last_inbound_at",
        "window", "entry_point_expires_at", "created_at", "updated_at",
    }  # fmt: skip


def test_conversation_assignee_is_the_user_id(api, world, channel):
    conversation = conversation_in(channel, assignee=world.agent.user)
    assert api.get(f"/api/v1/conversations/{conversation.pk}/").json()["assignee"] == world.agent.user.pk


@pytest.mark.parametrize(
    ("since_customer_wrote", "is_open"),
    [
        (timedelta(hours=24) - timedelta(microseconds=1), True),
        (timedelta(hours=24), False),
        (timedelta(hours=24, seconds=1), False),
        (timedelta(0), True),
    ],
)
def test_window_is_open_for_24_hours_after_the_customer_wrote(api, channel, monkeypatch, since_customer_wrote, is_open):
    conversation = conversation_in(channel, last_inbound_at=T0)
    monkeypatch.setattr(timezone, "now", lambda: T0 + since_customer_wrote)
    window = api.get(f"/api/v1/conversations/{conversation.pk}/").json()["window"]
    assert window == {"open": is_open, "expires_at": "2025-03-02T12:00:00Z"}


@pytest.mark.parametrize("suffix", ["", "messages/"])
def test_another_tenants_conversation_is_not_found(api, other_tenant, suffix):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    MessageFactory.create(conversation=theirs, text="Globex secret")
    response = api.get(f"/api/v1/conversations/{theirs.pk}/{suffix}")
    assert_envelope(response, 404, "not_found")
    assert b"Globex" not in response.content


@pytest.mark.parametrize("suffix", ["", "messages/"])
def test_unknown_conversation_is_not_found(api, suffix):
    assert_envelope(api.get(f"/api/v1/conversations/99999999/{suffix}"), 404, "not_found")
    assert_envelope(api.get(f"/api/v1/conversations/99999999999999999999/{suffix}"), 404, "not_found")


def test_conversation_list_costs_the_key_and_one_query(api, world, channel, django_assert_num_queries):
    for _ in range(5):
        conversation_in(channel, assignee=world.agent.user, last_inbound_at=T0)
    api.get("/api/v1/conversations/")  # records the key's last use, once a minute
    with django_assert_num_queries(2):  # the key, the conversations with their contacts
        response = api.get("/api/v1/conversations/")
    assert len(response.json()["results"]) == 5


# Messages -------------------------------------------------------------------------------------


@pytest.fixture
def conversation(channel):
    return conversation_in(channel)


def messages_of(api, conversation, query: str = "") -> list[dict]:
    response = api.get(f"/api/v1/conversations/{conversation.pk}/messages/{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_message_shape(api, conversation):
    message = MessageFactory.create(
        conversation=conversation,
        text="Do you deliver on Sundays?",
        provider_message_id="wamid.HBgLMTIz",
        sent_at=T0,
        raw={"from": "4915123456789", "type": "text", "text": {"body": "Do you deliver on Sundays?"}},
    )
    (item,) = messages_of(api, conversation)
    assert item == {
        "id": message.pk,
        "conversation": conversation.pk,
        "direction": "in",
        "type": "text",
        "text": "Do you deliver on Sundays?",
        "media": None,
        "template": None,
        "status": "received",
        "error": None,
        "provider_message_id": "wamid.HBgLMTIz",
        "reply_to": None,
        "reactions": [],
        "content": {},
        "created_at": "2025-03-01T12:00:00Z",
        "raw": None,
    }


def test_messages_are_oldest_first_by_sent_time_then_id(api, conversation):
    late = MessageFactory.create(conversation=conversation, sent_at=T0 + timedelta(minutes=2))
    tied_low = MessageFactory.create(conversation=conversation, sent_at=T0)
    tied_high = MessageFactory.create(conversation=conversation, sent_at=T0)
    early = MessageFactory.create(conversation=conversation, sent_at=T0 - timedelta(minutes=2))
    assert [m["id"] for m in messages_of(api, conversation)] == [early.pk, tied_low.pk, tied_high.pk, late.pk]


def test_messages_of_other_conversations_are_not_in_the_thread(api, channel, conversation):
    mine = MessageFactory.create(conversation=conversation)
    MessageFactory.create(conversation=conversation_in(channel))
    assert [m["id"] for m in messages_of(api, conversation)] == [mine.pk]


def test_messages_are_paginated_with_next(api, conversation):
    created = [MessageFactory.create(conversation=conversation, sent_at=T0 + timedelta(seconds=i)) for i in range(5)]
    first = api.get(f"/api/v1/conversations/{conversation.pk}/messages/?page_size=3").json()
    assert first["next"].startswith(f"http://testserver/api/v1/conversations/{conversation.pk}/messages/?cursor=")
    second = api.get(first["next"]).json()
    assert second["next"] is None
    assert [m["id"] for m in first["results"] + second["results"]] == [m.pk for m in created]


def test_messages_sent_at_the_same_instant_are_paged_without_loss(api, conversation):
    created = [MessageFactory.create(conversation=conversation, sent_at=T0) for _ in range(5)]
    seen, url = [], f"/api/v1/conversations/{conversation.pk}/messages/?page_size=2"
    while url:
        page = api.get(url).json()
        seen += [m["id"] for m in page["results"]]
        url = page["next"]
    assert seen == [m.pk for m in created]


def test_reactions_show_on_their_message_not_in_the_thread(api, conversation):
    target = MessageFactory.create(conversation=conversation, direction=Direction.OUTBOUND, sent_at=T0)
    MessageFactory.create(
        conversation=conversation,
        type=MessageType.REACTION,
        text="❤️",
        content={"target_provider_id": target.provider_message_id, "emoji": "❤️"},
        sent_at=T0 + timedelta(minutes=1),
    )
    ReactionFactory.create(message=target, direction=Direction.INBOUND, emoji="❤️")
    ReactionFactory.create(message=target, direction=Direction.OUTBOUND, emoji="🙏")
    (item,) = messages_of(api, conversation)
    assert item["id"] == target.pk
    assert item["reactions"] == [{"emoji": "❤️", "direction": "in"}, {"emoji": "🙏", "direction": "out"}]


def test_reply_to_is_the_quoted_messages_id(api, conversation):
    question = MessageFactory.create(conversation=conversation, direction=Direction.OUTBOUND, sent_at=T0)
    answer = MessageFactory.create(
        conversation=conversation,
        reply_to=question,
        reply_to_provider_id=question.provider_message_id,
        sent_at=T0 + timedelta(minutes=1),
    )
    replies = {m["id"]: m["reply_to"] for m in messages_of(api, conversation)}
    assert replies == {question.pk: None, answer.pk: question.pk}


def test_ready_media_has_a_download_url(api, conversation, media_root):
    attachment = AttachmentFactory.create(
        message__conversation=conversation, message__text="Our new menu", ready=True, filename="menu.jpg"
    )
    (item,) = messages_of(api, conversation)
    assert item["type"] == "image"
    assert item["text"] == "Our new menu"
    assert item["media"] == {
        "url": f"http://testserver/api/v1/messages/{attachment.message_id}/media/",
        "mime_type": "image/jpeg",
        "filename": "menu.jpg",
        "size": len(b"\xff\xd8\xff\xe0 a tiny jpeg"),
        "state": "ready",
        "error": None,
    }


def test_pending_media_has_no_url_yet(api, conversation):
    AttachmentFactory.create(message__conversation=conversation, filename="")
    (item,) = messages_of(api, conversation)
    assert item["media"] == {
        "url": None,
        "mime_type": "image/jpeg",
        "filename": "",
        "size": None,
        "state": "pending",
        "error": None,
    }


def test_failed_media_says_why(api, conversation):
    AttachmentFactory.create(
        message__conversation=conversation, state=AttachmentState.FAILED, error="The media is no longer available."
    )
    (item,) = messages_of(api, conversation)
    assert item["media"]["state"] == "failed"
    assert item["media"]["url"] is None
    assert item["media"]["error"] == "The media is no longer available."


def test_raw_is_shown_only_for_unsupported_messages(api, conversation):
    raw = {"from": "4915123456789", "id": "wamid.X", "type": "unsupported", "errors": [{"code": 131051}]}
    unsupported = MessageFactory.create(
        conversation=conversation,
        type=MessageType.UNSUPPORTED,
        text="",
        content={"unsupported_type": "poll", "errors": [{"code": 131051}]},
        raw=raw,
        sent_at=T0,
    )
    MessageFactory.create(conversation=conversation, raw={"type": "text"}, sent_at=T0 + timedelta(minutes=1))
    first, second = messages_of(api, conversation)
    assert first["id"] == unsupported.pk
    assert first["raw"] == raw
    assert first["content"] == {"unsupported_type": "poll", "errors": [{"code": 131051}]}
    assert second["raw"] is None


def test_typed_content_is_shown(api, conversation):
    location = {"latitude": 52.52, "longitude": 13.405, "name": "Shop", "address": "Main St 1"}
    MessageFactory.create(conversation=conversation, type=MessageType.LOCATION, text="Shop", content=location)
    (item,) = messages_of(api, conversation)
    assert item["type"] == "location"
    assert item["content"] == location


def test_failed_outbound_message_carries_its_error(api, conversation):
    error = {"code": 131047, "title": "Re-engagement message", "details": "", "message": "The window is closed."}
    MessageFactory.create(
        conversation=conversation, direction=Direction.OUTBOUND, status=MessageStatus.FAILED, error=error
    )
    (item,) = messages_of(api, conversation)
    assert item["direction"] == "out"
    assert item["status"] == "failed"
    assert item["error"] == error


def test_messages_page_costs_one_query_each_whatever_its_size(api, conversation, media_root, django_assert_num_queries):
    for i in range(6):
        message = MessageFactory.create(conversation=conversation, sent_at=T0 + timedelta(minutes=i))
        ReactionFactory.create(message=message)
        ReactionFactory.create(message=message, direction=Direction.OUTBOUND)
        AttachmentFactory.create(message__conversation=conversation, message__sent_at=T0 + timedelta(minutes=i))
        reply = MessageFactory.create(conversation=conversation, reply_to=message)
        ReactionFactory.create(message=reply)
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    api.get(url)  # records the key's last use, once a minute
    # the key, the conversation, the messages, their reactions, their attachments
    with django_assert_num_queries(5):
        response = api.get(url)
    assert len(response.json()["results"]) == 18


# Media ----------------------------------------------------------------------------------------


def test_media_download_streams_the_stored_file(api, conversation, media_root):
    attachment = AttachmentFactory.create(message__conversation=conversation, ready=True, filename="menu.jpg")
    response = api.get(f"/api/v1/messages/{attachment.message_id}/media/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0 a tiny jpeg"
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="menu.jpg"'


def test_media_download_answers_whatever_the_client_accepts(api, conversation, media_root):
    attachment = AttachmentFactory.create(message__conversation=conversation, ready=True)
    response = api.get(f"/api/v1/messages/{attachment.message_id}/media/", HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_media_without_a_filename_is_named_after_its_message(api, conversation, media_root):
    attachment = AttachmentFactory.create(
        message__conversation=conversation, ready=True, filename="", mime_type="application/pdf"
    )
    response = api.get(f"/api/v1/messages/{attachment.message_id}/media/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="message-{attachment.message_id}.pdf"'


def test_media_type_keeps_its_parameters(api, conversation, media_root):
    attachment = AttachmentFactory.create(
        message__conversation=conversation, ready=True, mime_type="audio/ogg; codecs=opus"
    )
    response = api.get(f"/api/v1/messages/{attachment.message_id}/media/")
    assert response["Content-Type"] == "audio/ogg; codecs=opus"


def test_media_with_a_malformed_type_is_sent_as_bytes(api, conversation, media_root):
    attachment = AttachmentFactory.create(
        message__conversation=conversation, ready=True, mime_type="image/jpeg\r\nX: y"
    )
    response = api.get(f"/api/v1/messages/{attachment.message_id}/media/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"


def test_pending_media_is_not_found(api, conversation):
    attachment = AttachmentFactory.create(message__conversation=conversation)
    assert_envelope(api.get(f"/api/v1/messages/{attachment.message_id}/media/"), 404, "not_found")


def test_media_of_a_message_without_file_is_not_found(api, conversation):
    message = MessageFactory.create(conversation=conversation)
    assert_envelope(api.get(f"/api/v1/messages/{message.pk}/media/"), 404, "not_found")


def test_media_whose_file_is_gone_is_not_found(api, conversation, media_root):
    attachment = AttachmentFactory.create(message__conversation=conversation, ready=True)
    (media_root / attachment.file.name).unlink()
    assert_envelope(api.get(f"/api/v1/messages/{attachment.message_id}/media/"), 404, "not_found")


def test_another_tenants_media_is_not_found(api, other_tenant, media_root):
    theirs = AttachmentFactory.create(message__conversation__channel__tenant=other_tenant.tenant, ready=True)
    response = api.get(f"/api/v1/messages/{theirs.message_id}/media/")
    assert_envelope(response, 404, "not_found")
    assert b"tiny jpeg" not in response.content


# Contacts -------------------------------------------------------------------------------------


def test_contact_list_shape_newest_first(api, world):
    older = ContactFactory.create(tenant=world.tenant, name="", profile_name="Ana", created_at=T0, updated_at=T0)
    newer = ContactFactory.create(
        tenant=world.tenant,
        name="Bruno (wholesale)",
        profile_name="Bruno",
        wa_id="5511987654321",
        phone="+5511987654321",
        created_at=T0,
        updated_at=T0 + timedelta(days=1),
    )
    body = api.get("/api/v1/contacts/").json()
    assert body["next"] is None
    assert [c["id"] for c in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0] == {
        "id": newer.pk,
        "name": "Bruno (wholesale)",
        "profile_name": "Bruno",
        "phone": "+5511987654321",
        "wa_id": "5511987654321",
        "attributes": {},
        "created_at": "2025-03-01T12:00:00Z",
        "updated_at": "2025-03-02T12:00:00Z",
        "consent": {
            "opted_in": False,
            "opted_out_all": False,
            "opted_out_marketing": False,
            "opted_in_at": None,
            "opted_out_at": None,
            "last_change_at": None,
        },
    }
    assert body["results"][1]["name"] == "Ana"


def test_contacts_are_paginated_with_next(api, world):
    created = [ContactFactory.create(tenant=world.tenant) for _ in range(3)]
    first = api.get("/api/v1/contacts/?page_size=2").json()
    second = api.get(first["next"]).json()
    assert second["next"] is None
    assert [c["id"] for c in first["results"] + second["results"]] == [c.pk for c in reversed(created)]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("maria", ["maria"]),
        ("LOPEZ", ["maria"]),
        ("kiko", ["kiko"]),  # the profile name
        ("+34 600", ["kiko"]),  # the phone, typed with spaces
        ("4915", ["maria"]),
        ("  ", ["kiko", "maria", "zed"]),
        ("nobody", []),
    ],
)
def test_contact_search(api, world, search, expected):
    contacts = {
        "maria": ContactFactory.create(tenant=world.tenant, name="Maria Lopez", profile_name="M", wa_id="4915123"),
        "kiko": ContactFactory.create(tenant=world.tenant, name="", profile_name="Kiko", wa_id="34600111222"),
        "zed": ContactFactory.create(tenant=world.tenant, name="Zed", profile_name="", wa_id="1202555"),
    }
    names = {contact.pk: key for key, contact in contacts.items()}
    found = ids(api.get(f"/api/v1/contacts/?search={quote(search)}"))
    assert sorted(names[pk] for pk in found) == expected


def test_too_long_search_is_a_validation_error(api):
    response = api.get(f"/api/v1/contacts/?search={'a' * 101}")
    assert_envelope(response, 400, "validation_error")
    assert response.json()["error"]["message"].startswith("search:")


def test_contact_list_never_shows_another_tenants(api, world, other_tenant):
    mine = ContactFactory.create(tenant=world.tenant, name="Globex fan")
    ContactFactory.create(tenant=other_tenant.tenant, name="Globex buyer")
    assert ids(api.get("/api/v1/contacts/?search=globex")) == [mine.pk]


# Every route ----------------------------------------------------------------------------------

ROUTES = [
    "/api/v1/conversations/",
    "/api/v1/conversations/1/",
    "/api/v1/conversations/1/messages/",
    "/api/v1/messages/1/media/",
    "/api/v1/contacts/",
]


@pytest.mark.parametrize("url", ROUTES)
def test_routes_need_an_api_key(db, url):
    assert_envelope(APIClient().get(url), 401, "not_authenticated")


# Contacts and a conversation's messages take POSTs (a new contact, a message sent).
@pytest.mark.parametrize(
    "url", [url for url in ROUTES if url not in {"/api/v1/contacts/", "/api/v1/conversations/1/messages/"}]
)
def test_routes_are_read_only(api, url):
    assert_envelope(api.post(url, {}, format="json"), 405, "method_not_allowed")


def test_schema_documents_the_inbox_routes(db):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/conversations/",
        "/api/v1/conversations/{conversation_id}/",
        "/api/v1/conversations/{conversation_id}/messages/",
        "/api/v1/messages/{message_id}/media/",
        "/api/v1/contacts/",
    ):
        assert "get" in paths[path], path
    parameters = {p["name"] for p in paths["/api/v1/conversations/"]["get"]["parameters"]}
    assert {"status", "assignee", "updated_since", "channel", "cursor", "page_size"} <= parameters
    message = schema["components"]["schemas"]["MessageOutput"]["properties"]
    assert set(message) == {
        "id", "conversation", "direction", "type", "text", "media", "template", "status", "error",
        "provider_message_id", "reply_to", "reactions", "content", "created_at", "raw",
    }  # fmt: skip
