"""Which onboarding steps are done, where the wizard resumes, when the checklist shows and who lands
in the wizard: a table over the facts, no database."""

from __future__ import annotations

import dataclasses

import pytest

from whatsapp.onboarding_policy import (
    STEPS,
    OnboardingFacts,
    Step,
    lands_on_wizard,
    next_step,
    shows_checklist,
    steps_done,
)

NOTHING = OnboardingFacts(
    has_company_details=False,
    has_number=False,
    has_first_webhook=False,
    has_business_profile=False,
    has_template=False,
    has_colleague=False,
    has_website_button=False,
    dismissed=False,
)
EVERYTHING = dataclasses.replace(
    NOTHING,
    has_company_details=True,
    has_number=True,
    has_first_webhook=True,
    has_business_profile=True,
    has_template=True,
    has_colleague=True,
    has_website_button=True,
)


@pytest.mark.parametrize(
    ("facts", "expected_next"),
    [
        (NOTHING, Step.COMPANY),
        (dataclasses.replace(NOTHING, has_company_details=True), Step.NUMBER),
        # A number that never received a webhook is connected but not working yet.
        (dataclasses.replace(NOTHING, has_company_details=True, has_number=True), Step.NUMBER),
        (dataclasses.replace(NOTHING, has_company_details=True, has_number=True, has_first_webhook=True), Step.PROFILE),
        # Steps are done from the data, in any order: the wizard resumes at the first open one.
        (dataclasses.replace(EVERYTHING, has_company_details=False), Step.COMPANY),
        (dataclasses.replace(EVERYTHING, has_template=False), Step.TEMPLATE),
        (dataclasses.replace(EVERYTHING, has_colleague=False), Step.TEAM),
        (dataclasses.replace(EVERYTHING, has_website_button=False), Step.WEBSITE),
        (EVERYTHING, None),
    ],
)
def test_the_wizard_resumes_at_the_first_step_not_done(facts, expected_next):
    assert next_step(facts) == expected_next


def test_each_fact_ticks_its_own_step_only():
    single = {
        "has_company_details": Step.COMPANY,
        "has_business_profile": Step.PROFILE,
        "has_template": Step.TEMPLATE,
        "has_colleague": Step.TEAM,
        "has_website_button": Step.WEBSITE,
    }
    for fact, step in single.items():
        done = steps_done(dataclasses.replace(NOTHING, **{fact: True}))
        assert [s for s in STEPS if done[s]] == [step], fact
    assert not any(steps_done(dataclasses.replace(NOTHING, has_first_webhook=True)).values())


@pytest.mark.parametrize(
    ("facts", "shown"),
    [
        (NOTHING, True),
        (dataclasses.replace(NOTHING, dismissed=True), False),
        (dataclasses.replace(EVERYTHING, has_website_button=False), True),
        (EVERYTHING, False),
        (dataclasses.replace(EVERYTHING, dismissed=True), False),
    ],
)
def test_the_checklist_shows_until_all_is_done_or_it_is_hidden(facts, shown):
    assert shows_checklist(facts) is shown


@pytest.mark.parametrize(
    ("facts", "role", "lands"),
    [
        (NOTHING, "owner", True),
        (NOTHING, "admin", False),
        (NOTHING, "agent", False),
        (dataclasses.replace(NOTHING, has_number=True), "owner", True),
        (dataclasses.replace(NOTHING, has_number=True, has_first_webhook=True), "owner", False),
        # Hiding the checklist does not skip the number: without one the inbox stays empty.
        (dataclasses.replace(NOTHING, dismissed=True), "owner", True),
        (EVERYTHING, "owner", False),
    ],
)
def test_owners_land_in_the_wizard_until_their_number_receives(facts, role, lands):
    assert lands_on_wizard(facts, role=role) is lands
