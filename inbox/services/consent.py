"""Writes of contacts and their consent: creating a contact, recording opt-ins and opt-outs,
importing contacts from a CSV file, and a tenant's opt-out keywords and confirmation."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.crypto import refresh_derived_columns
from accounts.errors import ConflictError, ServiceError
from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record, require_role
from accounts.tenancy import tenant_scope
from inbox.consent import (
    DEFAULT_OPT_OUT_CONFIRMATION,
    DEFAULT_OPT_OUT_KEYWORDS,
    MAX_CONFIRMATION_LENGTH,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    MAX_PROOF_LENGTH,
)
from inbox.hooks.services import events_publish
from inbox.models import (
    Channel,
    ConsentEvent,
    ConsentKind,
    ConsentScope,
    ConsentSettings,
    ConsentSource,
    Contact,
    Message,
    MessageType,
    OptInRequest,
)
from inbox.policy import is_opt_in_confirmation, normalize_keyword
from inbox.selectors import with_wa_id
from inbox.services.outbound import conversation_for_contact, send_message

MAX_NAME_LENGTH = Contact._meta.get_field("name").max_length or 256
# A consent's time may be a little ahead of ours (another system's clock), never more.
CLOCK_SKEW = timedelta(minutes=5)

# Phones -----------------------------------------------------------------------------------------

_PHONE_CHARACTERS = frozenset("+0123456789 -().\u00a0/")


def phone_to_e164(raw: str) -> str:
    """`raw` as an E.164 number ("+4915123456789"), or ServiceError `invalid_phone` saying why.

    International numbers only: "+49 151 …", "0049 151 …", or the digits with the country code
    first (a WhatsApp id, "4915123456789"). A national number ("0151 …") names no country.
    """
    text = raw.strip()
    if not text:
        raise ServiceError(_("Enter a phone number."), code="invalid_phone")
    if len(text) > 32 or not set(text) <= _PHONE_CHARACTERS:
        raise _invalid_phone(text)
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("00"):
        candidate = "+" + digits[2:]
    elif digits.startswith("0"):
        raise ServiceError(
            _("“%(phone)s” has no country code: write it in international format, e.g. +49 151 23456789.")
            % {"phone": text},
            code="invalid_phone",
        )
    else:
        candidate = "+" + digits
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        raise _invalid_phone(text) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid_phone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _invalid_phone(text: str) -> ServiceError:
    return ServiceError(
        _("“%(phone)s” is not a valid phone number. Write it in international format, e.g. +49 151 23456789.")
        % {"phone": text[:40]},
        code="invalid_phone",
    )


# Consent events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptIn:
    """An opt-in as given: with a new contact, or asked for under double opt-in."""

    scope: str
    source: str
    proof: str
    ip: str | None = None


def _check_consent(*, kind: str, scope: str, source: str, proof: str) -> str:
    """The proof, cleaned, once the event's values are known to be valid."""
    if kind not in ConsentKind.values:
        raise ServiceError(_("The consent must be opt_in or opt_out."), code="invalid_consent")
    if scope not in ConsentScope.values:
        raise ServiceError(_("The scope must be all or marketing."), code="invalid_consent")
    if source not in ConsentSource.values:
        raise ServiceError(
            _("Unknown source “%(source)s”: use one of %(sources)s.")
            % {"source": source, "sources": ", ".join(ConsentSource.values)},
            code="invalid_consent",
        )
    proof = proof.strip()
    if kind == ConsentKind.OPT_IN and not proof:
        raise ServiceError(
            _("An opt-in needs proof: say how and where the person agreed, e.g. the text of the form they signed."),
            code="proof_required",
        )
    if len(proof) > MAX_PROOF_LENGTH:
        raise ServiceError(
            _("The proof is longer than %(limit)s characters.") % {"limit": MAX_PROOF_LENGTH}, code="proof_too_long"
        )
    return proof


@transaction.atomic
def consent_record(
    *,
    tenant_id: int,
    contact: Contact,
    kind: str,
    scope: str,
    source: str,
    proof: str,
    actor: Actor | None,
    occurred_at: datetime,
    ip: str | None = None,
) -> ConsentEvent:
    """Add an opt-in or opt-out to the contact's history; audited when a person or API key acts.

    The inbound path passes `actor=None` (keywords, WhatsApp's marketing preference). `ip` is
    where the person consented from (a web form's visitor), kept as proof.
    """
    if contact.tenant_id != tenant_id:
        raise ServiceError(_("There is no such contact."), code="not_found", http_status=404)
    assert actor is None or actor.tenant_id == tenant_id, "the actor acts in another tenant"
    assert timezone.is_aware(occurred_at), "occurred_at must name its time zone"
    proof = _check_consent(kind=kind, scope=scope, source=source, proof=proof)
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise ServiceError(_("The consent's time is in the future."), code="occurred_in_future")
    event = ConsentEvent.objects.for_tenant(tenant_id).create(
        tenant_id=tenant_id,
        contact=contact,
        kind=kind,
        scope=scope,
        source=source,
        proof=proof,
        actor=actor.user if actor else None,
        actor_label=actor.label if actor else "",
        ip=ip,
        occurred_at=occurred_at,
    )
    events_publish(
        tenant_id=tenant_id,
        events=[
            (
                "contact.opted_in" if kind == ConsentKind.OPT_IN else "contact.opted_out",
                {"contact_id": contact.pk, "wa_id": contact.wa_id, "scope": scope, "source": source,
                 "occurred_at": occurred_at.isoformat()},
            )
        ],
        now=timezone.now(),
    )  # fmt: skip
    if actor is not None:
        audit_record(
            actor=actor,
            action="contact.opted_in" if kind == ConsentKind.OPT_IN else "contact.opted_out",
            target=contact,
            target_label=audit_label(contact),
            details={"scope": scope, "source": source, "consent_event": event.pk},
        )
    return event


# Double opt-in ----------------------------------------------------------------------------------


@transaction.atomic
def opt_in_request(
    *, tenant_id: int, contact: Contact, channel: Channel, opt_in: OptIn, template_name: str, now: datetime
) -> OptInRequest:
    """Keep an opt-in asked for under double opt-in: no consent yet, only a request waiting for the
    customer's "yes". Asking again while one waits renews it (new text, time and address)."""
    proof = _check_consent(kind=ConsentKind.OPT_IN, scope=opt_in.scope, source=opt_in.source, proof=opt_in.proof)
    requests = OptInRequest.objects.for_tenant(tenant_id)
    pending = requests.select_for_update().filter(contact=contact, channel=channel, confirmed_at__isnull=True).first()
    values = {"scope": opt_in.scope, "source": opt_in.source, "proof": proof, "ip": opt_in.ip, "requested_at": now,
              "template_name": template_name, "confirmation_message": None}  # fmt: skip
    if pending is None:
        return requests.create(tenant_id=tenant_id, contact=contact, channel=channel, **values)
    for key, value in values.items():
        setattr(pending, key, value)
    pending.save(update_fields=list(values))
    return pending


def opt_in_request_sent(*, request: OptInRequest, message: Message) -> None:
    """The confirmation template went out as `message` (its reply may quote it)."""
    request.confirmation_message = message
    request.save(update_fields=["confirmation_message"])


@transaction.atomic
def opt_in_request_and_ask(
    *,
    tenant_id: int,
    contact: Contact,
    channel: Channel,
    opt_in: OptIn,
    template: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> OptInRequest:
    """Double opt-in asked for by an API client: the request, and `template` (the Cloud API's
    template object, without parameters) asking the customer to confirm, sent on `channel` at once.
    When the template can't be sent (not approved, the number disabled...) nothing is kept."""
    request = opt_in_request(
        tenant_id=tenant_id, contact=contact, channel=channel, opt_in=opt_in,
        template_name=str(template.get("name", "")), now=now,
    )  # fmt: skip
    conversation = conversation_for_contact(channel=channel, contact=contact, now=now)
    message = send_message(
        conversation=conversation, payload={"type": "template", "template": template}, actor=actor, now=now
    )
    opt_in_request_sent(request=request, message=message)
    audit_record(actor=actor, action="contact.opt_in_requested", target=contact, details={"request": request.pk})
    return request


def opt_in_requests_confirm(*, tenant_id: int, messages: Sequence[Message]) -> list[ConsentEvent]:
    """Customers' replies that are a "yes" confirm their pending opt-in request on that channel: it
    becomes a consent event with the form's exact text, when and from where it was asked for, and
    the confirming message. Anything else leaves the request pending, and pending is no consent."""
    replies = [m for m in messages if m.type in (MessageType.TEXT, MessageType.BUTTON) and m.text]
    confirming = [m for m in replies if is_opt_in_confirmation([m.text, str(m.content.get("payload", ""))])]
    if not confirming:
        return []
    pending = {
        (r.contact_id, r.channel_id): r
        for r in OptInRequest.objects.for_tenant(tenant_id)
        .select_for_update()
        .filter(confirmed_at__isnull=True, contact__in={m.conversation.contact_id for m in confirming})
    }
    confirmed = []
    for message in confirming:
        conversation = message.conversation
        request = pending.pop((conversation.contact_id, conversation.channel_id), None)
        if request is None:
            continue
        where = request.ip or "an unknown address"
        proof = (
            f"{request.proof}\n\nAsked for on {request.requested_at.isoformat()} from {where}; "
            f"confirmed on WhatsApp with “{message.text}” (message {message.provider_message_id})."
        )
        event = consent_record(
            tenant_id=tenant_id,
            contact=conversation.contact,
            kind=ConsentKind.OPT_IN,
            scope=request.scope,
            source=request.source,
            proof=proof[:MAX_PROOF_LENGTH],
            actor=None,
            occurred_at=message.sent_at,
            ip=request.ip,
        )
        request.confirmed_at = message.sent_at
        request.confirming_message = message
        request.consent_event = event
        request.save(update_fields=["confirmed_at", "confirming_message", "consent_event"])
        confirmed.append(event)
    return confirmed


# Contacts ---------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(
            _("The name is longer than %(limit)s characters.") % {"limit": MAX_NAME_LENGTH}, code="name_too_long"
        )
    return name


def _contact_exists(phone: str) -> ConflictError:
    return ConflictError(
        _("A contact with the number %(phone)s already exists.") % {"phone": phone}, code="contact_exists"
    )


@transaction.atomic
def contact_create(*, tenant: Tenant, phone: str, name: str, actor: Actor, opt_in: OptIn | None = None) -> Contact:
    """A new contact from a phone number, with the opt-in they gave if one is passed."""
    assert actor.tenant_id == tenant.pk, "the actor acts in another tenant"
    e164 = phone_to_e164(phone)
    name = _clean_name(name)
    if opt_in is not None:  # checked first: a bad opt-in must not leave a contact behind
        _check_consent(kind=ConsentKind.OPT_IN, scope=opt_in.scope, source=opt_in.source, proof=opt_in.proof)
    wa_id = e164.removeprefix("+")
    contacts = Contact.objects.for_tenant(tenant)
    if contacts.filter(with_wa_id(wa_id, tenant_id=tenant.pk)).exists():
        raise _contact_exists(e164)
    now = timezone.now()
    try:
        with transaction.atomic():
            contact = contacts.create(tenant=tenant, wa_id=wa_id, phone=e164, name=name, created_at=now, updated_at=now)
    except IntegrityError:  # the customer wrote at the same moment, and became a contact first
        raise _contact_exists(e164) from None
    audit_record(actor=actor, action="contact.created", target=contact, target_label=audit_label(contact))
    if opt_in is not None:
        consent_record(
            tenant_id=tenant.pk,
            contact=contact,
            kind=ConsentKind.OPT_IN,
            scope=opt_in.scope,
            source=opt_in.source,
            proof=opt_in.proof,
            actor=actor,
            occurred_at=now,
            ip=opt_in.ip,
        )
    return contact


def audit_label(contact: Contact) -> str:
    """How the audit log names a contact: by id only. The log is not encrypted (its rows can't be
    changed, so not re-encrypted either) and outlives the contact."""
    return f"contact {contact.pk}"


@transaction.atomic
def contact_for_phone(*, tenant: Tenant, phone: str, actor: Actor) -> Contact:
    """The tenant's contact with this phone number, created (without consent) when there is none."""
    e164 = phone_to_e164(phone)
    existing = (
        Contact.objects.for_tenant(tenant).filter(with_wa_id(e164.removeprefix("+"), tenant_id=tenant.pk)).first()
    )
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return contact_create(tenant=tenant, phone=e164, name="", actor=actor)
    except ConflictError:  # created meanwhile
        return Contact.objects.for_tenant(tenant).get(with_wa_id(e164.removeprefix("+"), tenant_id=tenant.pk))


# Opt-out keywords -------------------------------------------------------------------------------


def consent_settings_get_or_create(tenant: Tenant | int) -> ConsentSettings:
    """The tenant's opt-out keywords and confirmation; the defaults until an admin changes them."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    settings, _created = ConsentSettings.objects.for_tenant(tenant_id).get_or_create(
        tenant_id=tenant_id,
        defaults={
            "opt_out_keywords": list(DEFAULT_OPT_OUT_KEYWORDS),
            "opt_out_confirmation": DEFAULT_OPT_OUT_CONFIRMATION,
        },
    )
    return settings


def _clean_keywords(keywords: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in keywords:
        keyword = " ".join(raw.split())
        if not keyword or keyword.casefold() in seen:
            continue
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise ServiceError(
                _("“%(keyword)s…” is longer than %(limit)s characters.")
                % {"keyword": keyword[:MAX_KEYWORD_LENGTH], "limit": MAX_KEYWORD_LENGTH},
                code="keyword_too_long",
            )
        if not normalize_keyword(keyword):
            raise ServiceError(
                _("“%(keyword)s” has no letters or digits: a customer could not send it as a word.")
                % {"keyword": keyword},
                code="keyword_invalid",
            )
        seen.add(keyword.casefold())
        cleaned.append(keyword)
    if not cleaned:
        raise ServiceError(_("Give at least one opt-out keyword, such as STOP."), code="keywords_required")
    if len(cleaned) > MAX_KEYWORDS:
        raise ServiceError(_("Give at most %(limit)s keywords.") % {"limit": MAX_KEYWORDS}, code="too_many_keywords")
    return cleaned


@transaction.atomic
def consent_settings_update(
    *, tenant: Tenant, actor: Actor, keywords: Sequence[str], confirmation: str, double_opt_in: bool | None = None
) -> ConsentSettings:
    """Change the opt-out keywords and the confirmation sent when one arrives (empty: none is sent),
    and whether opt-ins from web forms wait for the customer's "yes" (None keeps it)."""
    require_role(actor, Role.ADMIN)
    cleaned = _clean_keywords(keywords)
    confirmation = confirmation.strip()
    if len(confirmation) > MAX_CONFIRMATION_LENGTH:
        raise ServiceError(
            _("The confirmation is longer than %(limit)s characters.") % {"limit": MAX_CONFIRMATION_LENGTH},
            code="confirmation_too_long",
        )
    consent_settings_get_or_create(tenant)
    settings = ConsentSettings.objects.for_tenant(tenant).select_for_update().get()
    changes: dict[str, object] = {}
    if settings.opt_out_keywords != cleaned:
        changes["opt_out_keywords"] = [settings.opt_out_keywords, cleaned]
    if settings.opt_out_confirmation != confirmation:
        changes["opt_out_confirmation"] = [settings.opt_out_confirmation, confirmation]
    if double_opt_in is not None and settings.double_opt_in != double_opt_in:
        changes["double_opt_in"] = [settings.double_opt_in, double_opt_in]
        settings.double_opt_in = double_opt_in
    if changes:
        settings.opt_out_keywords = cleaned
        settings.opt_out_confirmation = confirmation
        settings.updated_at = timezone.now()
        settings.save(update_fields=["opt_out_keywords", "opt_out_confirmation", "double_opt_in", "updated_at"])
        audit_record(actor=actor, action="consent.settings_changed", target=settings, details={"changes": changes})
    return settings


# CSV import -------------------------------------------------------------------------------------

MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_BYTES = 5 * 1024 * 1024
IMPORT_COLUMNS = ("phone", "name", "consent", "scope", "proof")
_CONSENT_VALUES = {
    "opt_in": ConsentKind.OPT_IN,
    "optin": ConsentKind.OPT_IN,
    "opt_out": ConsentKind.OPT_OUT,
    "optout": ConsentKind.OPT_OUT,
}


@dataclass(frozen=True)
class RejectedRow:
    line: int  # in the file, the header being line 1
    code: str  # invalid_phone, missing_phone, duplicate, unknown_consent, unknown_scope, proof_required…
    reason: str


@dataclass(frozen=True)
class ImportReport:
    filename: str
    rows: int  # data rows read, blank lines aside
    created: int
    updated: int
    consent_recorded: int
    rejected: tuple[RejectedRow, ...]
    # Header columns the import does not know, so ignored.
    ignored_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class _GoodRow:
    line: int
    phone: str
    name: str
    kind: str  # "" when the row records no consent
    scope: str
    proof: str


class _RowRejected(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _not_csv(sentence: str) -> ServiceError:
    return ServiceError(sentence, code="not_csv")


def _header_help() -> str:
    return _("The first row must name the columns: phone, and optionally name, consent, scope and proof.")


def read_csv(file_bytes: bytes, *, columns_help: str = "") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's column names and the data rows with their line numbers; ServiceError if the
    file can't be read as a CSV with a `phone` column (`columns_help` says which columns it takes,
    contacts' by default). Nothing is imported from such a file."""
    columns_help = columns_help or _header_help()
    if len(file_bytes) > MAX_IMPORT_BYTES:
        raise ServiceError(
            _("The file is larger than 5 MB: split it into files of at most %(rows)s rows.")
            % {"rows": f"{MAX_IMPORT_ROWS:,}"},
            code="file_too_large",
        )
    if b"\x00" in file_bytes:
        raise _not_csv(_("This is not a CSV file (it holds binary data). Export your contacts as CSV and upload that."))
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_csv(
            _("This file is not UTF-8 text, so not a CSV file we can read. Save it as “CSV UTF-8” and upload it again.")
        ) from None
    if not text.strip():
        raise _not_csv(_("The file is empty.") + " " + columns_help)
    first_line = next(line for line in text.splitlines() if line.strip())
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in first_line):
        raise _not_csv(_("This is not a CSV file (it holds control characters)."))
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().strip("\ufeff").lower() for cell in cells]
                continue
            if len(rows) == MAX_IMPORT_ROWS:
                raise ServiceError(
                    _("The file has more than %(rows)s rows: split it into files of at most %(rows)s rows each.")
                    % {"rows": f"{MAX_IMPORT_ROWS:,}"},
                    code="too_many_rows",
                )
            rows.append((start, cells))
    except csv.Error as error:
        raise _not_csv(
            _("Line %(line)s is not valid CSV (%(error)s).") % {"line": reader.line_num, "error": error}
        ) from None
    assert header is not None  # the text has a non-blank line
    if "phone" not in header:
        raise _not_csv(_("The file has no “phone” column.") + " " + columns_help)
    for column in header:
        if column and header.count(column) > 1:
            raise _not_csv(_("The column “%(column)s” appears twice in the header.") % {"column": column})
    return header, rows


def _check_row(line: int, cells: list[str], header: list[str]) -> _GoodRow:
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        raise _RowRejected(
            "too_many_cells", _("The row has more cells than the header has columns: check delimiters and quotes.")
        )
    values = {column: cell.strip() for column, cell in zip(header, cells, strict=False) if column}
    phone = values.get("phone", "")
    if not phone:
        raise _RowRejected("missing_phone", _("The phone number is missing."))
    try:
        e164 = phone_to_e164(phone)
    except ServiceError as error:
        raise _RowRejected(error.code, error.message) from None
    try:
        name = _clean_name(values.get("name", ""))
    except ServiceError as error:
        raise _RowRejected(error.code, error.message) from None
    consent = values.get("consent", "")
    kind = _CONSENT_VALUES.get(consent.lower().replace("-", "_").replace(" ", "_"), "") if consent else ""
    if consent and not kind:
        raise _RowRejected(
            "unknown_consent",
            _("Unknown consent “%(value)s”: write opt_in, opt_out or leave it empty.") % {"value": consent[:40]},
        )
    scope = values.get("scope", "").lower() or ConsentScope.ALL
    if scope not in ConsentScope.values:
        raise _RowRejected(
            "unknown_scope",
            _("Unknown scope “%(value)s”: write all, marketing or leave it empty.") % {"value": scope[:40]},
        )
    proof = values.get("proof", "")
    if kind:
        try:
            proof = _check_consent(kind=kind, scope=scope, source=ConsentSource.IMPORT, proof=proof)
        except ServiceError as error:
            raise _RowRejected(error.code, error.message) from None
    return _GoodRow(line=line, phone=e164, name=name, kind=kind, scope=scope, proof=proof)


def contacts_import_csv(*, tenant: Tenant, actor: Actor, file_bytes: bytes, filename: str) -> ImportReport:
    """Create or update a contact per row of a CSV file, and record the consent a row gives.

    The file is read whole first: one that is not a CSV of contacts (binary, not UTF-8, no
    `phone` column, more than 10,000 rows) imports nothing and raises ServiceError. Then each
    good row is imported and each bad one reported with its line and reason; a bad row changes
    nothing. A name in the file replaces the contact's name; an empty one keeps it.
    """
    require_role(actor, Role.ADMIN)
    filename = PurePath(filename.replace("\\", "/")).name[:255] or "contacts.csv"
    header, rows = read_csv(file_bytes)
    good: list[_GoodRow] = []
    rejected: list[RejectedRow] = []
    first_line_of: dict[str, int] = {}
    for line, cells in rows:
        try:
            row = _check_row(line, cells, header)
            if row.phone in first_line_of:
                raise _RowRejected(
                    "duplicate",
                    _("The number %(phone)s is already on line %(line)s.")
                    % {"phone": row.phone, "line": first_line_of[row.phone]},
                )
        except _RowRejected as rejection:
            rejected.append(RejectedRow(line=line, code=rejection.code, reason=rejection.reason))
            continue
        first_line_of[row.phone] = line
        good.append(row)
    report = ImportReport(
        filename=filename,
        rows=len(rows),
        created=0,
        updated=0,
        consent_recorded=0,
        rejected=tuple(rejected),
        ignored_columns=tuple(column for column in header if column and column not in IMPORT_COLUMNS),
    )
    attempts = 3
    for attempt in range(1, attempts + 1):
        try:
            return _import_rows(tenant=tenant, actor=actor, rows=good, report=report)
        except IntegrityError:  # a customer wrote meanwhile and became a contact: import again
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _import_rows(*, tenant: Tenant, actor: Actor, rows: list[_GoodRow], report: ImportReport) -> ImportReport:
    """The good rows imported, in one transaction: the report with what was created and updated."""
    filename = report.filename
    now = timezone.now()
    contacts = Contact.objects.for_tenant(tenant)
    existing = {
        c.wa_id: c
        for c in contacts.filter(with_wa_id(*(row.phone.removeprefix("+") for row in rows), tenant_id=tenant.pk))
    }
    new = [
        Contact(tenant=tenant, wa_id=row.phone.removeprefix("+"), phone=row.phone, name=row.name, created_at=now,
                updated_at=now)
        for row in rows
        if row.phone.removeprefix("+") not in existing
    ]  # fmt: skip
    by_wa_id = {c.wa_id: c for c in contacts.bulk_create(new, batch_size=1000)}
    changed = []
    for row in rows:
        contact = existing.get(row.phone.removeprefix("+"))
        if contact is None:
            continue
        if (row.name and contact.name != row.name) or not contact.phone:
            contact.name = row.name or contact.name
            contact.phone = contact.phone or row.phone
            contact.updated_at = now
            changed.append(contact)
    derived = [refresh_derived_columns(contact) for contact in changed][:1]
    with tenant_scope(tenant):  # bulk_update encrypts with the scope's key
        contacts.bulk_update(
            changed, ["name", "phone", "updated_at", *(derived[0] if derived else [])], batch_size=1000
        )
    by_wa_id.update(existing)
    events = [
        ConsentEvent(
            tenant=tenant,
            contact=by_wa_id[row.phone.removeprefix("+")],
            kind=row.kind,
            scope=row.scope,
            source=ConsentSource.IMPORT,
            proof=row.proof or _("Line %(line)s of %(filename)s") % {"line": row.line, "filename": filename},
            actor=actor.user,
            actor_label=actor.label,
            occurred_at=now,
        )
        for row in rows
        if row.kind
    ]
    ConsentEvent.objects.for_tenant(tenant).bulk_create(events, batch_size=1000)
    report = replace(report, created=len(new), updated=len(existing), consent_recorded=len(events))
    audit_record(
        actor=actor,
        action="contacts.imported",
        target_label=filename,
        details={
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "consent_recorded": report.consent_recorded,
            "rejected": len(report.rejected),
        },
    )
    return report
