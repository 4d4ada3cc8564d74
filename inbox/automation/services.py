"""The bot at work: answer a customer's message by the workspace's rules, or hand the
conversation to the team; and the admins' writes of the rules and of opening hours.

`automation_run` is called by a Celery task after each inbound batch commits, once per new
customer message. It gathers the facts, lets `policy.decide` choose, and carries the decision
out in one transaction under the tenant's event lock: replies go through `send_message`, so the
channel's rules (window, consent, number active) apply to the bot as to anyone, and are authored
as the bot (`author_label` "bot"). Handing over leaves the conversation open and unassigned (in
the agents' queue) with an Activity saying why, with the bot's transcript.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import ServiceError
from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record, require_role
from inbox import hours as opening_hours
from inbox.automation import external, policy
from inbox.automation.selectors import automation_settings, rules_for
from inbox.models import (
    Activity,
    ActivityKind,
    AnswerMatch,
    AutomationAnswer,
    AutomationSettings,
    BotConversation,
    Channel,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageType,
    OpeningHoursSetting,
)
from inbox.policy import customer_service_window
from inbox.presenters import conversation_event
from inbox.services.conversations import activity_event
from inbox.services.events import Event, events_emit, lock_tenant_events
from inbox.services.outbound import send_message
from inbox.webhooks_out import new_secret

logger = logging.getLogger(__name__)

AUTOMATION_TASK = "inbox.tasks.automation_run"
BOT_LABEL = "bot"
# The away message is sent at most once a day per conversation.
AWAY_REPEAT_AFTER = timedelta(hours=24)
TRANSCRIPT_MESSAGES = 20
PATTERN_MAX_LENGTH = 200
REPLY_MAX_LENGTH = 4096
MAX_MISUNDERSTANDINGS_LIMIT = 10


def automation_schedule(*, tenant_id: int, message_ids: Sequence[int]) -> None:
    """After the inbound batch commits, run the bot on each new customer message.

    Only when the workspace's bot is on: each run takes the tenant's event lock, so a task per
    message for nothing halved the rate at which a backlog of webhooks drains.
    """
    settings = automation_settings(tenant_id=tenant_id) if message_ids else None
    ids = list(message_ids) if settings is not None and settings.enabled else []

    def send() -> None:
        try:
            for message_id in ids:
                current_app.send_task(AUTOMATION_TASK, kwargs={"tenant_id": tenant_id, "message_id": message_id})
        except Exception:  # the messages are stored; the team answers them
            logger.warning("could not queue the bot for messages %s", ids, exc_info=True)

    if ids:
        transaction.on_commit(send)


# Running the bot ------------------------------------------------------------------------------


def automation_run(*, tenant_id: int, message_id: int, now: datetime) -> policy.Decision | None:
    """Answer one customer message, stay silent, or hand over. None when the bot is off or the
    message is not one it answers, or was answered already (running twice does nothing more)."""
    decision = _run(tenant_id, message_id, now=now, answer=None)
    if decision is None or not decision.ask_external_bot:
        return decision
    # Asked outside any transaction (it may take seconds); then the facts are gathered again,
    # since an agent may have taken the conversation meanwhile.
    settings = automation_settings(tenant_id=tenant_id)
    message = _customer_message(tenant_id, message_id)
    if settings is None or message is None:
        return None
    answer = external.ask(
        url=settings.external_bot_url,
        secret=settings.external_bot_secret,
        payload=external.request_payload(message, language=decision.language),
    )
    return _run(tenant_id, message_id, now=now, answer=answer)


def _customer_message(tenant_id: int, message_id: int) -> Message | None:
    return (
        Message.objects.for_tenant(tenant_id)
        .select_related("conversation", "conversation__contact")
        .filter(pk=message_id, direction=Direction.INBOUND)
        .exclude(type__in=[MessageType.REACTION, MessageType.SYSTEM, MessageType.UNSUPPORTED])
        .first()
    )


@transaction.atomic
def _run(
    tenant_id: int, message_id: int, *, now: datetime, answer: policy.ExternalAnswer | None
) -> policy.Decision | None:
    lock_tenant_events(tenant_id)  # first, like every writer that emits events
    settings = automation_settings(tenant_id=tenant_id)
    message = _customer_message(tenant_id, message_id)
    if settings is None or not settings.enabled or message is None:
        return None
    conversation = (
        Conversation.objects.for_tenant(tenant_id)
        .select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=message.conversation_id)
    )
    bots = BotConversation.objects.for_tenant(tenant_id)
    bots.bulk_create([BotConversation(tenant_id=tenant_id, conversation=conversation)], ignore_conflicts=True)
    state = bots.select_for_update().get(conversation=conversation)
    if state.last_message_id is not None and state.last_message_id >= message.pk:
        return None
    facts = _facts(message, conversation, state, now=now)
    decision = policy.decide(rules_for(settings), replace(facts, external=answer))
    if decision.ask_external_bot:
        return decision
    _carry_out(decision, message, conversation, state, now=now)
    return decision


def _facts(message: Message, conversation: Conversation, state: BotConversation, *, now: datetime) -> policy.Facts:
    tenant_id = message.tenant_id
    messages = Message.objects.for_tenant(tenant_id)
    thread = messages.filter(conversation=conversation)
    newer = thread.filter(direction=Direction.INBOUND, pk__gt=message.pk).exclude(
        type__in=[MessageType.REACTION, MessageType.SYSTEM]
    )
    agent_replied = thread.filter(direction=Direction.OUTBOUND, author__isnull=False).exists()
    earlier_conversation = (
        messages.filter(conversation__contact_id=conversation.contact_id).exclude(conversation=conversation).exists()
    )
    channel = Channel.objects.for_tenant(tenant_id).get(pk=conversation.channel_id)
    hours = opening_hours.hours_for_channel(channel)
    business_open = hours is None or opening_hours.is_open(hours, now)
    next_opening_text = ""
    if hours is not None and not business_open:
        opening = opening_hours.next_opening(hours, now)
        language = Tenant.objects.filter(pk=tenant_id).values_list("default_language", flat=True).get()
        next_opening_text = opening_hours.describe_moment(hours, opening, language) if opening else ""
    content = message.content or {}
    return policy.Facts(
        text=message.text,
        reply_id=str(content.get("id") or content.get("payload") or ""),
        first_contact=not earlier_conversation and not thread.filter(direction=Direction.OUTBOUND).exists(),
        window_open=customer_service_window(last_inbound_at=conversation.last_inbound_at, now=now).is_open,
        agent_handles=conversation.assignee_id is not None or agent_replied or state.handed_over_at is not None,
        superseded=newer.exists(),
        business_open=business_open,
        next_opening_text=next_opening_text,
        away_sent_today=state.away_sent_at is not None and now - state.away_sent_at < AWAY_REPEAT_AFTER,
        bot_spoke_before=thread.filter(direction=Direction.OUTBOUND, author_label=BOT_LABEL).exists(),
        misunderstood=state.misunderstood,
        language=state.language,
    )


def _carry_out(
    decision: policy.Decision, message: Message, conversation: Conversation, state: BotConversation, *, now: datetime
) -> None:
    handover = decision.handover
    for payload in decision.replies:
        try:
            _send_as_bot(conversation, payload, now=now)
        except ServiceError as error:
            # The channel refused (window closed meanwhile, opted out, an external bot's bad JSON…).
            logger.info("bot reply not sent in conversation %s: %s (%s)", conversation.pk, error.message, error.code)
            if decision.matched == "external" and handover is None:
                handover = policy.Handover.EXTERNAL_BOT_FAILED
            break
    state.misunderstood = decision.misunderstood
    state.language = decision.language
    state.last_message = message
    if decision.away_sent:
        state.away_sent_at = now
    if handover is not None:
        _hand_over(conversation, state, reason=handover, now=now)
    state.updated_at = now
    state.save()


def _send_as_bot(conversation: Conversation, payload: dict[str, Any], *, now: datetime) -> Message:
    actor = Actor(tenant_id=conversation.tenant_id, role=Role.ADMIN)
    sent = send_message(conversation=conversation, payload=payload, actor=actor, now=now)
    # Actor has no name for automation; the bot signs its messages in the same transaction.
    Message.objects.for_tenant(conversation.tenant_id).filter(pk=sent.pk).update(author_label=BOT_LABEL)
    return sent


def handover_sentence(reason: str) -> str:
    sentences: dict[str, str] = {
        policy.Handover.ASKED_FOR_HUMAN: _(
            "The bot handed the conversation to the team: the customer asked for a person."
        ),
        policy.Handover.NOT_UNDERSTOOD: _(
            "The bot handed the conversation to the team: it did not understand the customer's answers."
        ),
        policy.Handover.EXTERNAL_BOT: _("The bot handed the conversation to the team, as the external bot asked."),
        policy.Handover.EXTERNAL_BOT_FAILED: _(
            "The bot handed the conversation to the team: the external bot did not answer properly."
        ),
    }
    return sentences.get(reason, _("The bot handed the conversation to the team."))


def _transcript(conversation: Conversation) -> list[dict[str, str]]:
    recent = (
        Message.objects.for_tenant(conversation.tenant_id)
        .filter(conversation=conversation)
        .exclude(type=MessageType.REACTION)
        .order_by("-sent_at", "-id")[:TRANSCRIPT_MESSAGES]
    )
    return [
        {"from": "customer" if m.direction == Direction.INBOUND else m.author_label or "system", "text": m.text}
        for m in reversed(recent)
    ]


def _hand_over(conversation: Conversation, state: BotConversation, *, reason: str, now: datetime) -> None:
    """Into the agents' queue: open and unassigned, with an Activity saying why and the transcript."""
    transcript = _transcript(conversation)
    lines = [
        f"{_('Customer') if line['from'] == 'customer' else _('Bot')}: {line['text']}"
        for line in transcript
        if line["from"] in ("customer", BOT_LABEL)
    ]
    activity = Activity.objects.for_tenant(conversation.tenant_id).create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        kind=ActivityKind.HANDOVER,
        actor_label=BOT_LABEL,
        body="\n".join([handover_sentence(reason), *lines]),
        data={"reason": reason, "transcript": transcript},
        created_at=now,
    )
    state.handed_over_at = now
    state.handover_reason = reason
    conversation.status = ConversationStatus.OPEN
    conversation.snoozed_until = None
    conversation.updated_at = now
    conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
    events_emit(
        sequence=lock_tenant_events(conversation.tenant_id),
        events=[Event("conversation.updated", conversation_event(conversation)), activity_event(activity)],
    )


# Admins' writes -------------------------------------------------------------------------------


def _invalid(message: str, *, code: str, field: str) -> ServiceError:
    return ServiceError(message, code=code, details={"field": field})


def _text(value: str, *, field: str, maximum: int = REPLY_MAX_LENGTH) -> str:
    value = value.strip()
    if len(value) > maximum:
        raise _invalid(
            _("Keep this to %(limit)d characters or fewer.") % {"limit": maximum}, code="text_too_long", field=field
        )
    return value


MENU_REFUSALS = {
    "menu_kind_invalid": gettext_lazy("Choose reply buttons or a list."),
    "menu_text_missing": gettext_lazy("Write the text the menu shows above its options."),
    "menu_options_missing": gettext_lazy("Give the menu at least one option."),
    "menu_too_many_options": gettext_lazy("Reply buttons hold at most 3 options; a list at most 10."),
    "menu_title_too_long": gettext_lazy("Option titles are at most 20 characters for buttons and 24 for a list."),
    "menu_titles_repeat": gettext_lazy("Give each option a different title."),
    "menu_button_invalid": gettext_lazy("A list needs the label of its button, at most 20 characters."),
}


@transaction.atomic
def automation_settings_save(*, actor: Actor, now: datetime, **fields: Any) -> AutomationSettings:
    """Save the workspace's bot. `fields` are AutomationSettings' (menu_options as a tuple of
    policy.MenuOption); `regenerate_secret` makes a new signing secret for the external bot."""
    require_role(actor, Role.ADMIN)
    regenerate = bool(fields.pop("regenerate_secret", False))
    options: tuple[policy.MenuOption, ...] = tuple(fields.pop("menu_options", ()))
    for name in ("greeting", "away_message", "fallback_reply", "handover_reply", "menu_text"):
        fields[name] = _text(fields.get(name, ""), field=name)
    keywords = [k.strip() for k in fields.get("handover_keywords", []) if k.strip()]
    if any(len(k) > 40 for k in keywords):
        raise _invalid(_("Keep each keyword to 40 characters."), code="keyword_too_long", field="handover_keywords")
    fields["handover_keywords"] = keywords
    if not 1 <= int(fields.get("max_misunderstandings", 2)) <= MAX_MISUNDERSTANDINGS_LIMIT:
        raise _invalid(
            _("Hand over after 1 to %(limit)d answers the bot did not understand.")
            % {"limit": MAX_MISUNDERSTANDINGS_LIMIT},
            code="invalid_max_misunderstandings",
            field="max_misunderstandings",
        )
    if fields.get("menu_kind"):
        menu = policy.Menu(
            kind=fields["menu_kind"], text=fields["menu_text"], options=options, button=fields.get("menu_button", "")
        )
        refusal = policy.menu_refusal(menu)
        if refusal is not None:
            raise _invalid(str(MENU_REFUSALS[refusal]), code=refusal, field="menu_options")
    fields["menu_options"] = (
        [{"id": o.id, "title": o.title, "reply": o.reply, "handover": o.handover} for o in options]
        if fields.get("menu_kind")
        else []
    )
    settings = AutomationSettings.objects.for_tenant(actor.tenant_id).select_for_update().first()
    if settings is None:
        settings = AutomationSettings(tenant_id=actor.tenant_id)
    for name, value in fields.items():
        setattr(settings, name, value)
    if settings.external_bot_url and (regenerate or not settings.external_bot_secret):
        settings.external_bot_secret = new_secret()
    settings.updated_at = now
    settings.save()
    audit_record(actor=actor, action="automation.settings_saved", target=settings, target_label=_("Bot settings"))
    return settings


def _answer_fields(*, match: str, pattern: str, language: str, reply: str) -> dict[str, str]:
    if match not in AnswerMatch.values:
        raise _invalid(_("Choose how the message is matched."), code="invalid_match", field="match")
    pattern = _text(pattern, field="pattern", maximum=PATTERN_MAX_LENGTH)
    if not pattern:
        raise _invalid(_("Enter the words to recognise."), code="pattern_missing", field="pattern")
    if match == AnswerMatch.REGEX and (error := policy.regex_error(pattern)) is not None:
        raise _invalid(
            _("This is not a regular expression: %(error)s.") % {"error": error}, code="invalid_regex", field="pattern"
        )
    reply = _text(reply, field="reply")
    if not reply:
        raise _invalid(_("Write the answer."), code="reply_missing", field="reply")
    return {"match": match, "pattern": pattern, "language": language.strip()[:8], "reply": reply}


def automation_answer_create(*, actor: Actor, now: datetime, **fields: str) -> AutomationAnswer:
    require_role(actor, Role.ADMIN)
    answer = AutomationAnswer.objects.for_tenant(actor.tenant_id).create(
        tenant_id=actor.tenant_id, created_at=now, **_answer_fields(**fields)
    )
    audit_record(actor=actor, action="automation.answer_created", target=answer, target_label=answer.pattern)
    return answer


def automation_answer_update(*, actor: Actor, answer: AutomationAnswer, **fields: str) -> AutomationAnswer:
    require_role(actor, Role.ADMIN)
    for name, value in _answer_fields(**fields).items():
        setattr(answer, name, value)
    answer.save()
    audit_record(actor=actor, action="automation.answer_updated", target=answer, target_label=answer.pattern)
    return answer


def automation_answer_delete(*, actor: Actor, answer: AutomationAnswer) -> None:
    require_role(actor, Role.ADMIN)
    audit_record(actor=actor, action="automation.answer_deleted", target=answer, target_label=answer.pattern)
    answer.delete()


@transaction.atomic
def opening_hours_set(
    *,
    actor: Actor,
    channel: Channel | None,
    timezone_name: str,
    intervals: Sequence[opening_hours.Interval],
    holidays: frozenset[date],
    now: datetime,
) -> OpeningHoursSetting:
    """Set a number's opening hours (None: the workspace's default)."""
    require_role(actor, Role.ADMIN)
    try:
        opening_hours.check_timezone(timezone_name)
    except opening_hours.HoursError as error:
        raise _invalid(str(error), code="invalid_timezone", field="timezone_name") from error
    rows = OpeningHoursSetting.objects.for_tenant(actor.tenant_id).select_for_update()
    row = rows.filter(channel=channel).first() if channel else rows.filter(channel__isnull=True).first()
    row = row or OpeningHoursSetting(tenant_id=actor.tenant_id, channel=channel)
    row.timezone_name = timezone_name
    row.intervals = opening_hours.intervals_to_json(intervals)
    row.holidays = sorted(holidays)
    row.updated_at = now
    row.save()
    audit_record(
        actor=actor,
        action="automation.hours_saved",
        target=row,
        target_label=channel.name if channel else _("Workspace default"),
    )
    return row


def opening_hours_clear(*, actor: Actor, channel: Channel) -> None:
    """The number goes back to the workspace's hours."""
    require_role(actor, Role.ADMIN)
    deleted, _rows = OpeningHoursSetting.objects.for_tenant(actor.tenant_id).filter(channel=channel).delete()
    if deleted:
        audit_record(actor=actor, action="automation.hours_cleared", target=channel, target_label=channel.name)
