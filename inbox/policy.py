"""Rules of the inbox that decide things from plain values: how delivery statuses move, whether
the customer service window is open, a contact's consent, opt-out keywords, who may assign,
snoozing, round robin, @mentions, the next message's cost. No database, no clock: `now` is
passed in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

from inbox.consent import OPT_IN_CONFIRMATION_KEYWORDS

# Receipts arrive in any order; a status only ever moves up this ladder. "played" (a voice
# message was listened to) implies read. Failed is terminal.
_RANK = {"received": 0, "queued": 0, "accepted": 0, "sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 4}


class EventSubjects(NamedTuple):
    conversation_id: int | None
    contact_id: int | None


def event_subjects(payload: Mapping[str, Any]) -> EventSubjects:
    """The conversation and contact a live event is about, in the payload shapes of
    inbox.presenters. Kept beside the (encrypted) payload, so an erasure finds a contact's
    events by index instead of decrypting the whole log."""

    def field(parent: str | None, key: str) -> int | None:
        node = payload.get(parent) if parent else payload
        value = node.get(key) if isinstance(node, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    conversation = field("message", "conversation_id") or field(None, "conversation_id") or field("conversation", "id")
    contact = field("contact", "id") or field(None, "contact_id") or field("conversation", "contact_id")
    return EventSubjects(conversation_id=conversation, contact_id=contact)


def status_rank(status: str) -> int:
    return _RANK.get(status, -1)


def next_status(*, current: str, reported: str) -> str:
    """The message's status after a receipt saying `reported`: the higher of the two."""
    if current == "failed" or status_rank(reported) < 0:
        return current
    reported = "read" if reported == "played" else reported
    return reported if status_rank(reported) > status_rank(current) else current


def failure_from_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """What an agent sees of a failed delivery: the first error, with the channel's human sentence."""
    first = errors[0] if errors else {}
    details = first.get("error_data", {}).get("details", "") if isinstance(first.get("error_data"), dict) else ""
    return {
        "code": first.get("code"),
        "title": first.get("title") or first.get("message") or "",
        "details": details,
        "message": first.get("human_message") or first.get("title") or "The message could not be delivered.",
    }


CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ServiceWindow:
    is_open: bool
    # When the window closes (or closed); None while the customer has never written.
    expires_at: datetime | None


def customer_service_window(*, last_inbound_at: datetime | None, now: datetime) -> ServiceWindow:
    """Open exactly while now − last_inbound_at < 24 h; at the 24 h mark it is closed."""
    if last_inbound_at is None:
        return ServiceWindow(is_open=False, expires_at=None)
    expires_at = last_inbound_at + CUSTOMER_SERVICE_WINDOW
    return ServiceWindow(is_open=now < expires_at, expires_at=expires_at)


# Consent ---------------------------------------------------------------------------------------
# A contact's consent is derived from its history of opt-in and opt-out events. Each scope
# ("all" messages, "marketing" messages) has its latest event; an opt-out of all also covers
# marketing, an opt-in of all lifts both, and a marketing opt-in lifts only a marketing opt-out.

OPT_IN = "opt_in"
OPT_OUT = "opt_out"
SCOPE_ALL = "all"
SCOPE_MARKETING = "marketing"


class ConsentRecord(NamedTuple):
    """One event of a contact's consent history, as plain values."""

    kind: str  # "opt_in" or "opt_out"
    scope: str  # "all" or "marketing"
    occurred_at: datetime


@dataclass(frozen=True)
class ConsentState:
    # A standing opt-in (of all messages, or of marketing) that no later opt-out of all withdrew.
    opted_in: bool
    opted_out_all: bool
    # True too when the contact opted out of all messages: marketing is part of "all".
    opted_out_marketing: bool
    # The latest event of the history; None when there is none.
    last_change_at: datetime | None
    # When the standing opt-in was given; None unless opted_in.
    opted_in_at: datetime | None = None
    # When the standing opt-out (of all, else of marketing) was given; None unless opted out.
    opted_out_at: datetime | None = None

    def refusal(self, *, marketing: bool) -> str | None:
        """Why a business-initiated message may not be sent on consent grounds: `opted_out`,
        `no_consent`, or None when it may. Whether the customer wrote first is the sender's fact."""
        if self.opted_out_all or (marketing and self.opted_out_marketing):
            return "opted_out"
        if not self.opted_in:
            return "no_consent"
        return None


NO_CONSENT_HISTORY = ConsentState(opted_in=False, opted_out_all=False, opted_out_marketing=False, last_change_at=None)


def _later(record: ConsentRecord | None, other: ConsentRecord) -> ConsentRecord:
    """The later of two events; at the same instant an opt-out wins, so the order of a history
    never matters and a tie never lets a message through."""
    if record is None:
        return other
    rank = (record.occurred_at, record.kind == OPT_OUT)
    other_rank = (other.occurred_at, other.kind == OPT_OUT)
    return other if other_rank > rank else record


def consent_state(events: Iterable[tuple[str, str, datetime]]) -> ConsentState:
    """A contact's consent from its history, given in any order. Unknown kinds and scopes are ignored."""
    latest_all: ConsentRecord | None = None
    latest_marketing: ConsentRecord | None = None
    last_change_at: datetime | None = None
    for kind, scope, occurred_at in events:
        if kind not in (OPT_IN, OPT_OUT):
            continue
        record = ConsentRecord(kind, scope, occurred_at)
        if scope == SCOPE_ALL:
            latest_all = _later(latest_all, record)
        elif scope == SCOPE_MARKETING:
            latest_marketing = _later(latest_marketing, record)
        else:
            continue
        last_change_at = occurred_at if last_change_at is None else max(last_change_at, occurred_at)
    if latest_all is None and latest_marketing is None:
        return NO_CONSENT_HISTORY

    opted_out_all = latest_all is not None and latest_all.kind == OPT_OUT
    # Marketing follows the later of its own latest event and the latest event of "all".
    if latest_marketing is None:
        assert latest_all is not None
        covering_marketing = latest_all
    else:
        covering_marketing = _later(latest_all, latest_marketing)
    opted_out_marketing = opted_out_all or covering_marketing.kind == OPT_OUT

    standing_opt_in = None
    if not opted_out_all:
        opt_ins = [r for r in (latest_all, latest_marketing) if r is not None and r.kind == OPT_IN]
        standing_opt_in = max(opt_ins, key=lambda r: r.occurred_at) if opt_ins else None
    opted_out_at = None
    if opted_out_all:
        assert latest_all is not None
        opted_out_at = latest_all.occurred_at
    elif opted_out_marketing:
        opted_out_at = covering_marketing.occurred_at
    return ConsentState(
        opted_in=standing_opt_in is not None,
        opted_out_all=opted_out_all,
        opted_out_marketing=opted_out_marketing,
        last_change_at=last_change_at,
        opted_in_at=standing_opt_in.occurred_at if standing_opt_in else None,
        opted_out_at=opted_out_at,
    )


# Characters ignored around a keyword: punctuation, symbols (emoji), spaces and invisible marks.
_EDGE_CATEGORIES = ("P", "S", "Z", "C")


def normalize_keyword(text: str) -> str:
    """`text` as keywords are compared: accents dropped, case folded, runs of spaces made one,
    and punctuation, symbols and spaces around it removed ("  Arrêt ! " → "arret")."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", without_marks).casefold()
    start, end = 0, len(folded)
    while start < end and unicodedata.category(folded[start])[0] in _EDGE_CATEGORIES:
        start += 1
    while end > start and unicodedata.category(folded[end - 1])[0] in _EDGE_CATEGORIES:
        end -= 1
    return " ".join(folded[start:end].split())


def matches_opt_out_keyword(text: str, keywords: Iterable[str]) -> str | None:
    """The keyword (as configured) that the whole message is, in any case or accents, with
    punctuation and spaces around it ignored; None when the message is anything more."""
    message = normalize_keyword(text)
    if not message:
        return None
    for keyword in keywords:
        if normalize_keyword(keyword) == message:
            return keyword
    return None


def is_opt_in_confirmation(said: Iterable[str]) -> bool:
    """Whether a reply confirms a pending double opt-in: its text, or a quick-reply button's label
    or payload, is only a "yes" (OPT_IN_CONFIRMATION_KEYWORDS, any case or accents)."""
    return any(matches_opt_out_keyword(text, OPT_IN_CONFIRMATION_KEYWORDS) for text in said)


# Conversations: who may assign, snoozing, round robin, mentions, the next message's cost ------

# Set directly by an agent; "snoozed" needs a time, so it goes through snoozing.
STATUSES_SET_DIRECTLY = ("open", "pending", "resolved")
# Conversations an agent is working on, counted against automatic assignment's maximum.
WORKING_STATUSES = ("open", "pending")


def assignment_refusal(
    *, actor_is_admin: bool, actor_user_id: int | None, current_assignee_id: int | None
) -> str | None:
    """Whether the actor may change who a conversation is assigned to: None when they may, else
    `assigned_to_colleague`.

    Every member may take an unassigned conversation, give it (or their own) to a colleague, and
    unassign their own. A conversation a colleague is working on changes hands only through that
    colleague or an admin (API keys act as admins), so nobody's work is taken from under them.
    """
    if actor_is_admin or current_assignee_id is None or current_assignee_id == actor_user_id:
        return None
    return "assigned_to_colleague"


MAX_SNOOZE = timedelta(days=90)
SNOOZE_PRESETS = ("1h", "4h", "tomorrow", "next_week")
# Presets that name a day wake the conversation at this hour of the agent's day.
SNOOZE_WAKE_HOUR = 9


def snooze_refusal(*, until: datetime, now: datetime) -> str | None:
    """Why a conversation can't be snoozed until `until`: `snooze_time_naive` (no time zone),
    `snooze_in_past` (not after now), `snooze_too_far` (more than 90 days ahead); None when it can."""
    if until.tzinfo is None or until.utcoffset() is None:
        return "snooze_time_naive"
    if until <= now:
        return "snooze_in_past"
    if until - now > MAX_SNOOZE:
        return "snooze_too_far"
    return None


def snooze_preset_until(preset: str, *, now_local: datetime) -> datetime:
    """When a preset ends, from now in the agent's time zone: in 1 or 4 hours, tomorrow at 9:00,
    or next Monday at 9:00 (a Monday's "next week" is the Monday after)."""
    if preset == "1h":
        return now_local + timedelta(hours=1)
    if preset == "4h":
        return now_local + timedelta(hours=4)
    if preset == "tomorrow":
        day = now_local.date() + timedelta(days=1)
    elif preset == "next_week":
        day = now_local.date() + timedelta(days=7 - now_local.weekday())
    else:
        raise ValueError(f"unknown snooze preset {preset!r}")
    return datetime.combine(day, time(SNOOZE_WAKE_HOUR), tzinfo=now_local.tzinfo)


@dataclass(frozen=True)
class AgentLoad:
    """An agent automatic assignment may choose: whether they take work now, and how much they have."""

    user_id: int
    is_online: bool
    open_count: int


def round_robin_next(*, agents: Sequence[AgentLoad], last_assigned_id: int | None, max_open: int) -> int | None:
    """The agent who gets the next conversation: the first online agent with fewer than `max_open`
    conversations after the last one chosen, in user id order, wrapping around; None when nobody can."""
    eligible = sorted({a.user_id for a in agents if a.is_online and a.open_count < max_open})
    if not eligible:
        return None
    if last_assigned_id is None:
        return eligible[0]
    return next((user_id for user_id in eligible if user_id > last_assigned_id), eligible[0])


def round_robin_plan(
    *, agents: Sequence[AgentLoad], last_assigned_id: int | None, max_open: int, count: int
) -> list[int | None]:
    """Who gets each of `count` conversations arriving together: each choice counts against the
    chosen agent's maximum before the next is made."""
    loads = {a.user_id: a for a in agents}
    plan: list[int | None] = []
    for _ in range(count):
        chosen = round_robin_next(agents=list(loads.values()), last_assigned_id=last_assigned_id, max_open=max_open)
        plan.append(chosen)
        if chosen is not None:
            current = loads[chosen]
            loads[chosen] = AgentLoad(chosen, current.is_online, current.open_count + 1)
            last_assigned_id = chosen
    return plan


@dataclass(frozen=True)
class Mentionable:
    """A member a note may mention, by `@email`, `@Full Name`, or (when no colleague shares it)
    `@first-name` or `@email-name` (the part before the @)."""

    user_id: int
    name: str
    email: str


def _handles(members: Sequence[Mentionable]) -> dict[str, int]:
    exact: dict[str, set[int]] = {}
    short: dict[str, set[int]] = {}
    for member in members:
        name = " ".join(member.name.split()).lower()
        email = member.email.strip().lower()
        for handle in (email, name):
            if handle:
                exact.setdefault(handle, set()).add(member.user_id)
        for handle in (name.split(" ")[0] if name else "", email.split("@")[0]):
            if handle:
                short.setdefault(handle, set()).add(member.user_id)
    # A handle two members share names neither: better no notification than the wrong person's.
    handles = {handle: ids.pop() for handle, ids in short.items() if len(ids) == 1}
    handles.update({handle: ids.pop() for handle, ids in exact.items() if len(ids) == 1})
    return handles


def _ends_handle(text: str, end: int) -> bool:
    """Whether a handle ending at `end` ends there: "@sam," and "@sam." do, "@samuel" and "@sam.lee" don't."""
    if end >= len(text):
        return True
    following = text[end]
    if following.isalnum() or following in "_-":
        return False
    return not (following in ".@" and end + 1 < len(text) and text[end + 1].isalnum())


def mentioned_user_ids(text: str, members: Sequence[Mentionable]) -> list[int]:
    """The members `text` mentions with @, each once, in the order first mentioned. The longest
    handle wins ("@Sam Lee" is Sam Lee even when "@sam" alone is ambiguous); an @ inside a word
    (an email address in the text) mentions nobody."""
    handles = sorted(_handles(members).items(), key=lambda item: -len(item[0]))
    lowered = text.lower()
    found: list[int] = []
    for start, character in enumerate(text):
        if character != "@" or (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._-")):
            continue
        for handle, user_id in handles:
            end = start + 1 + len(handle)
            if lowered.startswith(handle, start + 1) and _ends_handle(text, end):
                if user_id not in found:
                    found.append(user_id)
                break
    return found


ENTRY_POINT_FREE = "entry_point"
SERVICE = "service"
TEMPLATE_ONLY = "template_only"


@dataclass(frozen=True)
class NextMessageCost:
    """What WhatsApp would charge for the next message the business sends in a conversation.

    `entry_point`: the customer came from a click-to-WhatsApp ad: every message is free until
    `until` (72 h). `service`: inside the 24 h window: free-form replies (and utility templates)
    are free until `until`. `template_only`: outside it, only a template may be sent, charged by
    its category (marketing, utility, authentication).
    """

    category: str
    until: datetime | None


def next_message_cost(
    *, last_inbound_at: datetime | None, entry_point_expires_at: datetime | None, now: datetime
) -> NextMessageCost:
    if entry_point_expires_at is not None and now < entry_point_expires_at:
        return NextMessageCost(ENTRY_POINT_FREE, entry_point_expires_at)
    window = customer_service_window(last_inbound_at=last_inbound_at, now=now)
    if window.is_open:
        return NextMessageCost(SERVICE, window.expires_at)
    return NextMessageCost(TEMPLATE_ONLY, None)


# Retrying a failed message ---------------------------------------------------------------------
# Codes of failures that sending the same message again cannot cure: the customer's window has
# closed (131047) or they never wrote (template_required), the number is not on WhatsApp or
# blocked the business (131026), the customer opted out or stopped marketing (131050), the
# message or its template is invalid, refused or disabled as written, the recipient is the
# sender or in a country or experiment that excludes them. The channel's codes (WhatsApp's, the
# only channel so far) and our own refusal codes alike. Anything else (an outage, a rate limit,
# a token an admin can renew, a paused template) may pass later, so the agent may retry it.
_RETRY_CANNOT_HELP: frozenset[int | str] = frozenset(
    {
        100, 192, 130472, 130497, 131008, 131009, 131021, 131026, 131047, 131050, 131051, 131053,
        132000, 132001, 132005, 132007, 132012, 132016, 132018, 132068, 135000,
        "window_closed", "template_required", "opted_out", "no_consent", "template_not_approved",
        "template_params_invalid", "invalid_message",
    }
)  # fmt: skip


def retry_can_help(error: Mapping[str, Any] | None) -> bool:
    """Whether sending a failed message again may succeed, judged by its error's code
    (`{"code": 131047, …}`); a failure without a known code gets the benefit of the doubt."""
    code = (error or {}).get("code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    return code not in _RETRY_CANNOT_HELP


# Canned responses ------------------------------------------------------------------------------
_CONTACT_PLACEHOLDER = re.compile(r"\{\{\s*contact\.(first_name|name)\s*\}\}")


def canned_response_text(body: str, *, contact_name: str) -> str:
    """A canned response's text for one contact: {{contact.first_name}} and {{contact.name}} filled in.

    Without a name they are left out, and the space before them with them ("Hi {{contact.first_name}},"
    becomes "Hi,"), so nothing reaches the customer in braces.
    """
    name = " ".join(contact_name.split())
    values = {"name": name, "first_name": name.split(" ", 1)[0] if name else ""}
    if name:
        return _CONTACT_PLACEHOLDER.sub(lambda match: values[match[1]], body)
    return re.sub(r"[ \t]*" + _CONTACT_PLACEHOLDER.pattern, "", body)


# Contact attributes ----------------------------------------------------------------------------
ATTRIBUTE_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_ATTRIBUTE_VALUE_LENGTH = 500
MAX_ATTRIBUTES = 50


class AttributesChange(NamedTuple):
    attributes: dict[str, str]
    # What is wrong, by the key it is about ("" for the whole set): "key_invalid",
    # "value_not_text", "value_too_long" or "too_many". Empty when the change can be made.
    problems: dict[str, str]


def attributes_changed(current: Mapping[str, str], changes: Mapping[str, Any]) -> AttributesChange:
    """A contact's attributes after `changes` (a merge patch: a key set to None or "" is removed,
    values are trimmed), and what keeps the change from being made."""
    attributes = dict(current)
    problems: dict[str, str] = {}
    for key, value in changes.items():
        if not isinstance(key, str) or not ATTRIBUTE_KEY.fullmatch(key):
            problems[str(key)] = "key_invalid"
        elif value is None:
            attributes.pop(key, None)
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            problems[key] = "value_not_text"
        elif len(text := str(value).strip()) > MAX_ATTRIBUTE_VALUE_LENGTH:
            problems[key] = "value_too_long"
        elif text:
            attributes[key] = text
        else:
            attributes.pop(key, None)
    if len(attributes) > MAX_ATTRIBUTES and not problems:
        problems[""] = "too_many"
    return AttributesChange(attributes=attributes, problems=problems)
