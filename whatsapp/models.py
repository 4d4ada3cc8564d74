"""Connected WhatsApp numbers and the webhook events Meta delivers."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.crypto import EncryptedJSONField, EncryptedTextField, LookupHashField
from accounts.tenancy import TenantOwnedModel
from whatsapp.client import GraphClient

DEFAULT_GRAPH_API_BASE_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_API_VERSION = "v25.0"


class WhatsAppNumber(TenantOwnedModel):
    """A WhatsApp Business phone number connected through the Cloud API (or a BSP proxying it)."""

    channel = models.OneToOneField("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    display_phone_number = models.CharField(_("display phone number"), max_length=32)
    # Meta's id of the number: it routes webhooks, so it is unique across all tenants.
    phone_number_id = models.CharField(_("phone number id"), max_length=64, unique=True)
    waba_id = models.CharField(_("WhatsApp Business Account id"), max_length=64)
    access_token = EncryptedTextField(_("access token"))
    # Empty: the app-wide WHATSAPP_APP_SECRET (one Meta app serving every tenant).
    app_secret = EncryptedTextField(_("app secret"), blank=True)
    verify_token = EncryptedTextField(_("verify token"), max_length=128)
    # Meta's verification handshake names no number: the token is found by this keyed hash
    # (platform key, since the lookup is across tenants), see whatsapp.selectors.
    verify_token_hash = LookupHashField(source="verify_token", across_tenants=True, db_index=True)
    graph_api_base_url = models.URLField(_("Graph API base URL"), default=DEFAULT_GRAPH_API_BASE_URL)
    graph_api_version = models.CharField(_("Graph API version"), max_length=16, default=DEFAULT_GRAPH_API_VERSION)
    throughput_mps = models.PositiveIntegerField(_("throughput (messages/s)"), default=80)
    is_active = models.BooleanField(_("active"), default=True)
    # Why sending stopped working (an invalid token...), until an admin fixes the number.
    attention = models.CharField(_("needs attention"), max_length=500, blank=True)
    # When the first signed webhook naming this number was processed: proof that Meta's webhook
    # settings point at us (the onboarding wizard waits for it).
    first_webhook_at = models.DateTimeField(_("first webhook"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_phone_number

    def graph_client(self) -> GraphClient:
        """A client of the Graph API (or BSP, or simulator) this number is reached through."""
        return GraphClient(
            base_url=self.graph_api_base_url, version=self.graph_api_version, access_token=self.access_token
        )


class WebhookEventState(models.TextChoices):
    PENDING = "pending"
    PROCESSED = "processed"
    # Names no connected number: kept, and processed when the number is connected.
    UNROUTABLE = "unroutable"
    # Failed every attempt; the error says why. Re-driven by hand after a fix.
    FAILED = "failed"


class WebhookEvent(models.Model):
    """One signed POST from Meta, stored before we answer it. Global: routed to tenants later."""

    # Encrypted with the platform key: the event is not routed to a tenant yet.
    body = EncryptedTextField()
    received_at = models.DateTimeField(default=timezone.now)
    # What it names, to find the events that wait for a number (or account) when it is connected.
    phone_number_ids = ArrayField(models.CharField(max_length=64), default=list)
    waba_ids = ArrayField(models.CharField(max_length=64), default=list)
    state = models.CharField(max_length=12, choices=WebhookEventState.choices, default=WebhookEventState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a failed attempt: not before this time (backoff), so one bad event can't spin a worker.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["id"], condition=models.Q(state="pending"), name="webhook_event_pending"),
            models.Index(
                fields=["received_at"], condition=models.Q(state="unroutable"), name="webhook_event_unroutable"
            ),
        ]

    def __str__(self) -> str:
        return f"webhook event {self.pk} ({self.state})"


class DeadLetter(models.Model):
    """An item of a webhook that could not be processed, with why; the rest of its event was."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="+")
    # Which failed item of the event this is: reprocessing the event records it once.
    position = models.PositiveIntegerField()
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    field = models.CharField(max_length=64, blank=True)
    item = EncryptedJSONField()
    error = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["event", "position"], name="dead_letter_once")]

    def __str__(self) -> str:
        return f"dead letter of event {self.event_id}: {self.error[:60]}"


class PlatformUpdate(TenantOwnedModel):
    """A webhook about the account rather than a conversation (template status, quality,
    marketing preferences...), kept for the app that owns it."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="+")
    # Which account update of the event this is: reprocessing the event stores it once.
    position = models.PositiveIntegerField()
    number = models.ForeignKey(WhatsAppNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    waba_id = models.CharField(max_length=64, blank=True)
    field = models.CharField(max_length=64)
    value = EncryptedJSONField()
    # When Meta says it happened (the entry's time), if it says.
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "event", "position"], name="platform_update_once")
        ]

    def __str__(self) -> str:
        return f"{self.field} for {self.waba_id}"


class BusinessProfile(TenantOwnedModel):
    """What customers see of a number in WhatsApp, as last read from or written to Meta, and
    what Meta says of the number itself (its verified name, the official business account check)."""

    number = models.OneToOneField(WhatsAppNumber, on_delete=models.CASCADE, related_name="+")
    about = models.CharField(_("about"), max_length=139, blank=True)
    address = models.CharField(_("address"), max_length=256, blank=True)
    description = models.CharField(_("description"), max_length=512, blank=True)
    email = models.CharField(_("email"), max_length=128, blank=True)
    websites = ArrayField(models.CharField(max_length=256), default=list, blank=True)
    vertical = models.CharField(_("category"), max_length=32, blank=True)
    # Meta's URL of the photo, and our copy of what was uploaded (shown in the preview).
    profile_picture_url = models.URLField(max_length=2000, blank=True)
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_mime_type = models.CharField(max_length=32, blank=True)
    verified_name = models.CharField(_("verified name"), max_length=256, blank=True)
    # Meta's `official_business_account.oba_status`: APPROVED shows the check mark.
    oba_status = models.CharField(max_length=32, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"business profile of {self.number_id}"

    @property
    def is_official_business_account(self) -> bool:
        return self.oba_status == "APPROVED"


class OptInPage(TenantOwnedModel):
    """A public page where people opt in to a number's WhatsApp messages, at /join/<key>/."""

    number = models.OneToOneField(WhatsAppNumber, on_delete=models.CASCADE, related_name="+")
    # Unguessable: the page names no tenant or number id, and is looked up across tenants by it.
    key = models.CharField(max_length=32, unique=True)
    is_enabled = models.BooleanField(_("page is online"), default=True)
    # Shown next to the checkbox, and kept word for word as the proof of each opt-in.
    consent_text = models.TextField(_("consent text"))
    # Sent to each new opt-in on WhatsApp (an approved template without parameters), so people
    # see there what they signed up for and can answer STOP; none when empty.
    confirmation_template = models.ForeignKey(
        "templates_mgmt.MessageTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"opt-in page {self.key}"
