"""Channels, contacts, conversations, messages and what happens to them, and the live event log."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.crypto import EncryptedJSONField, EncryptedTextField, LookupHashField, SearchIndexField
from accounts.tenancy import TenantOwnedModel

if TYPE_CHECKING:
    from accounts.models import User


class ChannelKind(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"


class Channel(TenantOwnedModel):
    """Where a tenant's conversations happen: one connected WhatsApp number, for now.

    The channel plug-in (the `whatsapp` app) keeps its own details in a row that points here,
    so the inbox never needs to know what a channel is made of.
    """

    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Contact(TenantOwnedModel):
    """A customer. On WhatsApp they are known by their wa_id (and, newer, a business-scoped user id)."""

    wa_id = EncryptedTextField(_("WhatsApp id"), max_length=32, blank=True)
    # Contacts are found by wa_id through this keyed hash (the tenant's key: equal numbers of two
    # tenants look different, and shredding the tenant unlinks them); see inbox.selectors.
    wa_id_hash = LookupHashField(source="wa_id")
    whatsapp_user_id = models.CharField(_("WhatsApp user id"), max_length=64, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True, help_text="E.164, e.g. +4915123456789")
    profile_name = EncryptedTextField(_("WhatsApp profile name"), max_length=256, blank=True)
    name = EncryptedTextField(_("name"), max_length=256, blank=True)
    # The workspace's own facts about the customer ({"customer_no": "C-1042"}): text by key,
    # checked by policy.attributes_changed; templates fill parameters of the same name from them.
    attributes = EncryptedJSONField(_("attributes"), default=dict, blank=True)
    # What inbox.search finds the contact by: its names' words and its numbers' digits, hashed.
    search_index = SearchIndexField(words_from=("name", "profile_name"), digits_from=("phone", "wa_id"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "wa_id_hash"], condition=~Q(wa_id_hash=""), name="contact_tenant_wa_id"
            ),
        ]
        indexes: ClassVar = [GinIndex(fields=["search_index"], name="contact_search_index")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return str(self.name or self.profile_name or self.phone or self.wa_id)


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


class Conversation(TenantOwnedModel):
    """The thread between a contact and a channel. At most one is unresolved per (channel, contact);
    a message after resolution starts a new one, so each conversation is one piece of work."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey("Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    labels: models.ManyToManyField[Label, ConversationLabel] = models.ManyToManyField(
        "Label", through="ConversationLabel", related_name="+", blank=True
    )
    # A snoozed conversation comes back (open) at this time, or when the customer writes.
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The customer's last message: it opens WhatsApp's 24 h customer service window.
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # Set when the customer came from a click-to-WhatsApp ad: a 72 h free entry point window.
    entry_point_expires_at = models.DateTimeField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    # What the window clock last told the inbox about this window: "", "closing" or "closed".
    window_notice = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "contact"],
                condition=~Q(status="resolved"),
                name="conversation_one_unresolved_per_contact",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["tenant", "-last_message_at", "-id"], name="conversation_recent"),
            models.Index(fields=["tenant", "-updated_at", "-id"], name="conversation_updated"),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Direction(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")


class MessageType(models.TextChoices):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    INTERACTIVE = "interactive"
    BUTTON = "button"
    REACTION = "reaction"
    ORDER = "order"
    SYSTEM = "system"
    TEMPLATE = "template"
    UNSUPPORTED = "unsupported"


MEDIA_TYPES = frozenset(
    {MessageType.IMAGE, MessageType.VIDEO, MessageType.AUDIO, MessageType.DOCUMENT, MessageType.STICKER}
)


class MessageStatus(models.TextChoices):
    """Ordered: an outbound message only moves forward (failed is terminal)."""

    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    # Accepted by the provider; "sent" follows in its receipt.
    ACCEPTED = "accepted", _("Accepted")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(TenantOwnedModel):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    type = models.CharField(max_length=16, choices=MessageType.choices)
    # The plain text: body of a text message, caption of media, title of a reply.
    text = EncryptedTextField(blank=True)
    # What inbox.search finds the message by: its text's words, hashed.
    search_index = SearchIndexField(words_from=("text",))
    # What the type carries beyond text, normalised (location, contacts, reply ids, order...).
    content = EncryptedJSONField(default=dict, blank=True)
    # The provider's message object as received, for types we show partly or not at all.
    raw = EncryptedJSONField(default=dict, blank=True)
    # NULL until the provider assigns one (outbound); unique when set, and NULLs never collide.
    provider_message_id = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    error = models.JSONField(null=True, blank=True)
    reply_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Who wrote an outbound message: an agent, or (neither) an API client, a bot, the system.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=254, blank=True)
    # The quoted message's provider id, kept when that message is not (yet) known here.
    reply_to_provider_id = models.CharField(max_length=128, blank=True)
    is_forwarded = models.BooleanField(default=False)
    is_frequently_forwarded = models.BooleanField(default=False)
    referral = EncryptedJSONField(null=True, blank=True)
    # When it happened at the provider (the webhook's timestamp); created_at is when we stored it.
    sent_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    status_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            # Exactly once: a provider message is stored once, however often it is delivered.
            models.UniqueConstraint(
                fields=["tenant", "provider_message_id"],
                condition=Q(provider_message_id__isnull=False),
                name="message_provider_id_once",
            ),
        ]
        indexes: ClassVar = [
            GinIndex(fields=["search_index"], name="message_search_index"),
            models.Index(fields=["conversation", "sent_at", "id"], name="message_thread"),
            models.Index(
                fields=["tenant", "reply_to_provider_id"],
                condition=Q(reply_to__isnull=True) & ~Q(reply_to_provider_id=""),
                name="message_reply_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.type} {self.provider_message_id or self.pk}"


class Reaction(TenantOwnedModel):
    """An emoji on a message, at most one per side (the customer's, ours); removing deletes it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    emoji = models.CharField(max_length=32)
    # The reaction's own provider message, so an older reaction never overwrites a newer one.
    provider_message_id = models.CharField(max_length=128, blank=True)
    reacted_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "message", "direction"], name="reaction_one_per_side"),
        ]


class AttachmentState(models.TextChoices):
    PENDING = "pending", _("Downloading")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Attachment(TenantOwnedModel):
    """The file of a media message, fetched from the provider and kept in our storage."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    provider_media_id = models.CharField(max_length=128, blank=True)
    mime_type = models.CharField(max_length=128, blank=True)
    sha256 = models.CharField(max_length=128, blank=True)
    filename = EncryptedTextField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=AttachmentState.choices, default=AttachmentState.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)


class UploadedMedia(TenantOwnedModel):
    """A file an agent or API client uploaded to send: kept here, and at the provider under its id."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    provider_media_id = models.CharField(max_length=128)
    message_type = models.CharField(max_length=16, choices=MessageType.choices)
    file = models.FileField(upload_to="uploads/%Y/%m/", max_length=255)
    mime_type = models.CharField(max_length=128)
    filename = EncryptedTextField(max_length=255)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "channel", "provider_media_id"], name="uploaded_media_once")
        ]


class StatusUpdate(TenantOwnedModel):
    """A delivery receipt from the provider, kept once per (message, status).

    Receipts arrive in any order and sometimes before their message is known here; each is
    applied when its message exists. Pricing and conversation objects are kept for billing.
    """

    provider_message_id = models.CharField(max_length=128)
    status = models.CharField(max_length=10)
    occurred_at = models.DateTimeField()
    recipient_id = EncryptedTextField(max_length=64, blank=True)
    errors = models.JSONField(default=list, blank=True)
    pricing = models.JSONField(null=True, blank=True)
    conversation = models.JSONField(null=True, blank=True)
    biz_opaque_callback_data = models.CharField(max_length=512, blank=True)
    raw = EncryptedJSONField(default=dict)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "provider_message_id", "status"], name="status_update_once_per_status"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["tenant", "provider_message_id"],
                condition=Q(applied_at__isnull=True),
                name="status_update_unapplied",
            )
        ]


class ConsentKind(models.TextChoices):
    OPT_IN = "opt_in", _("Opted in")
    OPT_OUT = "opt_out", _("Opted out")


class ConsentScope(models.TextChoices):
    ALL = "all", _("All messages")
    MARKETING = "marketing", _("Marketing messages")


class ConsentSource(models.TextChoices):
    INBOUND_MESSAGE = "inbound_message", _("The customer wrote to us")
    WEB_FORM = "web_form", _("Web form")
    CHECKOUT = "checkout", _("Checkout")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    KEYWORD = "keyword", _("Keyword in a message")
    WHATSAPP_PREFERENCE = "whatsapp_preference", _("WhatsApp marketing preference")
    AGENT = "agent", _("Recorded by an agent")


class ConsentEvent(TenantOwnedModel):
    """One change of a contact's consent, with its proof. A contact's consent is derived from
    its history (inbox.policy.consent_state); rows are only ever added."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ConsentKind.choices)
    scope = models.CharField(max_length=10, choices=ConsentScope.choices, default=ConsentScope.ALL)
    source = models.CharField(max_length=24, choices=ConsentSource.choices)
    # What the person saw or wrote (the form's text, the keyword message), kept as proof.
    proof = EncryptedTextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "contact", "occurred_at"], name="consent_history")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} ({self.source})"


class ConsentSettings(TenantOwnedModel):
    """A tenant's opt-out keywords and the confirmation sent when one is received."""

    opt_out_keywords = ArrayField(models.CharField(max_length=32), default=list)
    opt_out_confirmation = models.TextField(blank=True)
    # Double opt-in: a web form's opt-in is only a request until the customer confirms it on
    # WhatsApp (a "yes" to the confirmation template); until then it is not consent.
    double_opt_in = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant"], name="consent_settings_per_tenant")]


class OptInRequest(TenantOwnedModel):
    """An opt-in asked for (double opt-in) and waiting for the customer's "yes" on WhatsApp; once
    confirmed, the consent event it became. Unconfirmed, it is no consent at all."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=ConsentScope.choices, default=ConsentScope.ALL)
    source = models.CharField(max_length=24, choices=ConsentSource.choices)
    # What the person agreed to (the form's exact text) and where from, as the proof will keep it.
    proof = EncryptedTextField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField()
    # The template asking for the confirmation: the one message the request lets us send.
    template_name = models.CharField(max_length=512, blank=True)
    confirmation_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirming_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_event = models.ForeignKey(ConsentEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "contact", "channel"],
                condition=Q(confirmed_at__isnull=True),
                name="one_pending_opt_in_request",
            )
        ]

    def __str__(self) -> str:
        return f"opt-in request of contact {self.contact_id} ({'confirmed' if self.confirmed_at else 'pending'})"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    # The worker died during the call: did the provider accept it? Its receipts will tell.
    UNCERTAIN = "uncertain", _("Checking whether it was sent")
    SENT = "sent", _("Handed to the provider")
    FAILED = "failed", _("Failed")


class OutboxEntry(TenantOwnedModel):
    """A message to hand to its channel; written in the same transaction as the message."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending", "uncertain"]),
                name="outbox_open",
            )
        ]


class TenantEvent(TenantOwnedModel):
    """What open inboxes were told, numbered per tenant, so a reconnecting browser can catch up."""

    seq = models.BigIntegerField()
    type = models.CharField(max_length=64)
    payload = EncryptedJSONField()
    # What the payload is about (inbox.policy.event_subjects), in the clear: ids only, so an
    # erasure finds the contact's events by index (the payload is encrypted).
    subject_conversation_id = models.BigIntegerField(null=True, blank=True)
    subject_contact_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant", "seq"], name="tenant_event_seq")]
        indexes: ClassVar = [
            models.Index(fields=["tenant", "subject_conversation_id"], name="tenant_event_conversation"),
            models.Index(fields=["tenant", "subject_contact_id"], name="tenant_event_contact"),
        ]


class EventSequence(TenantOwnedModel):
    """The last event number of a tenant. Its row lock orders a tenant's events by commit."""

    last_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant"], name="event_sequence_per_tenant")]


class BroadcastState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Sending")
    # Every accepted recipient became a message; their delivery goes on.
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Broadcast(TenantOwnedModel):
    """One approved template sent to many recipients at once (order confirmations, reminders…).

    Its counts are not stored: they are read from its recipients and their messages, so they
    add up however many workers write at once.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    # The template as it was when the broadcast was created: its messages are built from this.
    template_name = models.CharField(max_length=512)
    template_language = models.CharField(max_length=16)
    template_category = models.CharField(max_length=16)
    template_version = models.CharField(max_length=32)
    template_parameter_format = models.CharField(max_length=10)
    template_components = models.JSONField(default=list)
    template_parameters = EncryptedJSONField(default=list)
    state = models.CharField(max_length=10, choices=BroadcastState.choices, default=BroadcastState.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Last run of its queueing task: a broadcast left unfinished and untouched lost its task.
    touched_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["touched_at"], condition=Q(state__in=["queued", "running"]), name="broadcast_unfinished"
            )
        ]

    def __str__(self) -> str:
        return f"broadcast {self.pk} of {self.template_name} ({self.template_language})"


class RecipientOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting to be queued")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    # It became a message, whose status says the rest.
    QUEUED = "queued", _("Queued")


class BroadcastRecipient(TenantOwnedModel):
    """One row of a broadcast: the number as given, and what became of it."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="+")
    # The row's place in the request: the position in the list, or the line in the CSV file.
    row = models.PositiveIntegerField()
    phone = EncryptedTextField(max_length=64, blank=True)
    # None when the number is invalid or repeats an earlier row's.
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The template's values for this recipient: by name, or in the template's order.
    parameters = EncryptedJSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=RecipientOutcome.choices)
    # Why it was rejected: a stable code (invalid_phone, duplicate, opted_out…) and a sentence.
    code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    message = models.OneToOneField(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "broadcast", "row"], name="broadcast_recipient_row"),
            models.UniqueConstraint(
                fields=["tenant", "broadcast", "contact"],
                condition=Q(contact__isnull=False),
                name="broadcast_recipient_once",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["broadcast", "row"], condition=Q(outcome="pending"), name="broadcast_recipient_pending"
            )
        ]

    def __str__(self) -> str:
        return f"row {self.row} of broadcast {self.broadcast_id}"


# The team's inbox: teams, labels, notes and what happened, canned responses, availability
# and automatic assignment.


class Team(TenantOwnedModel):
    """A group of agents a conversation can be assigned to (Support, Sales, Returns…)."""

    name = models.CharField(_("name"), max_length=80)
    members: models.ManyToManyField[User, TeamMember] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMember", related_name="+", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant", "name"], name="team_name_per_tenant")]

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantOwnedModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant", "team", "user"], name="team_member_once")]


class Label(TenantOwnedModel):
    """A tag on conversations (vip, refund, bug…), with a colour for the list."""

    name = models.CharField(_("name"), max_length=40)
    color = models.CharField(_("colour"), max_length=7, default="#64748b", help_text="#rrggbb")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant", "name"], name="label_name_per_tenant")]

    def __str__(self) -> str:
        return self.name


class ConversationLabel(TenantOwnedModel):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "conversation", "label"], name="conversation_label_once")
        ]
        indexes: ClassVar = [
            models.Index(fields=["tenant", "label", "conversation"], name="conversation_label_by_label")
        ]


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Private note")
    ASSIGNED = "assigned", _("Assigned")
    UNASSIGNED = "unassigned", _("Unassigned")
    TEAM = "team", _("Team changed")
    STATUS = "status", _("Status changed")
    SNOOZED = "snoozed", _("Snoozed")
    LABELLED = "labelled", _("Label added")
    UNLABELLED = "unlabelled", _("Label removed")
    WINDOW_CLOSED = "window_closed", _("Window closed")
    HANDOVER = "handover", _("Handed over by the bot")


class Activity(TenantOwnedModel):
    """What happened in a conversation besides messages, shown in its thread among them:
    private notes (the team's only, never sent) and system events (assigned, resolved…)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the thread still reads right after the user is removed ("system" for automation).
    actor_label = models.CharField(max_length=254, blank=True)
    # A note's text; for events, a sentence saying what happened.
    body = EncryptedTextField(blank=True)
    # The event's facts: {"assignee": id, "status": "resolved", "label": "vip", "until": iso…}.
    data = EncryptedJSONField(default=dict, blank=True)
    # Members a note mentions with @, who are notified.
    mentions = ArrayField(models.BigIntegerField(), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["tenant", "conversation", "created_at", "id"], name="activity_thread")
        ]

    def __str__(self) -> str:
        return f"{self.kind} in conversation {self.conversation_id}"


class CannedResponse(TenantOwnedModel):
    """A ready answer an agent inserts with "/shortcut"; {{contact.first_name}} and {{contact.name}} are filled in."""

    shortcut = models.SlugField(_("shortcut"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=4096)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "shortcut"], name="canned_response_shortcut_per_tenant")
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class Availability(models.TextChoices):
    ONLINE = "online", _("Online")
    BUSY = "busy", _("Busy")
    OFFLINE = "offline", _("Offline")


class AgentStatus(TenantOwnedModel):
    """Whether an agent takes new conversations now (automatic assignment gives them only to online agents)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    availability = models.CharField(max_length=8, choices=Availability.choices, default=Availability.OFFLINE)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant", "user"], name="agent_status_per_user")]


class AutoAssignment(TenantOwnedModel):
    """A channel's automatic assignment: new conversations go round robin to the online agents
    (of a team, if set) who have fewer than `max_open_per_agent` open conversations."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=False)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    max_open_per_agent = models.PositiveIntegerField(default=10)
    # Round robin: the next agent is the first after this one, in a stable order.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)


# Opening hours and automation: the bot's rules (data, evaluated by inbox.automation.policy) and
# what it remembers of each conversation.


class OpeningHoursSetting(TenantOwnedModel):
    """A number's opening hours and holidays, or (no channel) the workspace's default.
    Read through `inbox.hours`, which turns a row into plain values."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    timezone_name = models.CharField(max_length=64, default="UTC")
    # [{"weekday": 0, "opens": "09:00", "closes": "17:00"}, …], wall-clock times in that time zone.
    intervals = models.JSONField(default=list, blank=True)
    holidays = ArrayField(models.DateField(), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(channel__isnull=True), name="opening_hours_one_default"
            ),
        ]


class AutomationSettings(TenantOwnedModel):
    """A workspace's bot: what it says when, and when it hands over to the team."""

    enabled = models.BooleanField(default=False)
    # Sent to a contact writing for the first time; blank: no greeting.
    greeting = models.TextField(blank=True)
    # Sent outside opening hours (once per conversation a day); {next_opening} is filled in.
    away_message = models.TextField(blank=True)
    # Sent when the bot did not understand, before it gives up.
    fallback_reply = models.TextField(blank=True)
    # Words that hand the conversation to a person at once.
    handover_keywords = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    handover_reply = models.TextField(blank=True)
    # Unrecognised answers in a row before the conversation goes to the team.
    max_misunderstandings = models.PositiveSmallIntegerField(default=2)
    # "" (none), "buttons" or "list"; its options: [{"id", "title", "reply", "handover"}].
    menu_kind = models.CharField(max_length=8, blank=True)
    menu_text = models.TextField(blank=True)
    menu_button = models.CharField(max_length=20, blank=True)
    menu_options = models.JSONField(default=list, blank=True)
    # An external bot answering instead of the rules: the message is POSTed there, signed.
    external_bot_url = models.URLField(max_length=500, blank=True)
    external_bot_secret = EncryptedTextField(max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["tenant"], name="automation_settings_per_tenant")]


class AnswerMatch(models.TextChoices):
    EXACT = "exact", _("is exactly")
    CONTAINS = "contains", _("contains")
    REGEX = "regex", _("matches the regular expression")


class AutomationAnswer(TenantOwnedModel):
    """A keyword or FAQ answer: a customer's message that matches `pattern` gets `reply`."""

    match = models.CharField(max_length=8, choices=AnswerMatch.choices, default=AnswerMatch.CONTAINS)
    pattern = models.CharField(max_length=200)
    # The customer's language it is for ("" any): among several matches, the conversation's language wins.
    language = models.CharField(max_length=8, blank=True)
    reply = models.TextField(max_length=4096)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.match} {self.pattern!r}"


class BotConversation(TenantOwnedModel):
    """What the bot remembers of one conversation."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="+")
    misunderstood = models.PositiveSmallIntegerField(default=0)
    # The customer's language as the answers they matched told it.
    language = models.CharField(max_length=8, blank=True)
    away_sent_at = models.DateTimeField(null=True, blank=True)
    # Set once the bot gave the conversation to the team: it stays silent until resolved.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handover_reason = models.CharField(max_length=20, blank=True)
    # The last customer message the bot handled: each is handled once.
    last_message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)


# Outbound event webhooks: tenants' own systems subscribe to events; each event becomes a
# delivery, retried with backoff for a day, with every attempt logged.


class EventSubscription(TenantOwnedModel):
    """A tenant's endpoint and the event types it receives, signed with its own secret."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=120, blank=True)
    event_types = ArrayField(models.CharField(max_length=40), default=list)
    secret = EncryptedTextField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Retrying")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class EventDelivery(TenantOwnedModel):
    """One event for one subscription: the exact JSON sent (so a redelivery sends the same)."""

    subscription = models.ForeignKey(EventSubscription, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=40)
    payload = EncryptedJSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["tenant", "subscription", "-created_at"], name="event_delivery_log"),
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="event_delivery_due"),
        ]


class EventDeliveryAttempt(TenantOwnedModel):
    """One POST of a delivery: what the endpoint answered (or why it could not be reached)."""

    delivery = models.ForeignKey(EventDelivery, on_delete=models.CASCADE, related_name="+")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_body = EncryptedTextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
