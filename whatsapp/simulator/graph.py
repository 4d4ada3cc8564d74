"""What every Graph endpoint shares (versions, tokens, JSON bodies) and the media endpoints,
answering as Meta does: same paths under any `vXX.X` version, same JSON, same error envelope,
same bearer-token rules."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.errors import GraphError, object_not_found
from whatsapp.simulator.media import ATTACHMENTS_PATH, upload_problem
from whatsapp.simulator.state import UPLOADED_MEDIA_TTL_SECONDS, MediaUrl, SimulatorState

VERSION_PATTERN = re.compile(r"v\d+\.\d+")


def download_url(config: SimulatorConfig, media_url: MediaUrl) -> str:
    query = urlencode({"mid": media_url.media_id, "ext": int(media_url.issued_at), "hash": media_url.token})
    return f"{config.public_url.rstrip('/')}{ATTACHMENTS_PATH}?{query}"


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    # Graph takes "OAuth <token>" too, the scheme the Resumable Upload API's docs write.
    return token.strip() if scheme.lower() in {"bearer", "oauth"} else ""


def is_token_accepted(config: SimulatorConfig, token: str) -> bool:
    if not token:
        return False
    return config.accepted_tokens is None or token in config.accepted_tokens


def authorize(request: Request) -> tuple[SimulatorConfig, SimulatorState]:
    """The checks every Graph call passes first: a known version path, then the token (190, HTTP 401)."""
    if not VERSION_PATTERN.fullmatch(request.path_params["version"]):
        raise unknown_path(request.url.path)
    config: SimulatorConfig = request.app.state.config
    token = bearer_token(request)
    if not token:
        raise GraphError(190, "Invalid OAuth access token.", http_status=401, details="No access token was given.")
    if not is_token_accepted(config, token):
        raise GraphError(
            190,
            "Invalid OAuth access token.",
            http_status=401,
            details="Error validating access token: the token is invalid, expired or revoked.",
        )
    return config, request.app.state.simulator


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object a POST carries, or the error Graph answers to anything else."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise GraphError(100, "Invalid parameter", details="The request body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise GraphError(100, "Invalid parameter", details="The request body must be a JSON object.")
    return body


def unknown_path(path: str) -> GraphError:
    return GraphError(2500, f"Unknown path components: {path}")


async def upload_media(request: Request) -> Response:
    """`POST /{version}/{phone-number-id}/media`, multipart: file, type, messaging_product."""
    _config, state = authorize(request)
    async with request.form(max_files=1, max_fields=10) as form:
        messaging_product = form.get("messaging_product")
        if not messaging_product:
            raise GraphError(100, "The parameter messaging_product is required.")
        if messaging_product != "whatsapp":
            raise GraphError(100, f'Param messaging_product must be one of {{WHATSAPP}} - got "{messaging_product}".')
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise GraphError(100, "The parameter file is required.")
        mime_type = form.get("type")
        if not isinstance(mime_type, str) or not mime_type:
            raise GraphError(100, "The parameter type is required.")
        data = await file.read()
        problem = upload_problem(mime_type=mime_type, file_mime_type=file.content_type, data=data)
        if problem:
            raise GraphError(131053, "Media upload error", details=problem)
        record = state.add_media(
            data=data,
            mime_type=mime_type,
            filename=file.filename or "",
            phone_number_id=request.path_params["phone_number_id"],
            lifetime_seconds=UPLOADED_MEDIA_TTL_SECONDS,
        )
    return JSONResponse({"id": record.id})


async def media(request: Request) -> Response:
    """`GET /{version}/{media-id}` (metadata and a 5-minute URL) and `DELETE` of the same path."""
    config, state = authorize(request)
    media_id = request.path_params["object_id"]
    record = state.media(media_id, phone_number_id=request.query_params.get("phone_number_id"))
    if record is None:
        raise object_not_found(media_id, request.method)
    if request.method == "DELETE":
        state.delete_media(media_id)
        return JSONResponse({"success": True})
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "url": download_url(config, state.issue_media_url(media_id)),
            "mime_type": record.mime_type,
            "sha256": record.sha256_hex,
            # A string, as in Meta's example.
            "file_size": str(len(record.data)),
            "id": record.id,
        }
    )


async def download_media(request: Request) -> Response:
    """The bytes behind a media URL: bearer token required (401), 404 once the URL has expired."""
    config: SimulatorConfig = request.app.state.config
    state: SimulatorState = request.app.state.simulator
    if not is_token_accepted(config, bearer_token(request)):
        return PlainTextResponse("Unauthorized", status_code=401)
    record = state.media_for_url(request.query_params.get("mid", ""), request.query_params.get("hash", ""))
    if record is None:
        return PlainTextResponse("Not Found", status_code=404)
    return Response(record.data, media_type=record.mime_type)
