"""Factories of billing rows, and builders of what a channel hands the meter."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from billing.models import BillableEvent
from billing.services import MeteredMessage
from tests.accounts.factories import TenantOwnedFactory

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"


class BillableEventFactory(TenantOwnedFactory[BillableEvent]):
    """A delivered marketing template to a German number, charged at the Oct 2026 rate."""

    class Meta:
        model = BillableEvent

    key = factory.Sequence(lambda n: f"message:wamid.BILL{n:08d}")
    provider_message_id = factory.LazyAttribute(lambda event: event.key.removeprefix("message:"))
    waba_id = WABA_ID
    phone_number_id = PHONE_NUMBER_ID
    display_phone_number = "15550783881"
    recipient = "4915112345678"
    country = "DE"
    occurred_at = factory.LazyFunction(timezone.now)
    pricing_model = "PMP"
    category = "marketing"
    charge = "regular"
    rate_category = factory.LazyAttribute(lambda event: event.category)
    our_pricing_model = factory.LazyAttribute(lambda event: event.pricing_model)
    our_category = factory.LazyAttribute(lambda event: event.category)
    our_charge = factory.LazyAttribute(lambda event: event.charge)
    amount = Decimal("0.1365")
    currency = "USD"


_counter = iter(range(10**9))


def metered(*, at: datetime, template_category: str = "MARKETING", **fields: Any) -> MeteredMessage:
    """A delivered message to a German customer outside any window, with no Meta pricing."""
    message = MeteredMessage(
        provider_message_id=f"wamid.METER{next(_counter):010d}",
        occurred_at=at,
        waba_id=WABA_ID,
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number="15550783881",
        recipient="4915112345678",
        template_category=template_category,
        inside_service_window=False,
        inside_entry_point=False,
    )
    return replace(message, **fields)
