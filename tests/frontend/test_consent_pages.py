"""The consent settings page and the contact import page: who may use them, what they do."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog, Role
from inbox import selectors
from inbox.consent import DEFAULT_OPT_OUT_CONFIRMATION, DEFAULT_OPT_OUT_KEYWORDS
from inbox.models import ConsentEvent, ConsentSettings, Contact
from tests.accounts.factories import MembershipFactory
from tests.conftest import page_text

CONSENT_URL = "/t/acme/settings/consent/"
IMPORT_URL = "/t/acme/contacts/import/"


def counts(tenant) -> dict[str, int]:
    return {
        "contacts": Contact.objects.for_tenant(tenant).count(),
        "consent_events": ConsentEvent.objects.for_tenant(tenant).count(),
        "consent_settings": ConsentSettings.objects.for_tenant(tenant).count(),
        "audit": AuditLog.objects.for_tenant(tenant).count(),
    }


def csv_file(content: bytes, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize("url", [CONSENT_URL, IMPORT_URL])
def test_agents_are_refused(world, url):
    client = world.client_for(world.agent)
    for response in (client.get(url), client.post(url, {"keywords": "HALT", "reset": "1"})):
        assert response.status_code == 403
        assert "Your role does not allow this" in page_text(response)
    assert counts(world.tenant)["consent_settings"] == 0


@pytest.mark.parametrize("url", [CONSENT_URL, IMPORT_URL])
@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_owners_see_the_pages(world, url, role):
    assert world.client_for(getattr(world, role)).get(url).status_code == 200


def test_the_sidebar_links_both_pages_for_admins_only(world):
    admin_page = page_text(world.client_for(world.admin).get("/t/acme/settings/"))
    assert f'href="{CONSENT_URL}"' in admin_page
    assert f'href="{IMPORT_URL}"' in admin_page
    agent_page = page_text(world.client_for(world.agent).get("/t/acme/inbox/"))
    assert CONSENT_URL not in agent_page
    assert IMPORT_URL not in agent_page


# Consent settings ------------------------------------------------------------------------------


def test_the_page_shows_the_defaults_without_saving_them(world):
    page = page_text(world.client_for(world.admin).get(CONSENT_URL))
    assert "ARRÊT" in page
    assert DEFAULT_OPT_OUT_CONFIRMATION in page
    assert counts(world.tenant)["consent_settings"] == 0


def test_saving_keywords_one_per_line_or_comma_separated(world):
    client = world.client_for(world.admin)
    response = client.post(CONSENT_URL, {"keywords": "STOP, Halt\r\n\r\nArrêt\nstop", "confirmation": " Bye! "})
    assert response.status_code == 302
    assert response.url == CONSENT_URL
    settings = selectors.consent_settings(tenant=world.tenant)
    assert (settings.opt_out_keywords, settings.opt_out_confirmation) == (["STOP", "Halt", "Arrêt"], "Bye!")
    page = page_text(client.get(CONSENT_URL))
    assert "Consent settings saved." in page
    assert "STOP\nHalt\nArrêt" in page
    assert AuditLog.objects.for_tenant(world.tenant).get().action == "consent.settings_changed"


@pytest.mark.parametrize(
    ("keywords", "confirmation", "says"),
    [
        ("", "Bye", "This field is required."),
        (" ,\n, ", "Bye", "Give at least one opt-out keyword"),
        ("STOP\n" + "X" * 33, "Bye", "is longer than 32 characters"),
        ("STOP\n!!!", "Bye", "has no letters or digits"),
        ("STOP", "x" * 1025, "at most 1024 characters"),
    ],
)
def test_bad_settings_are_explained_and_change_nothing(world, keywords, confirmation, says):
    before = counts(world.tenant)
    response = world.client_for(world.admin).post(CONSENT_URL, {"keywords": keywords, "confirmation": confirmation})
    assert response.status_code == 400
    assert says in page_text(response)
    assert counts(world.tenant) == before


def test_reset_to_defaults(world):
    client = world.client_for(world.admin)
    client.post(CONSENT_URL, {"keywords": "HALT", "confirmation": ""})
    response = client.post(CONSENT_URL, {"reset": "1"}, follow=True)
    assert "back to the defaults" in page_text(response)
    settings = selectors.consent_settings(tenant=world.tenant)
    assert settings.opt_out_keywords == list(DEFAULT_OPT_OUT_KEYWORDS)
    assert settings.opt_out_confirmation == DEFAULT_OPT_OUT_CONFIRMATION


def test_settings_of_one_workspace_do_not_change_another(world, other_tenant):
    world.client_for(world.admin).post(CONSENT_URL, {"keywords": "HALT", "confirmation": ""})
    assert selectors.consent_settings(tenant=other_tenant.tenant).opt_out_keywords == list(DEFAULT_OPT_OUT_KEYWORDS)


# Import ----------------------------------------------------------------------------------------


def test_import_shows_its_report_on_the_same_page(world):
    client = world.client_for(world.admin)
    content = (
        b"phone,name,consent,proof\n"
        b"+49 151 23456789,Maria,opt_in,Paper form\n"
        b"not a phone,Bad,,\n"
        b"+33 6 12 34 56 78,Jean,,\n"
        b"+34 612 345 678,Lucia,maybe,\n"
        b"+1 202 555 0143,Sam,opt_out,\n"
    )
    response = client.post(IMPORT_URL, {"file": csv_file(content, "spring.csv")})
    assert response.status_code == 302
    assert response.url == IMPORT_URL
    page = page_text(client.get(IMPORT_URL))
    assert "Imported spring.csv" in page
    assert "<dt>Contacts created</dt><dd>3</dd>" in page
    assert "<dt>Rows rejected</dt><dd>2</dd>" in page
    assert "<td>3</td><td>“not a phone” is not a valid phone number." in page
    assert "<td>5</td><td>Unknown consent “maybe”" in page
    assert Contact.objects.for_tenant(world.tenant).count() == 3
    # The report is shown once.
    assert "Imported spring.csv" not in page_text(client.get(IMPORT_URL))


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"%PDF-1.4\n\x00\x01\x02 binary", "This is not a CSV file"),
        (b"", "The file is empty"),
        (b"name,email\nMaria,maria@example.com\n", "no “phone” column"),
        ("phone\n+4915123456789,Zoë\n".encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_csv_is_explained_and_imports_nothing(world, content, says):
    before = counts(world.tenant)
    response = world.client_for(world.admin).post(IMPORT_URL, {"file": csv_file(content)})
    assert response.status_code == 400
    assert says in page_text(response)
    assert counts(world.tenant) == before


def test_import_without_a_file_asks_for_one(world):
    response = world.client_for(world.admin).post(IMPORT_URL, {})
    assert response.status_code == 400
    assert "This field is required." in page_text(response)


def test_a_report_is_shown_only_in_the_workspace_that_imported(world, other_tenant):
    MembershipFactory.create(tenant=other_tenant.tenant, user=world.admin.user, role=Role.ADMIN)
    client = world.client_for(world.admin)
    client.post(IMPORT_URL, {"file": csv_file(b"phone\n+4915123456789\n", "acme.csv")})
    assert "Imported acme.csv" not in page_text(client.get("/t/globex/contacts/import/"))
    assert not Contact.objects.for_tenant(other_tenant.tenant).exists()
    assert "Imported acme.csv" in page_text(client.get(IMPORT_URL))
