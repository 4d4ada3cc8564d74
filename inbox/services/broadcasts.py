"""Broadcasts: one approved template sent to many recipients (order confirmations, reminders…).

Creating one checks every recipient at once, as `send_message` would check it (its number, a
repeat, its consent, the template's parameters), and records the rejected ones with the
reason; nothing is sent to them. The accepted ones are queued afterwards, a batch per task run,
each as a normal outbound message through `send_message`, so the channel's sender paces them
at the number's throughput and every rule is checked again when it goes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role
from accounts.services import Actor, audit_record
from inbox.channels import ChannelPlugin, TemplateSnapshot, plugin_for
from inbox.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    Channel,
    Contact,
    MessageStatus,
    RecipientOutcome,
)
from inbox.selectors import with_wa_id
from inbox.services.consent import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, phone_to_e164, read_csv
from inbox.services.events import lock_tenant_events
from inbox.services.outbound import conversation_for_contact, send_message

QUEUE_TASK = "inbox.tasks.broadcast_queue"
# Outbound work, like the channel's deliveries: a backlog of webhooks never delays it.
OUTBOUND_QUEUE = "outbound"
MAX_RECIPIENTS = MAX_IMPORT_ROWS
MAX_FILE_BYTES = MAX_IMPORT_BYTES
# Recipients made messages per task run; each in its own short transaction, so the tenant's
# inbox (whose event lock every send takes) never waits long behind a broadcast.
BATCH_SIZE = 200
# The next batch is queued once fewer than a batch of this broadcast's messages wait for the
# sender: the channel's queue stays short, so agents' replies never wait behind a broadcast.
WAIT_SECONDS = 1.0
# An unfinished broadcast its task has not touched for this long lost the task: queued again.
STALLED_AFTER = timedelta(minutes=2)
PHONE_COLUMN = "phone"


@dataclass(frozen=True)
class RecipientInput:
    """A recipient as given: `row` is its place (position in the list, or line of the file)."""

    row: int
    phone: str
    parameters: dict[str, str] | list[str] = field(default_factory=dict)
    # The name of a contact the broadcast creates; an existing contact keeps theirs.
    name: str = ""
    # A CSV row with cells beyond the header's columns: rejected, as the columns can't be trusted.
    extra_cells: bool = False


def _too_many(count: int) -> ServiceError:
    return ServiceError(
        _("%(count)s recipients given; a broadcast takes at most %(limit)s: split them into several.")
        % {"count": f"{count:,}", "limit": f"{MAX_RECIPIENTS:,}"},
        code="too_many_recipients",
    )


def check_recipient_count(count: int) -> None:
    """ServiceError (400) unless a broadcast may take `count` recipients."""
    if count == 0:
        raise ServiceError(_("Give at least one recipient."), code="no_recipients")
    if count > MAX_RECIPIENTS:
        raise _too_many(count)


def broadcast_create(
    *,
    channel: Channel,
    template_name: str,
    template_language: str,
    recipients: Sequence[RecipientInput],
    actor: Actor,
    now: datetime,
) -> Broadcast:
    """A broadcast of the channel's approved template to `recipients`, queued for sending.

    ServiceError (400, nothing changed) when the template is unknown or not approved, or there
    are no or too many recipients. Each recipient that can't be sent to is recorded as rejected
    with its reason; contacts are created for new valid numbers.
    """
    plugin = plugin_for(channel.kind)
    template = plugin.template_snapshot(channel=channel, name=template_name, language=template_language)
    check_recipient_count(len(recipients))
    return _create(channel=channel, plugin=plugin, template=template, recipients=recipients, actor=actor, now=now)


def broadcast_create_from_csv(
    *, channel: Channel, template_name: str, template_language: str, file_bytes: bytes, actor: Actor, now: datetime
) -> Broadcast:
    """`broadcast_create` from a CSV file: a `phone` column and one column per template parameter.

    A file that is not such a CSV (binary, not UTF-8, no `phone` column, columns the template
    does not take, too many rows) creates nothing: ServiceError (400).
    """
    plugin = plugin_for(channel.kind)
    template = plugin.template_snapshot(channel=channel, name=template_name, language=template_language)
    columns = ", ".join((PHONE_COLUMN, *template.parameters))
    header, rows = read_csv(
        file_bytes,
        columns_help=_("The first row must name the columns: %(columns)s.") % {"columns": columns},
    )
    unknown = [column for column in header if column and column != PHONE_COLUMN and column not in template.parameters]
    if unknown:
        raise ServiceError(
            _("The template “%(name)s” has no parameter “%(column)s”: its columns are %(columns)s.")
            % {"name": template.name, "column": unknown[0], "columns": columns},
            code="unknown_columns",
        )
    check_recipient_count(len(rows))
    recipients = [_csv_recipient(line, cells, header) for line, cells in rows]
    return _create(channel=channel, plugin=plugin, template=template, recipients=recipients, actor=actor, now=now)


def _csv_recipient(line: int, cells: list[str], header: list[str]) -> RecipientInput:
    values = {column: cell.strip() for column, cell in zip(header, cells, strict=False) if column}
    phone = values.pop(PHONE_COLUMN, "")
    extra_cells = len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :])
    return RecipientInput(row=line, phone=phone, parameters=values, extra_cells=extra_cells)


@dataclass
class _Row:
    given: RecipientInput
    wa_id: str = ""
    e164: str = ""
    payload: dict[str, Any] | None = None
    contact: Contact | None = None
    code: str = ""
    reason: str = ""

    def reject(self, code: str, reason: str) -> None:
        self.code, self.reason, self.payload = code, reason, None


def _check_row(row: _Row, *, plugin: ChannelPlugin, template: TemplateSnapshot, first_row_of: dict[str, int]) -> None:
    """The row's number and parameters, before any database work: rejected, or ready to check."""
    if row.given.extra_cells:
        row.reject("too_many_cells", _("The row has more cells than the header has columns: check delimiters."))
        return
    try:
        e164 = phone_to_e164(row.given.phone)
    except ServiceError as error:
        row.reject(error.code, error.message)
        return
    if e164 in first_row_of:  # the contact is the earlier row's
        row.reject(
            "duplicate",
            _("The number %(phone)s is already on row %(row)s.") % {"phone": e164, "row": first_row_of[e164]},
        )
        return
    first_row_of[e164] = row.given.row
    row.e164, row.wa_id = e164, e164.removeprefix("+")
    try:
        row.payload = plugin.template_message(template=template, parameters=row.given.parameters)
    except ServiceError as error:
        row.reject(error.code, error.message)


def _upsert_contacts(tenant_id: int, rows: list[_Row], now: datetime) -> None:
    """Each row's contact by wa_id; created for new numbers (and kept if one arrived meanwhile)."""
    wanted = {row.wa_id: row for row in rows if row.wa_id}
    contacts = Contact.objects.for_tenant(tenant_id)
    existing = set(contacts.filter(with_wa_id(*wanted, tenant_id=tenant_id)).values_list("wa_id", flat=True))
    new = [
        Contact(tenant_id=tenant_id, wa_id=wa_id, phone=row.e164, name=row.given.name.strip()[:256],
                created_at=now, updated_at=now)
        for wa_id, row in wanted.items()
        if wa_id not in existing
    ]  # fmt: skip
    contacts.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    for contact in contacts.filter(with_wa_id(*wanted, tenant_id=tenant_id)):
        wanted[contact.wa_id].contact = contact


def _check_sends(rows: list[_Row], *, channel: Channel, plugin: ChannelPlugin, now: datetime) -> None:
    """Reject each row the channel's rules would refuse now, for the reason they give: the check
    `send_message` makes, for every row at once."""
    ready = [(row, (row.contact, row.payload)) for row in rows if row.contact is not None and row.payload is not None]
    refusals = plugin.check_sends(channel=channel, sends=[send for _row, send in ready], now=now)
    for (row, _send), refusal in zip(ready, refusals, strict=True):
        if refusal is not None:
            row.reject(refusal.code, refusal.message)


@transaction.atomic
def _create(
    *,
    channel: Channel,
    plugin: ChannelPlugin,
    template: TemplateSnapshot,
    recipients: Sequence[RecipientInput],
    actor: Actor,
    now: datetime,
) -> Broadcast:
    tenant_id = channel.tenant_id
    assert actor.tenant_id == tenant_id, "the actor acts in another tenant"
    rows = [_Row(given=recipient) for recipient in recipients]
    first_row_of: dict[str, int] = {}
    for row in rows:
        _check_row(row, plugin=plugin, template=template, first_row_of=first_row_of)
    _upsert_contacts(tenant_id, rows, now)
    _check_sends(rows, channel=channel, plugin=plugin, now=now)
    accepted = sum(1 for row in rows if row.payload is not None)
    broadcast = Broadcast.objects.for_tenant(tenant_id).create(
        tenant_id=tenant_id,
        channel=channel,
        **{f"template_{name}": value for name, value in asdict(template).items()},
        state=BroadcastState.QUEUED if accepted else BroadcastState.DONE,
        created_by=actor.user,
        created_by_api_key=actor.api_key,
        created_by_label=actor.label,
        created_at=now,
        touched_at=now,
        finished_at=None if accepted else now,
    )
    BroadcastRecipient.objects.for_tenant(tenant_id).bulk_create(
        [
            BroadcastRecipient(
                tenant_id=tenant_id,
                broadcast=broadcast,
                row=row.given.row,
                phone=row.given.phone[:64],
                contact=row.contact,
                parameters=row.given.parameters,
                outcome=RecipientOutcome.PENDING if row.payload is not None else RecipientOutcome.REJECTED,
                code=row.code,
                reason=row.reason,
            )
            for row in rows
        ],
        batch_size=1000,
    )
    audit_record(
        actor=actor,
        action="broadcast.created",
        target=broadcast,
        details={"template": template.name, "language": template.language, "recipients": len(rows),
                 "rejected": len(rows) - accepted},
    )  # fmt: skip
    if accepted:
        transaction.on_commit(lambda: schedule_queueing(tenant_id=tenant_id, broadcast_id=broadcast.pk))
    return broadcast


def schedule_queueing(*, tenant_id: int, broadcast_id: int, countdown: float = 0) -> None:
    current_app.send_task(
        QUEUE_TASK,
        kwargs={"tenant_id": tenant_id, "broadcast_id": broadcast_id},
        countdown=countdown,
        queue=OUTBOUND_QUEUE,
    )


# Queueing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRun:
    """What one run of the queueing task did; `again_in` seconds until the next run, None when done."""

    queued: int = 0
    refused: int = 0
    again_in: float | None = None


def _snapshot(broadcast: Broadcast) -> TemplateSnapshot:
    """The template as the broadcast took it (its `template_…` fields)."""
    snapshot = TemplateSnapshot(**{f.name: getattr(broadcast, f"template_{f.name}") for f in fields(TemplateSnapshot)})
    return replace(snapshot, parameters=tuple(snapshot.parameters))


def _sender(broadcast: Broadcast) -> Actor:
    """Who its messages are from: whoever created it."""
    return Actor(
        tenant_id=broadcast.tenant_id,
        role=Role.AGENT,
        user=broadcast.created_by,
        api_key=broadcast.created_by_api_key,
    )


def _waiting_for_sender(broadcast: Broadcast) -> int:
    return (
        BroadcastRecipient.objects.for_tenant(broadcast.tenant_id)
        .filter(broadcast=broadcast, outcome=RecipientOutcome.QUEUED, message__status=MessageStatus.QUEUED)
        .count()
    )


def broadcast_queue_batch(*, tenant_id: int, broadcast_id: int, now: datetime) -> QueueRun:
    """Make the next batch of the broadcast's accepted recipients messages (idempotent: each
    recipient at most once, however many runs overlap); done when none is left."""
    broadcasts = Broadcast.objects.for_tenant(tenant_id)
    broadcast = broadcasts.select_related("created_by", "created_by_api_key").filter(pk=broadcast_id).first()
    if broadcast is None or broadcast.state not in (BroadcastState.QUEUED, BroadcastState.RUNNING):
        return QueueRun()
    unfinished = broadcasts.filter(pk=broadcast_id, state__in=[BroadcastState.QUEUED, BroadcastState.RUNNING])
    if _waiting_for_sender(broadcast) >= BATCH_SIZE:
        unfinished.update(touched_at=now)
        return QueueRun(again_in=WAIT_SECONDS)
    unfinished.update(state=BroadcastState.RUNNING, touched_at=now)
    pending = BroadcastRecipient.objects.for_tenant(tenant_id).filter(
        broadcast=broadcast, outcome=RecipientOutcome.PENDING
    )
    batch = list(pending.order_by("row").values_list("pk", flat=True)[:BATCH_SIZE])
    channel = Channel.objects.for_tenant(tenant_id).get(pk=broadcast.channel_id)
    plugin, template, sender = plugin_for(channel.kind), _snapshot(broadcast), _sender(broadcast)
    outcomes = [
        _queue_recipient(recipient_id, channel=channel, plugin=plugin, template=template, sender=sender, now=now)
        for recipient_id in batch
    ]
    more = pending.exists()
    if not more:
        unfinished.update(state=BroadcastState.DONE, finished_at=now, touched_at=now)
    return QueueRun(
        queued=outcomes.count(RecipientOutcome.QUEUED),
        refused=outcomes.count(RecipientOutcome.REJECTED),
        again_in=0 if more else None,
    )


@transaction.atomic
def _queue_recipient(
    recipient_id: int, *, channel: Channel, plugin: ChannelPlugin, template: TemplateSnapshot, sender: Actor,
    now: datetime,
) -> str | None:  # fmt: skip
    """One recipient made a message (or rejected, if the rules refuse it now): its new outcome,
    None when it was no longer waiting (cancelled, or taken by an overlapping run)."""
    # Every writer of the tenant's inbox takes its event lock first; conversation locks come after.
    lock_tenant_events(channel.tenant_id)
    recipient = (
        BroadcastRecipient.objects.for_tenant(channel.tenant_id)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("contact")
        .filter(pk=recipient_id, outcome=RecipientOutcome.PENDING)
        .first()
    )
    if recipient is None:
        return None
    try:
        if recipient.contact is None:
            raise ServiceError(_("The contact was deleted."), code="contact_deleted")
        payload = plugin.template_message(template=template, parameters=recipient.parameters)
        with transaction.atomic():  # a refusal leaves no new conversation behind
            conversation = conversation_for_contact(channel=channel, contact=recipient.contact, now=now)
            recipient.message = send_message(conversation=conversation, payload=payload, actor=sender, now=now)
    except ServiceError as error:
        recipient.outcome, recipient.code, recipient.reason = RecipientOutcome.REJECTED, error.code, error.message
    else:
        recipient.outcome = RecipientOutcome.QUEUED
    recipient.save(update_fields=["outcome", "code", "reason", "message"])
    return recipient.outcome


def broadcasts_sweep(*, now: datetime) -> int:
    """Queue again the unfinished broadcasts whose task was lost (run by beat); how many."""
    # Across tenants on purpose: housekeeping of the queue itself, like the outbox sweep.
    stalled = list(
        Broadcast.objects.unscoped()
        .filter(state__in=[BroadcastState.QUEUED, BroadcastState.RUNNING], touched_at__lt=now - STALLED_AFTER)
        .values_list("tenant_id", "pk")[:1000]
    )
    for tenant_id, broadcast_id in stalled:
        Broadcast.objects.for_tenant(tenant_id).filter(pk=broadcast_id).update(touched_at=now)
        schedule_queueing(tenant_id=tenant_id, broadcast_id=broadcast_id)
    return len(stalled)


# Cancelling -------------------------------------------------------------------------------------


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast, actor: Actor, now: datetime) -> Broadcast:
    """Stop the broadcast: recipients not yet made messages are never sent; queued messages go on.

    Cancelling a cancelled broadcast changes nothing; a finished one can't be cancelled (409).
    """
    assert actor.tenant_id == broadcast.tenant_id, "the actor acts in another tenant"
    locked = Broadcast.objects.for_tenant(broadcast.tenant_id).select_for_update().get(pk=broadcast.pk)
    if locked.state == BroadcastState.CANCELLED:
        return locked
    if locked.state == BroadcastState.DONE:
        raise ConflictError(
            _("This broadcast is done: every recipient was already queued or rejected."), code="broadcast_finished"
        )
    # A recipient being queued right now is locked: the update waits for it, then skips it.
    cancelled = (
        BroadcastRecipient.objects.for_tenant(broadcast.tenant_id)
        .filter(broadcast=locked, outcome=RecipientOutcome.PENDING)
        .update(outcome=RecipientOutcome.CANCELLED)
    )
    locked.state, locked.finished_at, locked.touched_at = BroadcastState.CANCELLED, now, now
    locked.save(update_fields=["state", "finished_at", "touched_at"])
    audit_record(actor=actor, action="broadcast.cancelled", target=locked, details={"not_sent": cancelled})
    return locked
