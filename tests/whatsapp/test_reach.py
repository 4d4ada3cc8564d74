"""Click-to-chat links and their QR codes: the link is encoded as wa.me expects, and each code,
read back with a real QR reader (zxing-cpp), is the same link."""

from __future__ import annotations

import io
from datetime import time
from xml.etree import ElementTree

import pytest
import zxingcpp
from PIL import Image

from accounts.errors import ServiceError
from inbox.hours import Interval, OpeningHours
from whatsapp.reach import click_to_chat_url, hours_summary, qr_code, qr_size


@pytest.mark.parametrize(
    ("number", "text", "url"),
    [
        ("+1 555 010 0123", "", "https://wa.me/15550100123"),
        ("15550783881", "", "https://wa.me/15550783881"),
        ("0049 (151) 2345-6789", "", "https://wa.me/4915123456789"),
        ("+1 555 010 0123", "Hello there", "https://wa.me/15550100123?text=Hello%20there"),
        (
            "+1 555 010 0123",
            "Tea & cake? 50% off #1/2",
            "https://wa.me/15550100123?text=Tea%20%26%20cake%3F%2050%25%20off%20%231%2F2",
        ),
        ("+1 555 010 0123", "Grüße 👋", "https://wa.me/15550100123?text=Gr%C3%BC%C3%9Fe%20%F0%9F%91%8B"),
        ("+1 555 010 0123", "Line one\nLine two", "https://wa.me/15550100123?text=Line%20one%0ALine%20two"),
        ("+1 555 010 0123", "a+b=c", "https://wa.me/15550100123?text=a%2Bb%3Dc"),
        ("+1 555 010 0123", "   ", "https://wa.me/15550100123"),
    ],
)
def test_click_to_chat_links_are_encoded_as_wa_me_expects(number, text, url):
    assert click_to_chat_url(display_phone_number=number, text=text) == url


@pytest.mark.parametrize(("number", "code"), [("12345", "invalid_phone"), ("", "invalid_phone")])
def test_a_number_that_is_not_international_has_no_link(number, code):
    with pytest.raises(ServiceError) as raised:
        click_to_chat_url(display_phone_number=number)
    assert raised.value.code == code


def test_a_prefilled_message_is_limited():
    click_to_chat_url(display_phone_number="+15550100123", text="x" * 500)
    with pytest.raises(ServiceError) as raised:
        click_to_chat_url(display_phone_number="+15550100123", text="x" * 501)
    assert raised.value.code == "text_too_long"


def decoded(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("size", [120, 400, 1600])
@pytest.mark.parametrize("text", ["", "Hello, I'd like to book a table for 2 🍷", "Ünïcödé & symbols: 100% #sale ?x=1"])
def test_a_png_qr_code_reads_back_as_the_same_link(size, text):
    url = click_to_chat_url(display_phone_number="+49 151 23456789", text=text)

    png = qr_code(url, kind="png", size=size)

    assert decoded(png) == [url]
    width, height = Image.open(io.BytesIO(png)).size
    assert width == height
    assert size * 0.6 <= width <= size


def test_an_svg_qr_code_is_a_square_svg_of_the_requested_size():
    url = click_to_chat_url(display_phone_number="+49 151 23456789", text="Hi")

    root = ElementTree.fromstring(qr_code(url, kind="svg", size=800))  # noqa: S314 (our own output)

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == root.get("height")
    assert 480 <= int(root.get("width")) <= 800


@pytest.mark.parametrize("value", ["abc", "50", "5000", "-1", "400.5"])
def test_a_qr_size_must_be_a_sensible_number_of_pixels(value):
    with pytest.raises(ServiceError) as raised:
        qr_size(value)
    assert raised.value.code == "invalid_size"


def test_a_qr_size_defaults_to_400():
    assert (qr_size(None), qr_size(""), qr_size("800")) == (400, 400, 800)


def week(*spans: tuple[int, str, str]) -> OpeningHours:
    return OpeningHours(
        "Europe/Berlin",
        tuple(Interval(day, time.fromisoformat(opens), time.fromisoformat(closes)) for day, opens, closes in spans),
    )


@pytest.mark.parametrize(
    ("hours", "line"),
    [
        (week(), ""),
        (
            week(*((day, "09:00", "17:00") for day in range(5)), (5, "10:00", "14:00")),
            "Mon–Fri 09:00–17:00 · Sat 10:00–14:00",
        ),
        (week((0, "09:00", "12:00"), (2, "09:00", "12:00")), "Mon 09:00–12:00 · Wed 09:00–12:00"),
        (
            week((1, "14:00", "18:00"), (1, "08:00", "12:00"), (2, "08:00", "12:00")),
            "Tue 08:00–12:00, 14:00–18:00 · Wed 08:00–12:00",
        ),
        (
            week((4, "18:00", "02:00"), (5, "18:00", "02:00"), (6, "12:00", "16:00")),
            "Fri–Sat 18:00–02:00 · Sun 12:00–16:00",
        ),
    ],
)
def test_opening_hours_fit_in_one_line_for_the_website_button(hours, line):
    assert hours_summary(hours) == line
