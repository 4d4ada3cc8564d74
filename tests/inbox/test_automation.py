"""The bot on the database: a customer's message stored by the inbound path, the bot run on it,
its replies queued through the normal send path (so the channel's rules apply), handover into
the agents' queue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import count

import pytest

from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.automation import policy
from inbox.automation.services import (
    BOT_LABEL,
    automation_answer_create,
    automation_run,
    automation_schedule,
    automation_settings_save,
    opening_hours_set,
)
from inbox.hours import Interval
from inbox.incoming import IncomingMessage
from inbox.models import (
    Activity,
    ActivityKind,
    AutomationSettings,
    BotConversation,
    Conversation,
    Direction,
    Message,
    OutboxEntry,
)
from inbox.services.conversations import conversation_assign, conversation_status_set
from inbox.services.inbound import inbound_store
from tests.whatsapp.conftest import connect_number
from whatsapp.models import WhatsAppNumber

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 10:00 in Berlin.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CUSTOMER = "4915112345678"
_ids = count()

MENU_OPTIONS = (
    policy.MenuOption("opening", "Opening hours", reply="Mon–Fri 9–17."),
    policy.MenuOption(policy.HANDOVER_OPTION_ID, "Talk to a person", handover=True),
)


@pytest.fixture
def admin(world):
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)


@pytest.fixture
def channel(world):
    return connect_number(world).channel


@pytest.fixture
def bot(world, admin, channel):
    with tenant_scope(world.tenant):
        automation_settings_save(
            actor=admin,
            now=MONDAY_MORNING,
            enabled=True,
            greeting="Welcome to Acme Coffee!",
            away_message="We are closed; we open again {next_opening}.",
            fallback_reply="Sorry, I did not get that.",
            handover_keywords=["human", "Mensch"],
            handover_reply="A colleague will answer you here.",
            max_misunderstandings=2,
            menu_kind="buttons",
            menu_text="How can we help?",
            menu_button="",
            menu_options=MENU_OPTIONS,
            external_bot_url="",
        )
        automation_answer_create(
            actor=admin, now=MONDAY_MORNING, match="contains", pattern="price", language="", reply="A bag is 12 €."
        )
        opening_hours_set(
            actor=admin,
            channel=None,
            timezone_name="Europe/Berlin",
            intervals=[Interval(day, time(9), time(17)) for day in range(5)],
            holidays=frozenset(),
            now=MONDAY_MORNING,
        )


def customer_says(channel, text: str, *, at: datetime, reply_id: str = "", wa_id: str = CUSTOMER) -> Message:
    """The customer's message through the inbound path, then the bot's run on it (as its task does)."""
    n = next(_ids)
    content = {"interactive_type": "button_reply", "id": reply_id, "title": text} if reply_id else {}
    incoming = IncomingMessage(
        wa_id=wa_id,
        user_id="",
        profile_name="Jürgen",
        provider_message_id=f"wamid.bot.{n}",
        type="interactive" if reply_id else "text",
        text=text,
        content=content,
        raw={},
        sent_at=at,
        channel_id=channel.pk,
    )
    with tenant_scope(channel.tenant_id):
        result = inbound_store(tenant_id=channel.tenant_id, messages=[incoming], now=at)
        message = Message.objects.get(pk=result.created_message_ids[0])
        automation_run(tenant_id=channel.tenant_id, message_id=message.pk, now=at + timedelta(seconds=1))
    return message


def bot_said(world) -> list[str]:
    with tenant_scope(world.tenant):
        sent = Message.objects.filter(direction=Direction.OUTBOUND).order_by("pk")
        assert all(m.author_label == BOT_LABEL and m.author is None for m in sent)
        return [m.text if m.type == "text" else f"[{m.type}] {m.text}" for m in sent]


def conversation_of(world) -> Conversation:
    with tenant_scope(world.tenant):
        return Conversation.objects.select_related("contact").get()


def test_a_first_time_contact_is_greeted_and_shown_the_menu(world, bot, channel):
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    assert bot_said(world) == ["Welcome to Acme Coffee!", "[interactive] How can we help?"]
    with tenant_scope(world.tenant):
        menu = Message.objects.filter(type="interactive").get()
        assert menu.content["interactive"]["action"]["buttons"][0]["reply"]["id"] == "opening"
        # queued like any message, for the channel's delivery
        assert OutboxEntry.objects.count() == 2


def test_a_keyword_and_a_menu_button_are_answered(world, bot, channel):
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    customer_says(channel, "What's the price?", at=MONDAY_MORNING + timedelta(minutes=1))
    customer_says(channel, "Opening hours", reply_id="opening", at=MONDAY_MORNING + timedelta(minutes=2))
    assert bot_said(world)[2:] == ["A bag is 12 €.", "Mon–Fri 9–17."]


def test_outside_opening_hours_the_away_message_names_the_next_opening_once(world, bot, channel):
    customer_says(channel, "price?", at=SUNDAY)
    customer_says(channel, "price again?", at=SUNDAY + timedelta(minutes=5))
    away = "We are closed; we open again Monday 11/23/2026 09:00."
    assert bot_said(world) == [away, "Welcome to Acme Coffee!", "A bag is 12 €.", "A bag is 12 €."]


def test_handover_by_keyword_puts_the_conversation_in_the_queue_with_the_transcript(world, bot, channel):
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    customer_says(channel, "Ich will einen Mensch!", at=MONDAY_MORNING + timedelta(minutes=1))
    assert bot_said(world)[-1] == "A colleague will answer you here."
    conversation = conversation_of(world)
    assert (conversation.status, conversation.assignee_id) == ("open", None)
    with tenant_scope(world.tenant):
        handover = Activity.objects.get(kind=ActivityKind.HANDOVER)
        state = BotConversation.objects.get(conversation=conversation)
    assert handover.data["reason"] == "asked_for_human"
    assert "the customer asked for a person" in handover.body
    assert "Customer: Ich will einen Mensch!" in handover.body
    assert [line["from"] for line in handover.data["transcript"]] == ["customer", "bot", "bot", "customer", "bot"]
    assert state.handed_over_at is not None
    # From now on, the team answers: the bot stays silent.
    customer_says(channel, "price?", at=MONDAY_MORNING + timedelta(minutes=2))
    assert bot_said(world)[-1] == "A colleague will answer you here."


def test_handover_by_the_menus_button(world, bot, channel):
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    customer_says(
        channel, "Talk to a person", reply_id=policy.HANDOVER_OPTION_ID, at=MONDAY_MORNING + timedelta(minutes=1)
    )
    with tenant_scope(world.tenant):
        assert Activity.objects.get(kind=ActivityKind.HANDOVER).data["reason"] == "asked_for_human"


def test_repeated_misunderstanding_hands_over(world, bot, channel):
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    customer_says(channel, "blue", at=MONDAY_MORNING + timedelta(minutes=1))
    customer_says(channel, "green", at=MONDAY_MORNING + timedelta(minutes=2))
    assert bot_said(world)[2:] == [
        "Sorry, I did not get that.",
        "[interactive] How can we help?",
        "A colleague will answer you here.",
    ]
    with tenant_scope(world.tenant):
        assert Activity.objects.get(kind=ActivityKind.HANDOVER).data["reason"] == "not_understood"


def test_an_agent_who_took_over_is_never_interrupted_until_resolved(world, bot, channel, admin):
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    conversation = conversation_of(world)
    agent = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    with tenant_scope(world.tenant):
        conversation_assign(conversation=conversation, assignee_id=world.agent.user.pk, actor=agent, now=MONDAY_MORNING)
    customer_says(channel, "price?", at=MONDAY_MORNING + timedelta(minutes=1))
    assert len(bot_said(world)) == 2  # the greeting and menu only
    with tenant_scope(world.tenant):
        conversation_status_set(
            conversation=conversation, status="resolved", actor=agent, now=MONDAY_MORNING + timedelta(minutes=2)
        )
    # Resolved: the customer's next message opens a new conversation, which the bot answers again.
    customer_says(channel, "price?", at=MONDAY_MORNING + timedelta(minutes=3))
    assert bot_said(world)[-1] == "A bag is 12 €."


def test_when_the_window_is_closed_the_bot_stays_silent(world, bot, channel):
    # The message arrives (or its task runs) more than 24 hours after the customer wrote it.
    message = customer_says(channel, "price?", at=MONDAY_MORNING)
    with tenant_scope(world.tenant):
        BotConversation.objects.update(last_message=None)
        decision = automation_run(
            tenant_id=world.tenant.pk, message_id=message.pk, now=MONDAY_MORNING + timedelta(hours=25)
        )
    assert decision.silence == policy.Silence.WINDOW_CLOSED


def test_the_channels_rules_apply_to_the_bot_too(world, bot, channel):
    """A number that was disabled sends nothing, not even the bot's answer: the send path refuses."""
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    with tenant_scope(world.tenant):
        number = WhatsAppNumber.objects.get(channel=channel)
        number.is_active = False
        number.save()
    customer_says(channel, "price?", at=MONDAY_MORNING + timedelta(minutes=1))
    assert len(bot_said(world)) == 2
    with tenant_scope(world.tenant):
        # the message counts as handled: it is not answered later by a second run
        assert BotConversation.objects.get().last_message_id is not None


def test_running_twice_answers_once(world, bot, channel):
    message = customer_says(channel, "price?", at=MONDAY_MORNING)
    with tenant_scope(world.tenant):
        assert automation_run(tenant_id=world.tenant.pk, message_id=message.pk, now=MONDAY_MORNING) is None
    assert len(bot_said(world)) == 2  # greeting + answer, once


def test_a_bot_switched_off_says_nothing(world, admin, channel):
    with tenant_scope(world.tenant):
        automation_settings_save(actor=admin, now=MONDAY_MORNING, enabled=False, greeting="Hi!")
    customer_says(channel, "Hello", at=MONDAY_MORNING)
    assert bot_said(world) == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"menu_kind": "buttons", "menu_text": "Pick", "menu_options": ()}, "menu_options_missing"),
        (
            {
                "menu_kind": "buttons",
                "menu_text": "Pick",
                "menu_options": tuple(policy.MenuOption(f"o{i}", f"O{i}") for i in range(4)),
            },
            "menu_too_many_options",
        ),
        ({"max_misunderstandings": 0}, "invalid_max_misunderstandings"),
        ({"greeting": "x" * 4097}, "text_too_long"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(world, admin, changes, code):
    with tenant_scope(world.tenant):
        with pytest.raises(ServiceError) as refused:
            automation_settings_save(actor=admin, now=MONDAY_MORNING, enabled=True, **changes)
        assert refused.value.code == code
        assert not AutomationSettings.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"match": "regex", "pattern": "([", "reply": "x"}, "invalid_regex"),
        ({"match": "fuzzy", "pattern": "a", "reply": "x"}, "invalid_match"),
        ({"match": "exact", "pattern": " ", "reply": "x"}, "pattern_missing"),
        ({"match": "exact", "pattern": "a", "reply": ""}, "reply_missing"),
    ],
)
def test_bad_answers_are_refused(world, admin, fields, code):
    with tenant_scope(world.tenant), pytest.raises(ServiceError) as refused:
        automation_answer_create(actor=admin, now=MONDAY_MORNING, language="", **fields)
    assert refused.value.code == code


def test_an_agent_may_not_change_the_bot(world):
    agent = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    with tenant_scope(world.tenant), pytest.raises(ServiceError):
        automation_settings_save(actor=agent, now=MONDAY_MORNING, enabled=True)


@pytest.mark.parametrize("enabled", [None, False, True], ids=["never set up", "off", "on"])
def test_the_bot_is_queued_for_new_messages_only_when_it_is_on(
    world, admin, django_capture_on_commit_callbacks, enabled
):
    """A task per message for a bot that is off would take the tenant's event lock for nothing."""
    with tenant_scope(world.tenant):
        if enabled is not None:
            automation_settings_save(actor=admin, now=MONDAY_MORNING, enabled=enabled, greeting="Hi!")
        with django_capture_on_commit_callbacks() as callbacks:
            automation_schedule(tenant_id=world.tenant.pk, message_ids=[1, 2])

    assert len(callbacks) == (1 if enabled else 0)
