"""Reads of the WhatsApp channel. The webhook lookups cross tenants on purpose: Meta's requests
name a number or a token, never a tenant."""

from __future__ import annotations

from django.conf import settings

from whatsapp.models import WhatsAppNumber


def verify_token_is_known(token: str) -> bool:
    app_wide: str = settings.WHATSAPP_VERIFY_TOKEN
    if app_wide and token == app_wide:
        return True
    return WhatsAppNumber.objects.unscoped().filter(verify_token=token).exists()


def app_secrets_for(*, phone_number_ids: list[str], waba_ids: list[str]) -> list[str]:
    """The numbers' own app secrets (numbers without one use the app-wide secret)."""
    numbers = WhatsAppNumber.objects.unscoped().filter(phone_number_id__in=phone_number_ids) | (
        WhatsAppNumber.objects.unscoped().filter(waba_id__in=waba_ids)
    )
    return [number.app_secret for number in numbers if number.app_secret]
