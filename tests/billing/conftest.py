"""Billing tests price events on the rate cards shipped with the product."""

from __future__ import annotations

import pytest
from django.utils import timezone

from billing.models import RateCard
from billing.services import rate_cards_load_shipped


@pytest.fixture
def shipped_cards(db: None) -> None:
    """The migration loads them; a test that flushed the database (live server tests) removed them."""
    if not RateCard.objects.filter(tenant__isnull=True).exists():
        rate_cards_load_shipped(now=timezone.now())
