"""The contact's data protection section of the inbox panel: admins export (once) and erase
(confirmed); agents see none of it; bad input is explained and changes nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import AuditLog
from inbox.models import Contact, Conversation
from privacy.models import ContactExport, ExportState
from privacy.services.exports import contact_export_build
from tests.conftest import page_text
from tests.inbox.factories import ChannelFactory, ConversationFactory, MessageFactory
from tests.privacy.scene import body_of

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def conversation(world) -> Conversation:
    conversation = ConversationFactory.create(channel=ChannelFactory.create(tenant=world.tenant))
    MessageFactory.create(conversation=conversation, text="Where is my parcel?")
    return conversation


@pytest.fixture
def admin(world):
    return world.client_for(world.admin)


def _url(world, conversation, action: str, **extra: int) -> str:
    base = f"/t/{world.tenant.slug}/contacts/{conversation.contact_id}/"
    if action == "download":
        return f"{base}exports/{extra['export_id']}/download/"
    return f"{base}{action}/"


def test_the_panel_loads_the_section_for_admins_only(world, conversation, admin):
    panel = f"/t/{world.tenant.slug}/inbox/{conversation.pk}/panel/"
    agent = world.client_for(world.agent)

    assert _url(world, conversation, "privacy") in page_text(admin.get(panel))
    assert _url(world, conversation, "privacy") not in page_text(agent.get(panel))
    assert agent.get(_url(world, conversation, "privacy")).status_code == 403
    assert agent.post(_url(world, conversation, "export")).status_code == 403
    assert agent.post(_url(world, conversation, "erase"), {"confirm": "erase"}).status_code == 403
    assert Contact.objects.for_tenant(world.tenant).filter(pk=conversation.contact_id).exists()


def test_an_admin_exports_and_downloads_once(world, conversation, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = admin.post(_url(world, conversation, "export"), **HTMX)
    assert "Preparing…" in page_text(response)
    assert 'hx-trigger="every 3s"' in page_text(response)
    export = ContactExport.objects.for_tenant(world.tenant).get()
    contact_export_build(tenant_id=world.tenant.pk, export_id=export.pk, now=timezone.now())
    section = page_text(admin.get(_url(world, conversation, "privacy")))
    assert "Download once" in section
    assert "every 3s" not in section

    download = admin.get(_url(world, conversation, "download", export_id=export.pk))

    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(body_of(download)))
    assert "Where is my parcel?" in archive.read("contact.json").decode()
    again = admin.get(_url(world, conversation, "download", export_id=export.pk), **HTMX)
    assert again.status_code == 410
    assert "downloaded already or has expired" in page_text(again)
    followed = admin.get(_url(world, conversation, "download", export_id=export.pk), follow=True)
    assert followed.redirect_chain == [(f"/t/{world.tenant.slug}/inbox/", 302)]
    assert "downloaded already or has expired" in page_text(followed)
    assert "Downloaded" in page_text(admin.get(_url(world, conversation, "privacy")))
    assert ContactExport.objects.for_tenant(world.tenant).get().state == ExportState.DOWNLOADED


@pytest.mark.parametrize("confirm", ["", "yes", "delete"])
def test_erasure_needs_the_word_typed_and_changes_nothing_without_it(world, conversation, admin, confirm):
    response = admin.post(_url(world, conversation, "erase"), {"confirm": confirm}, **HTMX)

    assert response.status_code == 400
    assert "Type “erase” to confirm" in page_text(response)
    assert Contact.objects.for_tenant(world.tenant).filter(pk=conversation.contact_id).exists()
    assert not AuditLog.objects.for_tenant(world.tenant).filter(action="contact.erased").exists()


def test_an_admin_erases_a_contact_and_lands_in_the_inbox(world, conversation, admin):
    response = admin.post(_url(world, conversation, "erase"), {"confirm": " Erase "}, **HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/t/{world.tenant.slug}/inbox/"
    assert not Contact.objects.for_tenant(world.tenant).filter(pk=conversation.contact_id).exists()
    assert not Conversation.objects.for_tenant(world.tenant).filter(pk=conversation.pk).exists()
    assert "were erased" in page_text(admin.get(f"/t/{world.tenant.slug}/inbox/"))


def test_without_javascript_erasure_redirects_to_the_inbox(world, conversation, admin):
    response = admin.post(_url(world, conversation, "erase"), {"confirm": "erase"})

    assert response.status_code == 302
    assert response["Location"] == f"/t/{world.tenant.slug}/inbox/"


def test_another_contacts_export_is_not_downloaded_through_this_contact(world, conversation, admin):
    other = ConversationFactory.create(channel=conversation.channel)
    export = ContactExport.objects.for_tenant(world.tenant).create(
        tenant=world.tenant, contact=other.contact, state=ExportState.READY, expires_at=timezone.now()
    )

    assert admin.get(_url(world, conversation, "download", export_id=export.pk)).status_code == 404
