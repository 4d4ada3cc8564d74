"""The bot's decision as a table: rules and facts in, replies and handover out (no database)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from inbox.automation.policy import (
    HANDOVER_OPTION_ID,
    Answer,
    ExternalAnswer,
    Facts,
    Handover,
    Menu,
    MenuOption,
    Rules,
    Silence,
    answer_matches,
    decide,
    menu_message,
    menu_refusal,
    text_message,
)

MENU = Menu(
    kind="buttons",
    text="How can we help?",
    options=(
        MenuOption("opening", "Opening hours", reply="Mon–Fri 9–17."),
        MenuOption(HANDOVER_OPTION_ID, "Talk to a person", handover=True),
    ),
)
RULES = Rules(
    greeting="Welcome to Acme Coffee!",
    away_message="We are closed; back {next_opening}.",
    fallback_reply="Sorry, I did not get that.",
    handover_keywords=("human", "agent", "Mensch"),
    handover_reply="A colleague will answer you here.",
    max_misunderstandings=2,
    menu=MENU,
    answers=(
        Answer("contains", "opening hours", "We open at 9.", language="en"),
        Answer("contains", "öffnungszeiten", "Wir öffnen um 9.", language="de"),
        Answer("exact", "price", "A bag is 12 €."),
        Answer("regex", r"\border\s*#?\d{4,}", "Your order is on its way."),
    ),
)
GREETING = text_message("Welcome to Acme Coffee!")
FALLBACK = text_message("Sorry, I did not get that.")
HANDOVER_REPLY = text_message("A colleague will answer you here.")
AWAY = text_message("We are closed; back Monday 30/11/2026 09:00.")
MENU_MESSAGE = menu_message(MENU)
SEEN = Facts(text="", bot_spoke_before=True)  # a returning customer who has seen the menu


def facts(**changes):
    return replace(SEEN, **changes)


@pytest.mark.parametrize(
    "row",
    [
        (
            "first contact: greeting and menu",
            RULES,
            Facts(text="hi", first_contact=True),
            (GREETING, MENU_MESSAGE),
            None,
            None,
        ),
        (
            "first contact asking something: greeting and answer",
            RULES,
            Facts(text="Price", first_contact=True),
            (GREETING, text_message("A bag is 12 €.")),
            None,
            None,
        ),
        (
            "keyword answer",
            RULES,
            facts(text="What are your opening hours?"),
            (text_message("We open at 9."),),
            None,
            None,
        ),
        (
            "exact answer ignores case and punctuation",
            RULES,
            facts(text="PRICE?"),
            (text_message("A bag is 12 €."),),
            None,
            None,
        ),
        (
            "exact answer needs the exact words",
            RULES,
            facts(text="price list please"),
            (FALLBACK, MENU_MESSAGE),
            None,
            None,
        ),
        (
            "regex answer",
            RULES,
            facts(text="where is order #12345"),
            (text_message("Your order is on its way."),),
            None,
            None,
        ),
        (
            "menu button",
            RULES,
            facts(text="Opening hours", reply_id="opening"),
            (text_message("Mon–Fri 9–17."),),
            None,
            None,
        ),
        (
            "outside hours: away message then the answer",
            RULES,
            facts(text="price", business_open=False, next_opening_text="Monday 30/11/2026 09:00"),
            (AWAY, text_message("A bag is 12 €.")),
            None,
            None,
        ),
        (
            "outside hours, away message sent today already",
            RULES,
            facts(text="price", business_open=False, away_sent_today=True),
            (text_message("A bag is 12 €."),),
            None,
            None,
        ),
        (
            "handover by keyword",
            RULES,
            facts(text="I want a human please"),
            (HANDOVER_REPLY,),
            Handover.ASKED_FOR_HUMAN,
            None,
        ),
        (
            "handover keyword in any case and accent",
            RULES,
            facts(text="MENSCH!"),
            (HANDOVER_REPLY,),
            Handover.ASKED_FOR_HUMAN,
            None,
        ),
        (
            "a keyword inside another word is not one",
            RULES,
            facts(text="management"),
            (FALLBACK, MENU_MESSAGE),
            None,
            None,
        ),
        (
            "handover by the menu's button",
            RULES,
            facts(text="Talk to a person", reply_id=HANDOVER_OPTION_ID),
            (HANDOVER_REPLY,),
            Handover.ASKED_FOR_HUMAN,
            None,
        ),
        ("first misunderstanding: fallback and menu", RULES, facts(text="blah"), (FALLBACK, MENU_MESSAGE), None, None),
        (
            "second misunderstanding: handover",
            RULES,
            facts(text="blah", misunderstood=1),
            (HANDOVER_REPLY,),
            Handover.NOT_UNDERSTOOD,
            None,
        ),
        ("the bot's first word is the menu", RULES, Facts(text="blah"), (MENU_MESSAGE,), None, None),
        ("agent took over", RULES, facts(text="human", agent_handles=True), (), None, Silence.AGENT_HANDLES),
        ("window closed", RULES, facts(text="price", window_open=False), (), None, Silence.WINDOW_CLOSED),
        ("a newer message waits", RULES, facts(text="price", superseded=True), (), None, Silence.SUPERSEDED),
        ("bot off", replace(RULES, enabled=False), facts(text="price"), (), None, Silence.DISABLED),
        (
            "nothing to say",
            Rules(max_misunderstandings=5),
            facts(text="blah"),
            (),
            None,
            Silence.NOTHING_TO_SAY,
        ),
    ],
    ids=lambda row: row[0],
)
def test_decide(row):
    _case, rules, facts_, replies, handover, silence = row
    decision = decide(rules, facts_)
    assert decision.replies == replies
    assert decision.handover == handover
    assert decision.silence == silence


def test_misunderstandings_count_in_a_row_and_an_answer_resets_them():
    assert decide(RULES, facts(text="blah")).misunderstood == 1
    assert decide(RULES, facts(text="price", misunderstood=1)).misunderstood == 0
    assert decide(RULES, facts(text="x", agent_handles=True, misunderstood=1)).misunderstood == 1


def test_the_conversations_language_picks_among_answers_and_an_answer_sets_it():
    rules = replace(
        RULES,
        answers=(
            Answer("contains", "hours", "Hours: 9–17.", language="en"),
            Answer("contains", "hours", "Horaires : 9h–17h.", language="fr"),
        ),
    )
    assert decide(rules, facts(text="hours", language="fr")).replies == (text_message("Horaires : 9h–17h."),)
    assert decide(rules, facts(text="hours", language="en")).replies == (text_message("Hours: 9–17."),)
    assert decide(RULES, facts(text="Öffnungszeiten?", language="")).language == "de"


def test_external_bot_is_asked_then_its_answer_is_sent_after_the_away_message():
    rules = replace(RULES, external_bot=True)
    closed = facts(text="price", business_open=False, next_opening_text="Monday 30/11/2026 09:00")
    assert decide(rules, closed).ask_external_bot
    answered = decide(rules, replace(closed, external=ExternalAnswer(messages=(text_message("12 €"),))))
    assert answered.replies == (AWAY, text_message("12 €"))
    assert answered.handover is None
    assert decide(rules, replace(closed, external=ExternalAnswer(handover=True))).handover == Handover.EXTERNAL_BOT
    assert decide(rules, replace(closed, external=ExternalAnswer(failed=True))).handover == Handover.EXTERNAL_BOT_FAILED
    # "talk to a human" still works, without asking the external bot
    assert decide(rules, facts(text="human")).handover == Handover.ASKED_FOR_HUMAN


@pytest.mark.parametrize(
    ("menu", "refusal"),
    [
        (MENU, None),
        (replace(MENU, kind="list", button="Choose"), None),
        (replace(MENU, kind="carousel"), "menu_kind_invalid"),
        (replace(MENU, text=" "), "menu_text_missing"),
        (replace(MENU, options=()), "menu_options_missing"),
        (replace(MENU, options=tuple(MenuOption(f"o{i}", f"Option {i}") for i in range(4))), "menu_too_many_options"),
        (
            replace(
                MENU, kind="list", button="Choose", options=tuple(MenuOption(f"o{i}", f"Option {i}") for i in range(10))
            ),
            None,
        ),
        (replace(MENU, options=(MenuOption("a", "x" * 21),)), "menu_title_too_long"),
        (replace(MENU, kind="list", button="Choose", options=(MenuOption("a", "x" * 24),)), None),
        (replace(MENU, options=(MenuOption("a", "Same"), MenuOption("b", "same"))), "menu_titles_repeat"),
        (replace(MENU, kind="list", button=""), "menu_button_invalid"),
    ],
)
def test_menu_refusal(menu, refusal):
    assert menu_refusal(menu) == refusal


def test_menu_messages_have_whatsapps_shapes():
    assert menu_message(MENU)["interactive"]["action"]["buttons"][1] == {
        "type": "reply",
        "reply": {"id": HANDOVER_OPTION_ID, "title": "Talk to a person"},
    }
    listed = menu_message(replace(MENU, kind="list", button="Choose"))["interactive"]
    assert listed["type"] == "list"
    assert listed["action"]["sections"][0]["rows"][0] == {"id": "opening", "title": "Opening hours"}


def test_a_broken_regex_matches_nothing():
    assert not answer_matches(Answer("regex", "([", "x"), "([")
