"""What the inbox API reads from requests (filters) and writes in responses, field by field."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inbox.models import (
    Attachment,
    AttachmentState,
    ConsentEvent,
    ConsentKind,
    ConsentScope,
    ConsentSource,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Label,
    MessageStatus,
    MessageType,
    Reaction,
    Team,
)
from inbox.policy import ConsentState, ServiceWindow, customer_service_window
from inbox.search import MAX_SEARCH_LENGTH, InvalidSearch, SearchTerms, search_terms
from inbox.selectors import ThreadEntry

# Largest id PostgreSQL's bigint holds: a larger one can match nothing, and must not reach the database.
MAX_ID = 2**63 - 1

# In a query string an unescaped "+" arrives as a space: "…T09:00:00 02:00" meant "+02:00".
_OFFSET_WITHOUT_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


# Filters -------------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that names its time zone: a naive one is ambiguous, so refused."""

    default_error_messages = {  # noqa: RUF012 (DRF merges this dict over the parent's)
        "naive": "Include the time zone, e.g. 2025-01-31T09:00:00Z or 2025-01-31T10:00:00+01:00.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            value = _OFFSET_WITHOUT_PLUS.sub(r"\1+\2", value.strip())
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None  # the parent reports the format
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class TemplateLanguageInput(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=16)


class TemplateRefInput(serializers.Serializer[Any]):
    """A template named as a template message names it: its name and language code."""

    name = serializers.CharField(max_length=512)
    language = TemplateLanguageInput()


class ConversationFilterInput(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=ConversationStatus.choices, required=False, help_text="Only conversations in this status."
    )
    assignee = serializers.CharField(
        required=False,
        help_text="Only conversations assigned to this user id; `none` for unassigned ones.",
    )
    updated_since = AwareDateTimeField(
        required=False, help_text="Only conversations updated at or after this ISO 8601 time (with time zone)."
    )
    channel = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only conversations of this channel id."
    )

    label = serializers.IntegerField(  # type: ignore[assignment]  # a field named like Field.label
        required=False, min_value=1, max_value=MAX_ID, help_text="Only conversations with this label id."
    )
    team = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only conversations of this team id."
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_SEARCH_LENGTH,
        help_text="Search: every word starts a word of the contact's name or of a message (accents and case "
        "ignored); digits also match anywhere in the phone number.",
    )

    def validate_assignee(self, value: str) -> int | str:
        value = value.strip()
        if value.lower() == "none":
            return "none"
        if re.fullmatch(r"[0-9]{1,19}", value) and 0 < int(value) <= MAX_ID:
            return int(value)
        raise serializers.ValidationError("Give a user id, or `none` for unassigned conversations.")

    # Needs `tenant` in the context: ids of another tenant's labels and teams are unknown here.
    def validate_label(self, value: int) -> int:
        if not Label.objects.for_tenant(self.context["tenant"]).filter(pk=value).exists():
            raise serializers.ValidationError("There is no label with this id.")
        return value

    def validate_team(self, value: int) -> int:
        if not Team.objects.for_tenant(self.context["tenant"]).filter(pk=value).exists():
            raise serializers.ValidationError("There is no team with this id.")
        return value

    def validate_q(self, value: str) -> SearchTerms | None:
        try:
            return search_terms(value)
        except InvalidSearch as error:
            raise serializers.ValidationError(str(error)) from None


class ContactFilterInput(serializers.Serializer[Any]):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Part of the name, WhatsApp profile name or phone number, in any case.",
    )


# Contacts and conversations ------------------------------------------------------------------


class ContactSummaryOutput(serializers.Serializer[Contact]):
    id = serializers.IntegerField()
    name = serializers.CharField(
        source="display_name", help_text="The name to show: the given name, else the profile name, else the phone."
    )
    phone = serializers.CharField(help_text="E.164, e.g. +4915123456789; may be empty.")
    wa_id = serializers.CharField(help_text="The customer's WhatsApp id.")
    profile_name = serializers.CharField(help_text="The name the customer set in WhatsApp.")


class ConsentStateOutput(serializers.Serializer[ConsentState]):
    opted_in = serializers.BooleanField(
        help_text="A standing opt-in (of all messages, or of marketing) that no later opt-out of all withdrew."
    )
    opted_out_all = serializers.BooleanField(help_text="Opted out of every message from you.")
    opted_out_marketing = serializers.BooleanField(
        help_text="Opted out of marketing messages; true too when opted out of all."
    )
    opted_in_at = serializers.DateTimeField(allow_null=True, help_text="When the standing opt-in was given.")
    opted_out_at = serializers.DateTimeField(allow_null=True, help_text="When the standing opt-out was given.")
    last_change_at = serializers.DateTimeField(allow_null=True, help_text="The latest consent event; null if none.")


class ConsentEventOutput(serializers.Serializer[ConsentEvent]):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(source="contact_id")
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named like Field.source
        choices=ConsentSource.choices, help_text="How the consent was given."
    )
    proof = serializers.CharField(help_text="What the person saw or wrote, kept as proof.")
    actor = serializers.CharField(
        source="actor_label",
        help_text="Who recorded it: a team member's email or an API key; empty when the customer's message did.",
    )
    ip = serializers.IPAddressField(allow_null=True, help_text="Where the person consented from, when known.")
    occurred_at = serializers.DateTimeField(help_text="When the person opted in or out.")
    created_at = serializers.DateTimeField(help_text="When it was recorded here.")


# Needs `consent_states` (contact id → ConsentState) in the context.
class ContactOutput(ContactSummaryOutput):
    attributes = serializers.DictField(
        child=serializers.CharField(), help_text='The workspace\'s own facts about it: {"customer_no": "C-1042"}.'
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    consent = serializers.SerializerMethodField(help_text="Consent derived from the contact's history.")

    @extend_schema_field(ConsentStateOutput)
    def get_consent(self, contact: Contact) -> dict[str, Any]:
        return ConsentStateOutput(self.context["consent_states"][contact.pk]).data


# Needs `consent_states` and `consent_history` (the contact's events, newest first) in the context.
class ContactDetailOutput(ContactOutput):
    consent_history = serializers.SerializerMethodField(
        help_text="The contact's opt-ins and opt-outs, newest first (the latest 200)."
    )

    @extend_schema_field(ConsentEventOutput(many=True))
    def get_consent_history(self, contact: Contact) -> list[dict[str, Any]]:
        return ConsentEventOutput(self.context["consent_history"], many=True).data  # type: ignore[return-value]


class ContactPageOutput(serializers.Serializer[Any]):
    results = ContactOutput(many=True)
    next = serializers.URLField(allow_null=True)


class WindowOutput(serializers.Serializer[ServiceWindow]):
    open = serializers.BooleanField(
        source="is_open", help_text="Whether free-form messages may be sent now (24 h since the customer wrote)."
    )
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the window closes or closed; null if the customer never wrote."
    )


# Needs `now` in the context, for the customer service window.
class ConversationOutput(serializers.Serializer[Conversation]):
    id = serializers.IntegerField()
    channel = serializers.IntegerField(source="channel_id")
    contact = ContactSummaryOutput()
    status = serializers.ChoiceField(choices=ConversationStatus.choices)
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True, help_text="A user id, or null.")
    unread_count = serializers.IntegerField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    last_inbound_at = serializers.DateTimeField(allow_null=True, help_text="When the customer last wrote.")
    window = serializers.SerializerMethodField(help_text="WhatsApp's 24 h customer service window.")
    entry_point_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="End of the 72 h free entry point window (click-to-WhatsApp ads)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(WindowOutput)
    def get_window(self, conversation: Conversation) -> dict[str, Any]:
        window = customer_service_window(last_inbound_at=conversation.last_inbound_at, now=self.context["now"])
        return WindowOutput(window).data


class ConversationPageOutput(serializers.Serializer[Any]):
    results = ConversationOutput(many=True)
    next = serializers.URLField(allow_null=True)


# Messages ------------------------------------------------------------------------------------


class ReactionOutput(serializers.Serializer[Reaction]):
    emoji = serializers.CharField()
    direction = serializers.ChoiceField(choices=Direction.choices, help_text="`in`: the customer's; `out`: ours.")


# Needs `request` in the context, to build the download URL.
class MediaOutput(serializers.Serializer[Attachment]):
    url = serializers.SerializerMethodField(
        help_text="Where to download the file (API key required); null until ready."
    )
    mime_type = serializers.CharField()
    filename = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="In bytes; null until downloaded.")
    state = serializers.ChoiceField(choices=AttachmentState.choices)
    error = serializers.SerializerMethodField(help_text="Why the download failed; null otherwise.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, attachment: Attachment) -> str | None:
        if attachment.state != AttachmentState.READY:
            return None
        path = reverse("api_message_media", kwargs={"message_id": attachment.message_id})
        return self.context["request"].build_absolute_uri(path)  # type: ignore[no-any-return]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, attachment: Attachment) -> str | None:
        return attachment.error or None


# A message of the thread with its reactions and file; needs `request` in the context.
class MessageOutput(serializers.Serializer[ThreadEntry]):
    id = serializers.IntegerField(source="message.pk")
    conversation = serializers.IntegerField(source="message.conversation_id")
    direction = serializers.ChoiceField(source="message.direction", choices=Direction.choices)
    type = serializers.ChoiceField(source="message.type", choices=MessageType.choices)
    text = serializers.CharField(source="message.text", help_text="The plain body, caption or reply title.")
    media = serializers.SerializerMethodField()
    template = serializers.SerializerMethodField(
        help_text="The template sent (name, language, components), for templates."
    )
    status = serializers.ChoiceField(source="message.status", choices=MessageStatus.choices)
    error = serializers.JSONField(
        source="message.error", allow_null=True, help_text="Why delivery failed: code, title, details, message."
    )
    provider_message_id = serializers.CharField(source="message.provider_message_id", allow_null=True)
    reply_to = serializers.IntegerField(
        source="message.reply_to_id", allow_null=True, help_text="The id of the message this one quotes."
    )
    reactions = ReactionOutput(many=True)
    content = serializers.DictField(
        source="message.content",
        help_text="What the type carries beyond text: location, shared contacts, interactive or button reply…",
    )
    created_at = serializers.DateTimeField(source="message.sent_at", help_text="When it was sent.")
    raw = serializers.SerializerMethodField(help_text="The provider's message as received, for `unsupported` only.")

    @extend_schema_field(MediaOutput(allow_null=True))
    def get_media(self, entry: ThreadEntry) -> dict[str, Any] | None:
        if entry.attachment is None:
            return None
        return MediaOutput(entry.attachment, context=self.context).data

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_template(self, entry: ThreadEntry) -> dict[str, Any] | None:
        message = entry.message
        return message.content.get("template") if message.type == MessageType.TEMPLATE else None

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_raw(self, entry: ThreadEntry) -> dict[str, Any] | None:
        message = entry.message
        return message.raw if message.type == MessageType.UNSUPPORTED else None


class MessagePageOutput(serializers.Serializer[Any]):
    results = MessageOutput(many=True)
    next = serializers.URLField(allow_null=True)


# Errors --------------------------------------------------------------------------------------


class ErrorDetailOutput(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable, e.g. `not_found`, `validation_error`.")
    message = serializers.CharField()
    details = serializers.JSONField(required=False, help_text="Per-field messages of a validation error.")


class ErrorEnvelopeOutput(serializers.Serializer[Any]):
    error = ErrorDetailOutput()
