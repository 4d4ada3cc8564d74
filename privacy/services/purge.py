"""Deleting messages and everything else that carries them, shared by erasure and retention.

A message is also in: its delivery receipts (StatusUpdate, by provider id), its reactions and
outbox entry (cascade), its stored file (Attachment and the file itself, plus the upload it was
sent from when no other message uses it). Files are deleted only after the transaction
commits, so a rolled-back purge loses nothing. The live event log (TenantEvent) and outbound
event-webhook deliveries quote messages too: erasure finds them by the ids they name
(`policy.payload_refers`, read row by row: the payloads are encrypted), retention by their age.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet

from inbox.models import Attachment, Message, StatusUpdate, UploadedMedia
from privacy import policy
from whatsapp.models import WebhookEvent

logger = logging.getLogger(__name__)


def matching_pks(rows: QuerySet[Any], field: str, matches: Callable[[Any], bool], *, chunk: int = 2000) -> list[int]:
    """The pks of `rows` whose `field` matches. The columns that quote people are encrypted at
    rest, so the database can't compare them: each row is read and decrypted here. Costs a read
    of every row given, so callers narrow `rows` by plain columns first."""
    return [pk for pk, value in rows.values_list("pk", field).iterator(chunk_size=chunk) if matches(value)]


def delete_files_on_commit(names: Iterable[str]) -> None:
    """Delete stored files once the transaction commits (a file still in use is the caller's to keep)."""
    pending = sorted(set(names) - {""})

    def delete() -> None:
        for name in pending:
            try:
                default_storage.delete(name)
            except OSError:  # gone already, or the storage is away: logged, the rows are gone anyway
                logger.warning("could not delete stored file %s", name, exc_info=True)

    if pending:
        transaction.on_commit(delete, robust=True)


def messages_purge(*, tenant_id: int, message_ids: list[int], counts: Counter[str]) -> None:
    """Delete these messages of the tenant and what carries them (see the module's docstring);
    adds what was deleted to `counts`. Runs inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "a purge runs in the caller's transaction"
    if not message_ids:
        return
    messages = Message.objects.for_tenant(tenant_id).filter(pk__in=message_ids)
    provider_ids = [pid for pid in messages.values_list("provider_message_id", flat=True) if pid]
    attachments = Attachment.objects.for_tenant(tenant_id).filter(message_id__in=message_ids)
    files = set(attachments.exclude(file="").values_list("file", flat=True))
    # An agent's upload may have been sent to several customers: its file stays while another uses it.
    still_used = set(
        Attachment.objects.for_tenant(tenant_id)
        .filter(file__in=files)
        .exclude(message_id__in=message_ids)
        .values_list("file", flat=True)
    )
    uploads = UploadedMedia.objects.for_tenant(tenant_id).filter(file__in=files - still_used)
    counts["uploads"] += uploads.delete()[0]
    counts["status_updates"] += (
        StatusUpdate.objects.for_tenant(tenant_id).filter(provider_message_id__in=provider_ids).delete()[0]
    )
    counts["files"] += len(files - still_used)
    counts["messages"] += messages.delete()[1].get("inbox.Message", 0)
    delete_files_on_commit(files - still_used)


def webhook_events_redact(events: Iterable[WebhookEvent], redact: policy.BodyRedaction, counts: Counter[str]) -> None:
    """Rewrite stored webhook bodies through `redact`; a body that can't be read is left as it is
    (it was never processed, so it made no rows either) and counted."""
    for event in events:
        try:
            body = json.loads(event.body)
        except ValueError:
            counts["webhook_events_unreadable"] += 1
            continue
        body, changed = redact(body)
        if changed:
            event.body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
            event.save(update_fields=["body"])
            counts["webhook_events"] += 1
