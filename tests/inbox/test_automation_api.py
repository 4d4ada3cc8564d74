"""The automation API (admin keys): opening hours and holidays, the bot's settings and answers,
event-webhook subscriptions. Each round-trips through the services the settings pages use; bad
input gets the error envelope naming the field and changes nothing; other keys are refused."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import ApiKeyScope, AuditLog
from inbox import hours as opening_hours
from inbox.automation import selectors as bot_selectors
from inbox.models import AutomationAnswer, EventSubscription, OpeningHoursSetting
from tests.accounts.factories import api_key_for
from tests.accounts.test_api import assert_envelope, bearer
from tests.inbox.factories import ChannelFactory

pytestmark = pytest.mark.django_db

HOURS: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "intervals": [
        {"weekday": 0, "opens": "09:00", "closes": "12:30"},
        {"weekday": 0, "opens": "13:30", "closes": "18:00"},
        {"weekday": 4, "opens": "22:00", "closes": "02:00"},
    ],
    "holidays": ["2026-12-25", "2026-12-24"],
}
BOT: dict[str, Any] = {
    "enabled": True,
    "greeting": "Hi! This is Acme Coffee.",
    "away_message": "We're closed; we open {next_opening}.",
    "handover_keywords": ["human", "agent"],
    "handover_reply": "A colleague will answer shortly.",
    "max_misunderstandings": 3,
    "menu": {
        "kind": "buttons",
        "text": "How can we help?",
        "options": [
            {"id": "orders", "title": "My order", "reply": "Send us your order number."},
            {"id": "human", "title": "Talk to a person", "handover": True},
        ],
    },
}


@pytest.fixture
def client(world):
    _key, secret = api_key_for(world.tenant)
    return bearer(secret)


def test_the_workspace_hours_round_trip(world, client):
    assert client.get("/api/v1/hours/").json() == {
        "channel_id": None, "own": False, "timezone": "UTC", "intervals": [], "holidays": []
    }  # fmt: skip

    response = client.put("/api/v1/hours/", HOURS, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {**HOURS, "channel_id": None, "own": True, "holidays": ["2026-12-24", "2026-12-25"]}
    stored = opening_hours.hours_for_workspace(world.tenant.pk)
    assert stored is not None
    assert stored.timezone == "Europe/Berlin"
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="automation.hours_saved").exists()


def test_a_channel_gets_hours_of_its_own_and_goes_back_to_the_workspace_s(world, client):
    channel = ChannelFactory.create(tenant=world.tenant)
    client.put("/api/v1/hours/", HOURS, format="json")
    url = f"/api/v1/channels/{channel.pk}/hours/"
    assert client.get(url).json()["own"] is False

    own = {"timezone": "Europe/Paris", "intervals": [{"weekday": 5, "opens": "10:00", "closes": "14:00"}],
           "holidays": []}  # fmt: skip
    assert client.put(url, own, format="json").json() == {**own, "channel_id": channel.pk, "own": True}

    assert client.delete(url).status_code == 204
    assert client.get(url).json()["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "invalid_timezone", "timezone_name"),
        ({"intervals": [{"weekday": 0, "opens": "09:00", "closes": "12:00"},
                        {"weekday": 0, "opens": "11:00", "closes": "13:00"}]}, "invalid_hours", "intervals"),
        ({"intervals": [{"weekday": 1, "opens": "09:00", "closes": "09:00"}]}, "invalid_hours", "intervals"),
        ({"intervals": [{"weekday": 7, "opens": "09:00", "closes": "10:00"}]}, "validation_error", None),
        ({"intervals": [{"weekday": 1, "opens": "25:00", "closes": "10:00"}]}, "validation_error", None),
        ({"holidays": ["25.12.2026"]}, "validation_error", None),
    ],
)  # fmt: skip
def test_bad_hours_are_refused_with_the_envelope_and_change_nothing(world, client, change, code, field):
    response = client.put("/api/v1/hours/", {**HOURS, **change}, format="json")

    assert_envelope(response, 400, code)
    if field:
        assert response.json()["error"]["details"] == {"field": field}
    assert not OpeningHoursSetting.objects.for_tenant(world.tenant).exists()


def test_the_bot_settings_round_trip(world, client):
    response = client.put("/api/v1/bot/", BOT, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["menu"]["options"][1] == {"id": "human", "title": "Talk to a person", "reply": "", "handover": True}
    assert (body["greeting"], body["max_misunderstandings"]) == (BOT["greeting"], 3)
    assert client.get("/api/v1/bot/").json() == body
    settings = bot_selectors.automation_settings(tenant_id=world.tenant.pk)
    assert settings is not None
    assert settings.handover_keywords == ["human", "agent"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"max_misunderstandings": 0}, "invalid_max_misunderstandings"),
        ({"greeting": "x" * 4097}, "text_too_long"),
        ({"menu": {**BOT["menu"], "options": [{"id": str(i), "title": f"Option {i}"} for i in range(4)]}},
         "menu_too_many_options"),
        ({"menu": {**BOT["menu"], "kind": "carousel"}}, "validation_error"),
    ],
)  # fmt: skip
def test_bad_bot_settings_are_refused_and_change_nothing(world, client, change, code):
    response = client.put("/api/v1/bot/", {**BOT, **change}, format="json")

    assert_envelope(response, 400, code)
    assert bot_selectors.automation_settings(tenant_id=world.tenant.pk) is None


def test_answers_are_added_changed_and_deleted(world, client):
    created = client.post(
        "/api/v1/bot/answers/",
        {"match": "regex", "pattern": r"\bopen(ing)? hours?\b", "reply": "9 to 5."},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/bot/answers/{created.json()['id']}/"

    changed = client.put(url, {"match": "contains", "pattern": "hours", "language": "en", "reply": "9 to 6."},
                         format="json")  # fmt: skip

    assert (changed.json()["reply"], changed.json()["language"]) == ("9 to 6.", "en")
    assert [a["pattern"] for a in client.get("/api/v1/bot/answers/").json()["results"]] == ["hours"]
    assert client.delete(url).status_code == 204
    assert not AutomationAnswer.objects.for_tenant(world.tenant).exists()


def test_a_broken_regular_expression_is_refused(world, client):
    response = client.post("/api/v1/bot/answers/", {"match": "regex", "pattern": "(open", "reply": "9 to 5."},
                           format="json")  # fmt: skip

    assert_envelope(response, 400, "invalid_regex")
    assert response.json()["error"]["details"] == {"field": "pattern"}
    assert not AutomationAnswer.objects.for_tenant(world.tenant).exists()


def test_webhook_subscriptions_are_created_with_a_secret_changed_and_deleted(world, client):
    created = client.post(
        "/api/v1/webhooks/",
        {"url": "https://crm.acme.example/hooks", "event_types": ["message.created", "contact.opted_in"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["contact.opted_in", "message.created"]
    url = f"/api/v1/webhooks/{body['id']}/"

    changed = client.put(
        url,
        {"url": "https://crm.acme.example/hooks", "event_types": ["message.status"], "is_active": False,
         "regenerate_secret": True},
        format="json",
    )  # fmt: skip

    assert (changed.json()["event_types"], changed.json()["is_active"]) == (["message.status"], False)
    assert changed.json()["secret"] != body["secret"]
    assert client.delete(url).status_code == 204
    assert not EventSubscription.objects.for_tenant(world.tenant).exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://crm.acme.example/", "event_types": ["message.created"]}, "invalid_url"),
        ({"url": "https://crm.acme.example/", "event_types": []}, "validation_error"),
        ({"url": "https://crm.acme.example/", "event_types": ["message.deleted"]}, "validation_error"),
    ],
)
def test_bad_subscriptions_are_refused(world, client, body, code):
    assert_envelope(client.post("/api/v1/webhooks/", body, format="json"), 400, code)
    assert not EventSubscription.objects.for_tenant(world.tenant).exists()


@pytest.mark.parametrize("scope", [ApiKeyScope.READ, ApiKeyScope.WRITE])
@pytest.mark.parametrize("url", ["/api/v1/hours/", "/api/v1/bot/", "/api/v1/bot/answers/", "/api/v1/webhooks/"])
def test_only_admin_keys_read_or_change_automation(world, scope, url):
    _key, secret = api_key_for(world.tenant, scope=scope)

    assert_envelope(bearer(secret).get(url), 403, "api_key_not_admin")


def test_the_schema_describes_the_automation_api(world, client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/hours/",
        "/api/v1/channels/{channel_id}/hours/",
        "/api/v1/bot/",
        "/api/v1/bot/answers/",
        "/api/v1/bot/answers/{answer_id}/",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{subscription_id}/",
    ):
        assert path in schema["paths"], path  # fmt: skip
    assert "put" in schema["paths"]["/api/v1/bot/"]
