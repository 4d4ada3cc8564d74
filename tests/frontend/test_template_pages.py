"""Template pages: list, editor with live preview and checks, detail with history and actions,
library, sync, and the notifications Meta's decisions become. Meta is the simulator, over HTTP."""

from __future__ import annotations

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from accounts.services import notify_members
from accounts.tenancy import tenant_scope
from templates_mgmt import services as drafts
from templates_mgmt.models import MessageTemplate
from tests.conftest import page_text
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401
from tests.whatsapp.test_template_lifecycle import ORDER_UPDATE

pytestmark = pytest.mark.django_db

EDITOR = {
    "waba_id": payloads.WABA_ID,
    "name": "order_update",
    "language": "en_US",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "header_format": "TEXT",
    "header_text": "Order {{order_number}}",
    "example__header__order_number": "A-1001",
    "body_text": "Hello {{first_name}}, your order {{order_number}} has shipped and arrives tomorrow.",
    "example__body__first_name": "Maria",
    "example__body__order_number": "A-1001",
    "footer_text": "Acme Coffee",
    "button_0_type": "URL",
    "button_0_text": "Track",
    "button_0_value": "https://acme.example/track/{{1}}",
    "button_0_example": "https://acme.example/track/A-1001",
}


@pytest.fixture
def sim_number(world, simulator):  # noqa: F811
    return connect_number(world, graph_api_base_url=simulator.url, phone_number_id=payloads.PHONE_NUMBER_ID)


@pytest.fixture
def admin(world):
    return world.client_for(world.admin)


def url(world, path: str = "") -> str:
    return f"/t/{world.tenant.slug}/templates/{path}"


def stored(world) -> list[MessageTemplate]:
    with tenant_scope(world.tenant):
        return list(MessageTemplate.objects.order_by("pk"))


def test_agents_do_not_manage_templates(world, sim_number):
    agent = world.client_for(world.agent)
    assert agent.get(url(world)).status_code == 403
    assert agent.post(url(world, "new/"), EDITOR).status_code == 403
    assert stored(world) == []


def test_the_empty_list_points_to_the_library(world, admin, sim_number):
    text = page_text(admin.get(url(world)))
    assert "No templates here" in text
    assert "Open the library" in text


def test_without_a_number_the_list_asks_for_one(world, admin):
    assert "Connect a WhatsApp number first" in page_text(admin.get(url(world)))


def test_the_editor_saves_a_draft_as_meta_s_creation_body(world, admin, sim_number):
    response = admin.post(url(world, "new/"), {**EDITOR, "save": ""})
    assert response.status_code == 302
    (template,) = stored(world)
    assert response["Location"] == url(world, f"{template.pk}/")
    assert template.status == "DRAFT"
    header, body, footer, buttons = template.components
    header_example = {"header_text_named_params": [{"param_name": "order_number", "example": "A-1001"}]}
    assert header == {"type": "HEADER", "format": "TEXT", "text": "Order {{order_number}}", "example": header_example}
    assert body["example"]["body_text_named_params"][0] == {"param_name": "first_name", "example": "Maria"}
    assert footer == {"type": "FOOTER", "text": "Acme Coffee"}
    assert buttons["buttons"] == [{"type": "URL", "text": "Track", "url": "https://acme.example/track/{{1}}",
                                   "example": ["https://acme.example/track/A-1001"]}]  # fmt: skip
    detail = page_text(admin.get(url(world, f"{template.pk}/")))
    assert "Hello Maria, your order A-1001 has shipped" in detail
    assert "No problems found." in detail


def test_the_editor_submits_to_meta(world, admin, simulator, sim_number):  # noqa: F811
    response = admin.post(url(world, "new/"), {**EDITOR, "submit": ""})
    assert response.status_code == 302
    assert stored(world)[0].status == "PENDING"
    assert [t["name"] for t in httpx.get(f"{simulator.url}/_sim/templates").json()["data"]] == ["order_update"]


def test_lint_errors_keep_the_form_and_say_what_to_fix(world, admin, sim_number):
    bad = {**EDITOR, "body_text": "{{first_name}}{{order_number}}", "example__body__first_name": ""}
    response = admin.post(url(world, "new/"), {**bad, "submit": ""})
    assert response.status_code == 400
    text = page_text(response)
    assert "problems to fix before it can be submitted" in text
    assert "must fix" in text
    assert stored(world) == []


def test_the_preview_follows_what_is_typed_and_redraws_examples_when_placeholders_change(world, admin, sim_number):
    typed = {**EDITOR, "example_slots": "header:order_number,body:first_name,body:order_number,button0:1"}
    same = admin.post(url(world, "preview/"), typed)
    assert same.status_code == 200
    text = page_text(same)
    assert "Hello Maria, your order A-1001" in text
    assert 'id="examples"' not in text
    changed = page_text(admin.post(url(world, "preview/"), {**typed, "body_text": "Hi {{first_name}}, {{city}} now."}))
    assert 'id="examples" hx-swap-oob="true"' in changed
    assert "{{city}}" in changed
    assert "must fix" in changed  # the new placeholder has no example yet
    assert stored(world) == []


def test_a_rejected_template_shows_meta_s_reason_and_can_be_edited(world, admin, sim_number):
    template = drafts.template_draft_save(
        tenant_id=world.tenant.pk, waba_id=sim_number.waba_id, body=ORDER_UPDATE, now=timezone.now()
    )
    MessageTemplate.objects.unscoped().filter(pk=template.pk).update(
        status="REJECTED", meta_id="77", rejection_reason="PROMOTIONAL", rejection_detail="Reads like an offer."
    )
    text = page_text(admin.get(url(world, f"{template.pk}/")))
    assert "Meta rejected this template: PROMOTIONAL" in text
    assert "Reads like an offer." in text
    edit = admin.get(url(world, f"{template.pk}/edit/"))
    assert edit.status_code == 200
    assert "Submit the edit to Meta" in page_text(edit)


def test_a_draft_is_duplicated_to_another_language_and_deleted(world, admin, sim_number):
    admin.post(url(world, "new/"), {**EDITOR, "save": ""})
    (template,) = stored(world)
    copied = admin.post(url(world, f"{template.pk}/duplicate/"), {"language": "de"})
    assert copied.status_code == 302
    assert [t.language for t in stored(world)] == ["en_US", "de"]
    assert admin.post(url(world, f"{template.pk}/delete/")).status_code == 302
    assert [t.language for t in stored(world)] == ["de"]


def test_the_library_adds_and_submits_chosen_languages(world, admin, simulator, sim_number):  # noqa: F811
    page = page_text(admin.get(url(world, "library/")))
    assert "Order confirmation" in page or "order_confirmation" in page
    response = admin.post(url(world, "library/"), {"key": "payment_reminder", "languages": ["fr", "de"]})
    assert response.status_code == 302
    assert {(t.name, t.language, t.status) for t in stored(world)} == {
        ("payment_reminder", "fr", "PENDING"), ("payment_reminder", "de", "PENDING")}  # fmt: skip
    again = page_text(admin.get(url(world, "library/")))
    assert again.count("added") >= 2


def test_sync_imports_and_says_how_many(world, admin, simulator, sim_number):  # noqa: F811
    httpx.post(f"{simulator.url}/_sim/templates", json={**ORDER_UPDATE, "waba_id": sim_number.waba_id})
    response = admin.post(url(world, "sync/"), follow=True)
    assert "Synced with Meta: 1 templates, 1 new here." in page_text(response)
    assert "order_update" in page_text(admin.get(url(world)))


def test_notifications_show_in_the_nav_and_are_marked_read(world, admin):
    notify_members(tenant_id=world.tenant.pk, role="admin", kind="template.rejected",
                   title="Template order_update (en_US) was rejected", now=timezone.now())  # fmt: skip
    inbox = page_text(admin.get(f"/t/{world.tenant.slug}/inbox/"))
    assert 'Notifications <span class="count">1<span class="visually-hidden"> unread' in inbox
    page = page_text(admin.get(f"/t/{world.tenant.slug}/notifications/"))
    assert "Template order_update (en_US) was rejected" in page
    admin.post(f"/t/{world.tenant.slug}/notifications/")
    with tenant_scope(world.tenant):
        assert not Notification.objects.filter(user=world.admin.user, read_at__isnull=True).exists()
        assert Notification.objects.filter(user=world.owner.user, read_at__isnull=True).exists()


IMAGE_HEADER = {**EDITOR, "header_format": "IMAGE", "header_text": "", "example__header__order_number": ""}


def test_the_editor_uploads_a_media_header_s_example_to_meta(world, admin, simulator, sim_number):  # noqa: F811
    png = SimpleUploadedFile("shop.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    response = admin.post(url(world, "new/"), {**IMAGE_HEADER, "header_file": png, "submit": ""})
    assert response.status_code == 302, page_text(response)
    (template,) = stored(world)
    header = template.components[0]
    (handle,) = header["example"]["header_handle"]
    assert (header["format"], simulator.state.uploaded_file(handle).mime_type) == ("IMAGE", "image/png")
    assert template.status == "PENDING"


def test_a_wrong_example_file_is_a_field_error_and_nothing_is_saved(world, admin, simulator, sim_number):  # noqa: F811
    pdf = SimpleUploadedFile("shop.png", b"%PDF-1.7\n" + b"0" * 64, content_type="image/png")
    response = admin.post(url(world, "new/"), {**IMAGE_HEADER, "header_file": pdf, "save": ""})
    assert response.status_code == 400
    assert "This header needs a JPEG or PNG image; the file is not one." in page_text(response)
    assert stored(world) == []
    assert simulator.state.uploaded_files() == []


def test_an_uploaded_example_is_kept_when_the_form_comes_back_with_errors(world, admin, simulator, sim_number):  # noqa: F811
    png = SimpleUploadedFile("shop.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    response = admin.post(url(world, "new/"), {**IMAGE_HEADER, "body_text": "{{first_name}}", "header_file": png})
    assert response.status_code == 400
    (uploaded,) = simulator.state.uploaded_files()
    assert f'value="{uploaded.handle}"' in response.content.decode()
