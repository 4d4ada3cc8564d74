"""Billing tests price events on the rate cards shipped with the product."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from billing.models import RateCard
from billing.services import rate_cards_load_shipped


@pytest.fixture
def shipped_cards(db: None) -> None:
    """The migration loads them; a test that flushed the database (live server tests) removed them."""
    if not RateCard.objects.filter(tenant__isnull=True).exists():
        rate_cards_load_shipped(now=timezone.now())


@pytest.fixture
def exchange_rates(settings, tmp_path) -> None:
    """1 EUR = 1.25 USD on the last day of every month from 2024 to 2030 (round figures to check by hand)."""
    days = [
        (date(year, month, 1) + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        for year in range(2024, 2031)
        for month in range(1, 13)
    ]
    rows = "".join(f"{day.isoformat()},USD,1.25\n" for day in days)
    path = tmp_path / "exchange_rates.csv"
    path.write_text(f"# source: test rates\nday,currency,per_eur\n{rows}", encoding="utf-8")
    settings.BILLING_EXCHANGE_RATES_FILE = str(path)
