"""Message templates of a tenant's WhatsApp Business Accounts, and what happened to them.

A template is kept in Meta's creation shape (components with examples), so what we submit,
what we sync back and what a send is checked against are one structure.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwnedModel


class TemplateCategory(models.TextChoices):
    MARKETING = "MARKETING", _("Marketing")
    UTILITY = "UTILITY", _("Utility")
    AUTHENTICATION = "AUTHENTICATION", _("Authentication")


class TemplateStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    PENDING = "PENDING", _("In review")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")
    PAUSED = "PAUSED", _("Paused")
    DISABLED = "DISABLED", _("Disabled")
    IN_APPEAL = "IN_APPEAL", _("In appeal")
    PENDING_DELETION = "PENDING_DELETION", _("Being deleted")
    DELETED = "DELETED", _("Deleted")
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Limit exceeded")
    FLAGGED = "FLAGGED", _("Flagged")
    LOCKED = "LOCKED", _("Locked")
    ARCHIVED = "ARCHIVED", _("Archived")


class QualityScore(models.TextChoices):
    UNKNOWN = "UNKNOWN", _("Unknown")
    GREEN = "GREEN", _("High")
    YELLOW = "YELLOW", _("Medium")
    RED = "RED", _("Low")


class ParameterFormat(models.TextChoices):
    POSITIONAL = "POSITIONAL", _("Numbered ({{1}})")
    NAMED = "NAMED", _("Named ({{first_name}})")


class MessageTemplate(TenantOwnedModel):
    waba_id = models.CharField(max_length=64)
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=16, choices=TemplateCategory.choices)
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    parameter_format = models.CharField(
        max_length=10, choices=ParameterFormat.choices, default=ParameterFormat.POSITIONAL
    )
    # Meta's template-creation shape: [{"type": "BODY", "text": "..."}, ...]
    components = models.JSONField(default=list)
    meta_id = models.CharField(max_length=64, blank=True)
    # Bumped by every edit; a template message records the version it was sent with.
    version = models.PositiveIntegerField(default=1)
    rejection_reason = models.CharField(max_length=64, blank=True)
    # Meta's explanation and recommendation, when it gives them.
    rejection_detail = models.TextField(blank=True)
    quality_score = models.CharField(max_length=8, choices=QualityScore.choices, default=QualityScore.UNKNOWN)
    # A category change Meta announced or made: {"previous", "new", "effective_at"}.
    category_change = models.JSONField(default=dict, blank=True)
    # The default-library entry it was added from, if any.
    library_key = models.CharField(max_length=64, blank=True)
    # Why the last submission, edit or deletion failed at Meta, for the person who tried.
    last_error = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "waba_id", "name", "language"], name="template_per_language")
        ]
        indexes: ClassVar = [models.Index(fields=["tenant", "meta_id"], name="template_meta_id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class TemplateEventKind(models.TextChoices):
    STATUS = "status", _("Status")
    QUALITY = "quality", _("Quality")
    CATEGORY = "category", _("Category")
    EDIT = "edit", _("Edit")


class TemplateEventSource(models.TextChoices):
    PRODUCT = "product", _("In Relay")
    WEBHOOK = "webhook", _("Meta (webhook)")
    SYNC = "sync", _("Meta (sync)")


class TemplateEvent(TenantOwnedModel):
    """A template's history: status changes, quality and category changes, edits, with times."""

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=TemplateEventKind.choices)
    source = models.CharField(max_length=16, choices=TemplateEventSource.choices)
    previous = models.CharField(max_length=32, blank=True)
    new = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "template", "-occurred_at"], name="template_event_recent")]

    def __str__(self) -> str:
        return f"{self.template_id} {self.kind}: {self.previous} → {self.new}"
