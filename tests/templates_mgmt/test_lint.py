"""Lint of a template-creation body before submission: a table of templates, good and bad,
each with the exact set of finding codes it gets, plus properties over names and placeholders."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from templates_mgmt.policy import (
    PROMOTIONAL_WORDING,
    Finding,
    LintCode,
    blocks_submission,
    lint_template,
    promotional_words,
)
from tests.templates_mgmt.builders import (
    AUTH_BODY,
    AUTH_FOOTER,
    META_REFERENCE,
    SHIPPED,
    SHIPPED_NAMED,
    authentication,
    body,
    buttons,
    copy_code,
    footer,
    header,
    media,
    named,
    otp,
    phone,
    quick,
    template,
    url,
)

P = pytest.param
CASES = [
    # Good templates: no findings at all.
    P(META_REFERENCE, set(), id="meta-reference-example"),
    P(template(body()), set(), id="positional-body"),
    P(named(body(SHIPPED_NAMED)), set(), id="named-body"),
    P(template(body("Your order has shipped and will arrive soon.")), set(), id="no-placeholders"),
    P(
        template(header("Order {{1}}"), body(), footer(), buttons(quick(), quick("Call me"), url(), phone())),
        set(),
        id="every-component",
    ),
    P(template(media("IMAGE"), body()), set(), id="image-header-with-handle"),
    P(template(media("DOCUMENT"), body()), set(), id="document-header-with-handle"),
    P(template(media("LOCATION"), body()), set(), id="location-header-in-utility"),
    P(template(body(), language="de"), set(), id="language-without-region"),
    P(template(body(), language="pt_BR"), set(), id="language-with-region"),
    P(template(body(), buttons(url("https://shop.example/help"))), set(), id="url-without-variable"),
    P(template(body(), buttons(url("http://shop.example/t/{{1}}"))), set(), id="http-url"),
    P(
        template(body("Get 20% off everything with coupon SAVE20 this weekend only."), buttons(copy_code())),
        {"promotional_wording"},
        id="coupon-in-utility-warns",
    ),
    P(
        template(body("Get 20% off everything with coupon SAVE20 this weekend only."), category="MARKETING"),
        set(),
        id="promotion-in-marketing",
    ),
    P(authentication(AUTH_BODY, AUTH_FOOTER, buttons(otp())), set(), id="authentication"),
    P(authentication(buttons(otp("ONE_TAP"))), set(), id="authentication-without-body"),
    # Name, language, category, parameter format.
    P(template(body(), name=""), {"name_missing"}, id="name-missing"),
    P(template(body(), name="Order_Update"), {"name_invalid"}, id="name-uppercase"),
    P(template(body(), name="order-update"), {"name_invalid"}, id="name-hyphen"),
    P(template(body(), name="a" * 513), {"name_too_long"}, id="name-too-long"),
    P(template(body(), language=""), {"language_missing"}, id="language-missing"),
    P(template(body(), language="en-US"), {"language_invalid"}, id="language-hyphen"),
    P(template(body(), language="english"), {"language_invalid"}, id="language-word"),
    P(template(body(), category=""), {"category_missing"}, id="category-missing"),
    P(template(body(), category="PROMOTIONAL"), {"category_invalid"}, id="category-invalid"),
    P(template(body(), parameter_format="MIXED"), {"parameter_format_invalid"}, id="parameter-format-invalid"),
    # Structure.
    P(template(body(), body()), {"component_duplicate"}, id="two-bodies"),
    P(template(body(), {"type": "CAROUSEL"}), {"component_unknown"}, id="unknown-component"),
    # Body.
    P(template(footer()), {"body_missing"}, id="body-missing"),
    P(template(body("   ")), {"body_missing"}, id="body-blank"),
    P(template(body("Hello there. " * 80)), {"body_too_long"}, id="body-too-long"),
    P(
        template(body("{{1}}, your order has shipped and will arrive soon.")),
        {"body_starts_with_placeholder"},
        id="body-starts-with-placeholder",
    ),
    P(
        template(body("Your order has shipped and will arrive soon, {{1}}")),
        {"body_ends_with_placeholder"},
        id="body-ends-with-placeholder",
    ),
    P(
        template(body("Hello {{1}}{{2}}, your order has shipped and will arrive soon.")),
        {"placeholders_adjacent"},
        id="adjacent-placeholders",
    ),
    P(
        template(body("Hello {{1}} \n {{2}}, your order has shipped and will arrive soon.")),
        {"placeholders_adjacent"},
        id="placeholders-split-by-whitespace",
    ),
    P(template(body("Hi {{1}}, order {{2}} ok.")), {"too_many_placeholders"}, id="too-few-words"),
    # Placeholders.
    P(
        template(body("Hi {{1}}, your order {{3}} has shipped and will arrive soon.")),
        {"placeholder_sequence"},
        id="placeholder-gap",
    ),
    P(
        template(body("Hi {{2}}, your order {{1}} has shipped and will arrive soon.")),
        {"placeholder_sequence"},
        id="placeholder-out-of-order",
    ),
    P(
        template(body("Hi {{#1}}, your order has shipped and will arrive soon.")),
        {"placeholder_forbidden_character"},
        id="hash-in-braces",
    ),
    P(
        template(body("Hi there, your order costs {{$price}} and will arrive soon.")),
        {"placeholder_forbidden_character"},
        id="dollar-in-braces",
    ),
    P(
        template(body("Hi {{ 1 }}, your order has shipped and will arrive soon.")),
        {"placeholder_malformed"},
        id="spaces-in-braces",
    ),
    P(
        template(body("Hi {{1}, your order has shipped and will arrive soon.")),
        {"placeholder_malformed"},
        id="unclosed-braces",
    ),
    P(template(body(SHIPPED_NAMED)), {"placeholder_format_mismatch"}, id="named-in-positional"),
    P(named(body(SHIPPED)), {"placeholder_format_mismatch"}, id="numbered-in-named"),
    P(
        named(body("Hi {{FirstName}}, your order has shipped and will arrive soon.")),
        {"placeholder_name_invalid"},
        id="named-uppercase",
    ),
    # Examples.
    P(template(body(examples=None)), {"example_missing"}, id="positional-examples-missing"),
    P(template(body(examples=["Pablo"])), {"example_missing"}, id="positional-example-short"),
    P(template(body(examples=["Pablo", " "])), {"example_missing"}, id="positional-example-blank"),
    P(template(body(examples=["Pablo", "860198", "today"])), {"example_extra"}, id="positional-example-extra"),
    P(named(body(SHIPPED_NAMED, examples={"first_name": "Pablo"})), {"example_missing"}, id="named-example-missing"),
    P(
        named(body(SHIPPED_NAMED, examples={"first_name": "Pablo", "order_number": "1", "coupon": "X"})),
        {"example_extra"},
        id="named-example-extra",
    ),
    P(template(header("Order {{1}}", examples=None), body()), {"example_missing"}, id="header-example-missing"),
    P(template(media("VIDEO", handle=False), body()), {"header_handle_missing"}, id="media-without-handle"),
    # Header and footer.
    P(template(header("x" * 61), body()), {"header_too_long"}, id="header-too-long"),
    P(template(header(" "), body()), {"header_empty"}, id="header-empty"),
    P(template(header("Order {{1}} for {{2}}"), body()), {"header_too_many_parameters"}, id="header-two-parameters"),
    P(template(media("GIF"), body()), {"header_format_invalid"}, id="gif-header"),
    P(
        authentication(media("LOCATION"), buttons(otp())),
        {"header_location_not_allowed"},
        id="location-header-in-authentication",
    ),
    P(template(body(), footer("x" * 61)), {"footer_too_long"}, id="footer-too-long"),
    P(template(body(), footer("Reply {{1}} to stop")), {"footer_has_parameters"}, id="footer-parameter"),
    P(template(body(), footer(" ")), {"footer_empty"}, id="footer-empty"),
    # Buttons.
    P(template(body(), buttons()), {"buttons_empty"}, id="buttons-empty"),
    P(
        template(body(), buttons(*[quick(f"Choice {n}") for n in range(11)])),
        {"buttons_too_many", "quick_replies_too_many"},
        id="eleven-quick-replies",
    ),
    P(template(body(), buttons(url(), url(), url())), {"url_buttons_too_many"}, id="three-url-buttons"),
    P(template(body(), buttons(phone(), phone())), {"phone_buttons_too_many"}, id="two-phone-buttons"),
    P(
        template(body(), buttons(copy_code(), copy_code()), category="MARKETING"),
        {"copy_code_buttons_too_many"},
        id="two-copy-code-buttons",
    ),
    P(template(body(), buttons(quick(), url(), quick("Later"))), {"buttons_not_grouped"}, id="quick-replies-split"),
    P(template(body(), buttons(quick("x" * 26))), {"button_text_too_long"}, id="button-label-too-long"),
    P(template(body(), buttons(quick(""))), {"button_text_missing"}, id="button-label-missing"),
    P(template(body(), buttons({"type": "FLOW", "text": "Book"})), {"button_type_invalid"}, id="flow-button"),
    P(template(body(), buttons(url("ftp://shop.example/t/{{1}}"))), {"button_url_scheme_not_allowed"}, id="ftp-url"),
    P(template(body(), buttons(url("javascript:alert(1)"))), {"button_url_scheme_not_allowed"}, id="javascript-url"),
    P(template(body(), buttons(url("shop.example/t"))), {"button_url_scheme_not_allowed"}, id="url-without-scheme"),
    P(template(body(), buttons(url("https://"))), {"button_url_invalid"}, id="url-without-host"),
    P(template(body(), buttons(url(""))), {"button_url_invalid"}, id="url-empty"),
    P(
        template(body(), buttons(url("https://shop.example/" + "a" * 2000))),
        {"button_url_too_long"},
        id="url-too-long",
    ),
    P(
        template(body(), buttons(url("https://shop.example/{{1}}/track"))),
        {"button_url_variable_invalid"},
        id="url-variable-not-trailing",
    ),
    P(
        template(body(), buttons(url("https://shop.example/t/{{2}}"))),
        {"button_url_variable_invalid"},
        id="url-variable-not-1",
    ),
    P(
        template(body(), buttons(url("https://shop.example/{{1}}/{{1}}"))),
        {"button_url_variable_invalid"},
        id="url-two-variables",
    ),
    P(template(body(), buttons(url(example=None))), {"example_missing"}, id="url-variable-without-example"),
    P(
        template(body(), buttons(url("https://shop.example/help", example=["https://shop.example/help"]))),
        {"example_extra"},
        id="url-example-without-variable",
    ),
    P(template(body(), buttons(phone("555-0100"))), {"button_phone_invalid"}, id="phone-not-international"),
    P(template(body(), buttons(phone("+1555005131012345678"))), {"button_phone_invalid"}, id="phone-too-long"),
    P(
        template(body(), buttons(copy_code("SPRING-2026-WELCOME-1")), category="MARKETING"),
        {"button_copy_code_too_long"},
        id="copy-code-example-too-long",
    ),
    P(
        template(body(), buttons(copy_code(None)), category="MARKETING"),
        {"example_missing"},
        id="copy-code-without-example",
    ),
    P(template(body(), buttons(otp())), {"button_otp_not_allowed"}, id="otp-in-utility"),
    # Authentication.
    P(
        authentication({"type": "BODY", "text": "Your code is {{1}}."}, buttons(otp())),
        {"authentication_custom_text"},
        id="authentication-with-text",
    ),
    P(authentication(header("Login"), buttons(otp())), {"authentication_header_not_allowed"}, id="auth-header"),
    P(authentication(AUTH_BODY), {"authentication_otp_button_missing"}, id="auth-without-otp"),
    P(
        authentication(buttons(otp(), quick())),
        {"authentication_button_not_allowed"},
        id="auth-with-quick-reply",
    ),
    P(
        authentication({"type": "FOOTER", "code_expiration_minutes": 120}, buttons(otp())),
        {"authentication_code_expiration_invalid"},
        id="auth-expiry-too-long",
    ),
    P(authentication(buttons(otp("MAGIC_LINK"))), {"button_otp_type_invalid"}, id="auth-otp-type"),
    P(authentication(buttons(otp(), otp())), {"otp_buttons_too_many"}, id="auth-two-otp"),
    # Promotional wording in Utility templates (English, French, German).
    P(
        template(body("Your order has shipped. Buy now and save with our summer sale!")),
        {"promotional_wording"},
        id="promotional-english",
    ),
    P(
        template(body("Votre commande est partie. Profitez de nos soldes et d'une réduction !"), language="fr"),
        {"promotional_wording"},
        id="promotional-french",
    ),
    P(
        template(body("Ihre Bestellung ist unterwegs. Ihr Gutscheincode gilt jetzt im Shop."), language="de"),
        {"promotional_wording"},
        id="promotional-german",
    ),
    P(
        template(body(), buttons(quick("Get the discount"))),
        {"promotional_wording"},
        id="promotional-button-label",
    ),
    # Several problems at once.
    P(
        template(body("{{1}}{{2}}"), name="Bad Name", language="", category="NEWS"),
        {
            "name_invalid",
            "language_missing",
            "category_invalid",
            "body_starts_with_placeholder",
            "body_ends_with_placeholder",
            "placeholders_adjacent",
            "too_many_placeholders",
        },
        id="many-problems",
    ),
]


@pytest.mark.parametrize(("body", "codes"), CASES)
def test_lint_finds_exactly(body, codes):
    assert {finding.code for finding in lint_template(body)} == codes


def test_the_table_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize(("body", "codes"), CASES)
def test_findings_are_known_codes_with_sentences(body, codes):
    for finding in lint_template(body):
        assert finding.code in set(LintCode)
        assert finding.severity in {"error", "warning"}
        assert finding.component
        assert finding.message.endswith(".")


def test_only_unconfirmed_and_judgement_rules_are_warnings():
    warnings = {
        finding.code for case in CASES for finding in lint_template(case.values[0]) if finding.severity == "warning"
    }
    assert warnings == {"too_many_placeholders", "promotional_wording"}


def test_findings_say_where():
    findings = lint_template(template(body(), buttons(quick(), url("ftp://x.example/{{1}}"))))
    assert [(f.code, f.component) for f in findings] == [("button_url_scheme_not_allowed", "button 1")]


def test_finding_as_json():
    finding = Finding("name_invalid", "error", "name", "Template names may only use lowercase letters.")
    assert finding.as_json() == {
        "code": "name_invalid",
        "severity": "error",
        "component": "name",
        "message": "Template names may only use lowercase letters.",
    }


def test_malformed_shapes_do_not_crash():
    for shape in ({}, {"components": "BODY"}, {"components": [None, 3, {"type": None}]}, {"name": 7}):
        assert blocks_submission(lint_template(shape))


# --- blocks_submission ------------------------------------------------------------------------


def test_errors_block_submission():
    assert blocks_submission(lint_template(template(body("{{1}} shipped."))))


def test_warnings_alone_do_not_block_submission():
    findings = lint_template(template(body("Hi {{1}}, order {{2}} ok.")))
    assert [f.severity for f in findings] == ["warning"]
    assert not blocks_submission(findings)


def test_no_findings_do_not_block_submission():
    assert not blocks_submission([])


# --- Promotional wording ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Save with this DISCOUNT", ["discount"]),
        ("20% off today", ["% off"]),
        ("20 % OFF", ["% off"]),
        ("Use your coupons", ["coupon"]),
        ("Don’t miss out", ["don't miss out"]),
        ("Une REDUCTION de 10 €", ["réduction"]),
        ("livraison gratuite", ["gratuit"]),
        ("Achetez   maintenant", ["achetez maintenant"]),
        ("Ihr Rabattcode", ["Rabatt"]),
        ("SCHNAPPCHEN für alle", ["Schnäppchen"]),
        ("Jetzt kaufen!", ["jetzt kaufen"]),
        ("Your order was offered for delivery", []),
        ("Wholesale orders ship on Monday", []),
        ("We will send the offering documents", []),
        ("Your salesperson will call", []),
        ("The promenade café is open", []),
    ],
)
def test_promotional_words_match_whole_words_ignoring_case_and_accents(text, words):
    assert promotional_words(text) == words


@given(
    phrase=st.sampled_from([p.removesuffix("*") for phrases in PROMOTIONAL_WORDING.values() for p in phrases]),
    upper=st.booleans(),
)
def test_every_listed_phrase_is_caught_in_a_sentence(phrase, upper):
    text = f"Hello, {phrase.upper() if upper else phrase} here."
    assert phrase.casefold() in [word.casefold() for word in promotional_words(text)]


# --- Properties ---------------------------------------------------------------------------------


@given(name=st.from_regex(r"[a-z0-9_]{1,512}", fullmatch=True))
def test_any_valid_name_passes(name):
    assert lint_template(template(body(), name=name)) == []


def _has_a_character_names_cannot_have(name):
    return any(not (char.isascii() and (char.islower() or char.isdigit() or char == "_")) for char in name)


@given(name=st.text(min_size=1, max_size=40).filter(_has_a_character_names_cannot_have))
def test_any_name_with_another_character_is_invalid(name):
    assert "name_invalid" in {f.code for f in lint_template(template(body(), name=name))}


WORDS = st.lists(st.sampled_from(["your", "order", "ships", "today", "thanks", "from", "us"]), min_size=1, max_size=8)


@given(before=WORDS, gap=st.text(alphabet=" \t\n", max_size=3), after=WORDS, first=st.integers(1, 3))
def test_any_body_with_adjacent_placeholders_is_flagged(before, gap, after, first):
    text = f"Hello {' '.join(before)} {{{{{first}}}}}{gap}{{{{{first + 1}}}}} {' '.join(after)}."
    codes = {f.code for f in lint_template(template(body(text, examples=None)))}
    assert "placeholders_adjacent" in codes


@given(count=st.integers(1, 8), words_between=st.integers(0, 5))
def test_placeholder_density_warning_follows_the_rule_of_thumb(count, words_between):
    text = "Hello " + " ".join(f"{{{{{n}}}}}" + " word" * words_between + "," for n in range(1, count + 1)) + " bye."
    fixed_words = 2 + count * words_between
    codes = {f.code for f in lint_template(template(body(text)))}
    assert ("too_many_placeholders" in codes) == (fixed_words < 3 * count)


@given(numbers=st.permutations([1, 2, 3, 4]))
def test_positional_placeholders_must_first_appear_in_order(numbers):
    text = "Dear " + " and then ".join(f"{{{{{n}}}}}" for n in numbers) + " thank you for your order today."
    codes = {f.code for f in lint_template(template(body(text)))}
    assert ("placeholder_sequence" in codes) == (list(numbers) != [1, 2, 3, 4])
