"""The Graph API client: how every part of the product talks to Meta's Cloud API.

The same client serves Meta, a BSP proxying it and our simulator; only the base URL differs.
It maps Graph error envelopes to `GraphAPIError` with a retry class and a sentence an agent
understands, and never retries on its own: callers (Celery tasks) decide.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl, quote

import httpx

RetryClass = Literal["never", "backoff", "wait", "admin"]

# Connecting should be quick; reading may take longer (large media, a slow Graph day).
CONNECT_TIMEOUT_SECONDS = 5.0
# Enough of an error body to read its envelope, however large the body.
ERROR_BODY_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class ErrorCode:
    """What a Graph error code means and what to do about it (whatsapp-cloud-api.md §4.1)."""

    http_status: int | None
    meaning: str
    retry: RetryClass
    human_message: str


# Retry classes of §4.1: N → never, B → backoff, W → wait (a fixed period or an event, not an
# automatic retry), A → admin (re-authenticate or act in WhatsApp Manager).
ERROR_CODES: dict[int, ErrorCode] = {
    0: ErrorCode(
        401, "AuthException: could not authenticate", "admin",
        "WhatsApp could not authenticate this number's access token; an admin must reconnect the number.",
    ),
    3: ErrorCode(
        500, "API method: capability or permission problem", "admin",
        "This WhatsApp account lacks the capability for this action; an admin must check its permissions.",
    ),
    4: ErrorCode(
        400, "App hit its API-call rate limit", "backoff",
        "Too many requests to WhatsApp right now; it will be retried shortly.",
    ),
    10: ErrorCode(
        403, "Permission not granted or removed", "admin",
        "The app's permission for this WhatsApp account was not granted or was removed; an admin must grant it again.",
    ),
    100: ErrorCode(
        400, "Invalid, unsupported or misspelled parameter", "never",
        "WhatsApp rejected the request as invalid (a wrong or missing value).",
    ),
    190: ErrorCode(
        401, "Access token expired", "admin",
        "This number's access token has expired or was revoked; an admin must reconnect the number.",
    ),
    200: ErrorCode(
        403, "API permission missing", "admin",
        "The app lacks a WhatsApp permission this action needs; an admin must grant it.",
    ),
    368: ErrorCode(
        403, "Temporarily blocked for policy violations", "admin",
        "WhatsApp has temporarily blocked this account for policy violations; an admin must review it.",
    ),
    80007: ErrorCode(
        400, "WABA rate limit reached", "backoff",
        "The WhatsApp Business Account hit its request limit; it will be retried later.",
    ),
    # Not in §4.1: listed by Meta's reference of the template endpoints (and 192 seen answering them).
    80008: ErrorCode(
        400, "Too many calls to this WhatsApp Business Account", "backoff",
        "Too many requests to this WhatsApp Business Account (such as creating templates); try again later.",
    ),
    192: ErrorCode(
        400, "Invalid phone number", "never",
        "WhatsApp rejected a phone number in the request as invalid.",
    ),
    130429: ErrorCode(
        400, "Throughput limit (mps) reached", "backoff",
        "This number is sending faster than WhatsApp allows; the message will be retried in a moment.",
    ),
    130472: ErrorCode(
        400, "Recipient is in a marketing-message experiment", "never",
        "WhatsApp held this marketing message back because the customer is in one of its experiments.",
    ),
    130497: ErrorCode(
        403, "WABA restricted from messaging users in that country", "never",
        "This account may not message customers in that country.",
    ),
    131000: ErrorCode(
        500, "Unknown error", "backoff",
        "Something went wrong at WhatsApp; it will be retried a few times.",
    ),
    131005: ErrorCode(
        403, "Access denied", "admin",
        "WhatsApp denied access; an admin must check the number's permissions.",
    ),
    131008: ErrorCode(
        400, "Required parameter missing", "never",
        "The message is missing something WhatsApp requires.",
    ),
    131009: ErrorCode(
        400, "Parameter value invalid", "never",
        "WhatsApp rejected a value in the message (for instance a message that no longer exists).",
    ),
    131016: ErrorCode(
        500, "Service temporarily unavailable", "backoff",
        "WhatsApp is temporarily unavailable; it will be retried shortly.",
    ),
    131021: ErrorCode(
        400, "Recipient is the sender", "never",
        "A number cannot send a message to itself.",
    ),
    131026: ErrorCode(
        400, "Undeliverable", "never",
        "WhatsApp could not deliver this message: the number may not be on WhatsApp, use an old app version, "
        "or have blocked this business.",
    ),
    131030: ErrorCode(
        400, "Test number: recipient not in the allow-list", "never",
        "This test number may only message the customers on its allowed list; add the number in Meta's dashboard.",
    ),
    131031: ErrorCode(
        403, "Account locked", "admin",
        "The WhatsApp account is locked (policy, or a wrong two-step PIN); an admin must resolve it.",
    ),
    131042: ErrorCode(
        400, "Payment or eligibility problem", "admin",
        "WhatsApp refused the message because of a payment problem; an admin must check the payment method.",
    ),
    131045: ErrorCode(
        500, "Phone-number registration error", "admin",
        "The number's registration with WhatsApp is broken; an admin must register it again.",
    ),
    131047: ErrorCode(
        400, "Re-engagement: more than 24 h since the user's last message", "never",
        "More than 24 hours have passed since the customer last wrote; send an approved template instead.",
    ),
    131048: ErrorCode(
        400, "Spam rate limit", "wait",
        "Too many messages from this number were blocked or flagged as spam; wait before sending more.",
    ),
    131049: ErrorCode(
        400, "Not delivered to maintain healthy ecosystem engagement", "wait",
        "WhatsApp limited the marketing messages this customer receives; wait at least 24 hours before trying again.",
    ),
    131050: ErrorCode(
        None, "User stopped marketing messages", "never",
        "The customer has turned off marketing messages from this business; do not send them marketing.",
    ),
    131051: ErrorCode(
        400, "Unsupported message type", "never",
        "WhatsApp does not support this type of message.",
    ),
    131052: ErrorCode(
        400, "Could not download the user's media", "never",
        "WhatsApp could not fetch the file the customer sent; ask them to send it again.",
    ),
    131053: ErrorCode(
        400, "Could not upload or fetch the media", "never",
        "WhatsApp could not use this file (unsupported type, wrong format, or unreachable link).",
    ),
    131056: ErrorCode(
        400, "Pair rate limit", "wait",
        "Too many messages to this customer in a short time; wait a little before sending the next one.",
    ),
    131057: ErrorCode(
        500, "Account in maintenance mode", "backoff",
        "The WhatsApp account is briefly in maintenance; it will be retried shortly.",
    ),
    132000: ErrorCode(
        400, "Template parameter count mismatch", "never",
        "The number of values filled into the template does not match the approved template.",
    ),
    132001: ErrorCode(
        404, "Template not found or not approved in that language", "never",
        "This template does not exist in that language, or is not approved yet.",
    ),
    132005: ErrorCode(
        400, "Filled-in template text too long", "never",
        "The template is too long once its parameters are filled in.",
    ),
    132007: ErrorCode(
        400, "Template content violates a policy", "never",
        "The template's content violates a WhatsApp policy.",
    ),
    132012: ErrorCode(
        400, "Parameter format does not match the template", "never",
        "A template parameter has the wrong format.",
    ),
    132015: ErrorCode(
        400, "Template paused", "wait",
        "WhatsApp paused this template for low quality; wait until it is unpaused, or use another template.",
    ),
    132016: ErrorCode(
        400, "Template permanently disabled", "never",
        "WhatsApp disabled this template permanently; create a new template instead.",
    ),
    132018: ErrorCode(
        400, "Template parameter problem", "never",
        "WhatsApp rejected a template parameter.",
    ),
    132068: ErrorCode(
        400, "Flow blocked", "never",
        "This flow is blocked.",
    ),
    132069: ErrorCode(
        400, "Flow throttled", "wait",
        "This flow has been sent too often in the last hour; wait before sending it again.",
    ),
    133010: ErrorCode(
        400, "Business phone number not registered", "admin",
        "This number is not registered with WhatsApp; an admin must register it.",
    ),
    # "Related" codes of §4.1, without a retry key there: classified by what they mean.
    1: ErrorCode(
        400, "Unknown error", "backoff",
        "Something went wrong at WhatsApp; it will be retried.",
    ),
    2: ErrorCode(
        503, "Service down", "backoff",
        "WhatsApp is temporarily unavailable; it will be retried shortly.",
    ),
    33: ErrorCode(
        None, "Phone number deleted", "admin",
        "This WhatsApp number has been deleted; an admin must connect it again.",
    ),
    131060: ErrorCode(
        None, "Inbound message unavailable", "never",
        "The customer's message is not available to this business.",
    ),
    135000: ErrorCode(
        400, "Generic user error", "never",
        "WhatsApp rejected the request.",
    ),
}  # fmt: skip

# Codes the table gives as ranges.
_PERMISSION_RANGE = range(200, 300)
_REGISTRATION_RANGE = range(133000, 133017)
_REGISTRATION = ErrorCode(
    400, "Registration or two-step PIN error", "admin",
    "The number's registration or two-step verification PIN has a problem; an admin must fix it.",
)  # fmt: skip


def error_code_info(code: int | None) -> ErrorCode | None:
    """The catalogue entry of a Graph error code, or None when we don't know it."""
    if code is None:
        return None
    if code in _PERMISSION_RANGE:
        return ERROR_CODES[200]
    if code in _REGISTRATION_RANGE and code not in ERROR_CODES:
        return _REGISTRATION
    return ERROR_CODES.get(code)


class GraphAPIError(Exception):
    """A Graph API call that did not succeed: the error envelope, or what stood in for it."""

    def __init__(
        self,
        *,
        http_status: int | None,
        code: int | None,
        message: str,
        subcode: int | None = None,
        error_type: str = "",
        details: str = "",
        fbtrace_id: str = "",
        is_transient: bool = False,
        user_title: str = "",
        user_message: str = "",
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.subcode = subcode
        self.error_type = error_type
        self.message = message
        self.details = details
        self.fbtrace_id = fbtrace_id
        # Meta's own sentence for people (`error_user_title`/`error_user_msg`), e.g. why a template
        # was refused; empty when Meta gave none.
        self.user_title = user_title
        self.user_message = user_message
        info = error_code_info(code)
        self.retry: RetryClass = info.retry if info else _unknown_code_retry(http_status, is_transient)
        self.human_message: str = info.human_message if info else _unknown_code_message(http_status)

    @property
    def retryable(self) -> bool:
        """Whether the caller may retry the same call after a backoff (only the "backoff" class)."""
        return self.retry == "backoff"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling (Celery pickles errors).
        return (_restore_error, (type(self), self.__dict__.copy()))

    def __str__(self) -> str:
        status = f"HTTP {self.http_status}" if self.http_status is not None else "no response"
        code = f" code {self.code}" if self.code is not None else ""
        details = f" ({self.details})" if self.details else ""
        return f"{status}{code}: {self.message}{details}"


class GraphTransportError(GraphAPIError):
    """No answer at all: a timeout, a refused or dropped connection. Always retryable."""

    def __init__(self, message: str) -> None:
        super().__init__(http_status=None, code=None, message=message)
        self.retry = "backoff"
        self.human_message = "WhatsApp could not be reached; it will be retried shortly."


class MediaURLExpiredError(GraphAPIError):
    """A media URL answered 404: URLs live 5 minutes. Retry from `get_media`, which issues a fresh one."""

    def __init__(self) -> None:
        super().__init__(http_status=404, code=None, message="media URL expired or not found")
        self.retry = "backoff"
        self.human_message = "The file's download link expired; it will be fetched again."


class MediaTooLargeError(GraphAPIError):
    """A download that would exceed the size the caller accepts; stopped before reading it all."""

    def __init__(self, *, max_bytes: int) -> None:
        super().__init__(http_status=None, code=None, message=f"media larger than {max_bytes} bytes")
        self.max_bytes = max_bytes
        self.retry = "never"
        self.human_message = f"The file is larger than the {_size(max_bytes)} we accept."


def _restore_error(cls: type[GraphAPIError], state: dict[str, Any]) -> GraphAPIError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


def _size(byte_count: int) -> str:
    megabytes = byte_count / (1024 * 1024)
    return f"{round(megabytes, 1):g} MB" if megabytes >= 1 else f"{round(byte_count / 1024, 1):g} KB"


def _unknown_code_retry(http_status: int | None, is_transient: bool) -> RetryClass:
    if is_transient or http_status is None or http_status >= 500 or http_status == 429:
        return "backoff"
    if http_status == 401:
        return "admin"
    return "never"


def _unknown_code_message(http_status: int | None) -> str:
    if http_status is not None and (http_status >= 500 or http_status == 429):
        return "WhatsApp is having trouble right now; it will be retried shortly."
    if http_status == 401:
        return "WhatsApp did not accept this number's credentials; an admin must reconnect the number."
    return "WhatsApp rejected the request."


@dataclass(frozen=True)
class MediaInfo:
    """A media object's metadata (`GET /{media-id}`); `url` works for 5 minutes, with the token."""

    id: str
    url: str
    mime_type: str
    sha256: str
    file_size: int

    def sha256_matches(self, data: bytes) -> bool:
        """Whether `data` has this digest; Meta gives it in hex or base64 depending on where it comes from."""
        return sha256_matches(self.sha256, data)


def sha256_matches(expected: str, data: bytes) -> bool:
    """Whether `data`'s SHA-256 is `expected`, given in hex (metadata) or base64 (webhooks)."""
    digest = hashlib.sha256(data).digest()
    if len(expected) == 64:
        try:
            return hmac.compare_digest(bytes.fromhex(expected), digest)
        except ValueError:
            pass
    try:
        return hmac.compare_digest(base64.b64decode(expected, validate=True), digest)
    except (binascii.Error, ValueError):
        return False


@dataclass(frozen=True)
class SendResult:
    """What `POST /{phone-number-id}/messages` answers: the message was queued, not delivered.

    Delivery (or a later failure such as 131047 or 131026) arrives as a status webhook for `message_id`.
    """

    message_id: str  # the wamid, the key of every status webhook about this message
    wa_id: str  # the recipient's WhatsApp id, which may differ from `input`; empty if Meta gave none
    input: str  # the `to` (or `recipient`) as sent
    # "accepted", "held_for_quality_assessment" or "paused"; mainly given for templates.
    message_status: str | None = None


@dataclass(frozen=True)
class TemplateCreated:
    """What `POST /{waba-id}/message_templates` answers: usually PENDING; the review's outcome
    arrives as a `message_template_status_update` webhook."""

    id: str
    status: str
    category: str  # as submitted; the review may recategorise it (`template_category_update`)


@dataclass(frozen=True)
class TemplateInfo:
    """A template as Graph lists or reads it. Fields that were not asked for (`fields`) or that
    Graph left out are empty; `raw` holds everything Graph answered."""

    id: str
    name: str = ""
    language: str = ""
    status: str = ""
    category: str = ""
    parameter_format: str = ""
    components: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    previous_category: str | None = None
    rejected_reason: str | None = None
    quality_score: str | None = None  # GREEN, YELLOW, RED or UNKNOWN
    message_send_ttl_seconds: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)


def _template_info(item: object) -> TemplateInfo:
    if not isinstance(item, dict) or "id" not in item:
        raise _unexpected_body(200, "template without an id")
    components = item.get("components")
    quality = item.get("quality_score")
    ttl = item.get("message_send_ttl_seconds")

    def text(key: str) -> str:
        value = item.get(key)
        return str(value) if value is not None else ""

    return TemplateInfo(
        id=str(item["id"]),
        name=text("name"),
        language=text("language"),
        status=text("status"),
        category=text("category"),
        parameter_format=text("parameter_format"),
        components=tuple(c for c in components if isinstance(c, dict)) if isinstance(components, list) else (),
        previous_category=text("previous_category") or None,
        rejected_reason=text("rejected_reason") or None,
        # An object {"score": …, "date": …} in Graph's answers.
        quality_score=str(quality.get("score")) if isinstance(quality, dict) and quality.get("score") else None,
        message_send_ttl_seconds=ttl if isinstance(ttl, int) and not isinstance(ttl, bool) else None,
        raw=item,
    )


@dataclass(frozen=True)
class BusinessProfileInfo:
    """A number's business profile as Graph answers it (`GET /{phone-number-id}/whatsapp_business_profile`);
    fields Meta left out are empty."""

    about: str = ""
    address: str = ""
    description: str = ""
    email: str = ""
    websites: tuple[str, ...] = ()
    vertical: str = ""
    profile_picture_url: str = ""


BUSINESS_PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")


@dataclass(frozen=True)
class PhoneNumberInfo:
    """What Graph says of a number (`GET /{phone-number-id}?fields=…`): its approved display name and
    whether it is an official business account (`oba_status` APPROVED: the check mark)."""

    id: str
    verified_name: str = ""
    name_status: str = ""
    display_phone_number: str = ""
    quality_rating: str = ""
    oba_status: str = ""
    # How many customers a day the business may start conversations with, e.g. TIER_250, TIER_2K.
    messaging_limit_tier: str = ""


PHONE_NUMBER_FIELDS = (
    "verified_name", "name_status", "display_phone_number", "quality_rating", "official_business_account",
    "whatsapp_business_manager_messaging_limit",
)  # fmt: skip


class _SharedConnections:
    """One httpx client (its connection pool and TLS context) per process and base URL.

    Making an httpx client loads the CA bundle (about 27 ms here), and a new one per call also
    costs a TCP and TLS handshake per message; workers share these instead. Per process: a
    forked worker starts its own.
    """

    lock = threading.Lock()
    pid = 0
    clients: ClassVar[dict[tuple[str, float], httpx.Client]] = {}

    @classmethod
    def get(cls, base_url: str, timeout: float) -> httpx.Client:
        with cls.lock:
            if cls.pid != os.getpid():
                cls.pid, cls.clients = os.getpid(), {}
            key = (base_url, timeout)
            if key not in cls.clients:
                cls.clients[key] = httpx.Client(timeout=_timeout(timeout))
            return cls.clients[key]


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT_SECONDS))


class GraphClient:
    """Calls to the Graph API as one access token; use as a context manager or call close().

    Without a transport of its own it uses the process's shared connections to `base_url`,
    which close() leaves open for the next client.
    """

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        access_token: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version.strip("/")
        # Without a token no header at all: Graph then answers 190, as it does to a bad token.
        self._headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        self._owns_http = transport is not None
        if transport is not None:
            self._http = httpx.Client(timeout=_timeout(timeout), transport=transport)
        else:
            self._http = _SharedConnections.get(self.base_url, timeout)

    def __repr__(self) -> str:
        # No token here: reprs end up in logs and error reports.
        return f"<GraphClient {self.base_url}/{self.version}>"

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # Messages (whatsapp-cloud-api.md §4)

    def send_message(self, phone_number_id: str, payload: Mapping[str, Any]) -> SendResult:
        """Send one message: `payload` is the Cloud API body (`to`, `type`, the type's object, and
        optionally `context` and `biz_opaque_callback_data`); `messaging_product` and
        `recipient_type` are filled in when missing. A success means queued, not delivered.
        """
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
        answer = self._request("POST", f"{_segment(phone_number_id)}/messages", json=body)
        try:
            message = answer["messages"][0]
            contacts = answer.get("contacts") or [{}]
            contact = contacts[0] if isinstance(contacts[0], dict) else {}
            status = message.get("message_status")
            return SendResult(
                message_id=str(message["id"]),
                wa_id=str(contact.get("wa_id") or ""),
                input=str(contact.get("input") or payload.get("to") or payload.get("recipient") or ""),
                message_status=str(status) if status is not None else None,
            )
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise _unexpected_body(200, f"send answer without a message id ({error!r})") from error

    def mark_read(self, phone_number_id: str, message_id: str, *, typing: bool = False) -> None:
        """Mark a customer's message (and the ones before it) read; with `typing`, also show the
        typing indicator, which clears when the business replies or after 25 s.
        """
        body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        if typing:
            body["typing_indicator"] = {"type": "text"}
        answer = self._request("POST", f"{_segment(phone_number_id)}/messages", json=body)
        if answer.get("success") is not True:
            raise _unexpected_body(200, "mark-as-read answer without success")

    # Media (whatsapp-cloud-api.md §5)

    def get_media(self, media_id: str, *, phone_number_id: str | None = None) -> MediaInfo:
        """The media's metadata, with a download URL valid for 5 minutes."""
        params = {"phone_number_id": phone_number_id} if phone_number_id else None
        body = self._request("GET", _segment(media_id), params=params)
        try:
            return MediaInfo(
                id=str(body["id"]),
                url=str(body["url"]),
                mime_type=str(body["mime_type"]),
                sha256=str(body.get("sha256", "")),
                # Meta's own example sends it as a string.
                file_size=int(body.get("file_size") or 0),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise _unexpected_body(200, f"media metadata without {error}") from error

    def download_media(self, url: str, *, max_bytes: int) -> bytes:
        """The bytes behind a media URL from `get_media`, refusing more than `max_bytes`.

        A 404 means the URL expired: fetch a fresh one with `get_media` and try again.
        """
        try:
            with self._http.stream("GET", url, headers=self._headers, follow_redirects=True) as response:
                if response.status_code == 404:
                    raise MediaURLExpiredError
                if response.status_code != 200:
                    raise _error_from_response(response.status_code, _read_limited(response))
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise MediaTooLargeError(max_bytes=max_bytes)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise MediaTooLargeError(max_bytes=max_bytes)
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as error:
            raise GraphTransportError(_describe_transport_error(error)) from error

    def upload_media(self, phone_number_id: str, *, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending by id (ids last 30 days); returns the media id."""
        body = self._request(
            "POST",
            f"{_segment(phone_number_id)}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        if "id" not in body:
            raise _unexpected_body(200, "upload answer without an id")
        return str(body["id"])

    def delete_media(self, media_id: str, *, phone_number_id: str | None = None) -> None:
        params = {"phone_number_id": phone_number_id} if phone_number_id else None
        self._request("DELETE", _segment(media_id), params=params)

    # Templates (whatsapp-cloud-api.md §6)

    def create_template(self, waba_id: str, body: Mapping[str, Any]) -> TemplateCreated:
        """Submit a template for review: `body` is Meta's creation body (name, language, category,
        parameter_format, components with their examples)."""
        answer = self._request("POST", f"{_segment(waba_id)}/message_templates", json=dict(body))
        try:
            return TemplateCreated(id=str(answer["id"]), status=str(answer["status"]), category=str(answer["category"]))
        except KeyError as error:
            raise _unexpected_body(200, f"template creation answer without {error}") from error

    def list_templates(
        self,
        waba_id: str,
        *,
        fields: Sequence[str],
        limit: int,
        status: str | None = None,
        name: str | None = None,
    ) -> Iterator[TemplateInfo]:
        """Every template of the WABA matching the filters, page after page of `limit`, fetched as
        the iteration reaches them. `name` matches names containing it.

        Pages are followed by their `after` cursor while Graph says there is a `next` one: the
        `next` URL itself may name another host than ours (a BSP's proxy) and carries no token.
        """
        params = {"fields": fields if isinstance(fields, str) else ",".join(fields), "limit": str(limit)}
        if status:
            params["status"] = status
        if name:
            params["name"] = name
        path = f"{_segment(waba_id)}/message_templates"
        while True:
            page = self._request("GET", path, params=params)
            data = page.get("data")
            if not isinstance(data, list):
                raise _unexpected_body(200, "template list without data")
            for item in data:
                yield _template_info(item)
            paging = page.get("paging")
            paging = paging if isinstance(paging, dict) else {}
            cursors = paging.get("cursors")
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not paging.get("next") or not after:
                return
            params = {**params, "after": str(after)}

    def get_template(self, template_id: str, *, fields: Sequence[str] | None = None) -> TemplateInfo:
        """One template; without `fields`, the ones Graph answers by default."""
        params = {"fields": fields if isinstance(fields, str) else ",".join(fields)} if fields else None
        return _template_info(self._request("GET", _segment(template_id), params=params))

    def edit_template(self, template_id: str, body: Mapping[str, Any]) -> None:
        """Edit `category`, `components` (all of them, replaced at once) or `message_send_ttl_seconds`.
        New content sends the template back to review (PENDING)."""
        answer = self._request("POST", _segment(template_id), json=dict(body))
        if answer.get("success") is not True:
            raise _unexpected_body(200, "template edit answer without success")

    def delete_template(self, waba_id: str, *, name: str, hsm_id: str | None = None) -> None:
        """Delete every language of the template `name`, or with `hsm_id` only that one template.
        A deleted approved name can't be used again for 30 days; disabled templates can't be deleted."""
        params = {"name": name, **({"hsm_id": hsm_id} if hsm_id else {})}
        answer = self._request("DELETE", f"{_segment(waba_id)}/message_templates", params=params)
        if answer.get("success") is not True:
            raise _unexpected_body(200, "template deletion answer without success")

    def unpause_template(self, template_id: str) -> None:
        """Approve a paused template again."""
        answer = self._request("POST", f"{_segment(template_id)}/unpause")
        if answer.get("success") is not True:
            raise _unexpected_body(200, "unpause answer without success")

    def upload_resumable(self, app_id: str, *, data: bytes, file_name: str, mime_type: str) -> str:
        """Upload a file through the Resumable Upload API (whatsapp-cloud-api.md §7) in one piece;
        returns its handle ("4::…"), e.g. for a media header's `example.header_handle`."""
        session = self._request(
            "POST",
            f"{_segment(app_id)}/uploads",
            params={"file_name": file_name, "file_length": str(len(data)), "file_type": mime_type},
        )
        session_id = str(session.get("id") or "")
        if not session_id.startswith("upload:"):
            raise _unexpected_body(200, "upload session answer without an upload id")
        # The id ends in "?sig=…": the signature travels as a query parameter, not in the path.
        path, _, query = session_id.partition("?")
        answer = self._request(
            "POST",
            quote(path, safe=":"),
            params=parse_qsl(query) or None,
            content=data,
            extra_headers={"file_offset": "0"},
        )
        handle = answer.get("h")
        if not isinstance(handle, str) or not handle:
            raise _unexpected_body(200, "upload answer without a handle")
        return handle

    # Business profile and the number's details (whatsapp-cloud-api.md §7)

    def get_business_profile(self, phone_number_id: str) -> BusinessProfileInfo:
        body = self._request(
            "GET",
            f"{_segment(phone_number_id)}/whatsapp_business_profile",
            params={"fields": ",".join(BUSINESS_PROFILE_FIELDS)},
        )
        data = body.get("data")
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise _unexpected_body(200, "business profile answer without data")
        profile = data[0]
        websites = profile.get("websites")
        return BusinessProfileInfo(
            **{name: str(profile.get(name) or "") for name in BUSINESS_PROFILE_FIELDS if name != "websites"},
            websites=tuple(str(url) for url in websites) if isinstance(websites, list) else (),
        )

    def update_business_profile(self, phone_number_id: str, fields: Mapping[str, Any]) -> None:
        """Change the fields given (`about`, `address`, `description`, `email`, `websites`,
        `vertical`, `profile_picture_handle`); the others stay as they are."""
        body = {"messaging_product": "whatsapp", **fields}
        answer = self._request("POST", f"{_segment(phone_number_id)}/whatsapp_business_profile", json=body)
        if answer.get("success") is not True:
            raise _unexpected_body(200, "business profile answer without success")

    def get_phone_number(self, phone_number_id: str) -> PhoneNumberInfo:
        body = self._request("GET", _segment(phone_number_id), params={"fields": ",".join(PHONE_NUMBER_FIELDS)})
        oba = body.get("official_business_account")

        def text(key: str) -> str:
            value = body.get(key)
            return str(value) if value is not None else ""

        return PhoneNumberInfo(
            id=text("id") or phone_number_id,
            verified_name=text("verified_name"),
            name_status=text("name_status"),
            display_phone_number=text("display_phone_number"),
            quality_rating=text("quality_rating"),
            oba_status=str(oba.get("oba_status") or "") if isinstance(oba, dict) else "",
            messaging_limit_tier=text("whatsapp_business_manager_messaging_limit"),
        )

    # The one way requests are made

    def _request(
        self, method: str, path: str, *, extra_headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Call `{base_url}/{version}/{path}`; the JSON object answered, or a GraphAPIError."""
        url = f"{self.base_url}/{self.version}/{path.lstrip('/')}"
        headers = {**self._headers, **extra_headers} if extra_headers else self._headers
        try:
            response = self._http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise GraphTransportError(_describe_transport_error(error)) from error
        if not response.is_success:
            raise _error_from_response(response.status_code, response.content[:ERROR_BODY_MAX_BYTES])
        try:
            body = response.json()
        except ValueError as error:
            raise _unexpected_body(response.status_code, "answer is not JSON") from error
        if not isinstance(body, dict):
            raise _unexpected_body(response.status_code, "answer is not a JSON object")
        return body


def _segment(value: str) -> str:
    """An id as one path segment: an id from outside must not walk to another endpoint."""
    return quote(value, safe="")


def _read_limited(response: httpx.Response) -> bytes:
    content = b""
    for chunk in response.iter_bytes():
        content += chunk
        if len(content) >= ERROR_BODY_MAX_BYTES:
            break
    return content[:ERROR_BODY_MAX_BYTES]


def _error_from_response(http_status: int, content: bytes) -> GraphAPIError:
    """The Graph error envelope as a GraphAPIError; any other body (a proxy's HTML page) by its status."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    envelope = body.get("error") if isinstance(body, dict) else None
    if isinstance(envelope, dict):
        error_data = envelope.get("error_data")
        user_message = str(envelope.get("error_user_msg") or "")
        details = str(error_data.get("details") or "") if isinstance(error_data, dict) else ""
        return GraphAPIError(
            http_status=http_status,
            code=_int_or_none(envelope.get("code")),
            subcode=_int_or_none(envelope.get("error_subcode")),
            error_type=str(envelope.get("type") or ""),
            message=str(envelope.get("message") or f"HTTP {http_status}"),
            # Template management errors explain themselves in error_user_msg, without error_data.
            details=details or user_message,
            fbtrace_id=str(envelope.get("fbtrace_id") or ""),
            is_transient=envelope.get("is_transient") is True,
            user_title=str(envelope.get("error_user_title") or ""),
            user_message=user_message,
        )
    # A BSP's own errors (360dialog: {"meta": {"developer_message": ...}}) carry no Graph code.
    meta = body.get("meta") if isinstance(body, dict) else None
    if isinstance(meta, dict) and meta.get("developer_message"):
        return GraphAPIError(http_status=http_status, code=None, message=str(meta["developer_message"]))
    text = content[:200].decode("utf-8", "replace").strip()
    return GraphAPIError(http_status=http_status, code=None, message=f"HTTP {http_status}: {text or 'empty body'}")


def _unexpected_body(http_status: int, message: str) -> GraphAPIError:
    return GraphAPIError(http_status=http_status, code=None, message=f"unexpected Graph API answer: {message}")


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _describe_transport_error(error: httpx.TransportError) -> str:
    # The request's URL, never its headers: the token lives there.
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "connection failed"
    try:
        where = f" ({error.request.method} {error.request.url.copy_with(query=None)})"
    except RuntimeError:
        where = ""
    return f"Graph API {kind}{where}: {error.__class__.__name__}"
