"""Webhooks as Meta sends them: the envelope of whatsapp-cloud-api.md §1.2, serialised, signed
with the app secret over the exact bytes, and delivered with retries."""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from collections.abc import Coroutine
from typing import Any

import httpx
from starlette.applications import Starlette

from whatsapp.signatures import HEADER as SIGNATURE_HEADER
from whatsapp.signatures import sign
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.state import Delivery, SimulatorState

# Meta's crawler name, which its webhook requests carry.
USER_AGENT = "facebookexternalua"


def messages_envelope(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    contacts: list[dict[str, Any]],
    messages: list[dict[str, Any]],
) -> dict[str, Any]:
    """One `messages` change for one number; `contacts` is left out when empty (a number change)."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = contacts
    value["messages"] = messages
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def encode(payload: dict[str, Any]) -> bytes:
    """Compact JSON with non-ASCII characters and slashes escaped, as Meta writes it.

    Products must verify the signature over these bytes: re-serialising them gives other bytes.
    """
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    # A "/" can only occur inside JSON strings, where "\/" is the same character.
    return text.replace("/", "\\/").encode("ascii")


async def deliver(
    body: bytes, *, url: str, app_secret: str | None, retry_delays: tuple[float, ...], timeout_seconds: float
) -> Delivery:
    """POST `body` to `url` until it answers 200 or the retries run out; every attempt is recorded."""
    delivery = Delivery(body=body)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if app_secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, app_secret)
    # trust_env=False: a developer's HTTP proxy must not sit between the simulator and the product.
    async with httpx.AsyncClient(timeout=timeout_seconds, trust_env=False, verify=_tls_context()) as client:
        for delay in (0.0, *retry_delays):
            if delay:
                await asyncio.sleep(delay)
            try:
                response = await client.post(url, content=body, headers=headers)
            # Not only httpx's errors: a receiver closing just as it accepts the connection can
            # surface as an AttributeError from deep inside anyio. Either way, no answer.
            except Exception:
                delivery.statuses.append(None)
                continue
            delivery.statuses.append(response.status_code)
            if response.status_code == 200:
                break
    return delivery


async def deliver_recorded(
    config: SimulatorConfig, state: SimulatorState, body: bytes, *, app_secret: str | None
) -> Delivery:
    """Deliver `body` to the configured webhook URL with the configured retries, and record it."""
    delivery = await deliver(
        body,
        url=config.webhook_url,
        app_secret=app_secret,
        retry_delays=config.webhook_retry_delays,
        timeout_seconds=config.webhook_timeout_seconds,
    )
    state.record_delivery(delivery)
    return delivery


def run_in_background(app: Starlette, work: Coroutine[Any, Any, None]) -> None:
    """Run `work` after the request that started it has been answered."""
    tasks: set[asyncio.Task[None]] = app.state.background_tasks
    task = asyncio.create_task(work)
    # The loop keeps only weak references to tasks: hold one until it is done.
    tasks.add(task)
    task.add_done_callback(tasks.discard)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Building one takes ~20 ms; a busy simulator delivers hundreds of webhooks a second.
    return httpx.create_ssl_context()


def statuses_envelope(
    *, waba_id: str, phone_number_id: str, display_phone_number: str, statuses: list[dict[str, Any]]
) -> dict[str, Any]:
    """One `messages` change carrying status updates (§3) of messages the number sent."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
        "statuses": statuses,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def template_envelope(*, waba_id: str, time: int, field: str, value: dict[str, Any]) -> dict[str, Any]:
    """One template change (§6): `message_template_status_update`, `message_template_quality_update`
    or `template_category_update`; unlike `messages` changes, the entry carries its `time`."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": time, "changes": [{"value": value, "field": field}]}],
    }
