"""Two tenants, each with a number on the simulator, an API key and an owner signed in, in the harness's database.

Run by the harness as its own process (`python -m tests.reliability.seed <simulator URL>`), so
the test process never opens a Django connection to the harness's PostgreSQL; prints JSON.
"""

from __future__ import annotations

import json
import sys

import django

TENANTS = (
    ("Reliable Roasters", "100000000007001", "+1 555 010 7001"),
    ("Steady Teas", "100000000007002", "+1 555 010 7002"),
)
WABA_ID = "100000000007000"


def main(simulator_url: str) -> None:
    django.setup()
    # Models can be imported only once Django is set up.
    from django.test import Client  # noqa: PLC0415

    from accounts import services  # noqa: PLC0415
    from accounts.models import Role, User  # noqa: PLC0415
    from whatsapp.services.numbers import NumberDetails, number_connect  # noqa: PLC0415

    seeded = []
    for index, (name, phone_number_id, display) in enumerate(TENANTS):
        owner = User.objects.create_user(email=f"owner{index}@reliability.example", password=None, name=name)
        tenant = services.tenant_create(name=name, owner=owner)
        actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
        details = NumberDetails(
            display_phone_number=display, phone_number_id=phone_number_id, waba_id=f"{WABA_ID}{index}",
            access_token="reliability", graph_api_base_url=simulator_url,
        )  # fmt: skip
        number_connect(tenant=tenant, actor=actor, details=details)
        _key, secret = services.api_key_create(tenant=tenant, actor=actor, name="reliability")
        # A signed-in browser session of the owner, for the agents' WebSockets.
        browser = Client()
        browser.force_login(owner)
        seeded.append(
            {"id": tenant.pk, "phone_number_id": phone_number_id, "display_phone_number": display, "api_key": secret,
             "slug": tenant.slug, "session": browser.cookies["sessionid"].value}
        )  # fmt: skip
    sys.stdout.write(json.dumps(seeded) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
