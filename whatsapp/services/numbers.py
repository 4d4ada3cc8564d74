"""Connecting, changing and disabling a tenant's WhatsApp numbers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record, require_role
from billing.services import number_check
from inbox.models import Channel, ChannelKind
from whatsapp.client import GraphAPIError, PhoneNumberInfo
from whatsapp.models import DEFAULT_GRAPH_API_BASE_URL, DEFAULT_GRAPH_API_VERSION, WhatsAppNumber


@dataclass(frozen=True)
class NumberDetails:
    """What an admin enters to connect a number. Empty secrets on update keep the stored ones."""

    display_phone_number: str
    phone_number_id: str
    waba_id: str
    access_token: str
    app_secret: str = ""
    verify_token: str = ""
    graph_api_base_url: str = DEFAULT_GRAPH_API_BASE_URL
    graph_api_version: str = DEFAULT_GRAPH_API_VERSION
    throughput_mps: int = 80


def number_connection_test(*, number: WhatsAppNumber, actor: Actor) -> PhoneNumberInfo:
    """Ask Graph, with the number's own credentials, what it says of the number: its verified name,
    quality rating and messaging limit. Graph's refusal is raised as a ServiceError `graph_error`
    carrying Meta's own code, message and details (a bad token: 190, "Invalid OAuth access token.")."""
    require_role(actor, Role.ADMIN)
    with number.graph_client() as client:
        try:
            return client.get_phone_number(number.phone_number_id)
        except GraphAPIError as error:
            raise ServiceError(
                error.human_message,
                code="graph_error",
                http_status=502,
                details={
                    "graph_code": error.code,
                    "graph_message": error.message,
                    "graph_details": error.details,
                    "http_status": error.http_status,
                },
            ) from error


def new_verify_token() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def number_connect(*, tenant: Tenant, actor: Actor, details: NumberDetails) -> WhatsAppNumber:
    """Connect a number: a new inbox channel, and webhooks that waited for it are processed."""
    require_role(actor, Role.ADMIN)
    number_check(
        tenant_id=tenant.pk, numbers_used=WhatsAppNumber.objects.for_tenant(tenant).count(), now=timezone.now()
    )
    channel = Channel.objects.for_tenant(tenant).create(
        tenant=tenant, kind=ChannelKind.WHATSAPP, name=details.display_phone_number
    )
    try:
        with transaction.atomic():
            number = WhatsAppNumber.objects.for_tenant(tenant).create(
                tenant=tenant,
                channel=channel,
                display_phone_number=details.display_phone_number,
                phone_number_id=details.phone_number_id,
                waba_id=details.waba_id,
                access_token=details.access_token,
                app_secret=details.app_secret,
                verify_token=details.verify_token or new_verify_token(),
                graph_api_base_url=details.graph_api_base_url,
                graph_api_version=details.graph_api_version,
                throughput_mps=details.throughput_mps,
            )
    except IntegrityError:
        raise ConflictError(
            _("The phone number id %(id)s is already connected.") % {"id": details.phone_number_id},
            code="number_taken",
        ) from None
    audit_record(actor=actor, action="whatsapp_number.connected", target=number)
    # Imported here: ingestion imports this module's models, and this runs once per connection.
    from whatsapp.services.ingest import redrive_unroutable  # noqa: PLC0415

    transaction.on_commit(lambda: redrive_unroutable(phone_number_id=number.phone_number_id, waba_id=number.waba_id))
    return number


@transaction.atomic
def number_update(*, number: WhatsAppNumber, actor: Actor, details: NumberDetails) -> WhatsAppNumber:
    """Change a number's settings; secrets left empty keep their stored values."""
    require_role(actor, Role.ADMIN)
    changed = []
    for field in ("display_phone_number", "waba_id", "verify_token", "graph_api_base_url", "graph_api_version"):
        value = getattr(details, field)
        if value and value != getattr(number, field):
            setattr(number, field, value)
            changed.append(field)
    if details.throughput_mps != number.throughput_mps:
        number.throughput_mps = details.throughput_mps
        changed.append("throughput_mps")
    for secret in ("access_token", "app_secret"):
        if getattr(details, secret):
            setattr(number, secret, getattr(details, secret))
            changed.append(secret)  # the name only: secrets never reach the audit log
    if "access_token" in changed:
        number.attention = ""  # a new token is the usual fix; the next failure sets it again
    if changed:
        number.updated_at = timezone.now()
        number.save()
        Channel.objects.for_tenant(number.tenant_id).filter(pk=number.channel_id).update(
            name=number.display_phone_number
        )
        audit_record(actor=actor, action="whatsapp_number.changed", target=number, details={"fields": changed})
    return number


@transaction.atomic
def number_set_active(*, number: WhatsAppNumber, actor: Actor, active: bool) -> WhatsAppNumber:
    """Disable (or re-enable) a number: disabled numbers send nothing; their webhooks are still stored."""
    require_role(actor, Role.ADMIN)
    if number.is_active == active:
        return number
    number.is_active = active
    number.updated_at = timezone.now()
    number.save(update_fields=["is_active", "updated_at"])
    Channel.objects.for_tenant(number.tenant_id).filter(pk=number.channel_id).update(is_active=active)
    audit_record(actor=actor, action="whatsapp_number.enabled" if active else "whatsapp_number.disabled", target=number)
    return number
