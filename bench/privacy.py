"""How erasing a contact and exporting it cost as the workspace around them grows.

Erasure must find every row that quotes the contact, and most of those columns are encrypted
at rest, so the database can't compare them: erasure narrows by plain columns and reads the
rest row by row (privacy/services/erasure.py). This measures what that costs. The same
contact (its messages, receipts and live events, all through the real webhook intake) is
erased from a workspace where other customers wrote SMALL messages (the reference) and where
they wrote LARGE ones; the ratio says how erasure grows with the workspace.

    python -m bench.privacy    # BENCH_PRIVACY_LARGE=20000, BENCH_PRIVACY_PER_WEBHOOK=50 by default
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import django

from bench.common import scratch_stack

CONTACT_MESSAGES = 1000
SMALL = 2000
LARGE = int(os.environ.get("BENCH_PRIVACY_LARGE", "20000"))
PER_WEBHOOK = int(os.environ.get("BENCH_PRIVACY_PER_WEBHOOK", "50"))
CONTACT_WA_ID = "4915100000001"


def _deliver(messages: list[dict[str, Any]], phone_number_id: str) -> None:
    from tests.whatsapp import payloads
    from whatsapp.services.ingest import process_next_batch, webhook_store

    body = payloads.envelope(messages=messages, phone_number_id=phone_number_id)
    webhook_store(body=json.dumps(body), phone_number_ids=[phone_number_id], waba_ids=[payloads.WABA_ID])
    while process_next_batch():
        pass


def _seed(tenant_name: str, others: int, phone_number_id: str) -> tuple[Any, Any, int]:
    """A workspace with one number, the measured contact's messages and `others` messages of 200
    other customers; returns the tenant, its owner actor and the contact's id."""
    from accounts import services
    from accounts.models import Role
    from inbox.models import Contact
    from inbox.selectors import with_wa_id
    from tests.whatsapp import payloads
    from whatsapp.services.numbers import NumberDetails, number_connect

    owner = services.user_create(email=f"owner@{tenant_name}.test", name="Owner", password="bench-pass-123")  # noqa: S106
    tenant = services.tenant_create(name=tenant_name, owner=owner)
    actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
    details = NumberDetails(
        display_phone_number="+1 555 0100",
        phone_number_id=phone_number_id,
        waba_id=payloads.WABA_ID,
        access_token="bench-token",  # noqa: S106
    )
    number_connect(tenant=tenant, actor=actor, details=details)
    texts = [
        (CONTACT_WA_ID if i < CONTACT_MESSAGES else f"49151{(i % 200):08d}", f"message {i} about order {i * 7}")
        for i in range(CONTACT_MESSAGES + others)
    ]
    for start in range(0, len(texts), PER_WEBHOOK):
        batch = texts[start : start + PER_WEBHOOK]
        _deliver([payloads.text_message(from_=wa_id, body=text) for wa_id, text in batch], phone_number_id)
    contact = Contact.objects.for_tenant(tenant).get(with_wa_id(CONTACT_WA_ID, tenant_id=tenant.pk))
    return tenant, actor, contact.pk


def _measure(tenant: Any, actor: Any, contact_id: int) -> tuple[float, float]:
    from django.utils import timezone

    from accounts.tenancy import tenant_scope
    from inbox.models import Contact
    from privacy import selectors
    from privacy.services.erasure import contact_erase

    with tenant_scope(tenant):
        contact = Contact.objects.for_tenant(tenant).get(pk=contact_id)
        started = time.perf_counter()
        selectors.contact_data(tenant_id=tenant.pk, contact=contact)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        contact_erase(tenant=tenant, contact_id=contact_id, actor=actor, now=timezone.now())
        erased = time.perf_counter() - started
    return exported, erased


def main() -> None:
    with scratch_stack("bench_privacy") as environ:
        os.environ.update(environ)
        django.setup()
        results = {}
        for name, others, phone_number_id in (("small", SMALL, "100000000000101"), ("large", LARGE, "100000000000102")):
            started = time.perf_counter()
            tenant, actor, contact_id = _seed(f"bench-{name}", others, phone_number_id)
            seeded = time.perf_counter() - started
            results[name] = (others, seeded, *_measure(tenant, actor, contact_id))
        print(f"contact with {CONTACT_MESSAGES} messages; others' messages in the workspace:")
        print(f"{'workspace':<10} {'others':>7} {'seed s':>7} {'export s':>9} {'erase s':>8}")
        for name, (others, seeded, exported, erased) in results.items():
            print(f"{name:<10} {others:>7} {seeded:>7.1f} {exported:>9.2f} {erased:>8.2f}")
        small, large = results["small"], results["large"]
        print(
            f"ratios large/small at {LARGE // SMALL}x the workspace: export {large[2] / small[2]:.2f}, "
            f"erase {large[3] / small[3]:.2f}"
        )


if __name__ == "__main__":
    main()
