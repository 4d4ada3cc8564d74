"""The contact panel and the collision notice in Chromium, on the real ASGI server: two agents of one
tenant in one conversation see each other viewing and typing, and each other's actions live."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tenancy import tenant_scope
from inbox.models import Conversation
from tests.browser.conftest import screenshot
from tests.browser.test_inbox import _orm_beside_playwright, agents  # noqa: F401 (fixtures)
from tests.inbox.factories import (
    ChannelFactory,
    ConsentEventFactory,
    ContactFactory,
    ConversationFactory,
    LabelFactory,
    MessageFactory,
    TeamFactory,
    TeamMemberFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conversation(world) -> Conversation:
    for membership, name in ((world.agent, "Sam Lee"), (world.admin, "Kim Park")):
        membership.user.name = name
        membership.user.save()
    channel = ChannelFactory.create(tenant=world.tenant, name="+49 30 1234567")
    contact = ContactFactory.create(
        tenant=world.tenant, name="Jürgen Weiß", profile_name="Jürgen", wa_id="4915112345678", phone="+4915112345678"
    )
    ConsentEventFactory.create(contact=contact, occurred_at=timezone.now() - timedelta(days=40))
    ConversationFactory.create(
        channel=channel, contact=contact, status="resolved", created_at=timezone.now() - timedelta(days=12)
    )
    now = timezone.now()
    conversation = ConversationFactory.create(
        channel=channel, contact=contact, last_inbound_at=now - timedelta(hours=3), last_message_at=now
    )
    MessageFactory.create(
        conversation=conversation, text="Where is my order #860198?", sent_at=now - timedelta(hours=3)
    )
    team = TeamFactory.create(tenant=world.tenant, name="Orders")
    TeamMemberFactory.create(team=team, user=world.agent.user)
    for name, color in (("vip", "#b42318"), ("refund", "#0b7a53"), ("bug", "#2563eb")):
        LabelFactory.create(tenant=world.tenant, name=name, color=color)
    return conversation


def test_two_agents_see_each_other_and_each_others_actions(world, conversation, agents):  # noqa: F811
    sam, kim = agents(world.agent), agents(world.admin)
    url = f"/t/acme/inbox/{conversation.pk}/"
    sam.goto(url)
    kim.goto(url)
    panel = sam.locator("#conversation-panel")
    expect(panel.get_by_role("heading", name="Jürgen Weiß")).to_be_visible()

    expect(sam.locator("#presence-notice")).to_have_text("Kim Park is viewing", timeout=8_000)
    expect(kim.locator("#presence-notice")).to_have_text("Sam Lee is viewing", timeout=8_000)
    kim.locator("#composer-text").type("Let me check", delay=30)
    expect(sam.locator("#presence-notice")).to_have_text("Kim Park is typing…")

    sam.get_by_role("button", name="Online").click()
    expect(sam.get_by_role("button", name="Online")).to_have_attribute("aria-pressed", "true")
    panel.get_by_role("button", name="Assign to me").click()
    expect(panel.get_by_role("button", name="Unassign")).to_be_visible()
    # Kim's panel follows through the conversation.updated event.
    expect(kim.locator("#conversation-panel .panel-assignee")).to_contain_text("Sam Lee")
    # ... and Kim, an admin, may take it over; Sam, an agent, could not take Kim's.
    expect(kim.locator("#conversation-panel").get_by_role("button", name="Assign to me")).to_be_visible()

    panel.get_by_label("Add a label").select_option(label="vip")
    panel.get_by_role("button", name="Add", exact=True).click()
    expect(panel.get_by_role("button", name="Remove the label vip")).to_be_visible()
    expect(sam.locator("#thread")).to_contain_text("Sam Lee added the label vip.")
    screenshot(sam, "inbox-panel")
    sam.locator("#panel-pane").evaluate("pane => { pane.scrollTop = pane.scrollHeight; }")
    screenshot(sam, "inbox-panel-consent")

    # Sam notes the customer's number as an attribute; Kim's panel follows (contact.updated).
    panel.locator("summary", has_text="Edit name and attributes").click()
    panel.get_by_label("New attribute name").fill("customer_no")
    panel.get_by_label("New attribute value").fill("C-1042")
    panel.get_by_role("button", name="Save contact").click()
    expect(panel.locator(".panel-facts")).to_contain_text("customer_no")
    expect(kim.locator("#conversation-panel .panel-facts")).to_contain_text("C-1042")

    panel.locator("summary", has_text="Snooze").click()
    panel.get_by_role("button", name="Tomorrow 9:00").click()
    expect(panel.locator(".panel-note")).to_contain_text("Snoozed")
    expect(kim.locator("#conversation-panel .panel-note")).to_contain_text("Snoozed")

    kim.close()
    expect(sam.locator("#presence-notice")).to_have_text("", timeout=12_000)


def test_a_refused_action_is_explained_in_the_panel(world, conversation, agents):  # noqa: F811
    with tenant_scope(world.tenant):
        Conversation.objects.filter(pk=conversation.pk).update(assignee=world.admin.user)
    sam = agents(world.agent)
    sam.goto(f"/t/acme/inbox/{conversation.pk}/")
    panel = sam.locator("#conversation-panel")
    expect(panel).to_contain_text("A colleague is working on this conversation")
    expect(panel.get_by_role("button", name="Assign to me")).to_have_count(0)
    # The agent may still change its status (and its team, without choosing who in it takes it).
    panel.get_by_role("button", name="Resolve").click()
    expect(panel.get_by_role("button", name="Resolve")).to_have_attribute("aria-pressed", "true")
    panel.get_by_role("button", name="Open").click()
    expect(panel.get_by_role("button", name="Open")).to_have_attribute("aria-pressed", "true")
    expect(panel.locator(".form-error")).to_have_count(0)
    screenshot(sam, "inbox-panel-colleague")
    expect(sam).to_have_url(re.compile(rf"/inbox/{conversation.pk}/$"))
