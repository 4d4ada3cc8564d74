"""The Cloud API's rules for media files (whatsapp-cloud-api.md §5): which types, how large."""

from __future__ import annotations

# Where Meta's lookaside host serves media bytes; the simulator serves them on its own host.
ATTACHMENTS_PATH = "/whatsapp_business/attachments/"

KB = 1024
MB = 1024 * 1024

# Base MIME type → (media kind, largest size). Parameters such as "; codecs=opus" are ignored.
SUPPORTED_MEDIA: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
    "audio/aac": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "text/plain": ("document", 100 * MB),
    "application/pdf": ("document", 100 * MB),
    "application/msword": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("document", 100 * MB),
    "application/vnd.ms-excel": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * MB),
    "application/vnd.ms-powerpoint": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("document", 100 * MB),
    "image/webp": ("sticker", 100 * KB),
}
ANIMATED_STICKER_MAX_BYTES = 500 * KB


def base_mime_type(mime_type: str) -> str:
    return mime_type.split(";", 1)[0].strip().lower()


def is_animated_webp(data: bytes) -> bool:
    # An animated WebP carries an ANIM chunk right after its VP8X header (and an optional ICC profile).
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP" and b"ANIM" in data[:4096]


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
