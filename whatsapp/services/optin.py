"""A number's public opt-in page: its settings, and recording the opt-ins people give on it
(phone checked, consent ticked, kept with the exact text shown, the time and the address), then,
where configured, confirming each on WhatsApp with an approved template."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor, audit_record, require_role
from inbox.consent import MAX_PROOF_LENGTH
from inbox.models import ConsentEvent, ConsentKind, ConsentScope, ConsentSource, OptInRequest
from inbox.selectors import consent_settings
from inbox.services.consent import (
    OptIn,
    consent_record,
    contact_for_phone,
    opt_in_request,
    opt_in_request_sent,
    phone_to_e164,
)
from inbox.services.outbound import conversation_for_contact, send_message
from templates_mgmt.models import MessageTemplate, TemplateStatus
from whatsapp.models import OptInPage, WhatsAppNumber
from whatsapp.template_fill import parameter_keys

logger = logging.getLogger(__name__)

CONSENT_TEXT_MIN = 20
# A public form: one address may sign up a family or a shop's few phones, not a list of strangers.
OPT_INS_PER_ADDRESS_PER_HOUR = 10


def default_consent_text(business_name: str) -> str:
    return _(
        "Yes, I want to receive messages from %(business)s on WhatsApp at this number, such as order updates and "
        "offers. I can stop them at any time by replying STOP."
    ) % {"business": business_name}


def opt_in_page_get_or_create(*, number: WhatsAppNumber) -> OptInPage:
    """The number's opt-in page; created (online, with the default text) the first time it is asked for."""
    pages = OptInPage.objects.for_tenant(number.tenant_id)
    page = pages.filter(number=number).first()
    if page is not None:
        return page
    try:
        with transaction.atomic():
            return pages.create(
                tenant_id=number.tenant_id,
                number=number,
                key=secrets.token_urlsafe(12),
                consent_text=default_consent_text(number.tenant.name),
            )
    except IntegrityError:  # created meanwhile by another request
        return pages.get(number=number)


def can_confirm_opt_ins(template: MessageTemplate, *, number: WhatsAppNumber) -> bool:
    """Whether the template can confirm the number's opt-ins: approved, of its business account,
    and with nothing to fill in (the page knows nothing of the person but the number)."""
    return (
        template.tenant_id == number.tenant_id
        and template.waba_id == number.waba_id
        and template.status == TemplateStatus.APPROVED
        and not parameter_keys(template.components, parameter_format=template.parameter_format)
    )


def confirmation_templates(*, number: WhatsAppNumber) -> list[MessageTemplate]:
    """The templates that can confirm the number's opt-ins, by name and language."""
    approved = MessageTemplate.objects.for_tenant(number.tenant_id).filter(
        waba_id=number.waba_id, status=TemplateStatus.APPROVED
    )
    return [t for t in approved.order_by("name", "language") if can_confirm_opt_ins(t, number=number)]


def opt_in_page_update(
    *,
    page: OptInPage,
    actor: Actor,
    consent_text: str,
    is_enabled: bool,
    confirmation_template: MessageTemplate | None = None,
) -> OptInPage:
    require_role(actor, Role.ADMIN)
    if confirmation_template is not None and not can_confirm_opt_ins(confirmation_template, number=page.number):
        raise ServiceError(
            _("Confirm opt-ins with an approved template of this number that has nothing to fill in."),
            code="confirmation_template_invalid",
        )
    consent_text = consent_text.strip()
    if len(consent_text) < CONSENT_TEXT_MIN:
        raise ServiceError(
            _("Write the consent text in full (at least %(min)s characters): it must name your business and say "
              "what people agree to receive.") % {"min": CONSENT_TEXT_MIN},
            code="consent_text_too_short",
        )  # fmt: skip
    if len(consent_text) > MAX_PROOF_LENGTH:
        raise ServiceError(
            _("The consent text can be at most %(max)s characters.") % {"max": MAX_PROOF_LENGTH},
            code="consent_text_too_long",
        )
    page.consent_text = consent_text
    page.is_enabled = is_enabled
    page.confirmation_template = confirmation_template
    page.updated_at = timezone.now()
    page.save(update_fields=["consent_text", "is_enabled", "confirmation_template", "updated_at"])
    audit_record(actor=actor, action="opt_in_page.changed", target=page.number, details={"online": is_enabled})
    return page


def opt_in_page_by_key(key: str) -> OptInPage | None:
    """The online page of an active number with this key. Across tenants on purpose: the public
    page's URL names only its key."""
    return (
        OptInPage.objects.unscoped()
        .select_related("number__channel", "tenant", "confirmation_template")
        .filter(key=key, is_enabled=True, number__is_active=True)
        .first()
    )


@transaction.atomic
def opt_in_submit(
    *, page: OptInPage, phone: str, consented: bool, ip: str | None, now: datetime
) -> ConsentEvent | OptInRequest:
    """Record an opt-in given on the page: ServiceError `consent_required` when the box was not
    ticked, `invalid_phone` for a number that isn't one; nothing is stored then.

    With double opt-in (the tenant's consent settings), the opt-in is only requested: an
    OptInRequest waits for the customer's "yes" to the page's confirmation template, and is no
    consent until then. Otherwise it is consent at once, confirmed by the template if one is set.
    """
    e164 = phone_to_e164(phone)
    if not consented:
        raise ServiceError(
            _("Tick the box to agree to receive messages; without it nothing is recorded."), code="consent_required"
        )
    counter = f"opt-ins:{page.key}:{ip or 'unknown'}"
    cache.add(counter, 0, timeout=3600)  # the hour runs from the first opt-in
    if cache.incr(counter) > OPT_INS_PER_ADDRESS_PER_HOUR:
        raise ServiceError(
            _("Too many sign-ups from your connection in the last hour. Please try again later."),
            code="too_many_opt_ins",
            http_status=429,
        )
    # No person acts here: the contact's creation is audited as the system, from the visitor's address.
    system = Actor(tenant_id=page.tenant_id, role=Role.AGENT, ip=ip)
    contact = contact_for_phone(tenant=page.tenant, phone=e164, actor=system)
    template = page.confirmation_template
    if template is not None and not can_confirm_opt_ins(template, number=page.number):
        template = None
    recorded: ConsentEvent | OptInRequest
    if consent_settings(tenant=page.tenant_id).double_opt_in:
        recorded = opt_in_request(
            tenant_id=page.tenant_id,
            contact=contact,
            channel=page.number.channel,
            opt_in=OptIn(scope=ConsentScope.ALL, source=ConsentSource.WEB_FORM, proof=page.consent_text, ip=ip),
            template_name=template.name if template else "",
            now=now,
        )
    else:
        recorded = consent_record(
            tenant_id=page.tenant_id,
            contact=contact,
            kind=ConsentKind.OPT_IN,
            scope=ConsentScope.ALL,
            source=ConsentSource.WEB_FORM,
            proof=page.consent_text,
            actor=None,
            occurred_at=now,
            ip=ip,
        )
    if template is None:
        if isinstance(recorded, OptInRequest):
            logger.warning("double opt-in requested on page %s, which has no confirmation template", page.pk)
        return recorded
    payload = {"type": "template", "template": {"name": template.name, "language": {"code": template.language}}}
    try:
        with transaction.atomic():
            conversation = conversation_for_contact(channel=page.number.channel, contact=contact, now=now)
            message = send_message(conversation=conversation, payload=payload, actor=system, now=now)
    except ServiceError as error:  # the opt-in (or its request) stands; only the template could not go out
        logger.warning("opt-in confirmation not sent (page %s): %s", page.pk, error.message)
    else:
        if isinstance(recorded, OptInRequest):
            opt_in_request_sent(request=recorded, message=message)
    return recorded
