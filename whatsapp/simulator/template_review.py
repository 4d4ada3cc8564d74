"""The simulated review of created and edited templates, the status changes Meta makes later
(pauses, disabling, appeals…), and the template webhooks of whatsapp-cloud-api.md §6:
`message_template_status_update`, `message_template_quality_update` and
`template_category_update`, signed and delivered like every other webhook."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import re
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from whatsapp.simulator import webhooks
from whatsapp.simulator.config import SimulatorConfig, TemplateReview
from whatsapp.simulator.state import Delivery, SimulatorState
from whatsapp.simulator.template_rules import (
    ADJACENT_REJECTION_INFO,
    NAME_BLOCKED_SECONDS,
    has_adjacent_parameters,
)
from whatsapp.simulator.templates import DELETED_STATUSES, SENDABLE_STATUSES, Template

logger = logging.getLogger(__name__)

STATUS_FIELD = "message_template_status_update"
QUALITY_FIELD = "message_template_quality_update"
CATEGORY_FIELD = "template_category_update"
REJECTION_REASONS = frozenset(
    {
        "ABUSIVE_CONTENT", "INCORRECT_CATEGORY", "INVALID_FORMAT", "PROMOTIONAL", "SCAM", "TAG_CONTENT_MISMATCH",
        "NONE", "CATEGORY_NOT_AVAILABLE",
    }
)  # fmt: skip
QUALITY_SCORES = frozenset({"GREEN", "YELLOW", "RED", "UNKNOWN"})
# Events after which the template is in another status than the event's name.
STATUS_AFTER_EVENT = {"REINSTATED": "APPROVED", "UNARCHIVED": "APPROVED"}
# Meta pauses a low-quality template for 3 h the first time and 6 h the second (§6).
PAUSE_INFO = {
    1: ("FIRST_PAUSE", "Your WhatsApp message template has been paused for 3 hours due to low quality."),
    2: ("SECOND_PAUSE", "Your WhatsApp message template has been paused for 6 hours due to low quality."),
}
UNPAUSE_INFO = {"title": "UNPAUSE", "description": "Your WhatsApp message template has been unpaused."}
DISABLE_INFO_TEXT = "Your WhatsApp message template has been disabled due to low quality."


@dataclass(frozen=True)
class Notice:
    """One template webhook to deliver: which WABA, which field, what value."""

    waba_id: str
    field: str
    value: dict[str, Any]


@dataclass(frozen=True)
class ReviewDecision:
    status: str  # APPROVED or REJECTED
    category: str  # MARKETING when a promotional UTILITY template is recategorised
    reason: str
    rejection_info: dict[str, str] | None = None


@dataclass(frozen=True)
class StatusChange:
    """A status event and what its webhook says about it."""

    event: str
    # None (null in the webhook) when the template is scheduled for deletion.
    reason: str | None = "NONE"
    rejection_info: dict[str, str] | None = None
    other_info: dict[str, str] | None = None
    disable_info: dict[str, int] | None = None


# Review


def review_decision(template: Template, settings: TemplateReview) -> ReviewDecision:
    """What the review decides, in the order `TemplateReview` describes."""
    if has_adjacent_parameters(template):
        return ReviewDecision("REJECTED", template.category, "INVALID_FORMAT", dict(ADJACENT_REJECTION_INFO))
    text = reviewed_text(template)
    for word, reason in settings.rejected_words.items():
        if mentions(text, word):
            return ReviewDecision("REJECTED", template.category, reason)
    reads_promotional = any(mentions(text, word) for word in settings.promotional_words)
    if template.category == "UTILITY" and reads_promotional:
        if settings.promotional_utility == "reject":
            return ReviewDecision("REJECTED", template.category, "INCORRECT_CATEGORY")
        return ReviewDecision("APPROVED", "MARKETING", "NONE")
    return ReviewDecision("APPROVED", template.category, "NONE")


def reviewed_text(template: Template) -> str:
    """Everything a reviewer reads: header, body, footer and button labels."""
    parts = [template.text_of(kind) for kind in ("HEADER", "BODY", "FOOTER")]
    buttons = template.component("BUTTONS")
    for button in buttons.get("buttons", []) if buttons else []:
        if isinstance(button, dict):
            parts.append(str(button.get("text") or ""))
    return "\n".join(parts)


def mentions(text: str, word: str) -> bool:
    """Whether `word` (or phrase) occurs in `text` as a whole word, in any case."""
    return re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", text.lower()) is not None


def start_review(
    app: Starlette, config: SimulatorConfig, state: SimulatorState, template: Template, *, announce_pending: bool
) -> None:
    """Decide `template`'s current revision after the configured delay, under the rules in force now.

    `announce_pending`: first send the PENDING status webhook (an edit sent it back to review).
    """
    settings = copy.deepcopy(config.template_review)
    pending = [status_notice(config, template, StatusChange("PENDING"))] if announce_pending else []
    work = _review(config, state, template.id, template.revision, settings=settings, pending=pending)
    webhooks.run_in_background(app, work)


async def _review(
    config: SimulatorConfig,
    state: SimulatorState,
    template_id: str,
    revision: int,
    *,
    settings: TemplateReview,
    pending: list[Notice],
) -> None:
    try:
        for notice in pending:
            await notify(config, state, notice)
        await asyncio.sleep(settings.delay_seconds)
        # The decision and the category the template was submitted in.
        decisions: list[tuple[ReviewDecision, str]] = []

        def decide(template: Template) -> Template:
            # An edit or a deletion since this review started makes its decision moot.
            if template.revision != revision or template.status != "PENDING":
                return template
            decision = review_decision(template, settings)
            decisions.append((decision, template.category))
            recategorised = decision.category != template.category
            return dataclasses.replace(
                template,
                status=decision.status,
                category=decision.category,
                previous_category=template.category if recategorised else template.previous_category,
                rejected_reason=decision.reason,
            )

        if state.templates.get(template_id) is None:
            return
        reviewed = state.templates.update(template_id, decide)
        if not decisions:
            return
        [(decision, submitted_category)] = decisions
        if decision.category != submitted_category:
            await notify(config, state, category_notice(config, reviewed, previous_category=submitted_category))
        change = StatusChange(decision.status, reason=decision.reason, rejection_info=decision.rejection_info)
        await notify(config, state, status_notice(config, reviewed, change))
    except Exception:
        logger.exception("reviewing template %s failed", template_id)


# Status changes


def forced_change(
    template: Template,
    event: str,
    *,
    now: float,
    reason: str | None = None,
    other_info: dict[str, str] | None = None,
    rejection_info: dict[str, str] | None = None,
) -> StatusChange:
    """A status event the harness forces, with what Meta's webhook would say when not told otherwise."""
    disable_info = None
    if other_info is None and event == "PAUSED":
        title, description = PAUSE_INFO[min(template.pause_count + 1, 2)]
        other_info = {"title": title, "description": description}
    elif other_info is None and event == "DISABLED":
        other_info = {"title": "DISABLED", "description": DISABLE_INFO_TEXT}
    elif other_info is None and event in {"APPROVED", "REINSTATED"} and template.status == "PAUSED":
        other_info = dict(UNPAUSE_INFO)
    if event == "DISABLED":
        disable_info = {"disable_date": int(now)}
    if reason is None:
        reason = None if event == "PENDING_DELETION" else "NONE"
    return StatusChange(
        event,
        reason=reason,
        rejection_info=rejection_info,
        other_info=other_info,
        disable_info=disable_info,
    )


def with_status(template: Template, change: StatusChange, *, now: float) -> Template:
    """The template after a status event."""
    status = STATUS_AFTER_EVENT.get(change.event, change.event)
    name_blocked_until = template.name_blocked_until
    if status in DELETED_STATUSES and (template.status in SENDABLE_STATUSES or template.status == "PAUSED"):
        # §6: a deleted approved template's name is blocked for 30 days.
        name_blocked_until = now + NAME_BLOCKED_SECONDS
    return dataclasses.replace(
        template,
        status=status,
        rejected_reason=(change.reason or "NONE") if status == "REJECTED" else "NONE",
        pause_count=template.pause_count + (1 if status == "PAUSED" else 0),
        name_blocked_until=name_blocked_until,
    )


# Webhooks


def waba_of(config: SimulatorConfig, template: Template) -> str:
    return template.waba_id or config.default_waba_id


def _identity(template: Template) -> dict[str, Any]:
    return {
        "message_template_id": int(template.id),
        "message_template_name": template.name,
        "message_template_language": template.language,
    }


def status_notice(config: SimulatorConfig, template: Template, change: StatusChange) -> Notice:
    value: dict[str, Any] = {
        "event": change.event,
        **_identity(template),
        "reason": change.reason,
        "message_template_category": template.category,
    }
    if change.disable_info is not None:
        value["disable_info"] = change.disable_info
    if change.other_info is not None:
        value["other_info"] = change.other_info
    if change.rejection_info is not None:
        value["rejection_info"] = change.rejection_info
    return Notice(waba_of(config, template), STATUS_FIELD, value)


def quality_notice(config: SimulatorConfig, template: Template, *, previous_score: str) -> Notice:
    value = {
        "previous_quality_score": previous_score,
        "new_quality_score": template.quality_score,
        **_identity(template),
    }
    return Notice(waba_of(config, template), QUALITY_FIELD, value)


def category_notice(config: SimulatorConfig, template: Template, *, previous_category: str) -> Notice:
    """The recategorisation is done: `template` is in its new category."""
    value = {**_identity(template), "previous_category": previous_category, "new_category": template.category}
    return Notice(waba_of(config, template), CATEGORY_FIELD, value)


def impending_category_notice(
    config: SimulatorConfig, template: Template, *, correct_category: str, update_at: int
) -> Notice:
    """Meta will recategorise `template` at `update_at`; `new_category` is, confusingly, its current one."""
    value = {
        **_identity(template),
        "correct_category": correct_category,
        "new_category": template.category,
        "category_update_timestamp": update_at,
    }
    return Notice(waba_of(config, template), CATEGORY_FIELD, value)


async def notify(config: SimulatorConfig, state: SimulatorState, notice: Notice) -> Delivery:
    """Deliver one template webhook now, signed with the app secret; template entries carry `time`."""
    envelope = webhooks.template_envelope(
        waba_id=notice.waba_id, time=int(state.now()), field=notice.field, value=notice.value
    )
    return await webhooks.deliver_recorded(config, state, webhooks.encode(envelope), app_secret=config.app_secret)


def notify_in_background(app: Starlette, config: SimulatorConfig, state: SimulatorState, notices: list[Notice]) -> None:
    """Deliver the webhooks one after the other, after the Graph request is answered: the product
    may be waiting for that answer while its webhook endpoint is asked to take them."""

    async def deliver_all() -> None:
        try:
            for notice in notices:
                await notify(config, state, notice)
        except Exception:
            logger.exception("delivering template webhooks failed")

    webhooks.run_in_background(app, deliver_all())
