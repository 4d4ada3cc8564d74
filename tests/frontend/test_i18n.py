"""French and German: the catalogues are complete and compiled, placeholders survive translation,
and the language is the person's choice, else the workspace's, else the browser's; the API stays English."""

from __future__ import annotations

import re

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.management.commands.compile_translations import catalogs, compiled
from accounts.models import Language
from tests.conftest import page_text

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)0\d+d|\{\{[^}]*\}\}|%%")
TAG = re.compile(r"</?[a-z]+")


def test_the_offered_languages_are_the_settings_languages():
    assert [code for code, _name in settings.LANGUAGES] == Language.values


def test_there_is_a_catalogue_for_each_language_but_english():
    assert [path.parts[-3] for path in catalogs()] == ["de", "fr"]


@pytest.mark.parametrize("po_path", catalogs(), ids=lambda path: path.parts[-3])
def test_every_string_is_translated(po_path):
    catalogue = polib.pofile(str(po_path))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


@pytest.mark.parametrize("po_path", catalogs(), ids=lambda path: path.parts[-3])
def test_translations_keep_their_placeholders_and_tags(po_path):
    wrong = []
    for entry in polib.pofile(str(po_path)):
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        originals = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        expected = sorted(PLACEHOLDER.findall(originals[-1]))
        for translation in translations:
            if sorted(PLACEHOLDER.findall(translation)) != expected:
                wrong.append((entry.msgid, translation))
            if sorted(TAG.findall(translation)) != sorted(TAG.findall(entry.msgid)):
                wrong.append((entry.msgid, translation))
    assert wrong == []


@pytest.mark.parametrize("po_path", catalogs(), ids=lambda path: path.parts[-3])
def test_the_committed_mo_files_are_compiled_from_the_po_files(po_path):
    assert po_path.with_suffix(".mo").read_bytes() == compiled(po_path), "run `make messages`"


def test_the_check_command_passes_on_the_committed_files():
    call_command("compile_translations", check=True)


# Who sees which language


def test_a_french_user_sees_french_pages(world):
    world.admin.user.language = "fr"
    world.admin.user.save()
    response = world.client_for(world.admin).get("/t/acme/settings/teams/")
    page = page_text(response)
    assert '<html lang="fr">' in page
    assert "Équipes" in page
    assert "Boîte de réception" in page
    assert response["Content-Language"] == "fr"


def test_the_workspace_language_applies_to_members_without_their_own(world):
    world.tenant.default_language = "de"
    world.tenant.save()
    page = page_text(world.client_for(world.agent).get("/t/acme/preferences/"))
    assert '<html lang="de">' in page
    assert "Persönliche Einstellungen" in page


def test_a_persons_choice_beats_the_workspace_language(world):
    world.tenant.default_language = "de"
    world.tenant.save()
    world.agent.user.language = "fr"
    world.agent.user.save()
    assert "Vos préférences" in page_text(world.client_for(world.agent).get("/t/acme/preferences/"))


def test_the_browser_language_is_used_when_signed_out(client):
    page = page_text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"))
    assert "Passwort vergessen?" in page


def test_a_persons_choice_follows_them_outside_the_workspace(world):
    world.agent.user.language = "fr"
    world.agent.user.save()
    page = page_text(world.client_for(world.agent).get("/accounts/workspaces/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "Vos espaces de travail" in page


def test_choosing_a_language_confirms_in_that_language(world):
    response = world.client_for(world.agent).post("/t/acme/preferences/", {"language": "de"}, follow=True)
    assert "Einstellungen gespeichert." in page_text(response)
    world.agent.user.refresh_from_db()
    assert world.agent.user.language == "de"


def test_going_back_to_the_workspace_language(world):
    world.tenant.default_language = "fr"
    world.tenant.save()
    world.agent.user.language = "de"
    world.agent.user.save()
    response = world.client_for(world.agent).post("/t/acme/preferences/", {"language": ""}, follow=True)
    assert "Préférences enregistrées." in page_text(response)


def test_the_api_stays_english_whatever_the_client_or_workspace_asks(world):
    world.tenant.default_language = "fr"
    world.tenant.save()
    api = world.api_client()
    response = api.post("/api/v1/contacts/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    message = response.json()["error"]["message"]
    assert "obligatoire" not in message


def test_french_numbers_and_dates_on_the_reports_page(world):
    world.admin.user.language = "fr"
    world.admin.user.save()
    page = page_text(world.client_for(world.admin).get("/t/acme/reports/?period=7"))
    assert "Conversations par jour" in page
    assert "Exporter en CSV" in page
