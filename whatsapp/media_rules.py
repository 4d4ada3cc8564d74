"""The Cloud API's rules for media files (whatsapp-cloud-api.md §5): which types, how large.

Plain data and functions, shared by what the product checks before uploading an agent's file
and by the simulator, which refuses what Meta refuses.
"""

from __future__ import annotations

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


def size_text(byte_count: int) -> str:
    megabytes = byte_count / MB
    return f"{round(megabytes, 1):g} MB" if megabytes >= 1 else f"{round(byte_count / KB, 1):g} KB"


def media_problem(*, mime_type: str, data: bytes) -> str | None:
    """Why WhatsApp would refuse this file, in a sentence for the agent; None when it is fine."""
    base = base_mime_type(mime_type)
    if base not in SUPPORTED_MEDIA:
        return (
            f"WhatsApp does not accept {base or 'this kind of'} files. Send a photo (JPEG, PNG), a video (MP4), "
            "audio, or a document (PDF, Word, Excel, PowerPoint, text)."
        )
    if not data:
        return "The file is empty."
    kind, max_bytes = SUPPORTED_MEDIA[base]
    if kind == "sticker" and is_animated_webp(data):
        max_bytes = ANIMATED_STICKER_MAX_BYTES
    if len(data) > max_bytes:
        return f"The file is {size_text(len(data))}; WhatsApp takes {kind} files up to {size_text(max_bytes)}."
    return None


def media_kind(mime_type: str) -> str:
    """The message type a file is sent as (image, video, audio, document, sticker)."""
    return SUPPORTED_MEDIA[base_mime_type(mime_type)][0]
