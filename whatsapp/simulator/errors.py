"""Graph API errors as Meta answers them: the `error` envelope with a `(#code)` message prefix,
and the `errors[]` items of a `failed` status webhook."""

from __future__ import annotations

import secrets
import string
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

_TRACE_ALPHABET = string.ascii_letters + string.digits
ERROR_CODES_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"


class GraphError(Exception):
    """Raised by a Graph endpoint handler; rendered as Meta's error envelope.

    With `user_title` and `user_message` it is one of the errors Meta writes for people (template
    management): `error_user_title` and `error_user_msg` instead of `error_data`, and the bare
    message ("Invalid parameter") without the `(#code)` prefix.
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        http_status: int = 400,
        details: str = "",
        subcode: int | None = None,
        user_title: str = "",
        user_message: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.details = details or user_message or message
        self.subcode = subcode
        self.user_title = user_title
        self.user_message = user_message


# Meta's HTTP status, title and details of the codes the simulator answers with on its own or
# when told to (faults); titles and details as Meta writes them where known (§3, §4.1).
META_ERRORS: dict[int, tuple[int, str, str]] = {
    1: (400, "An unknown error occurred", "An unknown error occurred."),
    2: (503, "Service temporarily unavailable", "The service is temporarily unavailable."),
    4: (400, "Application request limit reached", "The app has reached its API call rate limit."),
    80007: (400, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
    # Listed by Meta's reference of the message_templates endpoint.
    80008: (
        400, "There have been too many calls to this WhatsApp Business account. Wait a bit and try again.",
        "There have been too many calls to this WhatsApp Business account. Wait a bit and try again.",
    ),
    130429: (400, "Rate limit hit", "Cloud API message throughput has been reached."),
    131000: (500, "Something went wrong", "Something went wrong."),
    131016: (500, "Service unavailable", "A service is temporarily unavailable."),
    131021: (400, "Recipient cannot be sender", "Sender and recipient phone number is the same."),
    131026: (400, "Message undeliverable", "Message Undeliverable."),
    131047: (
        400, "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to "
        "this number.",
    ),
    131048: (
        400, "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this "
        "phone number.",
    ),
    131049: (
        400, "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    131050: (
        400, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages "
        "on WhatsApp from your business.",
        "The user has stopped marketing messages.",
    ),
    131056: (
        400, "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the "
        "same phone number in a short period of time.",
    ),
    131057: (500, "Account in maintenance mode", "Business Account is in maintenance mode."),
}  # fmt: skip


def meta_error(code: int, *, details: str = "", http_status: int | None = None) -> GraphError:
    """The GraphError Meta answers with this code; unknown codes get a generic title and HTTP 400."""
    status, title, meta_details = META_ERRORS.get(code, (400, "An error occurred", "An error occurred."))
    return GraphError(code, title, http_status=http_status or status, details=details or meta_details)


def status_error(code: int) -> dict[str, Any]:
    """One `errors[]` item of a `failed` status webhook, shaped like the reference's 131049 example."""
    _status, title, details = META_ERRORS.get(code, (400, "An error occurred", "An error occurred."))
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_HREF,
    }


def graph_error_body(error: GraphError) -> dict[str, object]:
    is_for_people = bool(error.user_message)
    envelope: dict[str, object] = {
        "message": error.message if is_for_people else f"(#{error.code}) {error.message}",
        "type": "OAuthException",
        "code": error.code,
    }
    if error.subcode is not None:
        envelope["error_subcode"] = error.subcode
    if is_for_people:
        envelope["is_transient"] = False
        envelope["error_user_title"] = error.user_title
        envelope["error_user_msg"] = error.user_message
    else:
        envelope["error_data"] = {"messaging_product": "whatsapp", "details": error.details}
    envelope["fbtrace_id"] = "A" + "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(22))
    return {"error": envelope}


async def graph_error_response(request: Request, exception: Exception) -> Response:
    assert isinstance(exception, GraphError)
    return JSONResponse(graph_error_body(exception), status_code=exception.http_status)


def object_not_found(object_id: str, method: str) -> GraphError:
    """What Graph says for an id that does not exist, expired or belongs to another number."""
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation.",
        subcode=33,
    )
