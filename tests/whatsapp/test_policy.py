"""WhatsApp's sending rules, as a table of cases plus properties over the clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.policy import NO_CONSENT_HISTORY, ConsentState
from whatsapp.policy import Refusal, SendFacts, TemplateFacts, decide_send

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
OPTED_IN = replace(NO_CONSENT_HISTORY, opted_in=True, last_change_at=NOW - 30 * HOUR)
OPTED_OUT = replace(NO_CONSENT_HISTORY, opted_out_all=True, opted_out_marketing=True, last_change_at=NOW - HOUR)
NO_MARKETING = replace(NO_CONSENT_HISTORY, opted_in=True, opted_out_marketing=True, last_change_at=NOW - HOUR)
APPROVED_UTILITY = TemplateFacts(name="order_update", language="en_US", status="APPROVED", category="UTILITY")
APPROVED_MARKETING = replace(APPROVED_UTILITY, name="spring_sale", category="MARKETING")


def facts(**overrides: object) -> SendFacts:
    base = {
        "now": NOW,
        "is_template": False,
        "last_inbound_at": NOW - HOUR,
        "consent": NO_CONSENT_HISTORY,
        "number_active": True,
        "template": None,
    }
    base.update(overrides)
    if base["is_template"] and "template" not in overrides:
        base["template"] = APPROVED_UTILITY
    return SendFacts(**base)  # type: ignore[arg-type]


def reason(**overrides: object) -> Refusal | None:
    return decide_send(facts(**overrides)).reason


@pytest.mark.parametrize(
    ("case", "overrides", "expected"),
    [
        ("free-form inside the window", {}, None),
        ("free-form 23:59:59 after", {"last_inbound_at": NOW - timedelta(hours=23, minutes=59, seconds=59)}, None),
        ("free-form exactly 24 h after", {"last_inbound_at": NOW - 24 * HOUR}, Refusal.WINDOW_CLOSED),
        ("free-form a day later", {"last_inbound_at": NOW - 30 * HOUR}, Refusal.WINDOW_CLOSED),
        ("free-form to a customer who never wrote", {"last_inbound_at": None}, Refusal.TEMPLATE_REQUIRED),
        (
            "free-form, opted in but never wrote",
            {"last_inbound_at": None, "consent": OPTED_IN},
            Refusal.TEMPLATE_REQUIRED,
        ),
        ("free-form reply to a customer who opted out", {"consent": OPTED_OUT}, None),
        ("number disabled", {"number_active": False}, Refusal.NUMBER_INACTIVE),
        (
            "template outside the window, customer wrote before",
            {"is_template": True, "last_inbound_at": NOW - 48 * HOUR},
            None,
        ),
        ("template to an opted-in stranger", {"is_template": True, "last_inbound_at": None, "consent": OPTED_IN}, None),
        ("template to a stranger", {"is_template": True, "last_inbound_at": None}, Refusal.NO_CONSENT),
        # Double opt-in: the confirmation template is the one message a pending request allows...
        (
            "opt-in confirmation to a stranger who asked",
            {"is_template": True, "last_inbound_at": None, "confirms_opt_in_request": True},
            None,
        ),
        # ...but not to someone who opted out since, nor over a spent budget.
        (
            "opt-in confirmation after an opt-out",
            {"is_template": True, "last_inbound_at": None, "confirms_opt_in_request": True, "consent": OPTED_OUT},
            Refusal.OPTED_OUT,
        ),
        (
            "opt-in confirmation over budget",
            {"is_template": True, "last_inbound_at": None, "confirms_opt_in_request": True, "within_budget": False},
            Refusal.BUDGET_EXCEEDED,
        ),
        (
            "template outside the window to an opted-out customer",
            {"is_template": True, "last_inbound_at": NOW - 48 * HOUR, "consent": OPTED_OUT},
            Refusal.OPTED_OUT,
        ),
        (
            "utility template inside the window to an opted-out customer",
            {"is_template": True, "consent": OPTED_OUT},
            None,
        ),
        (
            "marketing template inside the window, no marketing",
            {"is_template": True, "template": APPROVED_MARKETING, "consent": NO_MARKETING},
            Refusal.OPTED_OUT,
        ),
        (
            "marketing template outside the window, no marketing",
            {"is_template": True, "template": APPROVED_MARKETING, "consent": NO_MARKETING, "last_inbound_at": None},
            Refusal.OPTED_OUT,
        ),
        (
            "utility template, no marketing",
            {"is_template": True, "consent": NO_MARKETING, "last_inbound_at": None},
            None,
        ),
        (
            "unknown template",
            {"is_template": True, "template": None, "template_name": "nope"},
            Refusal.TEMPLATE_NOT_APPROVED,
        ),
        (
            "pending template",
            {"is_template": True, "template": replace(APPROVED_UTILITY, status="PENDING")},
            Refusal.TEMPLATE_NOT_APPROVED,
        ),
        (
            "paused template",
            {"is_template": True, "template": replace(APPROVED_UTILITY, status="PAUSED")},
            Refusal.TEMPLATE_NOT_APPROVED,
        ),
        (
            "parameters that don't fit",
            {
                "is_template": True,
                "template": replace(APPROVED_UTILITY, parameter_problems=("The body needs 2 parameter(s); 1 given.",)),
            },
            Refusal.TEMPLATE_PARAMS_INVALID,
        ),
        (
            "disabled number beats everything",
            {"is_template": True, "number_active": False, "template": None},
            Refusal.NUMBER_INACTIVE,
        ),
    ],
)
def test_send_rules(case, overrides, expected):
    assert reason(**overrides) is expected, case


def test_refusals_explain_themselves():
    decision = decide_send(facts(last_inbound_at=NOW - 25 * HOUR))
    assert not decision.allowed
    assert "24 hours" in decision.message
    problem = "The body needs 2 parameter(s); 1 given."
    template = replace(APPROVED_UTILITY, parameter_problems=(problem,))
    assert decide_send(facts(is_template=True, template=template)).message == problem
    assert "“nope”" in decide_send(facts(is_template=True, template=None, template_name="nope")).message


@given(elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
def test_free_form_allowed_exactly_while_less_than_24_hours_passed(elapsed):
    allowed = decide_send(facts(last_inbound_at=NOW - elapsed)).allowed
    assert allowed is (elapsed < timedelta(hours=24))


@given(
    elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
    offset_hours=st.integers(min_value=-12, max_value=14),
)
def test_time_zones_do_not_change_the_decision(elapsed, offset_hours):
    zone = timezone(timedelta(hours=offset_hours))
    last = (NOW - elapsed).astimezone(zone)
    assert decide_send(facts(last_inbound_at=last, now=NOW.astimezone(UTC))).allowed is (elapsed < timedelta(hours=24))


@given(
    first=st.timedeltas(min_value=timedelta(hours=24), max_value=timedelta(days=5)),
    again=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=23, minutes=59)),
)
def test_a_new_customer_message_reopens_the_window(first, again):
    assert not decide_send(facts(last_inbound_at=NOW - first)).allowed
    assert decide_send(facts(last_inbound_at=NOW - again)).allowed


@given(
    consent=st.builds(
        ConsentState,
        opted_in=st.booleans(),
        opted_out_all=st.booleans(),
        opted_out_marketing=st.booleans(),
        last_change_at=st.none(),
    )
)
def test_templates_never_reach_opted_out_customers_outside_the_window(consent):
    decision = decide_send(facts(is_template=True, consent=consent, last_inbound_at=NOW - 48 * HOUR))
    if consent.opted_out_all:
        assert decision.reason is Refusal.OPTED_OUT
    marketing = decide_send(facts(is_template=True, template=APPROVED_MARKETING, consent=consent))
    if consent.opted_out_marketing or consent.opted_out_all:
        assert marketing.reason is Refusal.OPTED_OUT
