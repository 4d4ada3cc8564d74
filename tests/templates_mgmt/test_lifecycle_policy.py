"""The lifecycle rules: what Meta lets be edited or deleted, what its decisions mean, and what the
composer's template picker offers first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from templates_mgmt import policy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", ["DRAFT", "PENDING", "DISABLED", "IN_APPEAL", "DELETED", "PENDING_DELETION"])
def test_only_approved_rejected_or_paused_templates_are_edited(status):
    assert policy.edit_refusal(status=status, category="UTILITY", new_category="UTILITY", earlier_edits=[], now=NOW)


@pytest.mark.parametrize("status", ["REJECTED", "PAUSED"])
def test_rejected_and_paused_templates_are_edited_freely(status):
    many = [NOW - timedelta(minutes=m) for m in range(1, 20)]
    assert policy.edit_refusal(status=status, category="UTILITY", new_category="MARKETING", earlier_edits=many,
                               now=NOW) is None  # fmt: skip


def test_an_approved_template_keeps_its_category():
    refusal = policy.edit_refusal(status="APPROVED", category="UTILITY", new_category="MARKETING", earlier_edits=[],
                                  now=NOW)  # fmt: skip
    assert refusal
    assert "category" in refusal


@pytest.mark.parametrize(
    ("hours_ago", "allowed"),
    [(23.99, False), (24, True), (48, True)],
)
def test_an_approved_template_is_edited_at_most_once_in_24_hours(hours_ago, allowed):
    edits = [NOW - timedelta(hours=hours_ago)]
    refusal = policy.edit_refusal(status="APPROVED", category="UTILITY", new_category="UTILITY", earlier_edits=edits,
                                  now=NOW)  # fmt: skip
    assert (refusal is None) == allowed


def test_an_approved_template_is_edited_at_most_10_times_in_30_days():
    ten = [NOW - timedelta(days=2 * i + 1) for i in range(10)]  # days 1..19
    refusal = policy.edit_refusal(status="APPROVED", category="UTILITY", new_category="UTILITY", earlier_edits=ten,
                                  now=NOW)  # fmt: skip
    assert refusal
    assert "10 times" in refusal
    older = [*ten[:9], NOW - timedelta(days=31)]
    assert policy.edit_refusal(status="APPROVED", category="UTILITY", new_category="UTILITY", earlier_edits=older,
                               now=NOW) is None  # fmt: skip


@pytest.mark.parametrize(
    ("status", "refused"),
    [("DISABLED", True), ("DELETED", True), ("PENDING_DELETION", True), ("APPROVED", False), ("DRAFT", False),
     ("REJECTED", False), ("PAUSED", False)],
)  # fmt: skip
def test_what_can_be_deleted(status, refused):
    assert bool(policy.delete_refusal(status=status)) == refused


@pytest.mark.parametrize(
    "reason", ["ABUSIVE_CONTENT", "INCORRECT_CATEGORY", "INVALID_FORMAT", "PROMOTIONAL", "SCAM", "TAG_CONTENT_MISMATCH"]
)
def test_every_rejection_reason_is_explained(reason):
    text = policy.status_explanation(status="REJECTED", reason=reason, detail="")
    assert text
    assert "no reason" not in text


def test_explanations_carry_meta_s_detail():
    assert policy.status_explanation(status="REJECTED", reason="", detail="Too short.").endswith("Too short.")
    assert "3 hours" in policy.status_explanation(status="PAUSED", reason="FIRST_PAUSE")
    assert "unpaused" in policy.status_explanation(status="PAUSED", reason="")
    assert policy.quality_explanation("RED")
    assert policy.quality_explanation("UNKNOWN") == ""
    assert "opted out of marketing" in policy.category_change_explanation("MARKETING")


@pytest.mark.parametrize(
    ("phone", "language"),
    [("+4915112345678", "de"), ("4915112345678", "de"), ("+33612345678", "fr"), ("+14155550100", "en"),
     ("+5511987654321", "pt"), ("+97150123456", "ar"), ("+81312345678", ""), ("not a number", ""), ("", "")],
)  # fmt: skip
def test_the_language_offered_first_follows_the_number_s_country(phone, language):
    assert policy.language_for_phone(phone) == language


def test_languages_of_the_preferred_base_come_first_in_their_order():
    assert policy.for_language_first(["en_US", "de", "fr", "de_AT"], "de") == ["de", "de_AT", "en_US", "fr"]
    assert policy.for_language_first(["en_US", "fr"], "") == ["en_US", "fr"]


def test_parameters_are_filled_from_the_contact_where_their_name_says_so():
    keys = ["first_name", "Last_Name", "customer_name", "phone", "order_number", "1"]
    assert policy.suggested_values(keys, name="Ana María López", phone="+34600000000") == {
        "first_name": "Ana", "Last_Name": "María López", "customer_name": "Ana María López", "phone": "+34600000000",
    }  # fmt: skip
    assert policy.suggested_values(["first_name", "last_name"], name="", phone="") == {}


def test_the_contact_s_attributes_fill_parameters_of_their_name_first():
    attributes = {"order_number": "A-1001", "first_name": "Anita", "tier": ""}
    keys = ["first_name", "order_number", "tier", "ORDER_NUMBER"]
    assert policy.suggested_values(keys, name="Ana López", phone="", attributes=attributes) == {
        "first_name": "Anita", "order_number": "A-1001",
    }  # fmt: skip
