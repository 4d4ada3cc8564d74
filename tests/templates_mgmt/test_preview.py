"""The editor's live preview: the template's text with its examples (or given values) filled in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from templates_mgmt.policy import preview_text
from tests.templates_mgmt.builders import (
    AUTH_BODY,
    AUTH_FOOTER,
    META_REFERENCE,
    authentication,
    body,
    buttons,
    copy_code,
    footer,
    header,
    media,
    otp,
    quick,
    template,
    url,
)


def test_named_examples_fill_header_and_body():
    assert preview_text(META_REFERENCE) == {
        "header": "Order 860198",
        "header_media": "",
        "body": "Thank you, Pablo! Your order 860198 ships today.",
        "footer": "Lucky Shrub",
        "buttons": ["Stop updates", "Track", "Call us"],
    }


def test_positional_examples_fill_by_number():
    preview = preview_text(
        template(header("Order {{1}}", ["860198"]), body("Hi {{1}}, order {{2}} is ready.", ["Ana", "860198"]))
    )
    assert preview["header"] == "Order 860198"
    assert preview["body"] == "Hi Ana, order 860198 is ready."


def test_given_values_win_over_examples():
    preview = preview_text(
        template(body("Hi {{1}}, order {{2}} is ready.", ["Ana", "860198"])), values={"body": {"2": "1234"}}
    )
    assert preview["body"] == "Hi Ana, order 1234 is ready."


def test_a_placeholder_without_example_stays_as_written():
    preview = preview_text(template(body("Hi {{1}}, order {{2}} is ready.", ["Ana"])))
    assert preview["body"] == "Hi Ana, order {{2}} is ready."


def test_a_media_header_is_named_not_filled():
    preview = preview_text(template(media("IMAGE"), body("New arrivals are in.", None), footer()))
    assert preview["header"] == ""
    assert preview["header_media"] == "Image"


def test_buttons_without_text_get_meta_labels():
    preview = preview_text(template(body(), buttons(url(), copy_code()), category="MARKETING"))
    assert preview["buttons"] == ["Track", "Copy offer code"]


def test_authentication_previews_metas_fixed_wording():
    preview = preview_text(authentication(AUTH_BODY, AUTH_FOOTER, buttons(otp())))
    assert preview == {
        "header": "",
        "header_media": "",
        "body": "123456 is your verification code. For your security, do not share this code.",
        "footer": "This code expires in 10 minutes.",
        "buttons": ["Copy code"],
    }


def test_an_empty_template_previews_as_empty():
    assert preview_text({}) == {"header": "", "header_media": "", "body": "", "footer": "", "buttons": []}


EXAMPLE_VALUES = st.text(alphabet=st.characters(exclude_characters="{}"), min_size=1)


@given(first=EXAMPLE_VALUES, second=EXAMPLE_VALUES)
def test_with_every_example_given_no_placeholder_is_left(first, second):
    preview = preview_text(template(body("Hi {{1}}, your order {{2}} is ready.", [first, second]), buttons(quick())))
    assert preview["body"] == f"Hi {first}, your order {second} is ready."
