"""WhatsApp's rules for sending, decided from plain facts: may this message go out now?

Each refusal has a stable code (the API's error code) and a sentence for the agent. No
database, no clock: the sender gathers the facts and passes `now`.

- Free-form messages (text, media, interactive, reactions) only inside the 24 h customer
  service window. A click-to-WhatsApp ad opens a 72 h *free entry point*, which makes
  messages free but does not widen what may be sent (the reference: "the CSW still governs").
- Outside the window only an approved template, with parameters that fit it.
- Business-initiated messages (templates outside the window) only to customers who wrote
  first or opted in; never to customers who opted out. Marketing templates never to
  customers who opted out of marketing, inside the window or not.
- The number must be active and the tenant within its plan.
- Business-initiated messages only while the tenant's monthly WhatsApp budget is not spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inbox.policy import ConsentState, customer_service_window


class Refusal(StrEnum):
    NUMBER_INACTIVE = "number_inactive"
    WINDOW_CLOSED = "window_closed"
    TEMPLATE_REQUIRED = "template_required"
    TEMPLATE_NOT_APPROVED = "template_not_approved"
    TEMPLATE_PARAMS_INVALID = "template_params_invalid"
    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"
    BUDGET_EXCEEDED = "budget_exceeded"


@dataclass(frozen=True)
class TemplateFacts:
    name: str
    language: str
    status: str  # Meta's status, "APPROVED" when it may be sent
    category: str  # MARKETING, UTILITY or AUTHENTICATION
    parameter_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendFacts:
    now: datetime
    is_template: bool
    # The customer's last message to this number, None when they never wrote.
    last_inbound_at: datetime | None
    consent: ConsentState
    number_active: bool
    # The tenant's monthly WhatsApp budget is not spent yet (or it has none).
    within_budget: bool = True
    # For a template: what we know of it; None when no template has that name and language.
    template: TemplateFacts | None = None
    template_name: str = ""
    # The customer asked to opt in (double opt-in) and this template asks them to confirm: the
    # one business-initiated message a pending request allows.
    confirms_opt_in_request: bool = False


@dataclass(frozen=True)
class SendDecision:
    allowed: bool
    reason: Refusal | None = None
    message: str = ""


ALLOWED = SendDecision(allowed=True)


def _refuse(reason: Refusal, message: str) -> SendDecision:
    return SendDecision(allowed=False, reason=reason, message=message)


def decide_send(facts: SendFacts) -> SendDecision:
    if not facts.number_active:
        return _refuse(Refusal.NUMBER_INACTIVE, "This WhatsApp number is disabled; an admin can enable it again.")
    window_open = customer_service_window(last_inbound_at=facts.last_inbound_at, now=facts.now).is_open
    if not facts.is_template:
        return _free_form(facts, window_open=window_open)
    return _template(facts, window_open=window_open)


def _free_form(facts: SendFacts, *, window_open: bool) -> SendDecision:
    if window_open:
        return ALLOWED
    if facts.last_inbound_at is None:
        return _refuse(
            Refusal.TEMPLATE_REQUIRED,
            "This customer has not written to this number yet: start the conversation with an approved template.",
        )
    return _refuse(
        Refusal.WINDOW_CLOSED,
        "More than 24 hours have passed since the customer last wrote: only an approved template can be sent.",
    )


def _template(facts: SendFacts, *, window_open: bool) -> SendDecision:
    template = facts.template
    if template is None or template.status != "APPROVED":
        name = facts.template_name or (template.name if template else "")
        state = f" (it is {template.status.lower().replace('_', ' ')})" if template else ""
        return _refuse(Refusal.TEMPLATE_NOT_APPROVED, f"The template “{name}” is not approved for sending{state}.")
    if template.parameter_problems:
        return _refuse(Refusal.TEMPLATE_PARAMS_INVALID, " ".join(template.parameter_problems))
    consent = facts.consent
    if template.category == "MARKETING" and (consent.opted_out_marketing or consent.opted_out_all):
        return _refuse(Refusal.OPTED_OUT, "This customer opted out of marketing messages.")
    if window_open:
        return ALLOWED  # a reply to a customer who wrote within 24 hours
    if not facts.within_budget:
        return _refuse(
            Refusal.BUDGET_EXCEEDED,
            "This month's WhatsApp budget is spent: messages that start a conversation are refused "
            "until an owner raises the budget. Replies to customers who wrote in the last 24 hours still go.",
        )
    if consent.opted_out_all:
        return _refuse(Refusal.OPTED_OUT, "This customer opted out of messages from you.")
    if not (consent.opted_in or facts.last_inbound_at is not None or facts.confirms_opt_in_request):
        return _refuse(
            Refusal.NO_CONSENT,
            "This customer has neither written to you nor opted in: record their opt-in before messaging them.",
        )
    return ALLOWED
