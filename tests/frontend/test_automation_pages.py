"""The bot's and opening hours' admin pages: what is saved, what is refused (and says why)."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.urls import reverse

from accounts.tenancy import tenant_scope
from inbox import hours
from inbox.automation import policy
from inbox.models import (
    AutomationAnswer,
    AutomationSettings,
    DeliveryState,
    EventDelivery,
    EventDeliveryAttempt,
    EventSubscription,
    OpeningHoursSetting,
)
from tests.conftest import page_text
from tests.inbox.factories import ChannelFactory

pytestmark = pytest.mark.django_db

BOT_FORM = {
    "enabled": "on",
    "greeting": "Welcome!",
    "away_message": "Closed; back {next_opening}.",
    "fallback_reply": "Sorry?",
    "max_misunderstandings": "3",
    "handover_keywords": "human, Mensch",
    "handover_reply": "A colleague will answer.",
    "menu_kind": "buttons",
    "menu_text": "How can we help?",
    "menu_button": "",
    "menu_options": "Opening hours | Mon–Fri 9–17.\nTalk to a person | @human",
    "external_bot_url": "",
}
WEEK = {
    "timezone_name": "Europe/Berlin",
    "monday": "09:00-12:30, 13:30-18:00",
    "tuesday": "09:00-18:00",
    "wednesday": "",
    "thursday": "",
    "friday": "",
    "saturday": "22:00-02:00",
    "sunday": "",
    "holidays": "2026-12-25",
}


def url(world, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"tenant_slug": world.tenant.slug, **kwargs})


def test_the_bot_settings_are_saved_with_their_menu(world):
    client = world.client_for(world.admin)
    assert client.get(url(world, "settings_bot")).status_code == 200
    response = client.post(url(world, "settings_bot"), BOT_FORM)
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        saved = AutomationSettings.objects.get()
    assert (saved.enabled, saved.max_misunderstandings, saved.handover_keywords) == (True, 3, ["human", "Mensch"])
    assert saved.menu_options == [
        {"id": "option-1", "title": "Opening hours", "reply": "Mon–Fri 9–17.", "handover": False},
        {"id": policy.HANDOVER_OPTION_ID, "title": "Talk to a person", "reply": "", "handover": True},
    ]
    page = page_text(client.get(url(world, "settings_bot")))
    assert "Opening hours | Mon–Fri 9–17." in page  # shown back as typed
    assert "How can we help?" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"menu_options": "Just a title"}, "Line 1: write the title, a |, and the answer."),
        ({"menu_options": "A | a\nB | b\nC | c\nD | d"}, "Reply buttons hold at most 3 options; a list at most 10."),
        ({"menu_options": "A much too long button title | x"}, "Option titles are at most 20 characters"),
        ({"menu_kind": "list", "menu_button": ""}, "A list needs the label of its button"),
        ({"max_misunderstandings": "0"}, "greater than or equal to 1"),
        ({"external_bot_url": "not a url"}, "Enter a valid URL."),
    ],
)
def test_bad_bot_settings_are_refused_with_a_reason_and_change_nothing(world, changes, message):
    response = world.client_for(world.admin).post(url(world, "settings_bot"), {**BOT_FORM, **changes})
    assert response.status_code == 400
    assert message in page_text(response)
    with tenant_scope(world.tenant):
        assert not AutomationSettings.objects.exists()


def test_an_external_bot_gets_a_signing_secret_shown_to_admins(world):
    client = world.client_for(world.admin)
    client.post(url(world, "settings_bot"), {**BOT_FORM, "external_bot_url": "https://bot.example.com/hook"})
    with tenant_scope(world.tenant):
        secret = AutomationSettings.objects.get().external_bot_secret
    assert secret in page_text(client.get(url(world, "settings_bot")))
    client.post(
        url(world, "settings_bot"),
        {**BOT_FORM, "external_bot_url": "https://bot.example.com/hook", "regenerate_secret": "on"},
    )
    with tenant_scope(world.tenant):
        assert AutomationSettings.objects.get().external_bot_secret != secret


def test_answers_are_added_edited_and_deleted(world):
    client = world.client_for(world.admin)
    answer = {"match": "contains", "pattern": "price", "language": "en", "reply": "12 €"}
    assert client.post(url(world, "settings_bot_answer_add"), answer).status_code == 302
    with tenant_scope(world.tenant):
        saved = AutomationAnswer.objects.get()
    assert "price" in page_text(client.get(url(world, "settings_bot")))
    edit = url(world, "settings_bot_answer", answer_id=saved.pk)
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**answer, "reply": "13 €"}).status_code == 302
    with tenant_scope(world.tenant):
        assert AutomationAnswer.objects.get().reply == "13 €"
    assert client.post(url(world, "settings_bot_answer_delete", answer_id=saved.pk)).status_code == 302
    with tenant_scope(world.tenant):
        assert not AutomationAnswer.objects.exists()


def test_a_broken_regular_expression_is_refused(world):
    response = world.client_for(world.admin).post(
        url(world, "settings_bot_answer_add"), {"match": "regex", "pattern": "order (", "language": "", "reply": "x"}
    )
    assert response.status_code == 400
    assert "This is not a regular expression" in page_text(response)
    with tenant_scope(world.tenant):
        assert not AutomationAnswer.objects.exists()


def test_opening_hours_are_saved_and_read_back(world):
    client = world.client_for(world.admin)
    assert client.post(url(world, "settings_hours"), WEEK).status_code == 302
    saved = hours.hours_for_workspace(world.tenant.pk)
    assert saved.timezone == "Europe/Berlin"
    assert hours.Interval(5, time(22), time(2)) in saved.intervals
    assert saved.holidays == {date(2026, 12, 25)}
    page = page_text(client.get(url(world, "settings_hours")))
    assert 'value="09:00-12:30, 13:30-18:00"' in page
    assert "Monday: 09:00–12:30, 13:30–18:00" in page
    assert "Wednesday: closed" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"monday": "9 to 5"}, "Write times as 09:00-17:00"),
        ({"tuesday": "09:00-12:00, 11:00-13:00"}, "These times overlap"),
        ({"holidays": "25.12.2026"}, "Write holidays as dates like 2026-12-25"),
        ({"timezone_name": "Mars/Olympus"}, "Select a valid choice."),
    ],
)
def test_bad_opening_hours_are_refused_with_a_reason(world, changes, message):
    response = world.client_for(world.admin).post(url(world, "settings_hours"), {**WEEK, **changes})
    assert response.status_code == 400
    assert message in page_text(response)
    with tenant_scope(world.tenant):
        assert not OpeningHoursSetting.objects.exists()


def test_a_number_gets_its_own_hours_and_goes_back_to_the_workspaces(world):
    client = world.client_for(world.admin)
    with tenant_scope(world.tenant):
        channel = ChannelFactory.create(tenant=world.tenant, name="Outlet line")
    client.post(url(world, "settings_hours"), WEEK)
    own = url(world, "settings_hours_channel", channel_id=channel.pk)
    assert client.get(own).status_code == 200
    assert client.post(own, {**WEEK, "timezone_name": "Europe/Paris"}).status_code == 302
    assert hours.hours_for_channel(channel).timezone == "Europe/Paris"
    assert "own hours" in page_text(client.get(url(world, "settings_hours")))
    client.post(url(world, "settings_hours_channel_clear", channel_id=channel.pk))
    assert hours.hours_for_channel(channel).timezone == "Europe/Berlin"


@pytest.mark.parametrize("name", ["settings_bot", "settings_hours", "settings_webhooks"])
def test_agents_cannot_open_the_settings(world, name):
    assert world.client_for(world.agent).get(url(world, name)).status_code == 403


# Outbound event webhooks -------------------------------------------------------------------------


def test_a_webhook_is_added_and_its_secret_and_delivery_log_are_shown(world):
    client = world.client_for(world.admin)
    form = {"url": "https://crm.example.com/hooks/relay", "description": "CRM", "event_types": ["message.created"]}
    assert client.post(url(world, "settings_webhooks"), form).status_code == 302
    with tenant_scope(world.tenant):
        subscription = EventSubscription.objects.get()
        delivery = EventDelivery.objects.create(
            tenant=world.tenant,
            subscription=subscription,
            event_id="evt_1",
            event_type="message.created",
            payload={},
            state=DeliveryState.FAILED,
            attempts=2,
        )
        for code in (500, 502):
            EventDeliveryAttempt.objects.create(
                tenant=world.tenant, delivery=delivery, attempted_at=delivery.created_at, status_code=code
            )
    assert "crm.example.com/hooks/relay" in page_text(client.get(url(world, "settings_webhooks")))
    detail = page_text(client.get(url(world, "settings_webhook", subscription_id=subscription.pk)))
    assert subscription.secret in detail
    assert "evt_1" in detail
    assert ">500<" in detail
    assert ">502<" in detail
    assert "Gave up" in detail
    redeliver = url(world, "settings_webhook_redeliver", subscription_id=subscription.pk, delivery_id=delivery.pk)
    assert client.post(redeliver).status_code == 302
    with tenant_scope(world.tenant):
        assert EventDelivery.objects.get().state == DeliveryState.PENDING
    assert client.post(url(world, "settings_webhook_delete", subscription_id=subscription.pk)).status_code == 302
    with tenant_scope(world.tenant):
        assert not EventSubscription.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_types": []}, "This field is required."),
        ({"event_types": ["message.deleted"]}, "Select a valid choice."),
        ({"url": "crm"}, "Enter a valid URL."),
    ],
)
def test_a_bad_webhook_is_refused_with_a_reason(world, changes, message):
    form = {"url": "https://crm.example.com/hooks/relay", "event_types": ["message.created"], **changes}
    response = world.client_for(world.admin).post(url(world, "settings_webhooks"), form)
    assert response.status_code == 400
    assert message in page_text(response)
    with tenant_scope(world.tenant):
        assert not EventSubscription.objects.exists()
