"""Reads of the WhatsApp channel. The webhook lookups cross tenants on purpose: Meta's requests
name a number or a token, never a tenant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max

from accounts.crypto import LookupHashField
from accounts.models import Membership, Tenant
from accounts.selectors import invitations_open
from inbox.models import Conversation, OptInRequest
from inbox.policy import ConsentState
from inbox.selectors import consent_state_of
from templates_mgmt.models import MessageTemplate, TemplateStatus
from templates_mgmt.policy import send_parameter_problems
from whatsapp.models import BusinessProfile, WhatsAppNumber
from whatsapp.onboarding_policy import OnboardingFacts
from whatsapp.policy import TemplateFacts


def verify_token_is_known(token: str) -> bool:
    app_wide: str = settings.WHATSAPP_VERIFY_TOKEN
    if app_wide and token == app_wide:
        return True
    # Tokens are encrypted: found by their keyed hash, across tenants since the handshake names none.
    token_hash = WhatsAppNumber._meta.get_field("verify_token_hash")
    assert isinstance(token_hash, LookupHashField)
    return WhatsAppNumber.objects.unscoped().filter(verify_token_hash=token_hash.hash_of(token)).exists()


def app_secrets_for(*, phone_number_ids: list[str], waba_ids: list[str]) -> list[str]:
    """The numbers' own app secrets (numbers without one use the app-wide secret)."""
    numbers = WhatsAppNumber.objects.unscoped().filter(phone_number_id__in=phone_number_ids) | (
        WhatsAppNumber.objects.unscoped().filter(waba_id__in=waba_ids)
    )
    return [number.app_secret for number in numbers if number.app_secret]


def last_inbound_at(*, conversation: Conversation) -> datetime | None:
    """The customer's last message to this number, over all their conversations on it."""
    last: datetime | None = (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .filter(channel_id=conversation.channel_id, contact_id=conversation.contact_id)
        .aggregate(last=Max("last_inbound_at"))["last"]
    )
    return last


def last_inbound_by_contact(*, tenant_id: int, channel_id: int, contact_ids: list[int]) -> dict[int, datetime]:
    """`last_inbound_at` of many contacts on one number, in one query; contacts who never wrote are left out."""
    rows = (
        Conversation.objects.for_tenant(tenant_id)
        .filter(channel_id=channel_id, contact_id__in=contact_ids, last_inbound_at__isnull=False)
        .values("contact_id")
        .annotate(last=Max("last_inbound_at"))
        .order_by()
    )
    return {row["contact_id"]: row["last"] for row in rows}


def consent_state(*, conversation: Conversation) -> ConsentState:
    return consent_state_of(tenant=conversation.tenant_id, contact=conversation.contact)


def template_of(*, number: WhatsAppNumber, message: Mapping[str, Any]) -> MessageTemplate | None:
    if message.get("type") != "template":
        return None
    template = message["template"]
    return (
        MessageTemplate.objects.for_tenant(number.tenant_id)
        .filter(waba_id=number.waba_id, name=template["name"], language=template["language"]["code"])
        .exclude(status=TemplateStatus.DELETED)
        .first()
    )


def template_facts(*, number: WhatsAppNumber, message: Mapping[str, Any]) -> TemplateFacts | None:
    return template_facts_of(template_of(number=number, message=message), message=message)


def template_facts_of(found: MessageTemplate | None, *, message: Mapping[str, Any]) -> TemplateFacts | None:
    """What the send rules need to know of `found`, the template `message` names."""
    if found is None:
        return None
    problems = send_parameter_problems(
        components=found.components,
        parameter_format=found.parameter_format,
        send_components=message["template"].get("components") or [],
    )
    return TemplateFacts(
        name=found.name,
        language=found.language,
        status=found.status,
        category=found.category,
        parameter_problems=tuple(problems),
    )


def waba_ids_of(*, tenant_id: int) -> list[str]:
    """The WhatsApp Business Accounts the tenant's numbers belong to."""
    return sorted(set(WhatsAppNumber.objects.for_tenant(tenant_id).values_list("waba_id", flat=True)))


def approved_templates(*, tenant_id: int, channel_id: int) -> list[MessageTemplate]:
    """The templates a number may send now: approved ones of its business account."""
    waba_id = (
        WhatsAppNumber.objects.for_tenant(tenant_id).filter(channel_id=channel_id).values_list("waba_id", flat=True)
    )
    return list(
        MessageTemplate.objects.for_tenant(tenant_id)
        .filter(waba_id__in=waba_id, status=TemplateStatus.APPROVED)
        .order_by("name", "language")
    )


def opt_in_request_awaits(*, conversation: Conversation, template_name: str) -> bool:
    """Whether the conversation's contact asked to opt in on its channel and `template_name` is the
    template asking them to confirm (double opt-in)."""
    return (
        OptInRequest.objects.for_tenant(conversation.tenant_id)
        .filter(
            contact_id=conversation.contact_id,
            channel_id=conversation.channel_id,
            confirmed_at__isnull=True,
            template_name=template_name,
        )
        .exists()
    )


def onboarding_facts(*, tenant: Tenant, now: datetime) -> OnboardingFacts:
    """What the onboarding checklist needs to know of the tenant, each from its own data."""
    numbers = WhatsAppNumber.objects.for_tenant(tenant)
    profiles = BusinessProfile.objects.for_tenant(tenant).filter(synced_at__isnull=False)
    return OnboardingFacts(
        has_company_details=bool(tenant.legal_name and tenant.country),
        has_number=numbers.exists(),
        has_first_webhook=numbers.filter(first_webhook_at__isnull=False).exists(),
        has_business_profile=profiles.exclude(about="", description="").exists(),
        has_template=MessageTemplate.objects.for_tenant(tenant).exists(),
        has_colleague=Membership.objects.for_tenant(tenant).count() > 1
        or invitations_open(tenant=tenant, now=now).exists(),
        has_website_button=tenant.website_button_added_at is not None,
        dismissed=tenant.onboarding_dismissed_at is not None,
    )
