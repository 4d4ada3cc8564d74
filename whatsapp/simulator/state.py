"""What the simulator remembers, in memory: media, issued download URLs, what each customer
wrote and when, what the business sent and its statuses, rate-limit counters, templates, files
of the Resumable Upload API, injected faults and every webhook delivery. Time comes from an injectable clock,
so tests can move it instead of sleeping."""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from whatsapp.simulator.business_profiles import BusinessProfileStore
from whatsapp.simulator.faults import FaultStore
from whatsapp.simulator.rules import SendLimits, SlidingWindow, rate_limit_code
from whatsapp.simulator.templates import TemplateStore

# Lifetimes from whatsapp-cloud-api.md §5.
MEDIA_URL_TTL_SECONDS = 5 * 60
UPLOADED_MEDIA_TTL_SECONDS = 30 * 24 * 3600
INBOUND_MEDIA_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class MediaRecord:
    id: str
    data: bytes
    mime_type: str
    filename: str
    # The number that uploaded or received it; `?phone_number_id=` restricts calls to it.
    phone_number_id: str
    created_at: float
    expires_at: float

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256_base64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass(frozen=True)
class MediaUrl:
    media_id: str
    token: str
    issued_at: float


@dataclass
class UploadSession:
    """A Resumable Upload API session (§7): the file announced, and the bytes received so far."""

    # "upload:<opaque>", the path segment; Meta's id adds "?sig=<signature>" after it.
    id: str
    signature: str
    app_id: str
    file_name: str
    file_length: int
    file_type: str
    received: bytes = b""
    handle: str | None = None

    @property
    def id_with_signature(self) -> str:
        return f"{self.id}?sig={self.signature}"


@dataclass(frozen=True)
class UploadedFile:
    """What a handle (`{"h": "4::…"}`) names: a file uploaded in full."""

    handle: str
    file_name: str
    mime_type: str
    size: int
    data: bytes = field(default=b"", repr=False)


class UploadOffsetError(ValueError):
    """A chunk that does not start where the session's received bytes end, or runs past the file."""


@dataclass
class Delivery:
    """One webhook body and the HTTP status of each attempt (None: no connection)."""

    body: bytes
    statuses: list[int | None] = field(default_factory=list)

    @property
    def final_status(self) -> int | None:
        """The last status the receiver answered, None when it never answered."""
        answered = [status for status in self.statuses if status is not None]
        return answered[-1] if answered else None


@dataclass
class NumberSettings:
    """What `/_sim/numbers/{phone_number_id}` set for one business number; None: the config's default."""

    throughput_mps: int | None = None
    waba_id: str | None = None
    display_phone_number: str | None = None


@dataclass
class InboundMessage:
    """A message a customer sent to a business number, as delivered in the webhook."""

    id: str
    phone_number_id: str
    wa_id: str
    # The message's own timestamp (which a test may set in the past), and when it really arrived.
    timestamp: float
    received_at: float
    message: dict[str, Any]
    read: bool = False
    # Until when the business shows "typing…" to this customer (mark-as-read with typing_indicator).
    typing_until: float | None = None


@dataclass
class DeliveredStatus:
    """A status webhook delivered for a sent message, and what the receiver answered."""

    status: str
    payload: dict[str, Any]
    webhook_status: int | None


@dataclass
class SentMessage:
    """A message the business sent and the simulator accepted (it may still fail, asynchronously)."""

    id: str
    phone_number_id: str
    input: str
    wa_id: str
    request: dict[str, Any]
    created_at: float
    user_id: str | None = None
    statuses: list[DeliveredStatus] = field(default_factory=list)


class SimulatorState:
    """Shared by the server's event loop and, in tests, the test's thread: guarded by a lock."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # Unix seconds; replace it (e.g. with a test's manual clock) to move time.
        self.clock = clock
        self._lock = threading.Lock()
        self._media: dict[str, MediaRecord] = {}
        self._media_urls: dict[str, MediaUrl] = {}
        self._last_customer_message_at: dict[tuple[str, str], float] = {}
        self._inbound: dict[str, InboundMessage] = {}
        self._wa_id_by_user_id: dict[str, str] = {}
        self._not_on_whatsapp: set[str] = set()
        self._numbers: dict[str, NumberSettings] = {}
        self._sent: dict[str, SentMessage] = {}
        self._sends_per_number = SlidingWindow()
        self._sends_per_pair = SlidingWindow()
        self.templates = TemplateStore()
        self.business_profiles = BusinessProfileStore()
        self._upload_sessions: dict[str, UploadSession] = {}
        self._uploaded_files: dict[str, UploadedFile] = {}
        self.faults = FaultStore()
        self.deliveries: list[Delivery] = []

    def now(self) -> float:
        return self.clock()

    # Media

    def add_media(
        self, *, data: bytes, mime_type: str, filename: str, phone_number_id: str, lifetime_seconds: int
    ) -> MediaRecord:
        now = self.now()
        record = MediaRecord(
            id=new_media_id(),
            data=data,
            mime_type=mime_type,
            filename=filename,
            phone_number_id=phone_number_id,
            created_at=now,
            expires_at=now + lifetime_seconds,
        )
        with self._lock:
            self._media[record.id] = record
        return record

    def media(self, media_id: str, *, phone_number_id: str | None = None) -> MediaRecord | None:
        """The media with this id, unless it is unknown, expired or (when given) another number's."""
        with self._lock:
            record = self._media.get(media_id)
        if record is None or record.expires_at <= self.now():
            return None
        if phone_number_id and record.phone_number_id != phone_number_id:
            return None
        return record

    def delete_media(self, media_id: str) -> None:
        with self._lock:
            self._media.pop(media_id, None)

    def issue_media_url(self, media_id: str) -> MediaUrl:
        now = self.now()
        url = MediaUrl(media_id=media_id, token=secrets.token_urlsafe(24), issued_at=now)
        with self._lock:
            # Forget the URLs that expired, so the dictionary does not grow forever.
            for token in [t for t, old in self._media_urls.items() if now - old.issued_at >= MEDIA_URL_TTL_SECONDS]:
                del self._media_urls[token]
            self._media_urls[url.token] = url
        return url

    def media_for_url(self, media_id: str, token: str) -> MediaRecord | None:
        """The media a download URL names, unless the URL is unknown or older than 5 minutes."""
        with self._lock:
            url = self._media_urls.get(token)
        if url is None or url.media_id != media_id or self.now() - url.issued_at >= MEDIA_URL_TTL_SECONDS:
            return None
        return self.media(media_id)

    # Customers

    def record_customer_message(self, *, phone_number_id: str, wa_id: str, timestamp: float) -> None:
        """A customer wrote: this opens (or refreshes) their 24-hour service window."""
        key = (phone_number_id, wa_id)
        with self._lock:
            self._last_customer_message_at[key] = max(timestamp, self._last_customer_message_at.get(key, timestamp))

    def last_customer_message_at(self, *, phone_number_id: str, wa_id: str) -> float | None:
        with self._lock:
            return self._last_customer_message_at.get((phone_number_id, wa_id))

    def record_inbound_message(self, message: InboundMessage, *, user_id: str | None = None) -> None:
        with self._lock:
            self._inbound[message.id] = message
            if user_id:
                self._wa_id_by_user_id[user_id] = message.wa_id

    def inbound_message(self, message_id: str, *, phone_number_id: str) -> InboundMessage | None:
        """A customer's message to this number (a copy), None when unknown or sent to another number."""
        with self._lock:
            message = self._inbound.get(message_id)
            return copy.deepcopy(message) if message and message.phone_number_id == phone_number_id else None

    def mark_inbound_read(self, message_id: str, *, typing_until: float | None) -> None:
        """The business read this message, and so every earlier one from the same customer."""
        with self._lock:
            read = self._inbound[message_id]
            for message in self._inbound.values():
                same_chat = (message.phone_number_id, message.wa_id) == (read.phone_number_id, read.wa_id)
                if same_chat and message.timestamp <= read.timestamp:
                    message.read = True
            if typing_until is not None:
                read.typing_until = typing_until

    def stop_typing(self, *, phone_number_id: str, wa_id: str) -> None:
        """The business replied: its typing indicator clears."""
        with self._lock:
            for message in self._inbound.values():
                if (message.phone_number_id, message.wa_id) == (phone_number_id, wa_id):
                    message.typing_until = None

    def inbound_messages(self, *, phone_number_id: str | None, wa_id: str | None) -> list[InboundMessage]:
        with self._lock:
            return [
                copy.deepcopy(message)
                for message in self._inbound.values()
                if phone_number_id in {None, message.phone_number_id} and wa_id in {None, message.wa_id}
            ]

    def wa_id_for_user_id(self, user_id: str) -> str | None:
        """The wa_id behind a business-scoped user id (BSUID), when a customer's webhook revealed it."""
        with self._lock:
            return self._wa_id_by_user_id.get(user_id)

    def set_on_whatsapp(self, wa_ids: list[str], *, on_whatsapp: bool) -> None:
        with self._lock:
            if on_whatsapp:
                self._not_on_whatsapp.difference_update(wa_ids)
            else:
                self._not_on_whatsapp.update(wa_ids)

    def is_on_whatsapp(self, wa_id: str) -> bool:
        with self._lock:
            return wa_id not in self._not_on_whatsapp

    def not_on_whatsapp(self) -> list[str]:
        with self._lock:
            return sorted(self._not_on_whatsapp)

    # Business numbers

    def number_settings(self, phone_number_id: str) -> NumberSettings:
        with self._lock:
            return copy.copy(self._numbers.get(phone_number_id) or NumberSettings())

    def update_number_settings(self, phone_number_id: str, settings: NumberSettings) -> None:
        with self._lock:
            self._numbers[phone_number_id] = copy.copy(settings)

    # What the business sent

    def admit_send(self, *, phone_number_id: str, wa_id: str, limits: SendLimits) -> int | None:
        """Count a send against the number's throughput and the pair rate; the error code when over either."""
        now = self.now()
        with self._lock:
            return rate_limit_code(
                per_number=self._sends_per_number,
                per_pair=self._sends_per_pair,
                phone_number_id=phone_number_id,
                wa_id=wa_id,
                limits=limits,
                now=now,
            )

    def record_sent(self, message: SentMessage) -> None:
        with self._lock:
            self._sent[message.id] = message

    def sent_message(self, message_id: str) -> SentMessage | None:
        with self._lock:
            message = self._sent.get(message_id)
            return copy.deepcopy(message) if message else None

    def record_status(self, message_id: str, status: DeliveredStatus) -> None:
        with self._lock:
            self._sent[message_id].statuses.append(status)

    def sent_messages(self, *, phone_number_id: str | None, wa_id: str | None) -> list[SentMessage]:
        """Copies, oldest first."""
        with self._lock:
            return [
                copy.deepcopy(message)
                for message in self._sent.values()
                if phone_number_id in {None, message.phone_number_id} and wa_id in {None, message.wa_id}
            ]

    # The Resumable Upload API

    def start_upload(self, *, app_id: str, file_name: str, file_length: int, file_type: str) -> UploadSession:
        opaque = f"1:attachment:{secrets.token_hex(16)}?file_length={file_length}&file_type={file_type}"
        session = UploadSession(
            # URL-safe: the id is a path segment.
            id="upload:" + base64.urlsafe_b64encode(opaque.encode()).decode().rstrip("="),
            signature=secrets.token_urlsafe(16),
            app_id=app_id,
            file_name=file_name,
            file_length=file_length,
            file_type=file_type,
        )
        with self._lock:
            self._upload_sessions[session.id] = session
        return copy.copy(session)

    def upload_session(self, session_id: str) -> UploadSession | None:
        with self._lock:
            session = self._upload_sessions.get(session_id)
            return copy.copy(session) if session else None

    def append_upload(self, session_id: str, *, offset: int, chunk: bytes) -> UploadSession:
        """Add `chunk` at `offset`; once the file is complete it gets its handle."""
        with self._lock:
            session = self._upload_sessions[session_id]
            if offset != len(session.received):
                raise UploadOffsetError(f"file_offset must be {len(session.received)}, the bytes received so far")
            if offset + len(chunk) > session.file_length:
                raise UploadOffsetError(f"the file is {session.file_length} bytes long, as announced")
            session.received += chunk
            if len(session.received) == session.file_length and session.handle is None:
                # Meta's handles start with "4::" and the base64 of the file's type.
                mime = base64.b64encode(session.file_type.encode()).decode()
                session.handle = f"4::{mime}:{secrets.token_urlsafe(24)}"
                self._uploaded_files[session.handle] = UploadedFile(
                    handle=session.handle,
                    file_name=session.file_name,
                    mime_type=session.file_type,
                    size=session.file_length,
                    data=session.received,
                )
            return copy.copy(session)

    def uploaded_file(self, handle: str) -> UploadedFile | None:
        with self._lock:
            return self._uploaded_files.get(handle)

    def uploaded_files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._uploaded_files.values())

    # Webhooks

    def record_delivery(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)


def new_media_id() -> str:
    """Digits, as long as Meta's (e.g. 1037543291543636)."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def new_wamid(wa_id: str) -> str:
    """A message id shaped like Meta's: base64 of a small record holding the user's number and a random id."""
    number = wa_id.encode()[:127]
    record = b"\x1c\x18" + bytes([len(number)]) + number + b"\x15\x02\x00\x12\x18\x14"
    record += secrets.token_hex(10).upper().encode() + b"\x00"
    return "wamid." + base64.b64encode(record).decode()
