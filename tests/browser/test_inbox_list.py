"""The conversation list in Chromium: views, filters, search while typing, "load more", keys, phone width."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from inbox.selectors import LIST_PAGE_SIZE
from tests.browser.conftest import screenshot
from tests.inbox.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    ConversationLabelFactory,
    LabelFactory,
    MessageFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CUSTOMERS = [
    ("Jürgen Weiß", "Hallo, ist meine Bestellung unterwegs?", "in", 4),
    ("Émilie Dubois", "Merci beaucoup pour votre réponse rapide !", "in", 23 * 60),
    ("Grace Taylor", "Your order has shipped and arrives on Thursday.", "out", 90),
    ("Noah Becker", "Die Kaffeemühle ist leider defekt angekommen. Können Sie mir eine neue schicken?", "in", 15),
    ("Chloé Martin", "", "in", 3 * 60),
    ("Lukas Schmidt", "Kann ich die Lieferadresse noch ändern?", "in", 26 * 60),
    ("Olivia Brown", "Could you send me the invoice again please?", "in", 5 * 24 * 60),
    ("Anna Müller", "Where is my order? It was due yesterday.", "in", 40 * 24 * 60),
]


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain blocking calls.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def open_inbox(browser: Any, server: Any, membership: Membership, viewport: dict[str, int], query: str = "") -> Page:
    client = Client()
    client.force_login(membership.user)
    context = browser.new_context(viewport=viewport, base_url=server.url)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/t/acme/inbox/{query}")
    return page


@pytest.fixture
def inbox(world: Any) -> dict[str, Any]:
    """Customers of every kind: writing now or a month ago, answered or not, labelled, in teams."""
    now = timezone.now()
    channel = ChannelFactory.create(tenant=world.tenant)
    labels = [LabelFactory.create(tenant=world.tenant, name=name, color=color)
              for name, color in (("vip", "#7c3aed"), ("refund", "#b42318"), ("wholesale", "#0b7a53"))]  # fmt: skip
    support = TeamFactory.create(tenant=world.tenant, name="Support")
    rows = []
    for n, (name, text, direction, minutes_ago) in enumerate(CUSTOMERS):
        at = now - timedelta(minutes=minutes_ago)
        conversation = ConversationFactory.create(
            channel=channel,
            contact=ContactFactory.create(tenant=world.tenant, profile_name=name),
            assignee=world.agent.user if n % 3 == 0 else (world.admin.user if n % 3 == 1 else None),
            team=support if n % 2 else None,
            unread_count=(n % 3) if direction == "in" else 0,
            last_message_at=at,
            last_inbound_at=at if direction == "in" else at - timedelta(minutes=5),
        )
        MessageFactory.create(
            conversation=conversation, direction=direction, text=text, type="text" if text else "image", sent_at=at
        )
        for label in labels[: n % 4 if n % 2 == 0 else 0]:
            ConversationLabelFactory.create(conversation=conversation, label=label)
        rows.append(conversation)
    return {"rows": rows, "labels": labels, "team": support}


def choose_view(page: Page, name: str) -> None:
    page.locator("label.list-view", has_text=name).click()


def listed_names(page: Page) -> list[str]:
    return page.locator("#conversation-list .conversation-name").all_inner_texts()


def test_an_agent_filters_searches_and_opens_from_the_list(browser, asgi_server, world, inbox):
    page = open_inbox(browser, asgi_server, world.agent, DESKTOP)
    # The agent has open conversations of their own: the list opens on them.
    expect(page.locator("#list-view-mine")).to_be_checked()
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(3)

    choose_view(page, "All")
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(len(CUSTOMERS))
    assert listed_names(page)[:3] == ["Jürgen Weiß", "Noah Becker", "Grace Taylor"]
    expect(page).to_have_url(re.compile(r"/t/acme/inbox/\?view=all&status=open$"))
    screenshot(page, "inbox-list")

    # Typing searches after a pause: accents and case don't matter.
    page.get_by_label("Search conversations").press_sequentially("kaffeemuhle", delay=30)
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(1)
    expect(page.locator("#conversation-list")).to_contain_text("Noah Becker")
    page.get_by_label("Search conversations").fill("nobody")
    expect(page.locator(".list-empty")).to_have_text("Nothing found for “nobody”.")
    page.get_by_label("Search conversations").fill("")
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(len(CUSTOMERS))

    page.get_by_label("Label").select_option(label="refund")
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(2)
    page.get_by_label("Label").select_option(label="Any label")
    choose_view(page, "Unassigned")
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(2)

    # Keys: j moves into the list, Enter opens; the open row is marked.
    choose_view(page, "All")
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(len(CUSTOMERS))
    page.locator("body").click(position={"x": 700, "y": 400})
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/t/acme/inbox/{inbox['rows'][3].pk}/\?view=all&status=open$"))
    expect(page.locator(f"#conversation-{inbox['rows'][3].pk}")).to_have_attribute("aria-current", "true")


def test_load_more_appends_the_next_page(browser, asgi_server, world, inbox):
    channel = inbox["rows"][0].channel
    older = timezone.now() - timedelta(days=60)
    for n in range(55):
        ConversationFactory.create(channel=channel, last_message_at=older - timedelta(minutes=n))
    page = open_inbox(browser, asgi_server, world.admin, DESKTOP, "?view=all")
    rows = page.locator("#conversation-list > li[data-conversation-id]")
    expect(rows).to_have_count(LIST_PAGE_SIZE)
    page.get_by_role("link", name="Load more").click()
    expect(rows).to_have_count(2 * LIST_PAGE_SIZE)
    page.get_by_role("link", name="Load more").click()
    expect(rows).to_have_count(len(CUSTOMERS) + 55)
    expect(page.get_by_role("link", name="Load more")).to_have_count(0)
    ids = page.locator("#conversation-list > li[data-conversation-id]").evaluate_all(
        "rows => rows.map(row => row.dataset.conversationId)"
    )
    assert len(set(ids)) == len(ids)


def test_the_list_at_phone_width(browser, asgi_server, world, inbox):
    page = open_inbox(browser, asgi_server, world.admin, PHONE, "?view=all")
    expect(page.locator("#conversation-list > li[data-conversation-id]")).to_have_count(len(CUSTOMERS))
    row = page.locator("#conversation-list > li[data-conversation-id]").first.bounding_box()
    assert row is not None
    assert row["width"] <= PHONE["width"]
    screenshot(page, "inbox-list-phone")
