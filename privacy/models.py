"""A contact's data export: requested by an admin, built by a worker, downloaded once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwnedModel


class ExportState(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    READY = "ready", _("Ready to download")
    # Taken once; its file is gone.
    DOWNLOADED = "downloaded", _("Downloaded")
    # Not taken in time; its file is gone.
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


class ContactExport(TenantOwnedModel):
    """Everything the workspace holds about one contact, as a ZIP kept privately (never under a
    public URL) until it is downloaded once or its time runs out."""

    # The export goes with its contact: an erased contact leaves no export behind.
    contact = models.ForeignKey("inbox.Contact", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_label = models.CharField(max_length=254, blank=True)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.PREPARING)
    file = models.FileField(upload_to="exports/", max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export {self.pk} of contact {self.contact_id} ({self.state})"
