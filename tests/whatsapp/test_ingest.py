"""Webhook events become contacts, conversations, messages and receipts: every type, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.consent import DEFAULT_OPT_OUT_CONFIRMATION
from inbox.models import (
    Attachment,
    AttachmentState,
    ConsentEvent,
    Contact,
    Conversation,
    ConversationStatus,
    Message,
    MessageStatus,
    OutboxEntry,
    Reaction,
    StatusUpdate,
    TenantEvent,
)
from inbox.services.inbound import receipts_apply
from tests.inbox.factories import MessageFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.models import DeadLetter, PlatformUpdate, WebhookEvent, WebhookEventState, WhatsAppNumber
from whatsapp.services import ingest

pytestmark = pytest.mark.django_db


def deliver(*names_or_bodies: str | bytes) -> None:
    """POST each payload signed through the real view, then drain as a worker would."""
    for item in names_or_bodies:
        body = payloads.raw(item) if isinstance(item, str) else item
        assert post_webhook(body).status_code == 200
    ingest.drain()


def messages(world) -> list[Message]:
    with tenant_scope(world.tenant):
        return list(Message.objects.order_by("sent_at", "id"))


def only_message(world) -> Message:
    found = messages(world)
    assert len(found) == 1, found
    return found[0]


def test_text_creates_contact_conversation_and_message(world, number):
    deliver("text")
    message = only_message(world)
    with tenant_scope(world.tenant):
        contact = Contact.objects.get()
        conversation = Conversation.objects.get()
    assert (contact.wa_id, contact.profile_name, contact.whatsapp_user_id, contact.phone) == (
        payloads.CUSTOMER_WA_ID,
        payloads.CUSTOMER_NAME,
        payloads.CUSTOMER_USER_ID,
        "+" + payloads.CUSTOMER_WA_ID,
    )
    assert message.provider_message_id == payloads.TEXT_WAMID
    assert (message.direction, message.type, message.status) == ("in", "text", "received")
    assert message.text == payloads.messages_in(payloads.load("text"))[0]["text"]["body"]
    assert message.conversation_id == conversation.pk
    assert conversation.channel_id == number.channel_id
    assert conversation.last_inbound_at == message.sent_at
    assert conversation.unread_count == 1
    assert WebhookEvent.objects.get().state == WebhookEventState.PROCESSED


EXPECTED_TYPES = {
    "text_referral": ("text", None),
    "image": ("image", "image"),
    "video": ("video", "video"),
    "audio_voice": ("audio", "audio"),
    "document": ("document", "document"),
    "sticker_animated": ("sticker", "sticker"),
    "location_place": ("location", None),
    "location_pin": ("location", None),
    "contacts_shared": ("contacts", None),
    "interactive_button_reply": ("interactive", None),
    "interactive_list_reply": ("interactive", None),
    "interactive_nfm_reply": ("interactive", None),
    "button_template_quick_reply": ("button", None),
    "order": ("order", None),
    "system_user_changed_number": ("system", None),
    "system_customer_identity_changed": ("system", None),
    "unsupported_poll_update": ("unsupported", None),
    "unsupported_unavailable_131060": ("unsupported", None),
    "unknown_type_hologram": ("unsupported", None),
    "reply": ("text", None),
    "forwarded": ("text", None),
    "frequently_forwarded": ("text", None),
    "referred_product": ("text", None),
    "text_no_contacts": ("text", None),
    "unknown_fields_everywhere": ("text", None),
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED_TYPES.items()))
def test_every_message_type_is_stored_never_dropped(world, number, name, expected):
    message_type, media_kind = expected
    deliver(name)
    message = only_message(world)
    raw = payloads.messages_in(payloads.load(name))[0]
    assert message.type == message_type
    assert message.provider_message_id == raw["id"]
    assert message.raw == raw
    with tenant_scope(world.tenant):
        attachment = Attachment.objects.filter(message=message).first()
    if media_kind:
        assert attachment is not None
        assert attachment.provider_media_id == raw[media_kind]["id"]
        assert attachment.mime_type == raw[media_kind]["mime_type"]
        assert attachment.state == AttachmentState.PENDING
    else:
        assert attachment is None


def test_captions_filenames_and_locations_are_readable(world, number):
    deliver("image", "document", "location_place", "contacts_shared", "interactive_list_reply")
    by_type = {m.type: m for m in messages(world)}
    image = payloads.messages_in(payloads.load("image"))[0]["image"]
    document = payloads.messages_in(payloads.load("document"))[0]["document"]
    location = payloads.messages_in(payloads.load("location_place"))[0]["location"]
    reply = payloads.messages_in(payloads.load("interactive_list_reply"))[0]["interactive"]["list_reply"]
    assert by_type["image"].text == image["caption"]
    assert by_type["document"].text == document["caption"]
    with tenant_scope(world.tenant):
        assert Attachment.objects.get(message=by_type["document"]).filename == document["filename"]
    assert by_type["location"].content["latitude"] == location["latitude"]
    assert by_type["location"].text == location["name"]
    assert by_type["contacts"].content["contacts"]
    assert by_type["interactive"].text == reply["title"]
    assert by_type["interactive"].content["id"] == reply["id"]


def test_unsupported_keeps_the_raw_type(world, number):
    deliver("unknown_type_hologram")
    assert only_message(world).content["unsupported_type"] == "hologram"


def test_referral_is_kept_and_opens_the_free_entry_point_window(world, number):
    deliver("text_referral")
    message = only_message(world)
    assert message.referral["source_type"] == "ad"
    with tenant_scope(world.tenant):
        conversation = Conversation.objects.get()
    assert conversation.entry_point_expires_at == message.sent_at + timedelta(hours=72)


def test_reply_links_the_quoted_message_when_known(world, number):
    quoted = payloads.messages_in(payloads.load("reply"))[0]["context"]["id"]
    first = payloads.envelope(messages=[payloads.text_message(wamid=quoted, body="the original")])
    deliver("reply", payloads.to_bytes(first))  # the reply arrives first: linked when the original comes
    by_id = {m.provider_message_id: m for m in messages(world)}
    reply = by_id[payloads.messages_in(payloads.load("reply"))[0]["id"]]
    assert reply.reply_to_id == by_id[quoted].pk
    assert reply.reply_to_provider_id == quoted


def test_reply_to_an_unknown_message_keeps_its_id(world, number):
    deliver("reply")
    message = only_message(world)
    assert message.reply_to_id is None
    assert message.reply_to_provider_id


def test_forwarded_flags(world, number):
    deliver("forwarded", "frequently_forwarded")
    flags = {(m.is_forwarded, m.is_frequently_forwarded) for m in messages(world)}
    assert flags == {(True, False), (False, True)}


def test_duplicate_delivery_stores_one_message(world, number):
    deliver("text", "text", "text")
    assert len(messages(world)) == 1
    assert WebhookEvent.objects.filter(state=WebhookEventState.PROCESSED).count() == 3
    with tenant_scope(world.tenant):
        assert Conversation.objects.get().unread_count == 1


def test_several_messages_changes_and_entries_in_one_post(world, number):
    connect_number(world, phone_number_id=payloads.SECOND_PHONE_NUMBER_ID, display_phone_number="15550783999")
    deliver("batch_messages", "batch_changes", "batch_entries")
    expected = {
        m["id"]
        for name in ("batch_messages", "batch_changes", "batch_entries")
        for m in payloads.messages_in(payloads.load(name))
    }
    assert {m.provider_message_id for m in messages(world)} == expected


def test_one_malformed_item_goes_to_the_dead_letters_and_the_rest_is_stored(world, number):
    deliver("batch_one_malformed")
    raw_messages = payloads.messages_in(payloads.load("batch_one_malformed"))
    good = {m["id"] for m in raw_messages if "id" in m and (m.get("type") != "text" or "text" in m)}
    assert {m.provider_message_id for m in messages(world)} == good
    letters = list(DeadLetter.objects.all())
    assert len(letters) == len(raw_messages) - len(good)
    assert all(letter.tenant_id == world.tenant.pk and letter.error for letter in letters)
    assert WebhookEvent.objects.get().state == WebhookEventState.PROCESSED


def test_statuses_move_forward_only_and_failed_carries_a_reason(world, number):
    outbound = _outbound_message(world)
    deliver("status_read", "status_delivered", "status_sent")  # read first: never goes back
    outbound.refresh_from_db()
    assert outbound.status == MessageStatus.READ
    with tenant_scope(world.tenant):
        assert StatusUpdate.objects.filter(applied_at__isnull=False).count() == 3
        sent = StatusUpdate.objects.get(status="sent")
    assert sent.pricing["pricing_model"] == "PMP"


def test_failed_status_stores_code_and_a_human_sentence(world, number):
    failed_id = payloads.statuses_in(payloads.load("status_failed_131047"))[0]["id"]
    outbound = _outbound_message(world, provider_message_id=failed_id)
    deliver("status_failed_131047")
    outbound.refresh_from_db()
    assert outbound.status == MessageStatus.FAILED
    assert outbound.error["code"] == 131047
    assert "24 hours" in outbound.error["message"]


def test_status_before_its_message_is_applied_when_the_message_appears(world, number):
    deliver("status_delivered")
    with tenant_scope(world.tenant):
        receipt = StatusUpdate.objects.get()
    assert receipt.applied_at is None
    outbound = _outbound_message(world)
    with tenant_scope(world.tenant):
        applied, changed = receipts_apply(
            tenant_id=world.tenant.pk, provider_message_ids=[outbound.provider_message_id], now=timezone.now()
        )
    assert (applied, [m.pk for m in changed]) == (1, [outbound.pk])
    outbound.refresh_from_db()
    assert outbound.status == MessageStatus.DELIVERED


def test_duplicate_receipts_are_stored_once(world, number):
    _outbound_message(world)
    deliver("status_sent", "status_sent")
    with tenant_scope(world.tenant):
        assert StatusUpdate.objects.count() == 1


def test_reactions_attach_to_their_message_and_removal_removes(world, number):
    target = _outbound_message(world, provider_message_id=payloads.BUSINESS_WAMID)
    deliver("reaction")
    with tenant_scope(world.tenant):
        reaction = Reaction.objects.get()
    assert reaction.message_id == target.pk
    assert reaction.emoji == payloads.messages_in(payloads.load("reaction"))[0]["reaction"]["emoji"]
    deliver("reaction_removed")
    with tenant_scope(world.tenant):
        assert not Reaction.objects.exists()


def test_number_change_moves_the_contact_to_the_new_wa_id(world, number):
    deliver("text", "system_user_changed_number")
    with tenant_scope(world.tenant):
        contact = Contact.objects.get()
    assert contact.wa_id == payloads.CHANGED_WA_ID


def test_a_resolved_conversation_is_not_reopened_a_new_one_starts(world, number):
    deliver("text")
    with tenant_scope(world.tenant):
        Conversation.objects.update(status=ConversationStatus.RESOLVED)
    deliver(payloads.to_bytes(payloads.envelope(messages=[payloads.text_message(body="me again")])))
    with tenant_scope(world.tenant):
        statuses = list(Conversation.objects.order_by("id").values_list("status", flat=True))
    assert statuses == ["resolved", "open"]


def test_a_snoozed_conversation_wakes_up(world, number):
    deliver("text")
    with tenant_scope(world.tenant):
        Conversation.objects.update(status=ConversationStatus.SNOOZED)
    deliver(payloads.to_bytes(payloads.envelope(messages=[payloads.text_message(body="hello?")])))
    with tenant_scope(world.tenant):
        assert list(Conversation.objects.values_list("status", flat=True)) == ["open"]


def test_unknown_number_waits_and_is_processed_when_connected(world, django_capture_on_commit_callbacks):
    deliver("unknown_phone_number_id")
    assert WebhookEvent.objects.get().state == WebhookEventState.UNROUTABLE
    with django_capture_on_commit_callbacks(execute=True):
        connect_number(world, phone_number_id=payloads.UNKNOWN_PHONE_NUMBER_ID, display_phone_number="15550199999")
    ingest.drain()
    assert WebhookEvent.objects.get().state == WebhookEventState.PROCESSED
    assert len(messages(world)) == 1


def test_account_updates_are_kept_for_their_owner(world, number):
    deliver("template_status_approved", "user_preferences_stop", "phone_number_quality_update")
    with tenant_scope(world.tenant):
        fields = sorted(PlatformUpdate.objects.values_list("field", flat=True))
    assert fields == ["message_template_status_update", "phone_number_quality_update", "user_preferences"]


def test_events_are_numbered_per_tenant(world, number):
    deliver("text", "image")
    with tenant_scope(world.tenant):
        events = list(TenantEvent.objects.order_by("seq").values_list("seq", "type"))
    assert [seq for seq, _type in events] == list(range(1, len(events) + 1))
    assert [t for _seq, t in events].count("message.created") == 2


def test_a_batch_of_1000_messages_is_stored_completely(world, number):
    body = payloads.to_bytes(payloads.batch_of_text_messages(1000))
    deliver(body)
    assert len(messages(world)) == 1000
    with tenant_scope(world.tenant):
        assert Conversation.objects.count() == Contact.objects.count()


def test_other_tenants_see_nothing(world, other_tenant, number):
    connect_number(other_tenant, phone_number_id=payloads.SECOND_PHONE_NUMBER_ID)
    deliver("text")
    with tenant_scope(other_tenant.tenant):
        assert not Message.objects.exists()
        assert not TenantEvent.objects.exists()


def test_an_envelope_without_entries_is_processed_as_empty(world, number):
    deliver(b'{"object": "whatsapp_business_account", "entry": "not a list"}')
    assert WebhookEvent.objects.get().state == WebhookEventState.PROCESSED
    assert messages(world) == []


def test_a_failing_event_is_retried_later_and_does_not_block_the_others(world, number):
    # Stored behind the view's back, so it can be what the view never lets through.
    poison = WebhookEvent.objects.create(body="{not json", phone_number_ids=[payloads.PHONE_NUMBER_ID])
    assert post_webhook(payloads.raw("text")).status_code == 200
    ingest.drain()
    poison.refresh_from_db()
    assert poison.state == WebhookEventState.PENDING
    assert poison.attempts == 1
    assert "JSONDecodeError" in poison.last_error
    assert poison.next_attempt_at > timezone.now()
    assert len(messages(world)) == 1
    for attempt in range(2, ingest.MAX_ATTEMPTS + 1):
        ingest.process_next_batch(now=poison.next_attempt_at + timedelta(seconds=1))
        poison.refresh_from_db()
        assert poison.attempts == attempt
    assert poison.state == WebhookEventState.FAILED


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_store_a_duplicated_message_once(world, number):
    for _ in range(6):
        assert post_webhook(payloads.raw("text")).status_code == 200
    errors: list[BaseException] = []

    def work() -> None:
        try:
            # Two events each: the events another worker holds are skipped, not waited for.
            ingest.process_next_batch(limit=2)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    ingest.drain()
    assert len(messages(world)) == 1
    assert WebhookEvent.objects.filter(state=WebhookEventState.PROCESSED).count() == 6


def _outbound_message(world, *, provider_message_id: str = payloads.TEXT_WAMID) -> Message:
    """A message we sent on the world's number (the fixture receipts refer to TEXT_WAMID)."""
    with tenant_scope(world.tenant):
        channel = WhatsAppNumber.objects.get(phone_number_id=payloads.PHONE_NUMBER_ID).channel
    return MessageFactory.create(
        conversation__channel=channel,
        direction="out",
        status=MessageStatus.SENT,
        provider_message_id=provider_message_id,
    )


def text_from_customer(body: str) -> bytes:
    return payloads.to_bytes(payloads.envelope(messages=[payloads.text_message(body=body)]))


def consent_kinds(world) -> list[tuple[str, str, str]]:
    with tenant_scope(world.tenant):
        return list(ConsentEvent.objects.order_by("id").values_list("kind", "scope", "source"))


def test_an_opt_out_keyword_opts_out_and_queues_the_confirmation(world, number):
    deliver(text_from_customer(" Stop! "))
    assert consent_kinds(world) == [("opt_out", "all", "keyword")]
    with tenant_scope(world.tenant):
        confirmation = Message.objects.get(direction="out")
        assert OutboxEntry.objects.get().message == confirmation
        types = list(TenantEvent.objects.values_list("type", flat=True))
    assert confirmation.text == DEFAULT_OPT_OUT_CONFIRMATION
    assert "contact.opted_out" in types


@pytest.mark.parametrize("body", ["please don't stop", "stopping by tomorrow", "where is my order?"])
def test_other_messages_are_not_opt_outs(world, number, body):
    deliver(text_from_customer(body))
    assert consent_kinds(world) == []


def test_whatsapps_marketing_preference_is_recorded(world, number):
    deliver("user_preferences_stop")
    assert consent_kinds(world) == [("opt_out", "marketing", "whatsapp_preference")]
    deliver("user_preferences_resume")
    assert consent_kinds(world)[-1] == ("opt_in", "marketing", "whatsapp_preference")
    with tenant_scope(world.tenant):
        assert not PlatformUpdate.objects.filter(field="user_preferences", handled_at__isnull=True).exists()


def test_account_updates_without_an_owner_yet_wait_unhandled(world, number):
    deliver("phone_number_quality_update")
    with tenant_scope(world.tenant):
        assert PlatformUpdate.objects.get().handled_at is None


def test_the_first_signed_webhook_of_a_number_is_noted_once(world, number):
    assert number.first_webhook_at is None
    deliver("text")
    number.refresh_from_db()
    first = number.first_webhook_at
    assert first == WebhookEvent.objects.get().received_at

    deliver("status_delivered")
    number.refresh_from_db()
    assert number.first_webhook_at == first


def test_a_webhook_of_another_number_or_with_a_bad_signature_ticks_nothing(world, number):
    other = payloads.envelope(messages=[payloads.text_message()], phone_number_id=payloads.UNKNOWN_PHONE_NUMBER_ID)
    deliver(payloads.to_bytes(other))
    assert post_webhook(payloads.raw("text"), secret="not-the-app-secret").status_code == 403
    ingest.drain()
    number.refresh_from_db()
    assert number.first_webhook_at is None
