"""The pure rules of data protection: tables of cases, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from privacy import policy

NOW = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "expires_at", "refusal"),
    [
        ("ready", NOW + timedelta(seconds=1), None),
        ("ready", NOW, policy.EXPORT_GONE),
        ("ready", NOW - timedelta(hours=1), policy.EXPORT_GONE),
        ("ready", None, policy.EXPORT_GONE),
        ("preparing", None, policy.EXPORT_NOT_READY),
        ("failed", None, policy.EXPORT_FAILED),
        ("downloaded", NOW + timedelta(hours=1), policy.EXPORT_GONE),
        ("expired", NOW + timedelta(hours=1), policy.EXPORT_GONE),
    ],
)
def test_export_download_refusal(state, expires_at, refusal):
    assert policy.export_download_refusal(state=state, expires_at=expires_at, now=NOW) == refusal


@pytest.mark.parametrize(
    ("days", "cutoff"), [(None, None), (30, NOW - timedelta(days=30)), (0, NOW), (3650, NOW - timedelta(days=3650))]
)
def test_retention_cutoff(days, cutoff):
    assert policy.retention_cutoff(retention_days=days, now=NOW) == cutoff


def _body(*values):
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": list(values)}]}


def _messages(number, *senders):
    return {
        "field": "messages",
        "value": {
            "metadata": {"phone_number_id": number},
            "contacts": [{"wa_id": s, "profile": {"name": f"N{s}"}} for s in senders],
            "messages": [{"from": s, "id": f"m{s}", "type": "text", "text": {"body": s}} for s in senders],
            "statuses": [{"id": f"s{s}", "status": "read", "recipient_id": s} for s in senders],
        },
    }


def test_webhook_without_customer_cuts_their_items_and_keeps_the_others():
    body, changed = policy.webhook_without_customer(_body(_messages("P1", "111", "222")), wa_id="111")

    value = body["entry"][0]["changes"][0]["value"]
    assert changed
    assert [m["from"] for m in value["messages"]] == ["222"]
    assert [c["wa_id"] for c in value["contacts"]] == ["222"]
    assert [s["recipient_id"] for s in value["statuses"]] == ["222"]


def test_webhook_without_customer_drops_account_changes_about_them():
    preference = {"field": "user_preferences", "value": {"user_preferences": [{"wa_id": "111", "value": "stop"}]}}
    template = {"field": "message_template_status_update", "value": {"event": "APPROVED", "message_template_id": 7}}

    body, changed = policy.webhook_without_customer(_body(preference, template), wa_id="111")

    assert changed
    assert body["entry"][0]["changes"] == [template]


def test_webhook_without_customer_leaves_a_body_without_them_alone():
    original = _body(_messages("P1", "222"))

    body, changed = policy.webhook_without_customer(original, wa_id="111")

    assert not changed
    assert body == _body(_messages("P1", "222"))


def test_a_phone_number_id_equal_to_the_customer_is_not_mistaken_for_them():
    _body_after, changed = policy.webhook_without_customer(_body(_messages("111", "222")), wa_id="111")

    assert not changed


def test_webhook_without_numbers_drops_only_those_numbers_message_changes():
    template = {"field": "message_template_status_update", "value": {"event": "APPROVED"}}
    body, changed = policy.webhook_without_numbers(
        _body(_messages("P1", "111"), _messages("P2", "222"), template), phone_number_ids={"P1"}
    )

    assert changed
    assert body["entry"][0]["changes"] == [_messages("P2", "222"), template]


@pytest.mark.parametrize("body", [{}, {"entry": "x"}, {"entry": [None, {"changes": [None, {"value": 3}]}]}])
def test_odd_bodies_are_left_as_they_are(body):
    assert policy.webhook_without_customer(body, wa_id="111") == (body, False)
    assert policy.webhook_without_numbers(body, phone_number_ids={"P1"}) == (body, False)
