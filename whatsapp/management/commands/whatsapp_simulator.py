"""whatsapp_simulator: serve the Cloud API simulator, the product's WhatsApp "test mode".

It fakes the Graph API for the numbers that point at it (media, sending with WhatsApp's rules and
status webhooks) and plays the customer's phone, delivering signed webhooks to this product (by
default the one `make run` serves on PORT), and reviews the templates submitted to it. Its behaviour
can be changed while it runs through `/_sim/config`, `/_sim/numbers/{id}`, `/_sim/templates`
(and `/_sim/templates/review`, `/_sim/templates/{id}/status|quality|category`),
`/_sim/not_on_whatsapp` and `/_sim/faults`.
"""

from __future__ import annotations

import os
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from whatsapp.simulator import SimulatorConfig, create_app
from whatsapp.simulator.config import TemplateReview


def _product_port() -> int:
    return int(os.environ.get("PORT") or 8000)


class Command(BaseCommand):
    help = "Serve the WhatsApp Cloud API simulator (Graph API endpoints and the customer's phone)."

    def add_arguments(self, parser: CommandParser) -> None:
        default_port = int(os.environ.get("SIM_PORT") or _product_port() + 1)
        parser.add_argument("--port", type=int, default=default_port, help="Port (default: SIM_PORT, else PORT+1).")
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument(
            "--webhook-url",
            default=f"http://127.0.0.1:{_product_port()}/webhooks/whatsapp/",
            help="The product's webhook endpoint, where customers' messages are delivered.",
        )
        parser.add_argument("--app-secret", help="Signs webhooks (default: the WHATSAPP_APP_SECRET setting).")
        parser.add_argument("--public-url", help="The simulator's own base URL, for media URLs (default: host:port).")
        parser.add_argument("--waba-id", help="WhatsApp Business Account id put in webhooks.")
        parser.add_argument(
            "--closed-window",
            choices=["async", "sync"],
            default="async",
            help="A free-form send outside the 24 h window: accepted then a failed status (async, as Meta "
            "does), or HTTP 400 at once (sync). Error 131047 either way.",
        )
        parser.add_argument(
            "--template-review-delay",
            type=float,
            default=TemplateReview.delay_seconds,
            help="Seconds before a submitted template is approved or rejected (Meta: up to 24 h).",
        )
        parser.add_argument(
            "--accept-token",
            action="append",
            dest="accepted_tokens",
            help="Accept only this bearer token (repeatable; default: any token, like a sandbox).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        # A wildcard address is not one a client can use in a URL.
        public_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
        config = SimulatorConfig(
            app_secret=options["app_secret"] or settings.WHATSAPP_APP_SECRET,
            webhook_url=options["webhook_url"],
            public_url=(options["public_url"] or f"http://{public_host}:{port}").rstrip("/"),
            accepted_tokens=set(options["accepted_tokens"]) if options["accepted_tokens"] else None,
            closed_window=options["closed_window"],
            template_review=TemplateReview(delay_seconds=options["template_review_delay"]),
        )
        if options["waba_id"]:
            config.default_waba_id = options["waba_id"]
        self.stdout.write(
            f"WhatsApp simulator on {config.public_url}/ (the customer's phone), "
            f"delivering webhooks to {config.webhook_url}"
        )
        uvicorn.run(create_app(config), host=host, port=port, log_level="warning", lifespan="off")
