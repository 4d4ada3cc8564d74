"""An admin writes a template with an image header in a real browser: the live preview and
checks follow the typing, the example image goes to Meta (the simulator) and the template is
submitted for review."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.tenancy import tenant_scope
from templates_mgmt.models import MessageTemplate
from tests.browser.conftest import screenshot
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import RunningSimulator, simulator  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an event loop in this thread, up to the database's teardown.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def signed_in_admin(page: Any, world: Any, asgi_server: Any) -> Any:
    client = Client()
    client.force_login(world.admin.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server.url}])
    return page


def test_admin_writes_an_image_template_and_submits_it(signed_in_admin, world, simulator, tmp_path: Path):  # noqa: F811
    page = signed_in_admin
    connect_number(world, graph_api_base_url=simulator.url)
    image = tmp_path / "shop.png"
    image.write_bytes(PNG)

    page.goto(f"/t/{world.tenant.slug}/templates/new/")
    page.get_by_label("Name", exact=True).fill("order_ready")
    page.get_by_label("Language").fill("en")
    page.get_by_label("Category").select_option("UTILITY")
    page.get_by_label("Header", exact=True).select_option("IMAGE")
    page.get_by_label("Body").fill("Hello {{first_name}}, your order is ready: {{order_no}}")
    # The checks follow the typing: examples are missing, and the body ends with a placeholder.
    findings = page.locator("#preview-pane")
    expect(findings).to_contain_text("Hello {{first_name}}, your order is ready")
    expect(findings).to_contain_text("example")
    page.get_by_label("Body").fill("Hello {{first_name}}, your order {{order_no}} is ready for pick-up.")
    page.locator("[name='example__body__first_name']").fill("Maria")
    page.locator("[name='example__body__order_no']").fill("A-1001")
    expect(findings).to_contain_text("Upload a sample file for the IMAGE header")
    page.get_by_label("Example file", exact=True).set_input_files(str(image))
    # Chosen, not uploaded yet: the preview names it and the checks count on it.
    expect(findings).to_contain_text("shop.png")
    expect(findings).to_contain_text("No problems found.")
    expect(findings).to_contain_text("Hello Maria, your order A-1001 is ready for pick-up.")
    screenshot(page, "template-editor-image")
    page.get_by_role("button", name="Submit to Meta").click()

    expect(page.get_by_text("Submitted to Meta for review.")).to_be_visible()
    with tenant_scope(world.tenant):
        template = MessageTemplate.objects.get(name="order_ready")
    (handle,) = template.components[0]["example"]["header_handle"]
    uploaded = simulator.state.uploaded_file(handle)
    assert (template.status, uploaded.mime_type, uploaded.size) == ("PENDING", "image/png", len(PNG))
