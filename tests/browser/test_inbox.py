"""The live inbox on the real stack: uvicorn, a Celery worker, the Cloud API simulator over HTTP
playing the customer's phone and Meta, and Chromium playing three agents (two of one tenant, one
of another)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, WebSocketRoute, expect

from accounts.models import Membership
from accounts.tenancy import tenant_scope
from inbox.models import Conversation, Message
from inbox.tasks import window_clock
from tests.browser.conftest import screenshot
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import RunningSimulator, simulator  # noqa: F401 (fixture)
from whatsapp.models import WhatsAppNumber
from whatsapp.simulator.config import StatusTiming

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CUSTOMER = "4915112345678"
LIVE_WITHIN_SECONDS = 1.0


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # (fixtures too) are ordinary blocking calls.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def agents(browser: Any, asgi_server: Any) -> Iterator[Callable[..., Page]]:
    """Opens a signed-in browser context for a member; closed at the end."""
    contexts = []

    def open_as(membership: Membership, *, viewport: dict[str, int] = DESKTOP) -> Page:
        client = Client()
        client.force_login(membership.user)
        context = browser.new_context(viewport=viewport, base_url=asgi_server.url)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def number(world: Any, asgi_server: Any, simulator: RunningSimulator) -> WhatsAppNumber:  # noqa: F811
    """The workspace's number on the simulator, whose webhooks reach the product's server."""
    simulator.config.webhook_url = f"{asgi_server.url}/webhooks/whatsapp/"
    simulator.config.app_secret = settings.WHATSAPP_APP_SECRET
    return connect_number(world, graph_api_base_url=simulator.url)


def customer_writes(simulator: RunningSimulator, number: WhatsAppNumber, text: str) -> str:  # noqa: F811
    sent = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={
            "phone_number_id": number.phone_number_id,
            "from": CUSTOMER,
            "name": "Jürgen Weiß",
            "message": {"type": "text", "text": {"body": text}},
        },
    ).json()
    assert sent["webhook_status"] == 200, sent
    return sent["id"]


def stored(world: Any, provider_message_id: str, timeout: float = 10) -> Message:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_scope(world.tenant):
            message = Message.objects.filter(provider_message_id=provider_message_id).first()
        if message is not None:
            return message
        time.sleep(0.05)
    raise AssertionError(f"{provider_message_id} was not stored in {timeout} s")


def wait_until(page: Page, predicate: str, arg: Any = None, timeout: float = 10) -> None:
    """Poll `predicate` (a JS function of `arg`) every 20 ms. Not wait_for_function: that evals a
    string in the page, which the product's CSP (no unsafe-eval) rightly refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"{predicate} still false after {timeout} s")
        page.wait_for_timeout(20)


def seconds_until_shown(pages: list[Page], selector: str, text: str, started: float) -> float:
    """Seconds from `started` until every page shows `text` in `selector` (checked every 20 ms)."""
    for page in pages:
        wait_until(
            page,
            "([selector, text]) => [...document.querySelectorAll(selector)].some(e => e.textContent.includes(text))",
            [selector, text],
        )
    return time.monotonic() - started


def thread_message(page: Page, text: str) -> Any:
    return page.locator("#thread article.msg").filter(has_text=text)


def record_statuses(page: Page, text: str) -> None:
    """Remember each status the page shows the message with `text` in, in order."""
    page.evaluate(
        """text => {
            window.seenStatuses = [];
            const note = () => {
                const message = [...document.querySelectorAll('#thread article.msg-out')]
                    .find(m => m.textContent.includes(text));
                const status = message && message.dataset.status;
                if (status && window.seenStatuses.at(-1) !== status) window.seenStatuses.push(status);
            };
            new MutationObserver(note).observe(document.getElementById('thread'),
                {subtree: true, childList: true, attributes: true, attributeFilter: ['data-status']});
            note();
        }""",
        text,
    )


@pytest.mark.usefixtures("celery_worker_process")
def test_two_agents_work_a_conversation_live_and_another_tenant_sees_nothing(
    world,
    other_tenant,
    number,
    agents,
    simulator,  # noqa: F811
):
    MessageTemplateFactory.create(number=number)
    # Statuses a little apart, so that each tick can be seen.
    simulator.config.statuses = StatusTiming(sent_after=0.2, delivered_after=0.6, read_after=1.0)
    other_number = connect_number(other_tenant, phone_number_id="777000111222333", graph_api_base_url=simulator.url)
    for member, name in ((world.agent, "Ana Lima"), (world.admin, "Sam Keller")):
        member.user.name = name
        member.user.save(update_fields=["name"])
    ana = agents(world.agent)
    sam = agents(world.admin, viewport=PHONE)
    stranger = agents(other_tenant.agent)
    for page, slug in ((ana, "acme"), (sam, "acme"), (stranger, "globex")):
        page.goto(f"/t/{slug}/inbox/")
        wait_until(page, "() => Boolean(window.relayInbox && window.relayInbox.connected)")

    # The other workspace's customer writes first (which also warms the server and the worker up).
    customer_writes(simulator, other_number, "Do you sell green tea?")
    expect(stranger.locator("#conversation-list")).to_contain_text("Do you sell green tea?")

    # A new customer writes: the conversation appears in both lists at once.
    started = time.monotonic()
    first = customer_writes(simulator, number, "Hallo, ist meine Bestellung unterwegs?")
    listed = seconds_until_shown([ana, sam], "#conversation-list", "Hallo, ist meine Bestellung", started)
    assert listed < LIVE_WITHIN_SECONDS, f"shown in the lists after {listed:.2f} s"
    conversation = stored(world, first).conversation
    screenshot(sam, "inbox-phone-list")

    # Both open it; the customer's next message shows in both threads at once.
    ana.locator(f"#conversation-{conversation.pk} a").first.click()
    expect(ana).to_have_url(re.compile(rf"/inbox/{conversation.pk}/(\?.*)?$"))
    sam.locator(f"#conversation-{conversation.pk} a").first.click()
    expect(sam.locator("#thread-pane")).to_be_visible()
    expect(sam.locator("#list-pane")).to_be_hidden()  # a phone shows one pane at a time
    started = time.monotonic()
    customer_writes(simulator, number, "Die Nummer ist 860198.")
    shown = seconds_until_shown([ana, sam], "#thread", "Die Nummer ist 860198.", started)
    assert shown < LIVE_WITHIN_SECONDS, f"shown in the threads after {shown:.2f} s"

    # Ana answers with Enter: it shows at once, then its ticks follow WhatsApp's receipts.
    reply = "Ja, sie kommt morgen an."
    ana.locator("#composer-text").fill(reply)
    ana.locator("#composer-text").press("Enter")
    expect(thread_message(ana, reply)).to_be_visible(timeout=500)
    record_statuses(ana, reply)
    expect(ana.locator("#composer-text")).to_have_value("")
    expect(thread_message(ana, reply)).to_have_attribute("data-status", "read", timeout=10_000)
    seen = ana.evaluate("window.seenStatuses")
    assert [s for s in seen if s in ("sent", "delivered", "read")] == ["sent", "delivered", "read"], seen
    expect(thread_message(ana, reply).locator(".ticks-read")).to_have_text("✓✓")
    expect(thread_message(sam, reply)).to_have_attribute("data-status", "read")
    screenshot(ana, "inbox")
    screenshot(sam, "inbox-phone")

    # A day later the window has closed: both composers switch to templates and say why.
    with tenant_scope(world.tenant):
        Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=25))
    window_clock.delay().get(timeout=10)  # beat's job, run by the worker
    for page in (ana, sam):
        expect(page.locator("#template-form")).to_be_visible()
        expect(page.locator("#composer-form")).to_be_hidden()
        expect(page.get_by_role("button", name="Reply", exact=True)).to_be_disabled()
        expect(page.get_by_text("More than 24 hours have passed since")).to_be_visible()
    ana.get_by_label("{{1}}").fill("Jürgen")
    ana.get_by_label("{{2}}").fill("860198")
    expect(ana.locator("[data-template-preview]")).to_contain_text("Hello Jürgen, your order 860198 ships today.")
    screenshot(ana, "inbox-template")
    ana.get_by_role("button", name="Send template").click()
    expect(thread_message(ana, "Hello Jürgen, your order 860198 ships today.")).to_be_visible()

    # The other workspace's agent saw none of it, and Ana and Sam none of theirs.
    assert "Bestellung" not in stranger.content()
    assert "green tea" not in ana.content()
    assert "green tea" not in sam.content()
    assert "860198" not in stranger.content()


def test_a_dropped_connection_catches_up_and_the_window_closes_on_time(
    world,
    number,
    agents,
    celery_worker_process,
    simulator,  # noqa: F811
):
    first = customer_writes(simulator, number, "Guten Morgen!")
    conversation = stored(world, first).conversation
    ana = agents(world.agent)
    sockets: list[WebSocketRoute] = []
    network = {"up": True}

    def route(socket: WebSocketRoute) -> None:
        if not network["up"]:
            socket.close()  # no network: the browser's attempt fails
            return
        socket.connect_to_server()
        sockets.append(socket)

    ana.route_web_socket(re.compile(r"/ws/t/"), route)
    ana.clock.install()  # time flows as usual, until the test moves it
    ana.goto(f"/t/acme/inbox/{conversation.pk}/")
    wait_until(ana, "() => Boolean(window.relayInbox && window.relayInbox.connected)")
    expect(thread_message(ana, "Guten Morgen!")).to_be_visible()

    network["up"] = False
    sockets[-1].close()
    expect(ana.locator("#connection-status")).to_contain_text("reconnecting")
    stored(world, customer_writes(simulator, number, "Sind Sie da?"))  # and published, to nobody
    assert not thread_message(ana, "Sind Sie da?").count()

    network["up"] = True
    ana.context.set_offline(True)
    ana.context.set_offline(False)  # back online: the browser reconnects at once
    expect(thread_message(ana, "Sind Sie da?")).to_be_visible()
    expect(ana.locator("#connection-status")).to_be_hidden()

    # A day later, with nothing heard from the server, the countdown reaching zero switches to templates.
    expect(ana.locator("#composer-form")).to_be_visible()
    ana.clock.fast_forward("24:00:01")
    expect(ana.locator("#template-form")).to_be_visible()
    expect(ana.locator("[data-countdown]")).to_have_text("Reply window closed")
