"""The Cloud API's rules for media files (whatsapp-cloud-api.md §5): which types, how large."""

from __future__ import annotations

from whatsapp.media_rules import (
    ANIMATED_STICKER_MAX_BYTES,
    KB,
    MB,
    SUPPORTED_MEDIA,
    base_mime_type,
    is_animated_webp,
)

# Where Meta's lookaside host serves media bytes; the simulator serves them on its own host.
ATTACHMENTS_PATH = "/whatsapp_business/attachments/"


def upload_problem(*, mime_type: str, file_mime_type: str | None, data: bytes) -> str | None:
    """Why Meta would refuse this upload (the details of error 131053), or None when it is fine."""
    base = base_mime_type(mime_type)
    if base not in SUPPORTED_MEDIA:
        supported = ", ".join(sorted(SUPPORTED_MEDIA))
        return (
            f"Param file must be a file with one of the following types: {supported}. Received file of type '{base}'."
        )
    if file_mime_type and base_mime_type(file_mime_type) not in {base, "application/octet-stream"}:
        return f"The file's type '{base_mime_type(file_mime_type)}' does not match the type parameter '{base}'."
    if not data:
        return "The file is empty."
    kind, max_bytes = SUPPORTED_MEDIA[base]
    if kind == "sticker" and is_animated_webp(data):
        max_bytes = ANIMATED_STICKER_MAX_BYTES
    if len(data) > max_bytes:
        return f"File is too big. Max file size for {base} is {_size(max_bytes)}, received {len(data)} bytes."
    return None


def _size(byte_count: int) -> str:
    return f"{byte_count // MB} MB" if byte_count >= MB else f"{byte_count // KB} KB"
