"""The fault suite: each scenario breaks the running stack one way, then checks nothing was lost.

Invariants (harness.Stack.inbound_check / outbound_check): every provider id Meta delivered is
stored once, in the tenant whose number it names; every accepted send settles (sent, delivered,
read or failed) and reached the Graph API once, a second time only when that duplicate was
detected and recorded; no row crosses tenants.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.reliability.harness import (
    FULL_PROFILE,
    SETTLED_STATUSES,
    Stack,
    Tenant,
    envelope_for,
    inbound_texts,
    measure,
    settle,
    wait_for,
)
from tests.whatsapp import payloads

pytestmark = pytest.mark.slow

full_profile_only = pytest.mark.skipif(not FULL_PROFILE, reason="full profile only (make test-reliability)")


def _statuses_of(stack: Stack, message_ids: list[int]) -> dict[int, str]:
    return dict(stack.query("SELECT id, status FROM inbox_message WHERE id = ANY(%s)", (message_ids,)))


def _outbox_state(stack: Stack, message_id: int) -> str | None:
    row = stack.query_one("SELECT state FROM inbox_outboxentry WHERE message_id = %s", (message_id,))
    return str(row[0]) if row else None


def _fault_hit(stack: Stack) -> bool:
    """Whether the injected one-request fault has caught its request (it is gone from the list)."""
    return stack.simulator("GET", "/_sim/faults")["data"] == []


def test_the_same_payload_delivered_2_to_10_times_concurrently_is_stored_once(stack: Stack) -> None:
    started = time.monotonic()
    expected: dict[str, Tenant] = {}
    deliveries: list[dict[str, Any]] = []
    for tenant in stack.tenants:
        messages = inbound_texts(tenant, 20, prefix="duplicate")
        expected.update({message["id"]: tenant for message in messages})
        for copies, start in zip(range(2, 11, 2), range(0, 20, 4), strict=True):
            deliveries += [envelope_for(tenant, messages=messages[start : start + 4])] * copies

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(stack.webhook, deliveries))

    assert answers == [200] * len(deliveries)
    settle("same payload 2-10x concurrently", started, lambda: stack.inbound_check(expected))


def test_a_malformed_item_is_dead_lettered_and_the_rest_of_its_batch_stored(stack: Stack) -> None:
    started = time.monotonic()
    first, second = stack.tenants
    good_first = inbound_texts(first, 3, prefix="batch")
    good_second = inbound_texts(second, 2, prefix="batch")
    marker = f"malformed {uuid.uuid4().hex}"
    malformed = payloads.text_message(from_="4917000000999", body=marker)
    del malformed["id"]
    unknown_receipt = payloads.status(wamid=payloads.make_wamid(outbound=True), status="delivered")
    batch = envelope_for(first, messages=[*good_first[:2], malformed, good_first[2]], statuses=[unknown_receipt])
    batch["entry"] += envelope_for(second, messages=good_second)["entry"]

    assert stack.webhook(batch) == 200

    expected = {message["id"]: first for message in good_first} | {message["id"]: second for message in good_second}
    settle("batch with a malformed item", started, lambda: stack.inbound_check(expected))
    # Items are encrypted at rest: compared once decrypted.
    dead = [
        (tenant_id, field, error)
        for tenant_id, field, error, item in stack.query(
            "SELECT tenant_id, field, error, item FROM whatsapp_deadletter"
        )
        if stack.decrypted_json(item, "whatsapp.DeadLetter.item").get("text", {}).get("body") == marker
    ]
    assert len(dead) == 1
    tenant_id, field, error = dead[0]
    assert (tenant_id, field) == (first.id, "messages")
    assert "id" in error


def test_statuses_out_of_order_duplicated_or_unknown_never_move_a_message_backwards(stack: Stack) -> None:
    started = time.monotonic()
    tenant = stack.tenants[0]
    wa_id, conversation = stack.new_conversation(tenant)
    stack.simulator("POST", "/_sim/config", {"statuses": {"read_before_delivered": True, "duplicate": True}})
    try:
        sent = [stack.agent_sends(tenant, conversation, f"Your order {n} ships today.") for n in range(3)]
        wait_for(lambda: set(_statuses_of(stack, sent).values()) == {"read"}, what="every send read")
    finally:
        stack.simulator("POST", "/_sim/config", {"statuses": {"read_before_delivered": False, "duplicate": False}})
    (provider_id,) = stack.query_one("SELECT provider_message_id FROM inbox_message WHERE id = %s", (sent[0],)) or ("",)
    a_minute_ago = int(time.time()) - 60
    late = [
        payloads.status(wamid=provider_id, status=s, recipient_id=wa_id, timestamp=a_minute_ago)
        for s in ("delivered", "sent")
    ]
    unknown_id = payloads.make_wamid(wa_id, outbound=True)
    unknown = payloads.status(wamid=unknown_id, status="read", recipient_id=wa_id)

    assert stack.webhook(envelope_for(tenant, statuses=[*late, unknown])) == 200

    wait_for(
        lambda: stack.query_one(
            "SELECT applied_at IS NULL FROM inbox_statusupdate WHERE tenant_id = %s AND provider_message_id = %s",
            (tenant.id, unknown_id),
        ),
        what="the receipt for an unknown id kept, unapplied",
    )
    assert stack.query("SELECT id FROM inbox_message WHERE provider_message_id = %s", (unknown_id,)) == []
    assert set(_statuses_of(stack, sent).values()) == {"read"}
    settle("statuses out of order, duplicated, unknown", started, lambda: stack.outbound_check(sent))


def test_a_worker_killed_mid_ingest_leaves_its_batch_to_the_next_drain(stack: Stack) -> None:
    envelopes = 120 if FULL_PROFILE else 40
    stack.stop_process("worker")
    expected: dict[str, Tenant] = {}
    for n in range(envelopes):
        tenant = stack.tenants[n % 2]
        messages = inbound_texts(tenant, 5, prefix=f"kill {n}")
        expected.update({message["id"]: tenant for message in messages})
        assert stack.webhook(envelope_for(tenant, messages=messages)) == 200
    stack.start_process("worker")
    wait_for(stack.in_transaction, timeout=60, what="a drain under way")

    stack.kill("worker")
    started = time.monotonic()

    assert stack.inbound_check(expected).lost > 0, "the worker finished before it was killed"
    stack.start_process("worker")
    settle("worker kill -9 mid-ingest", started, lambda: stack.inbound_check(expected))


@pytest.mark.parametrize(
    ("fault", "scenario"),
    [
        # The crash window: Meta has the message, we never stored its id. The receipt (with
        # our callback data) links it; nothing is sent twice.
        ({"latency_seconds": 3}, "worker kill -9 mid-send (Meta got it)"),
        # The request never reached Meta: the send becomes uncertain, waits for a receipt
        # that never comes, and is sent again, once.
        ({"timeout": 5}, "worker kill -9 mid-send (Meta did not)"),
    ],
)
def test_a_worker_killed_mid_send_ends_with_the_message_at_meta_once(
    stack: Stack, fault: dict[str, float], scenario: str
) -> None:
    tenant = stack.tenants[0]
    _wa_id, conversation = stack.new_conversation(tenant)
    stack.simulator("POST", "/_sim/faults", {**fault, "count": 1})
    message_id = stack.agent_sends(tenant, conversation, "Sent while the worker dies")
    wait_for(lambda: _fault_hit(stack), timeout=30, what="the send held at the Graph API")

    stack.kill("sender")
    started = time.monotonic()
    stack.start_process("sender")

    settle(scenario, started, lambda: stack.outbound_check([message_id]))
    assert len(stack.graph_requests_by_message()[message_id]) == 1


def test_webhooks_are_accepted_while_redis_is_down_and_processed_once_it_is_back_empty(stack: Stack) -> None:
    down_seconds = 60 if FULL_PROFILE else 5
    tenant = stack.tenants[0]
    _wa_id, conversation = stack.new_conversation(tenant)
    # A send queued just before the outage: its task is in Redis, which comes back empty.
    stack.stop_process("sender")
    queued = stack.agent_sends(tenant, conversation, "Queued before Redis went down")
    stack.redis_stop()
    # The sender starts during the outage and must wait for its broker (beat lives through it).
    stack.start_process("sender")
    expected: dict[str, Tenant] = {}
    answers = []
    # Agents keep answering: each send is accepted (201; its outbox entry is in PostgreSQL)
    # and goes out once Redis is back.
    sent_meanwhile = []
    outage_ends = time.monotonic() + down_seconds
    n = 0
    while time.monotonic() < outage_ends:
        target = stack.tenants[n % 2]
        messages = inbound_texts(target, 2, prefix=f"redis down {n}")
        expected.update({message["id"]: target for message in messages})
        answers.append(stack.webhook(envelope_for(target, messages=messages)))
        if n % 8 == 0:
            sent_meanwhile.append(stack.agent_sends(tenant, conversation, f"Sent while Redis is down ({n})"))
        n += 1
        time.sleep(0.25)

    stack.redis_start_empty()
    started = time.monotonic()
    after = stack.agent_sends(tenant, conversation, "Sent once Redis is back")

    assert answers == [200] * len(answers)
    settle("Redis down, back empty (inbound)", started, lambda: stack.inbound_check(expected))
    sent = [queued, *sent_meanwhile, after]
    settle("Redis down, back empty (outbound)", started, lambda: stack.outbound_check(sent))
    assert all(process.poll() is None for process in stack.processes.values()), "a process died with Redis"


def test_postgres_restarted_immediately_loses_nothing_and_the_stack_recovers_by_itself(stack: Stack) -> None:
    down_seconds = 10 if FULL_PROFILE else 2
    tenant = stack.tenants[1]
    _wa_id, conversation = stack.new_conversation(tenant)
    expected: dict[str, Tenant] = {}
    deliveries = []
    for n in range(40 if FULL_PROFILE else 20):
        target = stack.tenants[n % 2]
        messages = inbound_texts(target, 2, prefix=f"postgres restart {n}")
        expected.update({message["id"]: target for message in messages})
        deliveries.append(envelope_for(target, messages=messages))

    def meta_delivers() -> None:
        for envelope in deliveries:
            stack.webhook_until_accepted(envelope)
            time.sleep(0.1)

    with ThreadPoolExecutor(max_workers=1) as pool:
        meta = pool.submit(meta_delivers)
        time.sleep(0.5)
        stack.postgres_restart_immediate(down_seconds=down_seconds)
        started = time.monotonic()
        # The web server's pooled connections died with the database: it must notice and
        # reconnect by itself within a few seconds (it took ~20 s with the pool's defaults).
        wait_for(lambda: stack.api_answers(tenant), timeout=10, what="the API answering again")
        web_recovered = time.monotonic() - started
        meta.result()

    sent = [stack.agent_sends(tenant, conversation, "After the restart")]
    settle("PostgreSQL restart -m immediate (inbound)", started, lambda: stack.inbound_check(expected))
    settle("PostgreSQL restart -m immediate (outbound)", started, lambda: stack.outbound_check(sent))
    assert all(process.poll() is None for process in stack.processes.values()), "a process died with PostgreSQL"
    measure("PostgreSQL restart", api_answers_again_seconds=round(web_recovered, 2))
    assert web_recovered < 5, f"the API answered again {web_recovered:.1f} s after PostgreSQL was back"


def test_graph_api_errors_are_retried_with_backoff_and_every_send_settles(stack: Stack) -> None:
    tenant = stack.tenants[0]
    conversations = [stack.new_conversation(tenant)[1] for _ in range(3)]
    faults = [{"error_code": 131056, "count": 1}, {"error_code": 130429, "count": 1},
              {"http_status": 503, "count": 1}, {"timeout": 1, "count": 1}]  # fmt: skip
    for fault in faults:
        stack.simulator("POST", "/_sim/faults", fault)
    started = time.monotonic()

    sent = [stack.agent_sends(tenant, conversation, "Through the errors") for conversation in conversations]

    settle("Graph API 131056, 130429, 503, timeout", started, lambda: stack.outbound_check(sent))
    assert stack.simulator("GET", "/_sim/faults")["data"] == [], "a fault was never hit"
    attempts = stack.query("SELECT attempts FROM inbox_outboxentry WHERE message_id = ANY(%s)", (sent,))
    # An attempt per error at most (read receipts may take some of the errors): no retry storm.
    assert sum(row[0] for row in attempts) <= len(sent) + len(faults)
    assert set(_statuses_of(stack, sent).values()) <= SETTLED_STATUSES


@full_profile_only
def test_a_graph_answer_slower_than_the_client_timeout_is_a_reported_duplicate(stack: Stack) -> None:
    """Meta processes a request our client gave up on (10 s) after the retry went through:
    Meta has it twice, and the late one's receipt (with our callback data) records the
    duplicate on the message. (Had the late receipt come before the retry, it would have
    settled the send instead, and nothing would be sent twice.)"""
    tenant = stack.tenants[1]
    _wa_id, conversation = stack.new_conversation(tenant)
    stack.simulator("POST", "/_sim/faults", {"latency_seconds": 20, "count": 1})
    started = time.monotonic()

    message_id = stack.agent_sends(tenant, conversation, "Slow Meta")

    wait_for(lambda: len(stack.graph_requests_by_message().get(message_id, [])) == 2, what="both sends at Meta")
    check = settle("Graph API answering after 20 s", started, lambda: stack.outbound_check([message_id]))
    assert check.reported == 1
