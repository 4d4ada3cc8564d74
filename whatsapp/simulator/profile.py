"""The business profile endpoints (whatsapp-cloud-api.md §7) and the phone number node:
`GET/POST /{phone-number-id}/whatsapp_business_profile`, `GET /{phone-number-id}?fields=…`,
the profile photo's URL, and `/_sim/numbers/{id}/details` to set what Meta says of a number
(verified name, quality, official business account status)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.profile_rules import (
    ABOUT_MAX,
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    PHOTO_TYPES,
    WEBSITE_MAX,
    WEBSITES_MAX,
    WRITABLE_VERTICALS,
)
from whatsapp.simulator.business_profiles import BusinessProfileRecord, PhoneNumberRecord
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.errors import GraphError
from whatsapp.simulator.graph import authorize, json_body
from whatsapp.simulator.harness import SimulatorRequestError, json_object
from whatsapp.simulator.state import SimulatorState

PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")
TEXT_LIMITS = {"about": ABOUT_MAX, "address": ADDRESS_MAX, "description": DESCRIPTION_MAX, "email": EMAIL_MAX}
WRITABLE_FIELDS = frozenset({*TEXT_LIMITS, "websites", "vertical", "profile_picture_handle", "messaging_product"})
PHONE_NUMBER_FIELDS = (
    "id", "verified_name", "code_verification_status", "display_phone_number", "quality_rating",
    "name_status", "official_business_account", "platform_type", "throughput",
    "whatsapp_business_manager_messaging_limit",
)  # fmt: skip
# What Graph answers for a number when no fields are asked for.
DEFAULT_PHONE_NUMBER_FIELDS = ("verified_name", "code_verification_status", "display_phone_number", "quality_rating")
PICTURE_PATH = "/_sim/profile_pictures/{phone_number_id}"
OBA_STATUSES = frozenset({"NOT_STARTED", "PENDING", "APPROVED", "REJECTED", "CANCELLED"})
QUALITY_RATINGS = frozenset({"GREEN", "YELLOW", "RED", "UNKNOWN"})
MESSAGING_LIMITS = frozenset({"TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"})
NAME_STATUSES = frozenset({"APPROVED", "AVAILABLE_WITHOUT_REVIEW", "DECLINED", "EXPIRED", "PENDING_REVIEW", "NONE"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _invalid(details: str) -> GraphError:
    return GraphError(100, "Invalid parameter", details=details)


def _state(request: Request) -> SimulatorState:
    state: SimulatorState = request.app.state.simulator
    return state


def picture_url(config: SimulatorConfig, phone_number_id: str, picture: bytes) -> str:
    # A new URL for each new photo, as Meta's CDN gives.
    version = hashlib.sha256(picture).hexdigest()[:16]
    return f"{config.public_url.rstrip('/')}{PICTURE_PATH.format(phone_number_id=phone_number_id)}?v={version}"


async def business_profile(request: Request) -> Response:
    """GET the profile (`{"data": [{…, "messaging_product": "whatsapp"}]}`); POST changes the fields sent."""
    config, state = authorize(request)
    phone_number_id = request.path_params["phone_number_id"]
    profiles = state.business_profiles
    if request.method == "POST":
        body = await json_body(request)
        profiles.save_profile(phone_number_id, _updated(state, profiles.profile(phone_number_id), body))
        return JSONResponse({"success": True})
    requested = _requested_fields(request, PROFILE_FIELDS, node="WhatsAppBusinessProfile") or PROFILE_FIELDS
    profile = profiles.profile(phone_number_id)
    values: dict[str, Any] = {
        "about": profile.about,
        "address": profile.address,
        "description": profile.description,
        "email": profile.email,
        "websites": profile.websites,
        "vertical": profile.vertical,
        "profile_picture_url": picture_url(config, phone_number_id, profile.picture) if profile.picture else "",
    }
    # Graph leaves out what was never set.
    item = {name: values[name] for name in requested if values[name]}
    return JSONResponse({"data": [{**item, "messaging_product": "whatsapp"}]})


def _updated(state: SimulatorState, profile: BusinessProfileRecord, body: dict[str, Any]) -> BusinessProfileRecord:
    """The profile with the body's fields applied, each checked as Meta checks it; nothing applies on an error."""
    product = body.get("messaging_product")
    if not product:
        raise GraphError(100, "The parameter messaging_product is required.")
    if product != "whatsapp":
        raise GraphError(100, f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')
    for key in body:
        if key not in WRITABLE_FIELDS:
            raise _invalid(f'Unexpected key "{key}" on param.')
    for key, limit in TEXT_LIMITS.items():
        if key not in body:
            continue
        value = body[key]
        if not isinstance(value, str):
            raise _invalid(f"Param {key} must be a string.")
        if len(value) > limit:
            raise _invalid(f"Param {key} must be at most {limit} characters long.")
        if key == "about" and not value.strip():
            raise _invalid("Param about must be at least 1 character long.")
        if key == "email" and value and not _EMAIL.fullmatch(value):
            raise _invalid("Param email must be a valid email address.")
        setattr(profile, key, value)
    if "websites" in body:
        profile.websites = _websites(body["websites"])
    if "vertical" in body:
        vertical = body["vertical"]
        if vertical not in WRITABLE_VERTICALS:
            choices = ", ".join(WRITABLE_VERTICALS)
            raise _invalid(f'Param vertical must be one of {{{choices}}} - got "{vertical}".')
        profile.vertical = vertical
    if "profile_picture_handle" in body:
        profile.picture, profile.picture_type = _picture(state, body["profile_picture_handle"])
    return profile


def _picture(state: SimulatorState, handle: object) -> tuple[bytes, str]:
    uploaded = state.uploaded_file(handle) if isinstance(handle, str) else None
    if uploaded is None:
        raise _invalid("Param profile_picture_handle is not a valid upload handle.")
    if uploaded.mime_type not in {*PHOTO_TYPES, "image/jpg"}:
        raise _invalid("Param profile_picture_handle must name a JPEG or PNG image.")
    return uploaded.data, uploaded.mime_type


def _websites(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        raise _invalid("Param websites must be an array of strings.")
    if len(value) > WEBSITES_MAX:
        raise _invalid(f"Param websites must have at most {WEBSITES_MAX} elements.")
    for url in value:
        if len(url) > WEBSITE_MAX:
            raise _invalid(f"Param websites[] must be at most {WEBSITE_MAX} characters long.")
        if not url.lower().startswith(("http://", "https://")):
            raise _invalid("Param websites[] must be a URL including the http:// or https:// scheme.")
    return list(value)


def _requested_fields(request: Request, known: tuple[str, ...], *, node: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in request.query_params.get("fields", "").split(",") if name.strip())
    for name in names:
        if name not in known:
            raise GraphError(100, f"Tried accessing nonexisting field ({name}) on node type ({node})")
    return names


def asks_for_phone_number(request: Request) -> bool:
    """Whether a `GET /{id}` asks for a number's fields (media metadata is read without `fields`)."""
    return request.method == "GET" and bool(request.query_params.get("fields"))


async def phone_number(request: Request) -> Response:
    """`GET /{version}/{phone-number-id}?fields=verified_name,official_business_account,…`."""
    config, state = authorize(request)
    phone_number_id = request.path_params["object_id"]
    requested = _requested_fields(request, PHONE_NUMBER_FIELDS, node="WhatsAppBusinessPhoneNumber")
    record = state.business_profiles.number(phone_number_id)
    settings = state.number_settings(phone_number_id)
    values: dict[str, Any] = {
        "verified_name": record.verified_name,
        "code_verification_status": "VERIFIED",
        "display_phone_number": settings.display_phone_number or config.default_display_phone_number,
        "quality_rating": record.quality_rating,
        "name_status": record.name_status,
        "official_business_account": {"oba_status": record.oba_status},
        "platform_type": "CLOUD_API",
        "throughput": {"level": "STANDARD"},
        "whatsapp_business_manager_messaging_limit": record.messaging_limit,
    }
    answer = {name: values[name] for name in requested or DEFAULT_PHONE_NUMBER_FIELDS if name != "id"}
    return JSONResponse({**answer, "id": phone_number_id})


async def profile_picture(request: Request) -> Response:
    """The photo behind a profile's `profile_picture_url` (public, as Meta's CDN links are)."""
    profile = _state(request).business_profiles.profile(request.path_params["phone_number_id"])
    if not profile.picture:
        return JSONResponse({"error": {"message": "no profile photo"}}, status_code=404)
    return Response(profile.picture, media_type=profile.picture_type)


async def number_details(request: Request) -> Response:
    """`/_sim/numbers/{id}/details`: GET, or POST any of verified_name, name_status, quality_rating,
    oba_status, messaging_limit."""
    state = _state(request)
    phone_number_id = request.path_params["phone_number_id"]
    record = state.business_profiles.number(phone_number_id)
    if request.method == "POST":
        payload = await json_object(request)
        allowed = {
            "verified_name": None,
            "name_status": NAME_STATUSES,
            "quality_rating": QUALITY_RATINGS,
            "oba_status": OBA_STATUSES,
            "messaging_limit": MESSAGING_LIMITS,
        }
        unknown = set(payload) - set(allowed)
        if unknown:
            raise SimulatorRequestError(f"unknown number details: {', '.join(sorted(unknown))}")
        for key, choices in allowed.items():
            if key not in payload:
                continue
            value = payload[key]
            if not isinstance(value, str) or not value or (choices is not None and value not in choices):
                expected = f"one of {', '.join(sorted(choices))}" if choices else "a non-empty string"
                raise SimulatorRequestError(f"'{key}' must be {expected}")
            setattr(record, key, value)
        state.business_profiles.save_number(phone_number_id, record)
    return JSONResponse({"phone_number_id": phone_number_id, **_record_json(record)})


def _record_json(record: PhoneNumberRecord) -> dict[str, str]:
    return {
        "verified_name": record.verified_name,
        "name_status": record.name_status,
        "quality_rating": record.quality_rating,
        "oba_status": record.oba_status,
        "messaging_limit": record.messaging_limit,
    }
