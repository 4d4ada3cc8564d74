"""Status webhooks of what the business sent (whatsapp-cloud-api.md §3): `sent`, `delivered`,
`read` with PMP pricing, or `failed` with `errors[]`, delivered in the background after the
configured delays, signed and retried like every other webhook."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from whatsapp.simulator import webhooks
from whatsapp.simulator.config import SimulatorConfig, StatusTiming
from whatsapp.simulator.errors import status_error
from whatsapp.simulator.state import DeliveredStatus, SentMessage, SimulatorState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    status: str
    # Seconds after the send was accepted.
    after: float
    pricing: dict[str, Any] | None = None
    error_code: int | None = None


def plan(timing: StatusTiming, *, kind: str, pricing: dict[str, Any], failure_code: int | None) -> list[Step]:
    """The statuses an accepted send will get, in delivery order.

    Pricing rides on `sent` and on one of `delivered`/`read`, never both; reactions only get `sent`.
    """
    if failure_code is not None:
        return [Step("failed", timing.sent_after, error_code=failure_code)]
    steps = [Step("sent", timing.sent_after, pricing=pricing)]
    if kind == "reaction":
        return steps
    delays = {"delivered": timing.delivered_after, "read": timing.read_after}
    later = [status for status, wanted in (("delivered", timing.delivered), ("read", timing.read)) if wanted]
    times = [delays[status] for status in later]
    if timing.read_before_delivered:
        # Same moments, the other order: `read` comes first, then the late `delivered`.
        later.reverse()
    for index, (status, after) in enumerate(zip(later, times, strict=True)):
        steps.append(Step(status, max(after, timing.sent_after), pricing=pricing if index == 0 else None))
    return steps


def status_object(message: SentMessage, step: Step, *, timestamp: float) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id": message.id,
        "status": step.status,
        "timestamp": str(int(timestamp)),
        "recipient_id": message.wa_id or message.user_id or "",
    }
    if message.user_id:
        status["recipient_user_id"] = message.user_id
    callback_data = message.request.get("biz_opaque_callback_data")
    if callback_data is not None:
        status["biz_opaque_callback_data"] = callback_data
    if step.pricing is not None:
        status["pricing"] = step.pricing
    if step.error_code is not None:
        status["errors"] = [status_error(step.error_code)]
    return status


def start(
    app: Starlette,
    message: SentMessage,
    steps: list[Step],
    *,
    config: SimulatorConfig,
    state: SimulatorState,
    duplicate: bool,
) -> None:
    """Deliver the statuses in the background: the send is answered at once."""
    webhooks.run_in_background(app, _deliver_statuses(config, state, message, steps, duplicate=duplicate))


async def _deliver_statuses(
    config: SimulatorConfig, state: SimulatorState, message: SentMessage, steps: list[Step], *, duplicate: bool
) -> None:
    loop = asyncio.get_running_loop()
    accepted_at = loop.time()
    try:
        for step in steps:
            await asyncio.sleep(max(0.0, accepted_at + step.after - loop.time()))
            status = status_object(message, step, timestamp=state.now())
            number = state.number_settings(message.phone_number_id)
            body = webhooks.encode(
                webhooks.statuses_envelope(
                    waba_id=number.waba_id or config.default_waba_id,
                    phone_number_id=message.phone_number_id,
                    display_phone_number=number.display_phone_number or config.default_display_phone_number,
                    statuses=[status],
                )
            )
            for _ in range(2 if duplicate else 1):
                delivery = await webhooks.deliver_recorded(config, state, body, app_secret=config.app_secret)
            state.record_status(message.id, DeliveredStatus(step.status, status, delivery.final_status))
    except Exception:
        logger.exception("delivering the statuses of %s failed", message.id)
