"""What the `/_sim/` endpoints (the test harness, not Graph) share: their error and JSON reading."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class SimulatorRequestError(Exception):
    """A `/_sim/` request the simulator cannot act on; answered 400 with the reason."""


async def simulator_error_response(request: Request, exception: Exception) -> Response:
    return JSONResponse({"error": {"message": str(exception)}}, status_code=400)


async def json_object(request: Request) -> dict[str, Any]:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        raise SimulatorRequestError("the body must be JSON") from None
    if not isinstance(payload, dict):
        raise SimulatorRequestError("the body must be a JSON object")
    return payload


def required_text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SimulatorRequestError(f"'{key}' is required")
    return value.strip()


def number_field(payload: dict[str, Any], key: str, *, minimum: float = 0, maximum: float | None = None) -> float:
    value = payload[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise SimulatorRequestError(f"'{key}' must be a number ≥ {minimum:g}")
    if maximum is not None and value > maximum:
        raise SimulatorRequestError(f"'{key}' must be a number ≤ {maximum:g}")
    return float(value)


def integer_field(payload: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = payload[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SimulatorRequestError(f"'{key}' must be an integer ≥ {minimum}")
    return int(value)


def bool_field(payload: dict[str, Any], key: str) -> bool:
    value = payload[key]
    if not isinstance(value, bool):
        raise SimulatorRequestError(f"'{key}' must be true or false")
    return value
