"""Load (or reload) the rate cards shipped in billing/rate_cards/ and price events waiting for them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.errors import ServiceError
from billing.services import rate_cards_load_shipped


class Command(BaseCommand):
    help = "Load the WhatsApp rate cards shipped with the product (billing/rate_cards/*.csv)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cards = rate_cards_load_shipped(now=timezone.now())
        except ServiceError as error:
            rows = "\n".join(f"  row {item['row']}: {item['error']}" for item in error.details or [])
            raise CommandError(f"{error.message}\n{rows}") from error
        for card in cards:
            self.stdout.write(f"{card.pricing_model} from {card.effective_from}: {card.prices.count()} prices")
