"""The Cloud API's rules for media files (whatsapp-cloud-api.md §5): which types, how large.

Plain data and functions, shared by what the product checks before uploading an agent's file
and by the simulator, which refuses what Meta refuses.
"""

from __future__ import annotations

from collections.abc import Callable

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


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word, Excel and PowerPoint before 2007
_ZIP = b"PK\x03\x04"  # their Office Open XML successors


def _is_mpeg_audio(data: bytes) -> bool:
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def _is_adts_aac(data: bytes) -> bool:
    return data.startswith(b"ADIF") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0)


# How a file of each supported type begins: what an upload is judged by, never its name or the
# type the browser claims.
_CONTENT_CHECKS: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "image/png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP",
    "video/mp4": lambda d: d[4:8] == b"ftyp",
    "video/3gpp": lambda d: d[4:8] == b"ftyp",
    "audio/mp4": lambda d: d[4:8] == b"ftyp",
    "audio/aac": _is_adts_aac,
    "audio/amr": lambda d: d.startswith(b"#!AMR"),
    "audio/mpeg": _is_mpeg_audio,
    "audio/ogg": lambda d: d.startswith(b"OggS"),
    "application/pdf": lambda d: d.startswith(b"%PDF-"),
    "application/msword": lambda d: d.startswith(_OLE),
    "application/vnd.ms-excel": lambda d: d.startswith(_OLE),
    "application/vnd.ms-powerpoint": lambda d: d.startswith(_OLE),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": lambda d: d.startswith(_ZIP),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": lambda d: d.startswith(_ZIP),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": lambda d: d.startswith(_ZIP),
    # Text has no signature; a NUL byte early on means it is binary.
    "text/plain": lambda d: b"\x00" not in d[:8192],
}


def content_problem(*, mime_type: str, data: bytes) -> str | None:
    """Why the file's bytes are not the type it claims (a renamed executable, a page posing as a
    photo...), in a sentence for the agent; None when they match. For supported types only."""
    check = _CONTENT_CHECKS.get(base_mime_type(mime_type))
    if check is None or check(data):
        return None
    return f"This file is not really {base_mime_type(mime_type)}: its content doesn't match its type."


def media_kind(mime_type: str) -> str:
    """The message type a file is sent as (image, video, audio, document, sticker)."""
    return SUPPORTED_MEDIA[base_mime_type(mime_type)][0]


# A media header's example, as Meta's Resumable Upload API takes it: the header's format → the
# types it accepts, each recognised by the file's first bytes (never by its name), and the size cap.
HEADER_EXAMPLE_TYPES: dict[str, tuple[tuple[str, int], ...]] = {
    "IMAGE": (("image/jpeg", 5 * MB), ("image/png", 5 * MB)),
    "VIDEO": (("video/mp4", 16 * MB),),
    "DOCUMENT": (("application/pdf", 100 * MB),),
}
# The largest example file any header takes: a bigger upload is refused before it is read whole.
EXAMPLE_FILE_MAX_BYTES = max(size for types in HEADER_EXAMPLE_TYPES.values() for _mime_type, size in types)
HEADER_EXAMPLE_NAMES = {"IMAGE": "a JPEG or PNG image", "VIDEO": "an MP4 video", "DOCUMENT": "a PDF document"}


def sniffed_mime_type(data: bytes) -> str | None:
    """The type of a JPEG, PNG, MP4 or PDF file from its first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def header_example_problem(*, header_format: str, data: bytes) -> tuple[str, str | None]:
    """(MIME type, why Meta would refuse this file as the header's example, or None)."""
    accepted = dict(HEADER_EXAMPLE_TYPES.get(header_format, ()))
    if not accepted:
        return "", "Only an image, video or document header takes an example file."
    if not data:
        return "", "The file is empty."
    mime_type = sniffed_mime_type(data)
    if mime_type not in accepted:
        return "", f"This header needs {HEADER_EXAMPLE_NAMES[header_format]}; the file is not one."
    max_bytes = accepted[mime_type]
    if len(data) > max_bytes:
        return mime_type, f"The file is {size_text(len(data))}; the example can be up to {size_text(max_bytes)}."
    return mime_type, None
