"""Account-level webhooks, handed to the app that owns each: a small dispatch table.

Ingestion stores every such update (PlatformUpdate); the handlers here act on the fields
whose owner exists. An update whose field has no handler yet stays unhandled (handled_at
empty), so the app that later takes it over can work through the backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from inbox.models import ConsentKind, ConsentScope, ConsentSource, Contact
from inbox.selectors import with_wa_id
from inbox.services.consent import consent_record
from whatsapp.models import PlatformUpdate
from whatsapp.services import templates


def _marketing_preferences(update: PlatformUpdate) -> None:
    """WhatsApp's own "stop marketing" button (field user_preferences): the customer's choice."""
    for preference in update.value.get("user_preferences") or []:
        if preference.get("category") != "marketing_messages" or preference.get("value") not in ("stop", "resume"):
            continue
        wa_id = str(preference.get("wa_id", ""))
        if not wa_id:
            continue
        contact = _contact(tenant_id=update.tenant_id, wa_id=wa_id)
        stamp = preference.get("timestamp")
        occurred_at = datetime.fromtimestamp(int(stamp), tz=UTC) if str(stamp).isdigit() else update.received_at
        consent_record(
            tenant_id=update.tenant_id,
            contact=contact,
            kind=ConsentKind.OPT_OUT if preference["value"] == "stop" else ConsentKind.OPT_IN,
            scope=ConsentScope.MARKETING,
            source=ConsentSource.WHATSAPP_PREFERENCE,
            proof=str(preference.get("detail") or f"WhatsApp marketing preference: {preference['value']}"),
            actor=None,
            occurred_at=occurred_at,
        )


def _contact(*, tenant_id: int, wa_id: str) -> Contact:
    """The tenant's contact with this wa_id, created if there is none (found by its keyed hash)."""
    known = Contact.objects.for_tenant(tenant_id).filter(with_wa_id(wa_id, tenant_id=tenant_id))
    contact = known.first()
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            return Contact.objects.for_tenant(tenant_id).create(
                tenant_id=tenant_id, wa_id=wa_id, phone=f"+{wa_id}" if wa_id.isdigit() else ""
            )
    except IntegrityError:  # created meanwhile
        return known.get()


HANDLERS: dict[str, Callable[[PlatformUpdate], None]] = {
    "user_preferences": _marketing_preferences,
    "message_template_status_update": templates.status_update_received,
    "message_template_quality_update": templates.quality_update_received,
    "template_category_update": templates.category_update_received,
}


def dispatch(updates: list[PlatformUpdate]) -> None:
    """Hand each stored, unhandled update to its field's owner, inside the caller's transaction."""
    handled = []
    for update in updates:
        handler = HANDLERS.get(update.field)
        if handler is not None and update.handled_at is None:
            handler(update)
            handled.append(update.pk)
    if handled:
        PlatformUpdate.objects.unscoped().filter(pk__in=handled).update(handled_at=timezone.now())
