"""Monthly statements: what goes on them, VAT, numbering without gaps, immutability, credits, and
issuing once however often (or however concurrently) it is run."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from accounts.errors import ServiceError
from accounts.models import Membership, Notification, Role, Tenant
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from billing import services
from billing.models import BillableEvent, Statement, StatementCounter, StatementCredit, StatementImmutableError
from billing.services import credit_grant, plan_change, statement_issue, statements_issue
from billing.tasks import statements_issue_last_month
from tests.billing.factories import BillableEventFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("exchange_rates")]

OCTOBER = date(2026, 10, 1)
ISSUE_AT = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def on_plan(tenant_world, code: str, since: str = "2026-09-20 10:00") -> None:
    actor = Actor(tenant_id=tenant_world.tenant.pk, role=Role.OWNER, user=tenant_world.owner.user)
    plan_change(actor=actor, code=code, numbers_used=0, now=at(since))


def charged(tenant, when: str = "2026-10-10 12:00", count: int = 1, **fields) -> list[BillableEvent]:
    """Charged marketing templates to Germany at 0.125 USD (0.10 EUR at 1.25)."""
    fields = {"amount": Decimal("0.125"), "currency": "USD", **fields}
    return [BillableEventFactory.create(tenant=tenant, occurred_at=at(when), **fields) for _ in range(count)]


@pytest.fixture(autouse=True)
def _team_joined_before_october(request) -> None:
    """The world's three members joined in September (the factory dates them today)."""
    if "world" in request.fixturenames:
        world = request.getfixturevalue("world")
        Membership.objects.for_tenant(world.tenant).update(created_at=at("2026-09-01 09:00"))


def lines_of(statement: Statement) -> list[tuple]:
    with tenant_scope(statement.tenant_id):
        return [
            (line.kind, line.plan or line.category, line.country, line.quantity, line.included, str(line.amount))
            for line in statement.lines.order_by("position")
        ]


def test_owners_are_told_of_a_new_statement_and_admins_are_not(world):
    on_plan(world, "starter")
    statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    with tenant_scope(world.tenant):
        told = list(Notification.objects.filter(kind="billing.statement_issued"))
    assert [(n.user, n.title) for n in told] == [
        (world.owner.user, f"Statement {statement.number} for 2026-10: 107.10 EUR")
    ]
    assert told[0].url == f"/t/{world.tenant.slug}/billing/statements/{statement.number}/"


def test_the_job_runs_every_night_so_a_held_back_statement_follows_its_exchange_rate(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["issue-statements"]
    assert entry["task"] == statements_issue_last_month.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {0})
    assert len(entry["schedule"].day_of_month) == 31


def test_a_month_on_the_starter_plan_bills_the_fee_and_deducts_the_included_messages(world):
    on_plan(world, "starter")
    charged(world.tenant, count=4)
    charged(world.tenant, "2026-11-01 00:00")  # November's: not on October's statement
    statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert statement is not None
    assert statement.number == "RLY-2026-000001"
    assert lines_of(statement) == [
        ("plan", "starter", "", 1, 0, "90.00"),
        ("seats", "starter", "", 3, 3, "0.00"),
        ("usage", "marketing", "DE", 4, 4, "0.00"),
    ]
    # No country given yet: German VAT.
    assert (statement.vat_treatment, statement.vat_rate, statement.net, statement.vat, statement.total) == (
        "domestic",
        Decimal("19.00"),
        Decimal("90.00"),
        Decimal("17.10"),
        Decimal("107.10"),
    )
    assert (statement.exchange_rate, statement.exchange_rate_day) == (Decimal("1.25"), date(2026, 10, 31))
    assert statement.included_messages == 1000
    with tenant_scope(world.tenant):
        assert BillableEvent.objects.filter(statement=statement).count() == 4
        assert BillableEvent.objects.filter(statement__isnull=True).count() == 1


def test_pay_as_you_go_bills_usage_with_its_margin_and_a_french_business_reverse_charges(world):
    Tenant.objects.filter(pk=world.tenant.pk).update(
        legal_name="Acme Café SARL", country="FR", vat_id="FR12345678901", address="1 rue de la Paix\nParis"
    )
    on_plan(world, "usage")
    charged(world.tenant, count=4)
    charged(world.tenant, count=1, country="BR", recipient="5511987654321", category="utility", amount=Decimal("0.01"))
    statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert statement is not None
    # 4 × 0.125 USD = 0.40 EUR + 20 % = 0.48; 0.01 USD = 0.01 EUR (rounded) + 0.00.
    assert lines_of(statement) == [
        ("plan", "usage", "", 1, 0, "0.00"),
        ("seats", "usage", "", 3, 5, "0.00"),
        ("usage", "marketing", "DE", 4, 0, "0.48"),
        ("usage", "utility", "BR", 1, 0, "0.01"),
    ]
    assert (statement.vat_treatment, statement.vat, statement.total) == ("reverse_charge", Decimal(0), Decimal("0.49"))
    assert (statement.legal_name, statement.vat_id, statement.country) == ("Acme Café SARL", "FR12345678901", "FR")


def test_free_and_unpriced_events_are_not_billed_and_a_late_priced_one_goes_on_the_next_statement(world):
    on_plan(world, "usage")
    charged(world.tenant, charge="free_customer_service", amount=Decimal(0))
    [waiting] = charged(world.tenant, "2026-10-20 12:00", amount=None, price_error="country_not_on_card")
    october = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert [line[0] for line in lines_of(october)] == ["plan", "seats"]
    # Priced in November (a card now covers its country): billed once, on November's statement.
    with tenant_scope(world.tenant):
        BillableEvent.objects.filter(pk=waiting.pk).update(amount=Decimal("0.125"), currency="USD", price_error="")
    november = statement_issue(tenant_id=world.tenant.pk, month=date(2026, 11, 1), now=at("2026-12-01 03:00"))
    assert lines_of(november)[2] == ("usage", "marketing", "DE", 1, 0, "0.12")
    with tenant_scope(world.tenant):
        assert BillableEvent.objects.get(pk=waiting.pk).statement == november


def test_a_tenant_with_nothing_to_bill_gets_no_statement(world):
    charged(world.tenant, charge="free_customer_service", amount=Decimal(0))
    assert statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT) is None
    assert statements_issue(month=OCTOBER, now=ISSUE_AT).issued == []


def test_issuing_twice_gives_one_statement(world, other_tenant):
    on_plan(world, "starter")
    on_plan(other_tenant, "business")
    first = statements_issue(month=OCTOBER, now=ISSUE_AT)
    second = statements_issue(month=OCTOBER, now=at("2026-11-02 03:00"))
    assert sorted(s.number for s in first.issued) == ["RLY-2026-000001", "RLY-2026-000002"]
    assert second.issued == []
    assert sorted(s.number for s in second.existing) == ["RLY-2026-000001", "RLY-2026-000002"]
    assert Statement.objects.unscoped().count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.unscoped().create(**{
            **{f.attname: getattr(first.issued[0], f.attname) for f in Statement._meta.concrete_fields},
            "id": None,
            "number": "RLY-2026-999999",
        })  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_issuing_concurrently_gives_one_statement(world):
    on_plan(world, "starter")
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            barrier.wait()
            statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
            results.append(statement.number if statement else "")
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results == ["RLY-2026-000001"] * 4
    assert Statement.objects.unscoped().count() == 1
    assert StatementCounter.objects.get(year=2026).last == 1


def test_numbers_run_per_year_without_gaps_even_when_an_issue_fails(world, other_tenant, settings):
    on_plan(world, "starter")
    on_plan(other_tenant, "starter")
    assert statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT).number == "RLY-2026-000001"
    # No exchange rate yet for the month: nothing issued, no number used.
    settings.BILLING_EXCHANGE_RATE_MAX_AGE_DAYS = -1
    with pytest.raises(ServiceError) as raised:
        statement_issue(tenant_id=other_tenant.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert raised.value.code == "exchange_rate_missing"
    assert Statement.objects.unscoped().count() == 1
    settings.BILLING_EXCHANGE_RATE_MAX_AGE_DAYS = 10
    assert statement_issue(tenant_id=other_tenant.tenant.pk, month=OCTOBER, now=ISSUE_AT).number == "RLY-2026-000002"
    # December's statements are issued in January: a new year, a new sequence.
    december = statement_issue(tenant_id=world.tenant.pk, month=date(2026, 12, 1), now=at("2027-01-01 03:00"))
    assert december.number == "RLY-2027-000001"


def test_a_month_not_over_is_not_issued(world):
    on_plan(world, "starter")
    with pytest.raises(ServiceError) as raised:
        statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=at("2026-10-31 23:59"))
    assert raised.value.code == "month_not_over"
    assert Statement.objects.unscoped().count() == 0


def test_an_issued_statement_never_changes(world):
    on_plan(world, "starter")
    statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    statement.total = Decimal("1.00")
    with pytest.raises(StatementImmutableError):
        statement.save()
    # Past the model too: the database refuses the update.
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.unscoped().filter(pk=statement.pk).update(total=Decimal("1.00"))
    with tenant_scope(world.tenant):
        line = statement.lines.get(kind="plan")
        with pytest.raises(IntegrityError), transaction.atomic():
            type(line).objects.filter(pk=line.pk).update(amount=Decimal("1.00"))
    # Company details changed later: the statement keeps those it was issued with.
    Tenant.objects.filter(pk=world.tenant.pk).update(legal_name="Renamed", country="US")
    again = Statement.objects.unscoped().get(pk=statement.pk)
    assert (again.total, again.legal_name, again.vat_treatment) == (Decimal("107.10"), "Acme Coffee", "domestic")


def test_a_credit_is_deducted_once_on_the_next_statement(world):
    on_plan(world, "starter")
    credit_grant(tenant_id=world.tenant.pk, amount="15.00", reason="September: a broadcast billed twice", now=ISSUE_AT)
    october = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert lines_of(october)[-1] == ("credit", "", "", 1, 0, "-15.00")
    assert (october.net, october.vat, october.total) == (Decimal("75.00"), Decimal("14.25"), Decimal("89.25"))
    november = statement_issue(tenant_id=world.tenant.pk, month=date(2026, 11, 1), now=at("2026-12-01 03:00"))
    assert [line[0] for line in lines_of(november)] == ["plan", "seats"]
    with tenant_scope(world.tenant):
        assert StatementCredit.objects.get().statement == october


@pytest.mark.parametrize(("amount", "reason"), [("0", "x"), ("-5", "x"), ("1.005", "x"), ("abc", "x"), ("5", "  ")])
def test_a_bad_credit_is_refused_and_changes_nothing(world, amount, reason):
    with pytest.raises(ServiceError) as raised:
        credit_grant(tenant_id=world.tenant.pk, amount=amount, reason=reason, now=ISSUE_AT)
    assert raised.value.code == "invalid_credit"
    assert StatementCredit.objects.unscoped().count() == 0


def test_the_command_issues_a_month_once(world, capsys):
    on_plan(world, "starter")
    call_command("issue_statements", "--month", "2026-10")
    call_command("issue_statements", "--month", "2026-10")
    out = capsys.readouterr().out
    assert "issued RLY-2026-000001" in out
    assert "already issued RLY-2026-000001" in out
    assert Statement.objects.unscoped().count() == 1


def test_the_command_says_what_it_could_not_issue(world, settings):
    on_plan(world, "starter")
    with pytest.raises(CommandError, match="is not a month"):
        call_command("issue_statements", "--month", "October")
    settings.BILLING_EXCHANGE_RATE_MAX_AGE_DAYS = -1
    with pytest.raises(CommandError, match="1 statement"):
        call_command("issue_statements", "--month", "2026-10")
    assert Statement.objects.unscoped().count() == 0


def test_the_monthly_job_issues_last_month(world):
    on_plan(world, "starter", since="2024-01-01 00:00")
    assert statements_issue_last_month() == {"issued": 1, "existing": 0, "failed": 0}
    assert statements_issue_last_month() == {"issued": 0, "existing": 1, "failed": 0}
    statement = Statement.objects.unscoped().get()
    assert statement.month == services.previous_month(statement.issued_at)


def test_the_seats_line_shows_the_last_plan_and_the_members_who_had_joined_by_the_months_end(world):
    on_plan(world, "starter")
    on_plan(world, "business", since="2026-10-15 00:00")
    Membership.objects.for_tenant(world.tenant).filter(pk=world.agent.pk).update(created_at=at("2026-11-01 00:00"))
    statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert lines_of(statement) == [
        ("plan", "starter", "", 1, 0, "40.65"),
        ("plan", "business", "", 1, 0, "159.03"),
        # Seats are the plan's limit, never charged: the line says what was used of them.
        ("seats", "business", "", 2, 15, "0.00"),
    ]


def test_a_statement_on_the_trial_plan_has_no_seats_line(world):
    credit_grant(tenant_id=world.tenant.pk, amount="5.00", reason="Goodwill", now=ISSUE_AT)
    charged(world.tenant, count=1)
    statement = statement_issue(tenant_id=world.tenant.pk, month=OCTOBER, now=ISSUE_AT)
    assert [line[0] for line in lines_of(statement)] == ["usage", "credit"]
