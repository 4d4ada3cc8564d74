"""Rate cards: shipped as CSV files with their source and date, loaded by migration and command,
and an owner's own card, checked row by row, used only by their tenant."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.errors import PermissionDeniedError, ServiceError
from accounts.models import AuditLog, Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from billing import selectors
from billing.models import RateCard, RatePrice
from billing.policy import PricingModel, card_for
from billing.services import rate_card_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_cards")]

CARD = b"# model: PMP\n# effective_from: 2026-01-01\n# currency: EUR\n# source: our provider, Dec 2025\n"
LINES = b"country,category,volume_from,price\nDE,marketing,0,0.1131\nDE,utility,0,0.0456\n*,marketing,0,0.05\n"


def owner(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)


def shipped() -> list[tuple[str, date, int]]:
    return [
        (card.pricing_model, card.effective_from, card.prices.count())
        for card in RateCard.objects.filter(tenant__isnull=True).order_by("effective_from")
    ]


def test_the_shipped_cards_are_in_place_after_migrating(world):
    cards = shipped()
    assert [(model, when) for model, when, _count in cards] == [
        ("CBP", date(2023, 6, 1)),
        ("PMP", date(2025, 7, 1)),
        ("PMP", date(2026, 10, 1)),
    ]
    assert all(count >= 40 for _model, _when, count in cards)


def test_loading_the_shipped_cards_again_changes_nothing(world):
    before = shipped()
    out = io.StringIO()
    call_command("load_rate_cards", stdout=out)
    call_command("load_rate_cards", stdout=out)
    assert shipped() == before
    assert "PMP from 2026-10-01" in out.getvalue()


def test_an_owners_card_is_used_for_their_tenant_only(world, other_tenant):
    card = rate_card_upload(actor=owner(world), filename="provider.csv", content=CARD + LINES, now=timezone.now())
    assert (card.currency, card.source, card.prices.count()) == ("EUR", "our provider, Dec 2025", 3)
    at = timezone.now().replace(year=2026, month=3, day=1)
    ours = card_for(selectors.cards_for(tenant_id=world.tenant.pk), model=PricingModel.PER_MESSAGE, at=at)
    theirs = card_for(selectors.cards_for(tenant_id=other_tenant.tenant.pk), model=PricingModel.PER_MESSAGE, at=at)
    assert (ours.currency, ours.own) == ("EUR", True)
    assert (theirs.currency, theirs.own) == ("USD", False)
    with tenant_scope(world.tenant):
        assert AuditLog.objects.filter(action="billing.rate_card_uploaded").count() == 1


def test_uploading_the_same_date_again_replaces_the_card(world):
    rate_card_upload(actor=owner(world), filename="a.csv", content=CARD + LINES, now=timezone.now())
    rate_card_upload(
        actor=owner(world),
        filename="b.csv",
        content=CARD + b"country,category,volume_from,price\nFR,marketing,0,0.07\n",
        now=timezone.now(),
    )
    [card] = RateCard.objects.filter(tenant=world.tenant)
    assert list(card.prices.values_list("country", flat=True)) == ["FR"]


@pytest.mark.parametrize(
    ("content", "rows"),
    [
        (CARD + b"country,category,volume_from,price\nDE,marketing,0,0.1\nDE,promo,0,0.1\nZZZ,utility,0,1\n", [7, 8]),
        (b"country,category,volume_from,price\nDE,marketing,0,0.1\n", [0, 0, 0]),
        (b"\xff\xfe not utf-8", None),
        (CARD + b"x" * 1_000_001, None),
    ],
)
def test_a_card_with_errors_is_refused_whole_with_its_rows_and_changes_nothing(world, content, rows):
    prices = RatePrice.objects.count()
    with pytest.raises(ServiceError) as raised:
        rate_card_upload(actor=owner(world), filename="bad.csv", content=content, now=timezone.now())
    assert raised.value.code == "rate_card_invalid"
    if rows is not None:
        assert [item["row"] for item in raised.value.details] == rows
    assert RatePrice.objects.count() == prices
    assert not RateCard.objects.filter(tenant=world.tenant).exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
def test_only_an_owner_uploads_a_card(world, role):
    with pytest.raises(PermissionDeniedError):
        rate_card_upload(
            actor=Actor(tenant_id=world.tenant.pk, role=role),
            filename="a.csv",
            content=CARD + LINES,
            now=timezone.now(),
        )
    assert not RateCard.objects.filter(tenant=world.tenant).exists()
