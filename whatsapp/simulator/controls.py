"""The harness's knobs (`/_sim/...`): how WhatsApp behaves (`config`), each business number
(`numbers`), who is not on WhatsApp, which templates exist, and injected faults."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.simulator.config import SimulatorConfig, StatusTiming
from whatsapp.simulator.harness import (
    SimulatorRequestError,
    bool_field,
    integer_field,
    json_object,
    number_field,
)
from whatsapp.simulator.state import SimulatorState
from whatsapp.simulator.templates import TemplateDefinitionError, template_from_definition

STATUS_DELAYS = ("sent_after", "delivered_after", "read_after")
STATUS_SWITCHES = ("delivered", "read", "read_before_delivered", "duplicate")


def _config(request: Request) -> SimulatorConfig:
    config: SimulatorConfig = request.app.state.config
    return config


def _state(request: Request) -> SimulatorState:
    state: SimulatorState = request.app.state.simulator
    return state


# /_sim/config


def config_json(config: SimulatorConfig) -> dict[str, Any]:
    return {
        "webhook_url": config.webhook_url,
        "closed_window": config.closed_window,
        "statuses": asdict(config.statuses),
        "throughput_mps": config.throughput_mps,
        "pair_rate": {"messages": config.pair_rate_messages, "seconds": config.pair_rate_seconds},
    }


async def simulator_config(request: Request) -> Response:
    """GET the behaviour settings; POST a partial update of them (all checked before any applies)."""
    config = _config(request)
    if request.method == "POST":
        payload = await json_object(request)
        unknown = set(payload) - {"webhook_url", "closed_window", "statuses", "throughput_mps", "pair_rate"}
        if unknown:
            raise SimulatorRequestError(f"unknown settings: {', '.join(sorted(unknown))}")
        updates: dict[str, Any] = {}
        if "webhook_url" in payload:
            if not isinstance(payload["webhook_url"], str) or not payload["webhook_url"].startswith("http"):
                raise SimulatorRequestError("'webhook_url' must be an http(s) URL")
            updates["webhook_url"] = payload["webhook_url"]
        if "closed_window" in payload:
            if payload["closed_window"] not in {"async", "sync"}:
                raise SimulatorRequestError('\'closed_window\' must be "async" (a failed status) or "sync" (HTTP 400)')
            updates["closed_window"] = payload["closed_window"]
        if "statuses" in payload:
            updates["statuses"] = _status_timing(config.statuses, payload["statuses"])
        if "throughput_mps" in payload:
            updates["throughput_mps"] = integer_field(payload, "throughput_mps", minimum=1)
        if "pair_rate" in payload:
            pair_rate = payload["pair_rate"]
            if not isinstance(pair_rate, dict):
                raise SimulatorRequestError('\'pair_rate\' must be {"messages": 45, "seconds": 6}')
            if "messages" in pair_rate:
                updates["pair_rate_messages"] = integer_field(pair_rate, "messages", minimum=1)
            if "seconds" in pair_rate:
                updates["pair_rate_seconds"] = number_field(pair_rate, "seconds", minimum=0.001)
        for key, value in updates.items():
            setattr(config, key, value)
    return JSONResponse(config_json(config))


def _status_timing(current: StatusTiming, payload: object) -> StatusTiming:
    if not isinstance(payload, dict):
        raise SimulatorRequestError('\'statuses\' must be an object, e.g. {"sent_after": 0.05, "read": false}')
    unknown = set(payload) - {*STATUS_DELAYS, *STATUS_SWITCHES}
    if unknown:
        raise SimulatorRequestError(f"unknown status settings: {', '.join(sorted(unknown))}")
    values = asdict(current)
    for key in STATUS_DELAYS:
        if key in payload:
            values[key] = number_field(payload, key, maximum=3600)
    for key in STATUS_SWITCHES:
        if key in payload:
            values[key] = bool_field(payload, key)
    return StatusTiming(**values)


# /_sim/numbers/{phone_number_id}


async def number_settings(request: Request) -> Response:
    """GET or POST one number's settings: throughput_mps, waba_id, display_phone_number."""
    state = _state(request)
    phone_number_id = request.path_params["phone_number_id"]
    settings = state.number_settings(phone_number_id)
    if request.method == "POST":
        payload = await json_object(request)
        unknown = set(payload) - {"throughput_mps", "waba_id", "display_phone_number"}
        if unknown:
            raise SimulatorRequestError(f"unknown number settings: {', '.join(sorted(unknown))}")
        if "throughput_mps" in payload:
            throughput = payload["throughput_mps"]
            settings.throughput_mps = (
                None if throughput is None else integer_field(payload, "throughput_mps", minimum=1)
            )
        for key in ("waba_id", "display_phone_number"):
            if key in payload:
                value = payload[key]
                if value is not None and (not isinstance(value, str) or not value.isdigit()):
                    raise SimulatorRequestError(f"'{key}' must be digits (or null for the default)")
                setattr(settings, key, value)
        state.update_number_settings(phone_number_id, settings)
    config = _config(request)
    return JSONResponse(
        {
            "phone_number_id": phone_number_id,
            "throughput_mps": settings.throughput_mps or config.throughput_mps,
            "waba_id": settings.waba_id or config.default_waba_id,
            "display_phone_number": settings.display_phone_number or config.default_display_phone_number,
        }
    )


# /_sim/not_on_whatsapp


async def not_on_whatsapp(request: Request) -> Response:
    """POST {"wa_ids": [...]} adds numbers that are not on WhatsApp (sends to them fail with 131026);
    {"wa_ids": [...], "on_whatsapp": true} takes them back; DELETE forgets them all."""
    state = _state(request)
    if request.method == "POST":
        payload = await json_object(request)
        wa_ids = payload.get("wa_ids")
        if not isinstance(wa_ids, list) or not all(isinstance(w, str) and w.lstrip("+").isdigit() for w in wa_ids):
            raise SimulatorRequestError("'wa_ids' must be a list of phone numbers (digits)")
        on_whatsapp = bool_field(payload, "on_whatsapp") if "on_whatsapp" in payload else False
        state.set_on_whatsapp([w.lstrip("+") for w in wa_ids], on_whatsapp=on_whatsapp)
    elif request.method == "DELETE":
        state.set_on_whatsapp(state.not_on_whatsapp(), on_whatsapp=True)
    return JSONResponse({"wa_ids": state.not_on_whatsapp()})


# /_sim/templates


async def templates(request: Request) -> Response:
    """POST registers a template in Meta's creation shape plus `status` (default APPROVED) and an
    optional `waba_id`, replacing one of the same name and language; GET lists; DELETE forgets all."""
    state = _state(request)
    if request.method == "POST":
        try:
            template = template_from_definition(await json_object(request))
        except TemplateDefinitionError as error:
            raise SimulatorRequestError(str(error)) from None
        state.templates.register(template)
        return JSONResponse(template.as_json())
    if request.method == "DELETE":
        state.templates.clear()
    return JSONResponse({"data": [template.as_json() for template in state.templates.all()]})


# /_sim/faults


async def faults(request: Request) -> Response:
    """POST adds a fault (see faults.Fault), GET lists the active ones, DELETE removes them all."""
    state = _state(request)
    if request.method == "POST":
        fault = state.faults.add(await json_object(request))
        return JSONResponse(fault.as_json())
    if request.method == "DELETE":
        state.faults.clear()
    return JSONResponse({"data": [fault.as_json() for fault in state.faults.all()]})
