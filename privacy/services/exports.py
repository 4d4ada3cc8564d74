"""A contact's data export (GDPR Art. 15 and 20): requested by an admin, built by a worker as
one ZIP (`contact.json` and the stored files under `media/`), kept privately, downloaded once
within PRIVACY_EXPORT_TTL_HOURS, then gone. Requests and downloads are in the audit log."""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from celery import current_app
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.crypto.media import media_read, media_save
from accounts.errors import ServiceError
from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record, require_role
from accounts.tenancy import tenant_scope
from inbox.models import Contact
from privacy import policy, selectors
from privacy.models import ContactExport, ExportState
from privacy.services.purge import delete_files_on_commit

logger = logging.getLogger(__name__)

BUILD_TASK = "privacy.tasks.contact_export_build"
CHUNK_SIZE = 64 * 1024
# A build that has not finished after this long lost its worker: it is marked failed.
BUILD_STALE_AFTER = timedelta(hours=1)

_REFUSALS = {
    policy.EXPORT_NOT_READY: (409, gettext_noop("The export is still being prepared.")),
    policy.EXPORT_FAILED: (409, gettext_noop("The export could not be prepared; request a new one.")),
    policy.EXPORT_GONE: (410, gettext_noop("The export was downloaded already or has expired; request a new one.")),
}


def media_bytes(file: FieldFile) -> bytes:
    """A stored media file's content, decrypted: the one place exports read media."""
    return media_read(str(file.name))


def contact_export_request(*, tenant: Tenant, contact_id: int, actor: Actor, now: datetime) -> ContactExport:
    """Ask for the contact's export; a worker builds it. Asked again while one is being
    prepared, that one is the answer (a double click builds one ZIP). Admins only."""
    require_role(actor, Role.ADMIN)
    with transaction.atomic():
        contact = Contact.objects.for_tenant(tenant).select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise ServiceError(_("There is no such contact."), code="not_found", http_status=404)
        preparing = selectors.contact_exports(tenant=tenant, contact_id=contact.pk).filter(state=ExportState.PREPARING)
        if (existing := preparing.first()) is not None:
            return existing
        export = ContactExport.objects.for_tenant(tenant).create(
            tenant=tenant, contact=contact, requested_by=actor.user, requested_by_label=actor.label, created_at=now
        )
        audit_record(
            actor=actor, action="contact.export_requested", details={"contact_id": contact.pk, "export_id": export.pk}
        )
        transaction.on_commit(
            lambda: current_app.send_task(BUILD_TASK, kwargs={"tenant_id": tenant.pk, "export_id": export.pk})
        )
    return export


def contact_export_build(*, tenant_id: int, export_id: int, now: datetime) -> None:
    """Build the export's ZIP and keep it until it is downloaded or expires. Run twice, same result."""
    with tenant_scope(tenant_id):
        export = ContactExport.objects.select_related("contact").filter(pk=export_id).first()
        if export is None or export.state != ExportState.PREPARING:
            return  # erased with its contact, or built already
        try:
            name, size = _write_zip(export, now=now)
        except Exception:
            # Said at once (the admin sees "Failed" and may ask again), not after the stale-build hour.
            logger.exception("export %s could not be built", export_id)
            ContactExport.objects.filter(pk=export_id, state=ExportState.PREPARING).update(
                state=ExportState.FAILED, error="The export could not be built."
            )
            return
        with transaction.atomic():
            fresh = ContactExport.objects.select_for_update().filter(pk=export_id).first()
            if fresh is None or fresh.state != ExportState.PREPARING:
                delete_files_on_commit([name])  # erased, or built by another run meanwhile
                return
            fresh.file.name = name
            fresh.size = size
            fresh.state = ExportState.READY
            fresh.ready_at = now
            fresh.expires_at = now + timedelta(hours=settings.PRIVACY_EXPORT_TTL_HOURS)
            fresh.save(update_fields=["file", "size", "state", "ready_at", "expires_at"])


def _write_zip(export: ContactExport, *, now: datetime) -> tuple[str, int]:
    """Write the export's ZIP to storage; its name and size."""
    data, attachments = selectors.contact_data(tenant_id=export.tenant_id, contact=export.contact)
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for attachment in attachments:
                try:
                    content = media_bytes(attachment.file)
                except FileNotFoundError:
                    logger.warning("export %s: the file of message %s is gone", export.pk, attachment.message_id)
                    continue
                archive.writestr(selectors.media_name(attachment), content)
            data["generated_at"] = now.isoformat()
            archive.writestr("contact.json", json.dumps(data, ensure_ascii=False, indent=2))
        size = spool.tell()
        spool.seek(0)
        # Encrypted at rest like the media it holds (read whole, as media are).
        name = media_save(
            f"exports/{export.tenant_id}/{uuid.uuid4().hex}.zip", spool.read(), tenant_id=export.tenant_id
        )
    return name, size


def contact_export_take(*, tenant: Tenant, export_id: int, actor: Actor, now: datetime) -> ContactExport:
    """Mark the export downloaded (it can't be taken again) and return it, for its file to be
    streamed once (`export_chunks`). Admins only."""
    require_role(actor, Role.ADMIN)
    with transaction.atomic():
        export = ContactExport.objects.for_tenant(tenant).select_for_update().filter(pk=export_id).first()
        if export is None:
            raise ServiceError(_("There is no such export."), code="not_found", http_status=404)
        refusal = policy.export_download_refusal(state=export.state, expires_at=export.expires_at, now=now)
        if refusal is not None:
            status, message = _REFUSALS[refusal]
            raise ServiceError(_(message), code=refusal, http_status=status)
        export.state = ExportState.DOWNLOADED
        export.downloaded_at = now
        export.save(update_fields=["state", "downloaded_at"])
        audit_record(
            actor=actor,
            action="contact.export_downloaded",
            details={"contact_id": export.contact_id, "export_id": export.pk, "size": export.size},
        )
    return export


async def export_chunks(export: ContactExport) -> AsyncIterator[bytes]:
    """The export's ZIP, decrypted, in chunks; its file is deleted once sent (or once the client
    went away). The ZIP is decrypted whole (AES-GCM authenticates the whole file before any of it
    may be trusted), then sent in chunks so the ASGI server need not buffer the response too."""
    name = export.file.name
    try:
        content = await sync_to_async(media_read)(name)
        for start in range(0, len(content), CHUNK_SIZE):
            yield content[start : start + CHUNK_SIZE]
    finally:
        await sync_to_async(_forget_file)(export.tenant_id, export.pk, name)


def _forget_file(tenant_id: int, export_id: int, name: str) -> None:
    default_storage.delete(name)
    ContactExport.objects.for_tenant(tenant_id).filter(pk=export_id).update(file="")


def exports_purge(*, now: datetime) -> int:
    """Forget expired exports' files, and those a download left (a crash mid-stream); mark
    builds that lost their worker failed. Returns how many exports changed."""
    # Every tenant's exports: this housekeeping job serves them all.
    exports = ContactExport.objects.unscoped()
    changed = 0
    with transaction.atomic():
        expired = exports.select_for_update().filter(state=ExportState.READY, expires_at__lte=now)
        gone = exports.select_for_update().filter(state=ExportState.DOWNLOADED).exclude(file="")
        delete_files_on_commit([*expired.values_list("file", flat=True), *gone.values_list("file", flat=True)])
        changed += gone.update(file="")
        changed += expired.update(state=ExportState.EXPIRED, file="")
        changed += exports.filter(state=ExportState.PREPARING, created_at__lte=now - BUILD_STALE_AFTER).update(
            state=ExportState.FAILED, error="The build did not finish."
        )
    return changed
