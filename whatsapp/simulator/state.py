"""What the simulator remembers, in memory: media, issued download URLs, when each customer
last wrote, and every webhook delivery. Time comes from an injectable clock, so tests can
move it instead of sleeping."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
class Delivery:
    """One webhook body and the HTTP status of each attempt (None: no connection)."""

    body: bytes
    statuses: list[int | None] = field(default_factory=list)

    @property
    def final_status(self) -> int | None:
        """The last status the receiver answered, None when it never answered."""
        answered = [status for status in self.statuses if status is not None]
        return answered[-1] if answered else None


class SimulatorState:
    """Shared by the server's event loop and, in tests, the test's thread: guarded by a lock."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # Unix seconds; replace it (e.g. with a test's manual clock) to move time.
        self.clock = clock
        self._lock = threading.Lock()
        self._media: dict[str, MediaRecord] = {}
        self._media_urls: dict[str, MediaUrl] = {}
        self._last_customer_message_at: dict[tuple[str, str], float] = {}
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
