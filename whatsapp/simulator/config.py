"""What a running simulator is told: where to deliver webhooks, how to sign them, whom to trust."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SimulatorConfig:
    """Read on every request, so a test (or the page) may change it while the simulator runs."""

    # Signs every webhook (X-Hub-Signature-256), as the Meta app's secret does.
    app_secret: str
    # The product's webhook endpoint, e.g. http://127.0.0.1:8000/webhooks/whatsapp/.
    webhook_url: str
    # The simulator's own base URL, the host of the media download URLs it hands out.
    public_url: str
    # None: any non-empty bearer token is accepted, like a sandbox.
    accepted_tokens: set[str] | None = None
    default_waba_id: str = "102290129340398"
    default_display_phone_number: str = "15550783881"
    # Meta retries a failed delivery at once, then less and less often (for 7 days); we retry
    # a few times quickly so that a customer's message is not lost to a restarting server.
    webhook_retry_delays: tuple[float, ...] = (0.1, 0.5, 1.5)
    webhook_timeout_seconds: float = 10.0
