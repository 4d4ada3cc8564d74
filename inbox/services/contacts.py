"""Changing what the workspace knows about a contact: its name and its custom attributes.

Any member may do it (it is part of answering the customer). The change is one transaction
under the tenant's event lock and emits `contact.updated` with the contact's unresolved
conversations, so open inboxes refresh their rows and panels.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from inbox import policy
from inbox.models import Contact, Conversation, ConversationStatus
from inbox.services.events import Event, events_emit, lock_tenant_events

MAX_NAME_LENGTH = 256
# The conversations whose rows a contact.updated event asks browsers to refresh.
MAX_EVENT_CONVERSATIONS = 20


def _problem_messages(problems: Mapping[str, str]) -> dict[str, str]:
    messages = {
        "key_invalid": _(
            "Use lowercase letters, digits and underscores, starting with a letter (at most 40), e.g. customer_no."
        ),
        "value_not_text": _("A value is a text or a number."),
        "value_too_long": _("A value has at most %(count)d characters.") % {"count": policy.MAX_ATTRIBUTE_VALUE_LENGTH},
        "too_many": _("A contact has at most %(count)d attributes.") % {"count": policy.MAX_ATTRIBUTES},
    }
    return {key or "attributes": messages[code] for key, code in problems.items()}


def contact_event(contact: Contact) -> Event:
    conversation_ids = list(
        Conversation.objects.for_tenant(contact.tenant_id)
        .filter(contact=contact)
        .exclude(status=ConversationStatus.RESOLVED)
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:MAX_EVENT_CONVERSATIONS]
    )
    return Event(
        "contact.updated",
        {"contact": {"id": contact.pk, "display_name": contact.display_name}, "conversation_ids": conversation_ids},
    )


def contact_update(
    *, contact: Contact, now: datetime, name: str | None = None, attributes: Mapping[str, Any] | None = None
) -> Contact:
    """Rename the contact and/or merge `attributes` into its own (a key set to None or "" is
    removed); refused whole, with a message per wrong key in `details`, if any part is wrong."""
    if name is not None and len(name.strip()) > MAX_NAME_LENGTH:
        raise ServiceError(
            _("A name has at most %(count)d characters.") % {"count": MAX_NAME_LENGTH},
            code="validation_error",
            details={"name": [_("A name has at most %(count)d characters.") % {"count": MAX_NAME_LENGTH}]},
        )
    with transaction.atomic():
        sequence = lock_tenant_events(contact.tenant_id)
        fresh = Contact.objects.for_tenant(contact.tenant_id).select_for_update().get(pk=contact.pk)
        fields = []
        if attributes is not None:
            changed = policy.attributes_changed(fresh.attributes, attributes)
            if changed.problems:
                raise ServiceError(
                    _("Some attributes can't be saved."),
                    code="attributes_invalid",
                    details=_problem_messages(changed.problems),
                )
            if changed.attributes != fresh.attributes:
                fresh.attributes = changed.attributes
                fields.append("attributes")
        if name is not None and name.strip() != fresh.name:
            fresh.name = name.strip()
            fields.append("name")
        if fields:
            fresh.updated_at = now
            fresh.save(update_fields=[*fields, "updated_at"])
            events_emit(sequence=sequence, events=[contact_event(fresh)])
    return fresh
