"""The default template library: every entry in English, French and German, clean under lint."""

from __future__ import annotations

import pytest

from templates_mgmt.library import LANGUAGES, library_entries, library_entry
from templates_mgmt.policy import lint_template, placeholders

ENTRIES = library_entries()
EVERY_WORDING = [
    pytest.param(entry, language, id=f"{entry.key}-{language}") for entry in ENTRIES for language in LANGUAGES
]


def test_the_library_has_the_use_cases_we_promise():
    assert [entry.key for entry in ENTRIES] == [
        "order_confirmation",
        "delivery_update",
        "appointment_reminder",
        "boarding_pass",
        "return_label",
        "payment_reminder",
        "continue_conversation",
    ]


@pytest.mark.parametrize(("entry", "language"), EVERY_WORDING)
def test_every_library_template_lints_without_errors_or_warnings(entry, language):
    assert lint_template(entry.body_for(language)) == []


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.key)
def test_every_entry_exists_in_english_french_and_german(entry):
    assert entry.languages == ("en", "fr", "de")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.key)
def test_every_language_uses_the_same_parameter_names(entry):
    names = {language: set(entry.parameter_names(language)) for language in LANGUAGES}
    assert names["fr"] == names["en"]
    assert names["de"] == names["en"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.key)
def test_languages_of_an_entry_are_one_template_name(entry):
    bodies = [entry.body_for(language) for language in LANGUAGES]
    assert {body["name"] for body in bodies} == {entry.key}
    assert [body["language"] for body in bodies] == list(LANGUAGES)
    assert {body["category"] for body in bodies} == {entry.category}
    assert {body["parameter_format"] for body in bodies} == {"NAMED"}


@pytest.mark.parametrize(("entry", "language"), EVERY_WORDING)
def test_wordings_are_written_for_their_language_not_copied(entry, language):
    if language == "en":
        return
    english = entry.body_for("en")["components"]
    translated = entry.body_for(language)["components"]
    assert [c["type"] for c in translated] == [c["type"] for c in english]
    assert _body_text(translated) != _body_text(english)


def _body_text(components):
    return next(component["text"] for component in components if component["type"] == "BODY")


def test_transactional_entries_are_utility():
    assert {entry.category for entry in ENTRIES} == {"UTILITY"}


def test_the_track_link_ends_in_a_variable_with_an_example():
    body = library_entry("delivery_update").body_for("en", website="https://shop.example/")
    (link,) = next(c for c in body["components"] if c["type"] == "BUTTONS")["buttons"]
    assert link == {
        "type": "URL",
        "text": "Track parcel",
        "url": "https://shop.example/track/{{1}}",
        "example": ["https://shop.example/track/1Z999AA10123456784"],
    }


def test_the_re_engagement_template_asks_yes_or_no():
    for language in LANGUAGES:
        body = library_entry("continue_conversation").body_for(language)
        (buttons,) = [c["buttons"] for c in body["components"] if c["type"] == "BUTTONS"]
        assert [button["type"] for button in buttons] == ["QUICK_REPLY", "QUICK_REPLY"]
    assert [b["text"] for b in buttons] == ["Ja, gerne", "Nein, danke"]


def test_every_placeholder_has_its_example_in_the_body():
    for entry in ENTRIES:
        for language in LANGUAGES:
            for component in entry.body_for(language)["components"]:
                names = placeholders(component.get("text", ""))
                if component["type"] in {"HEADER", "BODY"} and names:
                    (params,) = component["example"].values()
                    assert [p["param_name"] for p in params] == list(dict.fromkeys(names))
                    assert all(p["example"].strip() for p in params)


def test_a_regional_language_code_uses_its_language():
    body = library_entry("payment_reminder").body_for("en_GB")
    assert body["language"] == "en_GB"
    assert body["components"] == library_entry("payment_reminder").body_for("en")["components"]


def test_a_language_the_library_lacks_is_refused():
    with pytest.raises(KeyError):
        library_entry("payment_reminder").body_for("es")


def test_an_unknown_key_finds_nothing():
    assert library_entry("black_friday") is None


def test_an_entry_as_json_lists_its_languages_and_bodies():
    data = library_entry("order_confirmation").as_json()
    assert data["key"] == "order_confirmation"
    assert data["title"] == "Order confirmation"
    assert data["category"] == "UTILITY"
    assert data["use_case"] == "orders"
    assert data["languages"] == ["en", "fr", "de"]
    assert data["parameter_names"] == ["order_number", "first_name", "order_total"]
    assert data["templates"]["fr"]["language"] == "fr"
