"""Copying the files customers send into our storage, before WhatsApp forgets them (7 days).

Each attempt is recorded on the attachment, so a failing download is visible on the message
while it retries, and its last error stays there when it gives up.
"""

from __future__ import annotations

import mimetypes
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.crypto.media import media_save
from accounts.tenancy import tenant_scope
from inbox.models import Attachment, AttachmentState, Message
from inbox.presenters import attachment_event
from inbox.services.events import Event, events_emit, lock_tenant_events
from whatsapp.client import GraphAPIError, sha256_matches
from whatsapp.models import WhatsAppNumber

MAX_DOWNLOAD_ATTEMPTS = 6


class RetryableDownloadError(Exception):
    """A download that failed for a reason that may pass (network, 5xx, rate limit)."""


def attachment_download(*, tenant_id: int, attachment_id: int, final_attempt: bool) -> None:
    with tenant_scope(tenant_id):
        attachment = Attachment.objects.select_related("message").get(pk=attachment_id)
        if attachment.state == AttachmentState.READY:
            return  # a repeated task: the file is already here
        message: Message = attachment.message
        number = WhatsAppNumber.objects.get(channel_id=message.conversation.channel_id)
        try:
            content, mime_type = _fetch(number, attachment)
        except GraphAPIError as error:
            retry = error.retryable and not final_attempt
            _record(attachment, error=error.human_message, failed=not retry)
            if retry:
                raise RetryableDownloadError(error.human_message) from error
            return
        except _FileRejectedError as error:
            _record(attachment, error=str(error), failed=True)
            return
        except _ChecksumMismatchError as error:
            _record(attachment, error=str(error), failed=final_attempt)
            if not final_attempt:
                raise RetryableDownloadError(str(error)) from error
            return
        _store(attachment, content, mime_type, now=timezone.now())


class _FileRejectedError(Exception):
    pass


class _ChecksumMismatchError(Exception):
    pass


def _fetch(number: WhatsAppNumber, attachment: Attachment) -> tuple[bytes, str]:
    limit: int = settings.WHATSAPP_MEDIA_MAX_BYTES
    with number.graph_client() as client:
        info = client.get_media(attachment.provider_media_id)
        if info.file_size and info.file_size > limit:
            raise _FileRejectedError(f"The file is larger than {limit // (1024 * 1024)} MB and was not downloaded.")
        content = client.download_media(info.url, max_bytes=limit)
    expected = attachment.sha256 or info.sha256
    if expected and not sha256_matches(expected, content):
        raise _ChecksumMismatchError("The downloaded file does not match its checksum.")
    return content, info.mime_type or attachment.mime_type


def _record(attachment: Attachment, *, error: str, failed: bool) -> None:
    with transaction.atomic():
        sequence = lock_tenant_events(attachment.tenant_id)
        attachment.attempts += 1
        attachment.error = error
        if failed:
            attachment.state = AttachmentState.FAILED
        attachment.save(update_fields=["attempts", "error", "state"])
        events_emit(sequence=sequence, events=[Event("attachment.updated", attachment_event(attachment))])


def _store(attachment: Attachment, content: bytes, mime_type: str, *, now: datetime) -> None:
    extension = mimetypes.guess_extension(mime_type.split(";", maxsplit=1)[0].strip()) or ""
    path = media_save(
        f"attachments/{attachment.tenant_id}/{now:%Y/%m}/{uuid.uuid4().hex}{extension}",
        content,
        tenant_id=attachment.tenant_id,
    )
    with transaction.atomic():
        sequence = lock_tenant_events(attachment.tenant_id)
        attachment.file.name = path
        attachment.size = len(content)
        attachment.mime_type = mime_type
        attachment.state = AttachmentState.READY
        attachment.attempts += 1
        attachment.error = ""
        attachment.save(update_fields=["file", "size", "mime_type", "state", "attempts", "error"])
        events_emit(sequence=sequence, events=[Event("attachment.updated", attachment_event(attachment))])
