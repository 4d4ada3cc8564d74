"""Storing what customers send and what the provider reports, a batch at a time, exactly once.

A channel plug-in turns its webhooks into IncomingMessage and IncomingReceipt values
(inbox.incoming) and calls
`inbound_store` for one tenant. In one transaction, under the tenant's event lock (which also
serialises concurrent batches of the same tenant), it upserts contacts, finds or opens
conversations, stores each new message once (a provider id already stored is a duplicate
delivery and is skipped), attaches reactions and replies, applies receipts monotonically,
and emits the events open inboxes need.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from accounts.crypto import refresh_derived_columns
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox import policy
from inbox.automation.services import automation_schedule
from inbox.incoming import IncomingMessage, IncomingReceipt
from inbox.models import (
    MEDIA_TYPES,
    Attachment,
    ConsentKind,
    ConsentScope,
    ConsentSource,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    StatusUpdate,
)
from inbox.policy import matches_opt_out_keyword
from inbox.presenters import conversation_event, message_event, status_event
from inbox.selectors import consent_settings, with_wa_id
from inbox.services.assignment import auto_assign_opened
from inbox.services.bulk import update_rows
from inbox.services.consent import consent_record, opt_in_requests_confirm
from inbox.services.events import Event, events_emit, lock_tenant_events
from inbox.services.outbound import send_message
from inbox.services.reactions import reaction_send_failed, reaction_set

logger = logging.getLogger(__name__)

# A customer who came from a click-to-WhatsApp ad gets a free entry point window this long.
ENTRY_POINT_WINDOW = timedelta(hours=72)


@dataclass
class InboundResult:
    created_message_ids: list[int] = field(default_factory=list)
    duplicate_count: int = 0
    attachment_ids: list[int] = field(default_factory=list)
    receipts_stored: int = 0
    receipts_applied: int = 0


@transaction.atomic
def inbound_store(
    *,
    tenant_id: int,
    messages: Sequence[IncomingMessage],
    receipts: Sequence[IncomingReceipt] = (),
    now: datetime,
) -> InboundResult:
    assert all(m.channel_id for m in messages), "route every message to its channel first"
    sequence = lock_tenant_events(tenant_id)
    result = InboundResult()
    events: list[Event] = []

    new_messages = _new_messages(tenant_id, messages, result)
    stored: list[tuple[Message, IncomingMessage]] = []
    if new_messages:
        contacts = _upsert_contacts(tenant_id, new_messages, now)
        conversations, opened = _open_conversations(tenant_id, new_messages, contacts, now)
        assignment_events = auto_assign_opened(tenant_id=tenant_id, conversations=opened, now=now)
        stored = _store_messages(tenant_id, new_messages, contacts, conversations, now)
        result.created_message_ids = [m.pk for m, _incoming in stored]
        result.attachment_ids = _create_attachments(tenant_id, stored)
        events += [Event("message.created", message_event(m)) for m, _incoming in stored]
        events += _apply_reactions(tenant_id, stored)
        _apply_number_changes(tenant_id, stored, now)
        touched = _touch_conversations(tenant_id, stored, now)
        events += [Event("conversation.updated", conversation_event(c)) for c in touched]
        events += assignment_events
    if receipts:
        result.receipts_stored = _store_receipts(tenant_id, receipts, now)
    result.receipts_applied, changed = receipts_apply(
        tenant_id=tenant_id, provider_message_ids={r.provider_message_id for r in receipts}, now=now
    )
    events += status_change_events(changed)
    opt_out_events, confirmations = _honour_opt_out_keywords(tenant_id, stored)
    opt_in_requests_confirm(tenant_id=tenant_id, messages=[m for m, _incoming in stored])
    events_emit(sequence=sequence, events=events + opt_out_events)
    _confirm_opt_outs(confirmations, now=now)
    automation_schedule(tenant_id=tenant_id, message_ids=result.created_message_ids)
    return result


def _honour_opt_out_keywords(
    tenant_id: int, stored: Sequence[tuple[Message, IncomingMessage]]
) -> tuple[list[Event], list[tuple[Conversation, str]]]:
    """A message that is just an opt-out keyword opts the customer out (a quick-reply button: of
    marketing; a text: of everything). Returns the events, and the confirmations to send."""
    candidates = [m for m, _incoming in stored if m.type in (MessageType.TEXT, MessageType.BUTTON) and m.text]
    if not candidates:
        return [], []
    keywords = consent_settings(tenant=tenant_id)
    events, confirmations = [], []
    for message in candidates:
        # A quick-reply button opts out by its label or by the payload the template gave it.
        said = [message.text, str(message.content.get("payload", ""))]
        keyword = next((k for text in said if (k := matches_opt_out_keyword(text, keywords.opt_out_keywords))), None)
        if keyword is None:
            continue
        conversation = message.conversation
        scope = ConsentScope.MARKETING if message.type == MessageType.BUTTON else ConsentScope.ALL
        consent_record(
            tenant_id=tenant_id,
            contact=conversation.contact,
            kind=ConsentKind.OPT_OUT,
            scope=scope,
            source=ConsentSource.KEYWORD,
            proof=f"“{message.text}” (message {message.provider_message_id})",
            actor=None,
            occurred_at=message.sent_at,
        )
        events.append(
            Event(
                "contact.opted_out",
                {
                    "contact_id": conversation.contact_id,
                    "conversation_id": conversation.pk,
                    "message_id": message.pk,
                    "scope": scope,
                    "keyword": keyword,
                },
            )
        )
        if keywords.opt_out_confirmation:
            confirmations.append((conversation, keywords.opt_out_confirmation))
    return events, confirmations


def _confirm_opt_outs(confirmations: list[tuple[Conversation, str]], *, now: datetime) -> None:
    """Tell the customer the opt-out is recorded: a reply inside the window they just opened."""
    for conversation, text in confirmations:
        actor = Actor(tenant_id=conversation.tenant_id, role=Role.ADMIN)
        try:
            send_message(
                conversation=conversation, payload={"type": "text", "text": {"body": text}}, actor=actor, now=now
            )
        except ServiceError as error:  # e.g. the number is disabled: the opt-out itself stands
            logger.warning("opt-out confirmation not sent in conversation %s: %s", conversation.pk, error.message)


def _new_messages(tenant_id: int, messages: Sequence[IncomingMessage], result: InboundResult) -> list[IncomingMessage]:
    """The messages not stored yet, each once, oldest first."""
    unique = {m.provider_message_id: m for m in reversed(messages)}  # first delivery wins
    known = set(
        Message.objects.for_tenant(tenant_id)
        .filter(provider_message_id__in=list(unique))
        .values_list("provider_message_id", flat=True)
    )
    fresh = [m for pid, m in unique.items() if pid not in known]
    result.duplicate_count = len(messages) - len(fresh)
    return sorted(fresh, key=lambda m: (m.sent_at, m.provider_message_id))


def _upsert_contacts(tenant_id: int, messages: Sequence[IncomingMessage], now: datetime) -> dict[str, Contact]:
    """Contacts by wa_id: created when new; profile name and user id refreshed from the newest message."""
    latest: dict[str, IncomingMessage] = {}
    for message in messages:
        latest[message.wa_id] = message
    contacts = {
        c.wa_id: c for c in Contact.objects.for_tenant(tenant_id).filter(with_wa_id(*latest, tenant_id=tenant_id))
    }
    missing = [
        Contact(
            tenant_id=tenant_id,
            wa_id=wa_id,
            phone=f"+{wa_id}" if wa_id.isdigit() else "",
            profile_name=m.profile_name,
            whatsapp_user_id=m.user_id,
            created_at=now,
            updated_at=now,
        )
        for wa_id, m in latest.items()
        if wa_id not in contacts
    ]
    for contact in Contact.objects.for_tenant(tenant_id).bulk_create(missing):
        contacts[contact.wa_id] = contact
    changed = []
    for wa_id, message in latest.items():
        contact = contacts[wa_id]
        profile_name = message.profile_name or contact.profile_name
        user_id = message.user_id or contact.whatsapp_user_id
        if (profile_name, user_id) != (contact.profile_name, contact.whatsapp_user_id):
            contact.profile_name, contact.whatsapp_user_id, contact.updated_at = profile_name, user_id, now
            changed.append(contact)
    if changed:
        derived = next(iter([refresh_derived_columns(contact) for contact in changed]))
        with tenant_scope(tenant_id):  # bulk_update encrypts with the scope's key
            Contact.objects.for_tenant(tenant_id).bulk_update(
                changed, ["profile_name", "whatsapp_user_id", "updated_at", *derived]
            )
    return contacts


def _open_conversations(
    tenant_id: int, messages: Sequence[IncomingMessage], contacts: dict[str, Contact], now: datetime
) -> tuple[dict[tuple[int, int], Conversation], list[Conversation]]:
    """The unresolved conversation of each (channel, contact) pair, opened when there is none;
    and the ones opened.

    A resolved conversation stays resolved: a new message starts a new conversation, so each
    one is a piece of work with its own assignee, status and history.
    """
    pairs = {(m.channel_id, contacts[m.wa_id].pk) for m in messages}
    candidates = Conversation.objects.for_tenant(tenant_id).filter(
        channel_id__in={channel for channel, _contact in pairs}, contact_id__in={contact for _channel, contact in pairs}
    )
    conversations = {
        (c.channel_id, c.contact_id): c
        for c in candidates.exclude(status=ConversationStatus.RESOLVED)
        if (c.channel_id, c.contact_id) in pairs
    }
    missing = [
        Conversation(tenant_id=tenant_id, channel_id=channel_id, contact_id=contact_id, created_at=now, updated_at=now)
        for channel_id, contact_id in sorted(pairs - set(conversations))
    ]
    opened = Conversation.objects.for_tenant(tenant_id).bulk_create(missing)
    for conversation in opened:
        conversations[(conversation.channel_id, conversation.contact_id)] = conversation
    return conversations, opened


def _store_messages(
    tenant_id: int,
    messages: Sequence[IncomingMessage],
    contacts: dict[str, Contact],
    conversations: dict[tuple[int, int], Conversation],
    now: datetime,
) -> list[tuple[Message, IncomingMessage]]:
    reply_targets = _messages_by_provider_id(tenant_id, {m.reply_to_provider_id for m in messages} - {""})
    rows = []
    for incoming in messages:
        conversation = conversations[(incoming.channel_id, contacts[incoming.wa_id].pk)]
        target = reply_targets.get(incoming.reply_to_provider_id)
        rows.append(
            Message(
                tenant_id=tenant_id,
                conversation=conversation,
                direction=Direction.INBOUND,
                type=incoming.type,
                text=incoming.text,
                content=incoming.content,
                raw=incoming.raw,
                provider_message_id=incoming.provider_message_id,
                status=MessageStatus.RECEIVED,
                reply_to_id=target.pk if target else None,
                reply_to_provider_id=incoming.reply_to_provider_id,
                is_forwarded=incoming.is_forwarded,
                is_frequently_forwarded=incoming.is_frequently_forwarded,
                referral=incoming.referral,
                sent_at=incoming.sent_at,
                created_at=now,
            )
        )
    created = Message.objects.for_tenant(tenant_id).bulk_create(rows)
    stored = list(zip(created, messages, strict=True))
    _link_waiting_replies(tenant_id, {m.provider_message_id: m for m, _incoming in stored})
    return stored


def _link_waiting_replies(tenant_id: int, new_by_provider_id: dict[str | None, Message]) -> None:
    """Replies stored before the message they quote (this batch, or delivered out of order) get linked."""
    waiting = list(
        Message.objects.for_tenant(tenant_id).filter(
            reply_to__isnull=True, reply_to_provider_id__in=[pid for pid in new_by_provider_id if pid]
        )
    )
    for reply in waiting:
        reply.reply_to = new_by_provider_id[reply.reply_to_provider_id]
    if waiting:
        Message.objects.for_tenant(tenant_id).bulk_update(waiting, ["reply_to"])


def _messages_by_provider_id(tenant_id: int, provider_ids: Iterable[str]) -> dict[str, Message]:
    ids = list(provider_ids)
    if not ids:
        return {}
    return {
        m.provider_message_id: m
        for m in Message.objects.for_tenant(tenant_id).filter(provider_message_id__in=ids)
        if m.provider_message_id
    }


def _create_attachments(tenant_id: int, stored: Sequence[tuple[Message, IncomingMessage]]) -> list[int]:
    rows = [
        Attachment(
            tenant_id=tenant_id,
            message=message,
            provider_media_id=incoming.media.provider_media_id,
            mime_type=incoming.media.mime_type,
            sha256=incoming.media.sha256,
            filename=incoming.media.filename,
        )
        for message, incoming in stored
        if incoming.media is not None and message.type in MEDIA_TYPES
    ]
    return [a.pk for a in Attachment.objects.for_tenant(tenant_id).bulk_create(rows)]


def _apply_reactions(tenant_id: int, stored: Sequence[tuple[Message, IncomingMessage]]) -> list[Event]:
    """A customer's reaction replaces their earlier one on the same message; an empty emoji removes it.

    Reactions are applied in the order the customer made them; one older than the reaction
    already recorded (a late duplicate path) changes nothing.
    """
    reactions = [m for m, _incoming in stored if m.type == MessageType.REACTION]
    if not reactions:
        return []
    targets = _messages_by_provider_id(tenant_id, {m.content["target_provider_id"] for m in reactions})
    events = []
    for reaction in reactions:
        target = targets.get(reaction.content["target_provider_id"])
        if target is None:
            continue  # a message we never stored (sent outside this product): the reaction row is kept
        event = reaction_set(
            target=target,
            direction=Direction.INBOUND,
            emoji=reaction.content["emoji"],
            reacted_at=reaction.sent_at,
            provider_message_id=reaction.provider_message_id or "",
        )
        if event is not None:
            events.append(event)
    return events


def _touch_conversations(
    tenant_id: int, stored: Sequence[tuple[Message, IncomingMessage]], now: datetime
) -> list[Conversation]:
    """Move each conversation's clocks forward: last message, the customer's window, unread count."""
    by_conversation: dict[int, list[tuple[Message, IncomingMessage]]] = defaultdict(list)
    for message, incoming in stored:
        by_conversation[message.conversation_id].append((message, incoming))
    touched = []
    for pairs in by_conversation.values():
        conversation = pairs[0][0].conversation
        newest = max(m.sent_at for m, _incoming in pairs)
        conversation.last_message_at = max(filter(None, [conversation.last_message_at, newest]))
        conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, newest]))
        referrals = [m.sent_at for m, incoming in pairs if incoming.referral]
        if referrals:
            conversation.entry_point_expires_at = max(referrals) + ENTRY_POINT_WINDOW
        conversation.unread_count += sum(1 for m, _incoming in pairs if m.type != MessageType.REACTION)
        conversation.window_notice = ""  # the customer wrote: a fresh window
        if conversation.status in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
            conversation.status = ConversationStatus.OPEN  # the customer wrote again: it needs an answer
            conversation.snoozed_until = None
        conversation.updated_at = now
        touched.append(conversation)
    update_rows(
        Conversation,
        touched,
        [
            "last_message_at",
            "last_inbound_at",
            "entry_point_expires_at",
            "unread_count",
            "status",
            "snoozed_until",
            "window_notice",
            "updated_at",
        ],
        tenant_id=tenant_id,
    )
    return touched


def _store_receipts(tenant_id: int, receipts: Sequence[IncomingReceipt], now: datetime) -> int:
    """Keep each receipt once (per message and status); returns how many were new."""
    unique = {(r.provider_message_id, r.status): r for r in reversed(receipts)}
    known = set(
        StatusUpdate.objects.for_tenant(tenant_id)
        .filter(provider_message_id__in={pid for pid, _status in unique})
        .values_list("provider_message_id", "status")
    )
    rows = [
        StatusUpdate(
            tenant_id=tenant_id,
            provider_message_id=r.provider_message_id,
            status=r.status,
            occurred_at=r.occurred_at,
            recipient_id=r.recipient_id,
            errors=r.errors,
            pricing=r.pricing,
            conversation=r.conversation,
            biz_opaque_callback_data=r.biz_opaque_callback_data,
            raw=r.raw,
            created_at=now,
        )
        for key, r in unique.items()
        if key not in known
    ]
    StatusUpdate.objects.for_tenant(tenant_id).bulk_create(rows)
    return len(rows)


def _apply_number_changes(tenant_id: int, stored: Sequence[tuple[Message, IncomingMessage]], now: datetime) -> None:
    """A customer who changed their number keeps their contact (and history) under the new wa_id."""
    for message, incoming in stored:
        if message.type != MessageType.SYSTEM or message.content.get("type") != "user_changed_number":
            continue
        new_wa_id = str(message.content.get("wa_id", ""))
        if (
            not new_wa_id
            or Contact.objects.for_tenant(tenant_id).filter(with_wa_id(new_wa_id, tenant_id=tenant_id)).exists()
        ):
            continue
        contact = Contact.objects.for_tenant(tenant_id).filter(with_wa_id(incoming.wa_id, tenant_id=tenant_id)).first()
        if contact is not None:  # saved, not updated: its search index has the new number's digits
            contact.wa_id, contact.phone = new_wa_id, f"+{new_wa_id}" if new_wa_id.isdigit() else ""
            contact.updated_at = now
            contact.save(update_fields=["wa_id", "phone", "updated_at"])


def status_change_events(changed: Iterable[Message]) -> list[Event]:
    """What clients are told of messages whose status changed; a reaction that failed to send
    also gives its target back the reaction it had."""
    events = []
    for message in changed:
        events.append(Event("message.status", status_event(message)))
        if message.status == MessageStatus.FAILED and (reverted := reaction_send_failed(message)) is not None:
            events.append(reverted)
    return events


def receipts_apply(*, tenant_id: int, provider_message_ids: Iterable[str], now: datetime) -> tuple[int, list[Message]]:
    """Apply the receipts not applied yet to their messages, never moving a status backwards.

    Also called when an outbound message gets its provider id, for receipts that came first.
    Returns how many receipts were applied and the messages whose status changed.
    """
    ids = list(set(provider_message_ids))
    if not ids:
        return 0, []
    pending = list(
        StatusUpdate.objects.for_tenant(tenant_id).filter(provider_message_id__in=ids, applied_at__isnull=True)
    )
    messages = _messages_by_provider_id(tenant_id, {r.provider_message_id for r in pending})
    applicable = [r for r in pending if r.provider_message_id in messages]
    changed: dict[int, Message] = {}
    for receipt in sorted(applicable, key=lambda r: (r.occurred_at, policy.status_rank(r.status))):
        message = messages[receipt.provider_message_id]
        new_status = policy.next_status(current=message.status, reported=receipt.status)
        if new_status != message.status:
            message.status = new_status
            message.status_updated_at = receipt.occurred_at
            if new_status == MessageStatus.FAILED:
                message.error = policy.failure_from_errors(receipt.errors)
            changed[message.pk] = message
    if changed:
        update_rows(Message, list(changed.values()), ["status", "status_updated_at", "error"], tenant_id=tenant_id)
    StatusUpdate.objects.for_tenant(tenant_id).filter(pk__in=[r.pk for r in applicable]).update(applied_at=now)
    return len(applicable), list(changed.values())
