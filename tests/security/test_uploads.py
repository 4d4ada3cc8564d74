"""Uploads are judged by their content, not their name or claimed type."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tenancy import tenant_scope
from inbox.models import UploadedMedia
from tests.whatsapp.conftest import connect_number
from whatsapp.media_rules import content_problem

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("mime_type", "data", "matches"),
    [
        ("image/jpeg", b"\xff\xd8\xff\xe0 photo", True),
        ("image/jpeg", b"<html><script>alert(1)</script>", False),
        ("image/png", b"\x89PNG\r\n\x1a\n....", True),
        ("image/png", b"\xff\xd8\xff\xe0 a JPEG", False),
        ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42", True),
        ("video/mp4", b"MZ\x90\x00 an executable", False),
        ("audio/ogg", b"OggS\x00\x02", True),
        ("audio/mpeg", b"ID3\x04\x00", True),
        ("audio/mpeg", b"\xff\xfb\x90\x64", True),
        ("audio/aac", b"\xff\xf1\x50\x80", True),
        ("audio/amr", b"#!AMR\n", True),
        ("audio/amr", b"OggS", False),
        ("application/pdf", b"%PDF-1.7\n", True),
        ("application/pdf", b"PK\x03\x04 a zip", False),
        ("application/msword", OLE + b"...", True),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04...", True),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", OLE, False),
        ("text/plain", "Grüße, order 42\n".encode(), True),
        ("text/plain", b"MZ\x90\x00\x03\x00\x00\x00", False),
        ("application/x-msdownload", b"MZ", True),  # not a supported type: media_problem refuses it
    ],
)
def test_content_is_checked_against_the_claimed_type(mime_type, data, matches):
    assert (content_problem(mime_type=mime_type, data=data) is None) is matches


def test_an_api_upload_whose_content_is_not_its_type_is_refused_and_nothing_is_stored(world):
    connect_number(world)
    page = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = world.api_client().post("/api/v1/media/", {"file": page})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_media",
        "message": "This file is not really image/png: its content doesn't match its type.",
    }
    with tenant_scope(world.tenant):
        assert not UploadedMedia.objects.exists()
