"""The Resumable Upload API (whatsapp-cloud-api.md §7): `POST /{app-id}/uploads` opens a session,
`POST /upload:…` with a `file_offset` header sends the bytes and answers the handle
(`{"h": "4::…"}`) that a media header's example names; `GET /upload:…` tells where to resume."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.simulator.errors import GraphError, object_not_found
from whatsapp.simulator.graph import authorize
from whatsapp.simulator.state import UploadOffsetError

# The types Meta's Resumable Upload API takes.
UPLOAD_FILE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"})


async def start_upload(request: Request) -> Response:
    """`POST /{version}/{app-id}/uploads?file_name=&file_length=&file_type=` → `{"id": "upload:…?sig=…"}`."""
    _config, state = authorize(request)
    app_id = request.path_params["app_id"]
    if not app_id.isdigit():
        raise object_not_found(app_id, request.method)
    params = request.query_params
    file_length = params.get("file_length", "")
    if not file_length:
        raise GraphError(100, "The parameter file_length is required.")
    if not file_length.isdigit() or int(file_length) == 0:
        raise GraphError(100, "Param file_length must be a positive integer.")
    file_type = params.get("file_type", "")
    if not file_type:
        raise GraphError(100, "The parameter file_type is required.")
    if file_type not in UPLOAD_FILE_TYPES:
        types = ", ".join(sorted(UPLOAD_FILE_TYPES))
        raise GraphError(100, f'Param file_type must be one of {{{types}}} - got "{file_type}".')
    session = state.start_upload(
        app_id=app_id, file_name=params.get("file_name", ""), file_length=int(file_length), file_type=file_type
    )
    return JSONResponse({"id": session.id_with_signature})


async def upload_session(request: Request) -> Response:
    """`GET` (where to resume: `file_offset`) or `POST` (bytes from `file_offset`) of `/{version}/upload:…`.

    Meta's session id ends in "?sig=…", which a client pasting it into the URL sends as a query
    parameter; one that escaped the "?" sends it inside the path. Both are understood.
    """
    _config, state = authorize(request)
    raw_id = request.path_params["object_id"]
    session_id, _, in_path = raw_id.partition("?")
    signature = request.query_params.get("sig") or in_path.removeprefix("sig=")
    session = state.upload_session(session_id)
    if session is None or not secrets.compare_digest(signature.encode(), session.signature.encode()):
        raise object_not_found(raw_id, request.method)
    if request.method == "GET":
        return JSONResponse({"id": session.id, "file_offset": len(session.received)})
    offset = request.headers.get("file_offset", "")
    if not offset.isdigit():
        raise GraphError(100, "The header file_offset is required: the number of bytes already uploaded.")
    try:
        session = state.append_upload(session_id, offset=int(offset), chunk=await request.body())
    except UploadOffsetError as error:
        raise GraphError(100, "Invalid file_offset", details=str(error)) from None
    if session.handle is not None:
        return JSONResponse({"h": session.handle})
    # Part of the file: say how much arrived (Meta's answer to a partial upload is unconfirmed).
    return JSONResponse({"id": session.id, "file_offset": len(session.received)})
