"""Message templates of a tenant's WhatsApp Business Accounts.

For now what sending needs (name, language, category, status, components); authoring,
lint and the approval lifecycle build on it (issue "Message templates").
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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "waba_id", "name", "language"], name="template_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
