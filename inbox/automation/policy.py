"""What the bot does with one customer message: pure, given the rules and the facts.

No database, no clock, no I/O: the service gathers the facts (is the business open, is the
window open, does an agent handle the conversation, how often did the bot fail so far…) and
carries out the decision (sends the replies through the normal send path, hands over).

Order of evaluation, first match wins:
1. the bot is off, an agent handles the conversation (assigned, answered, or handed over),
   the window is closed, or a newer message waits: silent;
2. "talk to a human" (a handover keyword, or the menu's handover option): hand over;
3. outside opening hours: the away message (once a day per conversation), then go on;
4. an external bot is configured: ask it (the service sends its answer);
5. a contact writing for the first time: the greeting (and the menu);
6. a menu option, then a keyword/FAQ answer (the conversation's language first): its reply;
7. the bot's first message in the conversation: the menu;
8. anything else is a misunderstanding: the fallback reply (and the menu), and after
   `max_misunderstandings` of them in a row, hand over.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# The reply id of the menu option that asks for a person, whatever its title.
HANDOVER_OPTION_ID = "talk-to-a-human"
NEXT_OPENING_PLACEHOLDER = "{next_opening}"
BUTTONS_MAX = 3
LIST_ROWS_MAX = 10


class Silence(StrEnum):
    DISABLED = "disabled"
    AGENT_HANDLES = "agent_handles"
    WINDOW_CLOSED = "window_closed"
    SUPERSEDED = "superseded"
    NOTHING_TO_SAY = "nothing_to_say"


class Handover(StrEnum):
    ASKED_FOR_HUMAN = "asked_for_human"
    NOT_UNDERSTOOD = "not_understood"
    # The external bot said so, or could not be reached: a person answers instead.
    EXTERNAL_BOT = "external_bot"
    EXTERNAL_BOT_FAILED = "external_bot_failed"


@dataclass(frozen=True)
class ExternalAnswer:
    """What the tenant's own bot answered: messages to send, and whether a person should take over."""

    messages: tuple[dict[str, Any], ...] = ()
    handover: bool = False
    failed: bool = False


@dataclass(frozen=True)
class Answer:
    match: str  # "exact", "contains" or "regex"
    pattern: str
    reply: str
    language: str = ""


@dataclass(frozen=True)
class MenuOption:
    id: str
    title: str
    reply: str = ""
    handover: bool = False


@dataclass(frozen=True)
class Menu:
    kind: str  # "buttons" or "list"
    text: str
    options: tuple[MenuOption, ...]
    button: str = ""  # a list's button label


@dataclass(frozen=True)
class Rules:
    enabled: bool = True
    greeting: str = ""
    away_message: str = ""
    fallback_reply: str = ""
    handover_keywords: tuple[str, ...] = ()
    handover_reply: str = ""
    max_misunderstandings: int = 2
    menu: Menu | None = None
    answers: tuple[Answer, ...] = ()
    external_bot: bool = False


@dataclass(frozen=True)
class Facts:
    text: str
    # The id of the button or list row the customer tapped (or a template button's payload).
    reply_id: str = ""
    first_contact: bool = False
    window_open: bool = True
    agent_handles: bool = False
    superseded: bool = False
    # True too when no opening hours are kept.
    business_open: bool = True
    next_opening_text: str = ""
    away_sent_today: bool = False
    bot_spoke_before: bool = False
    misunderstood: int = 0
    language: str = ""
    # The external bot's answer, once asked.
    external: ExternalAnswer | None = None


@dataclass(frozen=True)
class Decision:
    # Messages to send, in order, as the channel's message JSON.
    replies: tuple[dict[str, Any], ...] = ()
    silence: Silence | None = None
    handover: Handover | None = None
    ask_external_bot: bool = False
    away_sent: bool = False
    # The count of misunderstandings in a row after this message, and the conversation's language.
    misunderstood: int = 0
    language: str = ""
    matched: str = ""  # what the bot recognised ("greeting", "menu:<id>", "answer:<pattern>"…), for the transcript


def normalise(text: str) -> str:
    """Case, accents and surrounding punctuation don't matter when matching what a customer wrote."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(plain.split()).strip(" .,!?¡¿;:'\"")


def answer_matches(answer: Answer, text: str) -> bool:
    if answer.match == "regex":
        try:
            return re.search(answer.pattern, text, flags=re.IGNORECASE) is not None
        except re.error:
            return False
    wanted, said = normalise(answer.pattern), normalise(text)
    if not wanted:
        return False
    if answer.match == "exact":
        return said == wanted
    return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", said) is not None


def regex_error(pattern: str) -> str | None:
    """Why `pattern` is not a regular expression, or None."""
    try:
        re.compile(pattern)
    except re.error as error:
        return str(error)
    return None


def text_message(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}}


def menu_message(menu: Menu) -> dict[str, Any]:
    """The menu as WhatsApp's interactive reply buttons (up to 3) or list (up to 10 rows)."""
    if menu.kind == "buttons":
        action: dict[str, Any] = {
            "buttons": [{"type": "reply", "reply": {"id": o.id, "title": o.title}} for o in menu.options]
        }
        return {"type": "interactive", "interactive": {"type": "button", "body": {"text": menu.text}, "action": action}}
    rows = [{"id": o.id, "title": o.title} for o in menu.options]
    action = {"button": menu.button, "sections": [{"title": menu.button, "rows": rows}]}
    return {"type": "interactive", "interactive": {"type": "list", "body": {"text": menu.text}, "action": action}}


def menu_refusal(menu: Menu) -> str | None:
    """Why WhatsApp would refuse this menu (a stable code), or None."""
    if menu.kind not in ("buttons", "list"):
        return "menu_kind_invalid"
    if not menu.text.strip():
        return "menu_text_missing"
    limit, title_max = (BUTTONS_MAX, 20) if menu.kind == "buttons" else (LIST_ROWS_MAX, 24)
    if not 1 <= len(menu.options) <= limit:
        return "menu_too_many_options" if menu.options else "menu_options_missing"
    titles = [o.title for o in menu.options]
    if any(not t.strip() or len(t) > title_max for t in titles):
        return "menu_title_too_long"
    if len({t.casefold() for t in titles}) != len(titles):
        return "menu_titles_repeat"
    if menu.kind == "list" and not 1 <= len(menu.button) <= 20:
        return "menu_button_invalid"
    return None


def _asks_for_human(rules: Rules, facts: Facts) -> bool:
    if facts.reply_id == HANDOVER_OPTION_ID:
        return True
    if rules.menu is not None and any(o.handover and o.id == facts.reply_id for o in rules.menu.options):
        return True
    return any(answer_matches(Answer("contains", keyword, ""), facts.text) for keyword in rules.handover_keywords)


def _best_answer(rules: Rules, facts: Facts) -> Answer | None:
    matching = [a for a in rules.answers if answer_matches(a, facts.text)]
    if not matching:
        return None
    # The conversation's language first, then answers for any language, then the rest.
    return min(matching, key=lambda a: 0 if a.language and a.language == facts.language else 1 if not a.language else 2)


def decide(rules: Rules, facts: Facts) -> Decision:
    """What the bot does with the customer's latest message."""
    silence = _silence(rules, facts)
    if silence is not None:
        return Decision(silence=silence, misunderstood=facts.misunderstood, language=facts.language)
    if _asks_for_human(rules, facts):
        said = (text_message(rules.handover_reply),) if rules.handover_reply else ()
        return Decision(replies=said, handover=Handover.ASKED_FOR_HUMAN, matched="handover", language=facts.language)

    replies: list[dict[str, Any]] = []
    away = not facts.business_open and bool(rules.away_message) and not facts.away_sent_today
    if away:
        replies.append(text_message(rules.away_message.replace(NEXT_OPENING_PLACEHOLDER, facts.next_opening_text)))
    menu = (menu_message(rules.menu),) if rules.menu is not None else ()

    if rules.external_bot:
        return _external(facts, replies, away)
    greeted = facts.first_contact and bool(rules.greeting)
    if greeted:
        replies.append(text_message(rules.greeting))
    option = next((o for o in rules.menu.options if o.id == facts.reply_id), None) if rules.menu else None
    if option is not None and option.reply:
        replies.append(text_message(option.reply))
        return Decision(tuple(replies), away_sent=away, language=facts.language, matched=f"menu:{option.id}")
    answer = _best_answer(rules, facts)
    if answer is not None:
        replies.append(text_message(answer.reply))
        language = answer.language or facts.language
        return Decision(tuple(replies), away_sent=away, language=language, matched=f"answer:{answer.pattern}")
    if greeted or (menu and not facts.bot_spoke_before):
        # Nothing recognised yet, but the customer has not seen what the bot offers.
        matched = "greeting" if greeted else "menu"
        return Decision((*replies, *menu), away_sent=away, language=facts.language, matched=matched)
    return _misunderstood(rules, facts, replies, menu, away)


def _external(facts: Facts, replies: list[dict[str, Any]], away: bool) -> Decision:
    answer = facts.external
    if answer is None:
        return Decision(ask_external_bot=True, language=facts.language)
    handover = Handover.EXTERNAL_BOT_FAILED if answer.failed else Handover.EXTERNAL_BOT if answer.handover else None
    return Decision(
        replies=(*replies, *answer.messages),
        handover=handover,
        away_sent=away,
        language=facts.language,
        matched="external",
    )


def _silence(rules: Rules, facts: Facts) -> Silence | None:
    if not rules.enabled:
        return Silence.DISABLED
    if facts.agent_handles:
        return Silence.AGENT_HANDLES
    if facts.superseded:
        return Silence.SUPERSEDED
    if not facts.window_open:
        return Silence.WINDOW_CLOSED
    return None


def _misunderstood(
    rules: Rules, facts: Facts, replies: list[dict[str, Any]], menu: tuple[dict[str, Any], ...], away: bool
) -> Decision:
    count = facts.misunderstood + 1
    if count >= rules.max_misunderstandings:
        handover = (text_message(rules.handover_reply),) if rules.handover_reply else ()
        return Decision(
            replies=(*replies, *handover),
            handover=Handover.NOT_UNDERSTOOD,
            away_sent=away,
            misunderstood=count,
            language=facts.language,
            matched="not_understood",
        )
    fallback = (text_message(rules.fallback_reply),) if rules.fallback_reply else ()
    said = (*replies, *fallback, *menu)
    return Decision(
        replies=said,
        silence=None if said else Silence.NOTHING_TO_SAY,
        away_sent=away,
        misunderstood=count,
        language=facts.language,
        matched="not_understood",
    )
