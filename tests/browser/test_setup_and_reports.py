"""An admin sets up the inbox in a real browser (a team, a label, a canned response, automatic
assignment), reads the reports, then switches the interface to French and German."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership, Role, Tenant
from inbox.models import AutoAssignment, Channel, ConversationStatus, Direction
from tests.browser.conftest import screenshot
from tests.browser.test_team_and_keys import sign_in
from tests.inbox.factories import ConversationFactory, MessageFactory


def seed_a_month(tenant: Tenant) -> None:
    """Conversations over the last three weeks: opened every day, most answered and resolved."""
    channel = Channel.objects.for_tenant(tenant).get()
    agents = [membership.user for membership in Membership.objects.for_tenant(tenant).order_by("id")]
    now = timezone.now()
    for day in range(21):
        for n in range(1 + (day * 7) % 5):
            opened = now - timedelta(days=day, hours=2 + n)
            agent = agents[(day + n) % len(agents)]
            resolved = opened + timedelta(minutes=40 + 35 * n + day * 3) if (day + n) % 4 else None
            conversation = ConversationFactory.create(
                channel=channel,
                created_at=opened,
                assignee=agent,
                status=ConversationStatus.RESOLVED if resolved else ConversationStatus.OPEN,
                resolved_at=resolved,
            )
            MessageFactory.create(conversation=conversation, direction=Direction.INBOUND, sent_at=opened)
            for reply in range(1 + n % 3):
                MessageFactory.create(
                    conversation=conversation,
                    direction=Direction.OUTBOUND,
                    author=agent,
                    sent_at=opened + timedelta(seconds=45 + 90 * n + 600 * reply + day * 20),
                )


def open_from_sidebar(page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def test_admin_sets_up_the_inbox_and_reads_the_reports(page):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    tenant = Tenant.objects.get(slug="demo-coffee-roasters")
    sign_in(page, "owner@demo.test", "demo-owner-pass")

    open_from_sidebar(page, "Teams")
    page.get_by_label("Name").fill("Support")
    page.get_by_label(re.compile("agent@demo.test")).check()
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_text("Team “Support” created.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Support"))).to_contain_text("agent@demo.test")
    screenshot(page, "settings-teams")

    open_from_sidebar(page, "Labels")
    for name, colour in (("VIP", "#b42318"), ("Refund", "#2563eb"), ("Wholesale", "#0b7a53")):
        page.get_by_label("Name").fill(name)
        page.get_by_label("Colour").fill(colour)
        page.get_by_role("button", name="Create label").click()
        expect(page.get_by_text(f"Label “{name}” created.")).to_be_visible()
    screenshot(page, "settings-labels")

    open_from_sidebar(page, "Canned responses")
    page.get_by_label("Shortcut").fill("/hours")
    page.get_by_label("Title").fill("Opening hours")
    page.get_by_label("Text").fill("Hi {{contact.first_name}}! We roast Monday to Friday, 8:00–17:00.")
    page.get_by_role("button", name="Create canned response").click()
    expect(page.get_by_text("Canned response /hours created.")).to_be_visible()
    page.get_by_label("Shortcut").fill("refund")
    page.get_by_label("Title").fill("Refund")
    page.get_by_label("Text").fill("Dear {{contact.email}}")
    page.get_by_role("button", name="Create canned response").click()
    expect(page.get_by_text("can't be filled in")).to_be_visible()
    screenshot(page, "settings-canned-responses")

    open_from_sidebar(page, "Assignment")
    page.get_by_label("Assign new conversations automatically").check()
    page.get_by_label("Among").select_option(label="Support")
    page.get_by_label("At most open conversations per agent").fill("5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"Assignment for .* saved\."))).to_be_visible()
    screenshot(page, "settings-assignment")
    setting = AutoAssignment.objects.for_tenant(tenant).get()
    assert (setting.enabled, setting.team.name, setting.max_open_per_agent) == (True, "Support", 5)

    # A team in use by automatic assignment can't be deleted: the admin is told why.
    open_from_sidebar(page, "Teams")
    page.get_by_role("link", name="Delete Support").click()
    expect(page.get_by_role("heading", name="Delete the team “Support”?")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("go to this team automatically")).to_be_visible()

    seed_a_month(tenant)
    open_from_sidebar(page, "Reports")
    expect(page.locator("svg.chart")).to_have_count(4)
    screenshot(page, "reports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").first.click()
    assert download.value.suggested_filename.startswith("demo-coffee-roasters-conversations-30d-")

    page.get_by_role("link", name="Your preferences").click()
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Préférences enregistrées.")).to_be_visible()
    open_from_sidebar(page, "Rapports")
    expect(page.get_by_role("heading", name="Conversations par jour")).to_be_visible()
    screenshot(page, "reports-fr")

    # The agent chose nothing, so they get the workspace's language once an owner sets it.
    tenant.default_language = "de"
    tenant.save()
    page.context.clear_cookies()
    sign_in(page, "agent@demo.test", "demo-agent-pass")
    expect(page.get_by_role("link", name="Posteingang")).to_be_visible()
    page.get_by_role("link", name="Persönliche Einstellungen").click()
    expect(page.get_by_role("heading", name="Persönliche Einstellungen")).to_be_visible()
    assert Membership.objects.for_tenant(tenant).get(user__email="agent@demo.test").role == Role.AGENT
