"""The onboarding wizard's steps, and which are done, decided from facts about the tenant."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Step(enum.StrEnum):
    COMPANY = "company"  # legal name and country (statements), data region
    NUMBER = "number"  # a number connected, and Meta's first signed webhook for it arrived
    PROFILE = "profile"  # the business profile saved at WhatsApp
    TEMPLATE = "template"  # a first message template
    TEAM = "team"  # a colleague invited or joined
    WEBSITE = "website"  # the WhatsApp button on the company's website


STEPS: tuple[Step, ...] = tuple(Step)


@dataclass(frozen=True)
class OnboardingFacts:
    has_company_details: bool
    has_number: bool
    has_first_webhook: bool
    has_business_profile: bool
    has_template: bool
    has_colleague: bool
    has_website_button: bool
    dismissed: bool


def steps_done(facts: OnboardingFacts) -> dict[Step, bool]:
    """Each step and whether it is done; a connected number without a webhook is not done yet."""
    return {
        Step.COMPANY: facts.has_company_details,
        Step.NUMBER: facts.has_number and facts.has_first_webhook,
        Step.PROFILE: facts.has_business_profile,
        Step.TEMPLATE: facts.has_template,
        Step.TEAM: facts.has_colleague,
        Step.WEBSITE: facts.has_website_button,
    }


def next_step(facts: OnboardingFacts) -> Step | None:
    """Where the wizard resumes: the first step not done, or None when all are."""
    done = steps_done(facts)
    return next((step for step in STEPS if not done[step]), None)


def shows_checklist(facts: OnboardingFacts) -> bool:
    """The checklist on the inbox is shown until every step is done or an admin hides it."""
    return not facts.dismissed and next_step(facts) is not None


def lands_on_wizard(facts: OnboardingFacts, *, role: str) -> bool:
    """Owners start in the wizard until their number is connected and receiving: before that the
    inbox can only be empty. Others go to the inbox."""
    return role == "owner" and not steps_done(facts)[Step.NUMBER]
