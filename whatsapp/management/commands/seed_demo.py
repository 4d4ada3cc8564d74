"""seed_demo: the demo tenant that `make run` shows a newcomer, with its number on the simulator.

Created once, then left alone, except that the number follows the simulator to its current
port, so customers played on the simulator reach the demo inbox. `--tell-simulator`, once the
simulator runs, gives it the demo number's name, display number and business account, so that
what the Graph API says of the number (Test connection, webhooks' metadata) is the demo's own.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import services
from accounts.models import Role, Tenant, User
from accounts.tenancy import tenant_scope
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import NumberDetails, number_connect, number_update

DEMO_TENANT_NAME = "Demo Coffee Roasters"
DEMO_TENANT_SLUG = "demo-coffee-roasters"
DEMO_LOGINS = (
    # (email, name, password, role)
    ("owner@demo.test", "Olivia Owner", "demo-owner-pass", Role.OWNER),
    ("agent@demo.test", "Adam Agent", "demo-agent-pass", Role.AGENT),
)
DEMO_PHONE_NUMBER_ID = "100000000000001"
DEMO_WABA_ID = "100000000000002"
DEMO_DISPLAY_PHONE_NUMBER = "+1 555 010 0100"
# Meta's webhooks carry the display number as digits only.
DEMO_DISPLAY_DIGITS = "15550100100"
SIMULATOR_WAIT_SECONDS = 15


def simulator_url() -> str:
    port = os.environ.get("SIM_PORT") or str(int(os.environ.get("PORT") or 8000) + 1)
    return f"http://127.0.0.1:{port}"


class Command(BaseCommand):
    help = "Create the demo tenant (owner, agent, a number on the simulator) if it does not exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tell-simulator",
            action="store_true",
            help="Only describe the demo number to the running simulator (name, display number, account).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tell_simulator"]:
            describe_demo_number(simulator_url())
            return
        with transaction.atomic():
            tenant = Tenant.objects.filter(slug=DEMO_TENANT_SLUG).first()
            if tenant is None:
                tenant = self._create()
                self.stdout.write(f"Created the demo tenant {tenant.name}.")
            self._point_number_at_simulator(tenant)
        for email, _name, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {role.label:<6} {email} / {password}")
        self.stdout.write(f"  Number {DEMO_DISPLAY_PHONE_NUMBER}, phone number id {DEMO_PHONE_NUMBER_ID}")

    def _create(self) -> Tenant:
        (owner_email, owner_name, owner_password, _role), *others = DEMO_LOGINS
        owner = User.objects.filter(email=owner_email).first() or services.user_create(
            email=owner_email, name=owner_name, password=owner_password
        )
        tenant = services.tenant_create(name=DEMO_TENANT_NAME, owner=owner, slug=DEMO_TENANT_SLUG)
        actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
        for email, name, password, role in others:
            user = User.objects.filter(email=email).first() or services.user_create(
                email=email, name=name, password=password
            )
            services.membership_add(tenant=tenant, actor=actor, user=user, role=role)
        # What the onboarding wizard's first step asks; the demo starts at connecting its number.
        services.tenant_update(
            tenant=tenant,
            actor=actor,
            name=tenant.name,
            data_region=tenant.data_region,
            message_retention_days=tenant.message_retention_days,
            company=services.CompanyDetails(
                legal_name="Demo Coffee Roasters GmbH",
                country="DE",
                vat_id="DE123456789",
                address="Bohnenstraße 1\n10115 Berlin",
            ),
        )
        return tenant

    def _point_number_at_simulator(self, tenant: Tenant) -> None:
        actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER)
        details = NumberDetails(
            display_phone_number=DEMO_DISPLAY_PHONE_NUMBER,
            phone_number_id=DEMO_PHONE_NUMBER_ID,
            waba_id=DEMO_WABA_ID,
            access_token="demo-simulator-token",  # noqa: S106 (the simulator accepts any token, like a sandbox)
            graph_api_base_url=simulator_url(),
        )
        with tenant_scope(tenant):
            number = WhatsAppNumber.objects.filter(phone_number_id=DEMO_PHONE_NUMBER_ID).first()
            if number is None:
                number_connect(tenant=tenant, actor=actor, details=details)
            elif number.graph_api_base_url != details.graph_api_base_url:
                number_update(number=number, actor=actor, details=details)


def describe_demo_number(url: str) -> None:
    """Tell the simulator at `url` what Meta would know of the demo number, waiting for it to start."""
    deadline = time.monotonic() + SIMULATOR_WAIT_SECONDS
    settings = {"waba_id": DEMO_WABA_ID, "display_phone_number": DEMO_DISPLAY_DIGITS}
    details = {"verified_name": DEMO_TENANT_NAME, "name_status": "APPROVED", "quality_rating": "GREEN"}
    while True:
        try:
            with httpx.Client(base_url=url, timeout=5) as client:
                client.post(f"/_sim/numbers/{DEMO_PHONE_NUMBER_ID}", json=settings).raise_for_status()
                client.post(f"/_sim/numbers/{DEMO_PHONE_NUMBER_ID}/details", json=details).raise_for_status()
            return
        except httpx.TransportError as error:
            if time.monotonic() > deadline:
                raise CommandError(f"The simulator at {url} did not answer: {error}") from error
            time.sleep(0.2)
        except httpx.HTTPStatusError as error:
            raise CommandError(f"The simulator at {url} refused the demo number: {error.response.text}") from error
