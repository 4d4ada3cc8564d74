"""Graph API errors as Meta answers them: the `error` envelope with a `(#code)` message prefix."""

from __future__ import annotations

import secrets
import string

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

_TRACE_ALPHABET = string.ascii_letters + string.digits


class GraphError(Exception):
    """Raised by a Graph endpoint handler; rendered as Meta's error envelope."""

    def __init__(
        self, code: int, message: str, *, http_status: int = 400, details: str = "", subcode: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.details = details or message
        self.subcode = subcode


def graph_error_body(error: GraphError) -> dict[str, object]:
    envelope: dict[str, object] = {
        "message": f"(#{error.code}) {error.message}",
        "type": "OAuthException",
        "code": error.code,
    }
    if error.subcode is not None:
        envelope["error_subcode"] = error.subcode
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
