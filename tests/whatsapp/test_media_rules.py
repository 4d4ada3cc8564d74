"""The Cloud API's file rules: a media header's example is recognised by its first bytes."""

from __future__ import annotations

import pytest

from whatsapp.media_rules import MB, header_example_problem, media_problem, sniffed_mime_type

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
PDF = b"%PDF-1.4\n" + b"\x00" * 16


@pytest.mark.parametrize(
    ("data", "expected"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (MP4, "video/mp4"), (PDF, "application/pdf"),
     (b"GIF89a", None), (b"<svg/>", None), (b"", None), (b"PK\x03\x04", None)],
)  # fmt: skip
def test_types_are_recognised_by_their_first_bytes(data, expected):
    assert sniffed_mime_type(data) == expected


@pytest.mark.parametrize(
    ("header_format", "data", "mime_type", "problem"),
    [
        ("IMAGE", JPEG, "image/jpeg", None),
        ("IMAGE", PNG, "image/png", None),
        ("VIDEO", MP4, "video/mp4", None),
        ("DOCUMENT", PDF, "application/pdf", None),
        ("IMAGE", PDF, "", "This header needs a JPEG or PNG image; the file is not one."),
        ("VIDEO", PNG, "", "This header needs an MP4 video; the file is not one."),
        ("DOCUMENT", JPEG, "", "This header needs a PDF document; the file is not one."),
        ("IMAGE", b"", "", "The file is empty."),
        ("TEXT", PNG, "", "Only an image, video or document header takes an example file."),
        ("LOCATION", PNG, "", "Only an image, video or document header takes an example file."),
        ("IMAGE", PNG + b"\x00" * 5 * MB, "image/png", "The file is 5 MB; the example can be up to 5 MB."),
        ("VIDEO", MP4 + b"\x00" * 16 * MB, "video/mp4", "The file is 16 MB; the example can be up to 16 MB."),
    ],
)
def test_a_header_example_is_checked_like_meta_does(header_format, data, mime_type, problem):
    assert header_example_problem(header_format=header_format, data=data) == (mime_type, problem)


def test_a_file_to_send_is_refused_for_its_type_or_size():
    assert media_problem(mime_type="image/png", data=PNG) is None
    assert media_problem(mime_type="image/gif", data=b"GIF89a").startswith("WhatsApp does not accept image/gif")
    assert media_problem(mime_type="image/webp", data=b"RIFF" + b"\x00" * 200 * 1024) == (
        "The file is 200 KB; WhatsApp takes sticker files up to 100 KB."
    )
