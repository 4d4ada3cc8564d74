"""API request cost: key authentication + tenant scope + serialization, at 1 and 10,000 keys.

Reference, measured in the same run and server: an unknown API route, which goes through the
same ASGI server and Django stack but does no authentication and no query. Reported as
p50/p95/p99 and the ratio of p50 to the reference's p50, interleaved in rounds so that the
machine's noise hits both alike.

    make bench            # or: .venv/bin/python -m bench.api_auth
"""

from __future__ import annotations

import os
import secrets
import sys
import time

import django
import httpx

from bench.common import Timing, asgi_server, scratch_stack, time_requests

ROUNDS = 10
REQUESTS_PER_ROUND = 100
EXTRA_KEYS = 10_000


def seed_tenant() -> str:
    """The tenant whose key the benchmark uses; returns the key's secret."""
    from accounts import services
    from accounts.models import Role, User

    owner = User.objects.create_user(email="bench@example.com", password=None, name="Bench")
    tenant = services.tenant_create(name="Bench Roasters", owner=owner)
    actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
    _key, secret = services.api_key_create(tenant=tenant, actor=actor, name="bench")
    return secret


def seed_other_keys(count: int) -> None:
    """Other tenants' keys, to show whether the lookup slows down as keys accumulate."""
    from accounts.models import ApiKey, Tenant
    from accounts.tokens import token_hash

    tenants = Tenant.objects.bulk_create(Tenant(name=f"Other {n}", slug=f"other-{n}") for n in range(count // 10))
    ApiKey.objects.unscoped().bulk_create(
        ApiKey(
            tenant=tenants[n % len(tenants)], name=f"k{n}", prefix="wai_x", key_hash=token_hash(secrets.token_hex(16))
        )
        for n in range(count)
    )


def measure(url: str, secret: str) -> tuple[Timing, Timing]:
    reference, api = [], []
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client() as client:
        time_requests(client, f"{url}/api/v1/tenant/", 50, headers)  # warm-up
        time_requests(client, f"{url}/api/v1/bench-reference/", 50)
        for _ in range(ROUNDS):
            reference += time_requests(client, f"{url}/api/v1/bench-reference/", REQUESTS_PER_ROUND)
            api += time_requests(client, f"{url}/api/v1/tenant/", REQUESTS_PER_ROUND, headers)
    return Timing.of(reference), Timing.of(api)


def main() -> int:
    rows = []
    started = time.monotonic()
    with scratch_stack(f"bench_api_{os.getpid()}") as environ:
        os.environ.update(environ)
        django.setup()
        secret = seed_tenant()
        with asgi_server(environ) as url:
            for keys in (1, 1 + EXTRA_KEYS):
                if keys > 1:
                    seed_other_keys(EXTRA_KEYS)
                reference, api = measure(url, secret)
                rows.append((keys, reference, api))
                print(f"measured with {keys} keys ({time.monotonic() - started:.0f} s)", flush=True)
        from django.db import connection

        connection.close()
    print(f"{'keys':>6} | {'reference p50/p95/p99 ms':>26} | {'GET /api/v1/tenant/ p50/p95/p99 ms':>36} | p50 ratio")
    for keys, reference, api in rows:
        ratio = api.p50_ms / reference.p50_ms
        print(
            f"{keys:>6} | {reference.p50_ms:7.2f} {reference.p95_ms:7.2f} {reference.p99_ms:7.2f}        "
            f"| {api.p50_ms:7.2f} {api.p95_ms:7.2f} {api.p99_ms:7.2f}            | {ratio:5.2f}"
        )
    growth = (rows[1][2].p50_ms / rows[1][1].p50_ms) / (rows[0][2].p50_ms / rows[0][1].p50_ms)
    print(f"ratio with {1 + EXTRA_KEYS} keys / ratio with 1 key: {growth:.2f} (1.00: the key lookup does not grow)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
