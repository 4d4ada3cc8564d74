"""Broadcasts: every recipient checked at once and rejected with the rules' own reason, the
accepted ones queued in batches as normal outbound messages, counts that add up, cancel, and bad
input that changes nothing."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLog, Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox import selectors
from inbox.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    ConsentKind,
    ConsentScope,
    Contact,
    Conversation,
    Message,
    MessageStatus,
    OutboxEntry,
)
from inbox.selectors import with_wa_id
from inbox.services import broadcasts as services
from inbox.services.consent import contacts_import_csv
from inbox.tasks import broadcast_queue
from templates_mgmt.models import MessageTemplate
from tests.inbox.factories import ConsentEventFactory, ContactFactory, ConversationFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import simulator, webhook_receiver  # noqa: F401 (fixtures)
from tests.whatsapp.test_delivery import relay_status_webhooks
from whatsapp.services import sender
from whatsapp.simulator.config import StatusTiming
from whatsapp.template_fill import parameter_keys, template_message

pytestmark = pytest.mark.django_db


def opted_in(tenant: Any, wa_id: str, **consent: Any) -> Contact:
    contact = ContactFactory.create(tenant=tenant, wa_id=wa_id, phone=f"+{wa_id}")
    ConsentEventFactory.create(contact=contact, occurred_at=timezone.now() - timedelta(days=1))
    for kind, scope in consent.get("then", []):
        ConsentEventFactory.create(contact=contact, kind=kind, scope=scope)
    return contact


@pytest.fixture
def number(world):
    return connect_number(world)


@pytest.fixture
def order_update(number):
    return MessageTemplateFactory.create(number=number)


@pytest.fixture
def api(world) -> APIClient:
    return world.api_client()


def create(api: APIClient, recipients: list[dict[str, Any]], **template: str) -> Any:
    body = {"template": {"name": "order_update", "language": "en_US", **template}, "recipients": recipients}
    return api.post("/api/v1/broadcasts/", body, format="json")


def counts(world, broadcast_id: int) -> dict[str, int]:
    found = selectors.broadcast_counts(tenant=world.tenant, broadcast_ids=[broadcast_id])[broadcast_id]
    return {key: value for key, value in vars(found).items() if value} | {"total": found.total}


def queue_all(world, broadcast_id: int) -> None:
    """Run the queueing task until the broadcast is done, as the worker would (the sender aside)."""
    for _ in range(20):
        run = services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())
        if run.again_in is None:
            return
        # Hand the waiting messages over, as the sender does, so the next batch may go.
        Message.objects.unscoped().filter(status=MessageStatus.QUEUED).update(status=MessageStatus.ACCEPTED)
    raise AssertionError("the broadcast did not finish")


def state_of(world) -> dict[str, int]:
    """What a refused request must not change."""
    with tenant_scope(world.tenant):
        return {
            "broadcasts": Broadcast.objects.count(),
            "recipients": BroadcastRecipient.objects.count(),
            "contacts": Contact.objects.count(),
            "messages": Message.objects.count(),
            "audit": AuditLog.objects.count(),
        }


# Creating --------------------------------------------------------------------------------------


def test_every_recipient_is_checked_and_the_rejected_ones_say_why(world, api, order_update):
    opted_in(world.tenant, "4915112345601")
    opted_in(world.tenant, "4915112345602", then=[(ConsentKind.OPT_OUT, ConsentScope.ALL)])
    response = create(
        api,
        [
            {"phone": "+49 151 12345601", "parameters": ["Maria", "860198"]},
            {"phone": "0151 12345601", "parameters": ["Maria", "860198"]},
            {"phone": "+49 151 12345602", "parameters": ["Olaf", "860199"]},
            {"phone": "+49 151 12345603", "parameters": ["Nina", "860200"], "name": "Nina New"},
            {"phone": "004915112345601", "parameters": ["Maria", "860198"]},
            {"phone": "not a number", "parameters": ["X", "1"]},
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["template"]["name"], body["template"]["parameters"]) == (
        "queued",
        "order_update",
        ["1", "2"],
    )
    assert body["counts"] == {
        "total": 6, "pending": 1, "rejected": 5, "cancelled": 0, "queued": 0, "accepted": 0, "sent": 0,
        "delivered": 0, "read": 0, "failed": 0,
    }  # fmt: skip
    assert [(r["row"], r["phone"], r["code"]) for r in body["rejected"]] == [
        (2, "0151 12345601", "invalid_phone"),
        (3, "+49 151 12345602", "opted_out"),
        (4, "+49 151 12345603", "no_consent"),
        (5, "004915112345601", "duplicate"),
        (6, "not a number", "invalid_phone"),
    ]
    assert "already on row 1" in body["rejected"][3]["message"]
    assert "opted out" in body["rejected"][1]["message"]
    with tenant_scope(world.tenant):
        new_contact = Contact.objects.get(with_wa_id("4915112345603", tenant_id=world.tenant.pk))
        assert (new_contact.phone, new_contact.name) == ("+4915112345603", "Nina New")
        assert not Conversation.objects.exists()  # checking sends nothing and opens nothing
        assert AuditLog.objects.filter(action="broadcast.created").count() == 1


def test_checking_recipients_takes_as_many_queries_for_a_hundred_as_for_two(world, api, order_update):
    for n in range(100):
        opted_in(world.tenant, f"49151{n:08d}")

    def queries_to_create(size: int) -> int:
        recipients = [{"phone": f"+49151{n:08d}", "parameters": ["Ann", str(n)]} for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            assert create(api, recipients).json()["counts"]["pending"] == size
        return len(queries)

    api.get("/api/v1/broadcasts/")  # the key's first use of the minute is recorded: not part of this
    assert queries_to_create(2) == queries_to_create(100)


def test_the_accepted_recipients_become_normal_outbound_messages_in_batches(world, api, order_update, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    for n in range(5):
        opted_in(world.tenant, f"491511234560{n}")
    recipients = [{"phone": f"+491511234560{n}", "parameters": {"1": f"Customer {n}", "2": f"86{n}"}} for n in range(5)]
    broadcast_id = create(api, recipients).json()["id"]

    run = services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())
    assert (run.queued, run.again_in) == (2, 0)
    assert counts(world, broadcast_id) == {"total": 5, "pending": 3, "queued": 2}
    # The sender has not caught up: the next run waits rather than queue more.
    run = services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())
    assert (run.queued, run.again_in) == (0, services.WAIT_SECONDS)
    queue_all(world, broadcast_id)

    with tenant_scope(world.tenant):
        broadcast = Broadcast.objects.get(pk=broadcast_id)
        assert (broadcast.state, broadcast.finished_at is not None) == (BroadcastState.DONE, True)
        first = BroadcastRecipient.objects.select_related("message__conversation__contact").get(
            broadcast=broadcast, row=1
        )
        message = first.message
        assert (message.direction, message.type, message.status) == ("out", "template", MessageStatus.ACCEPTED)
        assert message.author_label.startswith("API key test key")
        assert message.text == "Hello Customer 0, your order 860 ships today."
        assert message.content["template"]["components"] == [
            {"type": "body", "parameters": [{"type": "text", "text": "Customer 0"}, {"type": "text", "text": "860"}]}
        ]
        assert message.conversation.contact.wa_id == "4915112345600"
        assert OutboxEntry.objects.filter(message__in=Message.objects.all()).count() == 5
    # The last batch waits for the sender.
    assert counts(world, broadcast_id) == {"total": 5, "accepted": 4, "queued": 1}


def test_queueing_again_queues_nobody_twice(world, api, order_update):
    opted_in(world.tenant, "4915112345601")
    broadcast_id = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
    for _ in range(3):
        services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())
    with tenant_scope(world.tenant):
        assert Message.objects.count() == 1


def test_creating_queues_the_first_batch_after_commit(
    world, api, order_update, monkeypatch, django_capture_on_commit_callbacks
):
    opted_in(world.tenant, "4915112345601")
    scheduled = []
    monkeypatch.setattr(services, "schedule_queueing", lambda **kwargs: scheduled.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_id = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
        assert scheduled == []
    assert scheduled == [{"tenant_id": world.tenant.pk, "broadcast_id": broadcast_id}]


def test_the_task_runs_in_the_tenants_scope_and_comes_back_until_done(world, api, order_update, monkeypatch):
    opted_in(world.tenant, "4915112345601")
    broadcast_id = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
    scheduled = []
    monkeypatch.setattr(services, "schedule_queueing", lambda **kwargs: scheduled.append(kwargs))
    assert broadcast_queue(tenant_id=world.tenant.pk, broadcast_id=broadcast_id) == 1
    assert scheduled == []  # done: nothing left to queue
    assert counts(world, broadcast_id) == {"total": 1, "queued": 1}


def test_a_recipient_who_opts_out_before_being_queued_is_rejected_then(world, api, order_update):
    contact = opted_in(world.tenant, "4915112345601")
    broadcast_id = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
    ConsentEventFactory.create(contact=contact, kind=ConsentKind.OPT_OUT)
    queue_all(world, broadcast_id)
    recipient = api.get(f"/api/v1/broadcasts/{broadcast_id}/recipients/").json()["results"][0]
    assert (recipient["outcome"], recipient["rejection"]["code"], recipient["message"]) == (
        "rejected",
        "opted_out",
        None,
    )
    with tenant_scope(world.tenant):
        assert not Conversation.objects.exists()


def test_marketing_opt_outs_block_a_marketing_template_but_not_a_utility_one(world, api, number):
    MessageTemplateFactory.create(number=number, name="spring_sale", category="MARKETING")
    MessageTemplateFactory.create(number=number, name="order_update", category="UTILITY")
    opted_in(world.tenant, "4915112345601", then=[(ConsentKind.OPT_OUT, ConsentScope.MARKETING)])
    recipient = [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]
    marketing = create(api, recipient, name="spring_sale").json()
    assert marketing["rejected"][0]["code"] == "opted_out"
    assert marketing["state"] == "done"  # nobody to queue
    utility = create(api, recipient, name="order_update").json()
    assert (utility["rejected"], utility["counts"]["pending"]) == ([], 1)


def test_a_customer_who_wrote_in_the_last_day_may_get_a_utility_template_without_opt_in(
    world, api, number, order_update
):
    ConversationFactory.create(
        channel=number.channel, contact__wa_id="4915112345601", last_inbound_at=timezone.now() - timedelta(hours=2)
    )
    response = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}])
    assert response.json()["counts"]["pending"] == 1


def test_parameters_that_do_not_fit_are_rejected_with_the_rules_reason(world, api, order_update):
    for n in range(3):
        opted_in(world.tenant, f"491511234560{n}")
    response = create(
        api,
        [
            {"phone": "+4915112345600", "parameters": ["only one"]},
            {"phone": "+4915112345601", "parameters": {"1": "Ann", "2": "1", "first_name": "Ann"}},
            {"phone": "+4915112345602", "parameters": ["Ann", "1", "extra"]},
        ],
    )
    rejected = response.json()["rejected"]
    assert [row["code"] for row in rejected] == ["template_params_invalid"] * 3
    assert "needs 2 parameter(s); 1 given" in rejected[0]["message"]
    assert "no parameter “first_name”" in rejected[1]["message"]
    assert "3 values given" in rejected[2]["message"]


def test_a_named_template_takes_its_parameters_by_name(world, api, number):
    MessageTemplateFactory.create(
        number=number,
        name="named_update",
        parameter_format="NAMED",
        components=[{"type": "BODY", "text": "Hi {{first_name}}, order {{order_no}} is on its way."}],
    )
    opted_in(world.tenant, "4915112345601")
    parameters = {"order_no": "860198", "first_name": "Maria"}
    response = create(api, [{"phone": "+4915112345601", "parameters": parameters}], name="named_update")
    assert response.json()["rejected"] == []
    queue_all(world, response.json()["id"])
    with tenant_scope(world.tenant):
        assert Message.objects.get().text == "Hi Maria, order 860198 is on its way."


# Bad input changes nothing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"template": {"name": "no_such_template", "language": "en_US"}}, "template_not_found"),
        ({"template": {"name": "order_update", "language": "de"}}, "template_not_found"),
        ({"recipients": []}, "no_recipients"),
        ({"recipients": [{"phone": "+4915112345601"}] * 10_001}, "too_many_recipients"),
        ({"recipients": [{"phone": "+4915112345601", "parameters": "Ann"}]}, "validation_error"),
        ({"recipients": [{"phone": "+4915112345601", "parameters": [{"text": "Ann"}]}]}, "validation_error"),
        ({"recipients": [{"phone": "+4915112345601", "parameters": {"1": True}}]}, "validation_error"),
        ({"recipients": [{"parameters": ["Ann", "1"]}]}, "validation_error"),
        ({"template": "order_update"}, "validation_error"),
        ({"channel": 99999}, "not_found"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, api, order_update, change, code):
    before = state_of(world)
    body = {"template": {"name": "order_update", "language": "en_US"}, "recipients": [{"phone": "+4915112345601"}]}
    response = api.post("/api/v1/broadcasts/", {**body, **change}, format="json")
    assert response.status_code in (400, 404), response.content
    assert response.json()["error"]["code"] == code
    assert state_of(world) == before


@pytest.mark.parametrize("status", ["PENDING", "REJECTED", "PAUSED", "DRAFT"])
def test_a_template_that_is_not_approved_is_refused(world, api, number, status):
    MessageTemplateFactory.create(number=number, status=status)
    before = state_of(world)
    response = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "template_not_approved"
    assert state_of(world) == before


def test_the_api_needs_a_key(world, order_update):
    assert APIClient().post("/api/v1/broadcasts/", {}, format="json").status_code == 401
    assert APIClient().get("/api/v1/broadcasts/").status_code == 401


# CSV upload ------------------------------------------------------------------------------------


def upload(api: APIClient, content: bytes, **fields: Any) -> Any:
    data = {"template_name": "order_update", "template_language": "en_US", **fields}
    data["file"] = SimpleUploadedFile("recipients.csv", content, content_type="text/csv")
    return api.post("/api/v1/broadcasts/", data, format="multipart")


def test_a_csv_file_names_each_parameter_in_a_column(world, api, order_update):
    opted_in(world.tenant, "4915112345601")
    opted_in(world.tenant, "4915112345602")
    content = "Phone;1;2\n+49 151 12345601;Maria;860198\n\n+49 151 12345602;Olaf;860199;surplus\n12;Nobody;1\n"
    response = upload(api, content.encode())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counts"]["total"] == 3
    assert [(row["row"], row["code"]) for row in body["rejected"]] == [(4, "too_many_cells"), (5, "invalid_phone")]


@pytest.mark.parametrize(
    "case",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv", "not a CSV file"),
        (b"number,1,2\n+4915112345601,Ann,1\n", "not_csv", "columns: phone, 1, 2"),
        (b"phone,1,2,first_name\n+4915112345601,Ann,1,Ann\n", "unknown_columns", "no parameter “first_name”"),
        (b"phone,1,2\n", "no_recipients", "at least one recipient"),
        (b"phone\n" + b"+4915112345601\n" * 10_001, "too_many_rows", "more than 10,000 rows"),
    ],
)
def test_a_file_that_is_not_a_csv_of_recipients_creates_nothing(world, api, order_update, case):
    content, code, says = case
    before = state_of(world)
    response = upload(api, content)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert says in response.json()["error"]["message"]
    assert state_of(world) == before


# Progress and cancelling -----------------------------------------------------------------------


def test_the_recipients_can_be_listed_by_outcome_page_by_page(world, api, order_update):
    opted_in(world.tenant, "4915112345601")
    recipients = [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}] + [{"phone": f"bad {n}"} for n in range(3)]
    broadcast_id = create(api, recipients).json()["id"]
    url = f"/api/v1/broadcasts/{broadcast_id}/recipients/"
    page = api.get(url, {"outcome": "rejected", "page_size": 2}).json()
    assert [row["row"] for row in page["results"]] == [2, 3]
    assert page["results"][0]["rejection"]["code"] == "invalid_phone"
    assert [row["row"] for row in api.get(page["next"]).json()["results"]] == [4]
    pending = api.get(url, {"outcome": "pending"}).json()["results"]
    assert [(row["row"], row["contact"] is not None, row["parameters"]) for row in pending] == [(1, True, ["Ann", "1"])]
    assert api.get(url, {"outcome": "lost"}).json()["error"]["code"] == "validation_error"


def test_the_list_shows_each_broadcast_with_its_counts(world, api, order_update):
    opted_in(world.tenant, "4915112345601")
    first = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
    second = create(api, [{"phone": "bad"}]).json()["id"]
    listed = api.get("/api/v1/broadcasts/").json()
    assert [(b["id"], b["counts"]["total"], b["counts"]["rejected"]) for b in listed["results"]] == [
        (second, 1, 1),
        (first, 1, 0),
    ]
    assert listed["next"] is None
    assert api.get(f"/api/v1/broadcasts/{first}/").json()["counts"]["pending"] == 1


def test_cancelling_stops_recipients_not_yet_queued(world, api, order_update, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    for n in range(5):
        opted_in(world.tenant, f"491511234560{n}")
    recipients = [{"phone": f"+491511234560{n}", "parameters": ["Ann", str(n)]} for n in range(5)]
    broadcast_id = create(api, [*recipients, {"phone": "bad"}]).json()["id"]
    services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())

    response = api.post(f"/api/v1/broadcasts/{broadcast_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert response.json()["counts"] == {
        "total": 6, "pending": 0, "rejected": 1, "cancelled": 3, "queued": 2, "accepted": 0, "sent": 0,
        "delivered": 0, "read": 0, "failed": 0,
    }  # fmt: skip
    run = services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())
    assert (run.queued, run.again_in) == (0, None)
    with tenant_scope(world.tenant):
        assert Message.objects.count() == 2
        assert AuditLog.objects.filter(action="broadcast.cancelled").get().details == {"not_sent": 3}
    # Again: nothing changes.
    assert api.post(f"/api/v1/broadcasts/{broadcast_id}/cancel/").json()["counts"]["cancelled"] == 3


def test_a_finished_broadcast_cannot_be_cancelled(world, api, order_update):
    opted_in(world.tenant, "4915112345601")
    broadcast_id = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
    queue_all(world, broadcast_id)
    response = api.post(f"/api/v1/broadcasts/{broadcast_id}/cancel/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "broadcast_finished"


def test_a_lost_queueing_task_is_found_by_the_sweep(world, api, order_update, monkeypatch):
    opted_in(world.tenant, "4915112345601")
    broadcast_id = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["id"]
    scheduled = []
    monkeypatch.setattr(services, "schedule_queueing", lambda **kwargs: scheduled.append(kwargs))
    assert services.broadcasts_sweep(now=timezone.now()) == 0  # just created: its task is on its way
    assert services.broadcasts_sweep(now=timezone.now() + services.STALLED_AFTER * 2) == 1
    assert scheduled == [{"tenant_id": world.tenant.pk, "broadcast_id": broadcast_id}]


# Tenancy ---------------------------------------------------------------------------------------


def test_another_tenants_broadcast_is_not_found(world, api, order_update, other_tenant):
    other_number = connect_number(other_tenant, phone_number_id="999000111222333", waba_id="888000111222333")
    MessageTemplateFactory.create(number=other_number)
    opted_in(other_tenant.tenant, "447911123456")
    theirs = create(other_tenant.api_client(), [{"phone": "+447911123456", "parameters": ["Gina", "1"]}]).json()["id"]
    for path in ("", "recipients/"):
        assert api.get(f"/api/v1/broadcasts/{theirs}/{path}").status_code == 404
    assert api.post(f"/api/v1/broadcasts/{theirs}/cancel/").status_code == 404
    assert api.get("/api/v1/broadcasts/").json()["results"] == []
    with tenant_scope(other_tenant.tenant):
        assert Broadcast.objects.get(pk=theirs).state == BroadcastState.QUEUED


def test_another_tenants_template_and_contacts_are_not_used(world, api, order_update, other_tenant):
    other_number = connect_number(other_tenant, phone_number_id="999000111222333", waba_id="888000111222333")
    MessageTemplateFactory.create(number=other_number, name="globex_only")
    opted_in(other_tenant.tenant, "4915112345601")
    assert create(api, [{"phone": "+4915112345601"}], name="globex_only").json()["error"]["code"] == (
        "template_not_found"
    )
    rejected = create(api, [{"phone": "+4915112345601", "parameters": ["Ann", "1"]}]).json()["rejected"]
    assert rejected[0]["code"] == "no_consent"  # their opt-in is theirs


# Filling templates (pure) ----------------------------------------------------------------------

RICH = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, order {{2}}."},
    {"type": "BUTTONS", "buttons": [
        {"type": "QUICK_REPLY", "text": "Stop"},
        {"type": "URL", "text": "Track", "url": "https://x.example/t/{{1}}"},
        {"type": "COPY_CODE", "example": "SAVE20"},
    ]},
]  # fmt: skip


def test_a_list_fills_header_body_and_buttons_in_the_templates_order():
    assert parameter_keys(RICH, parameter_format="POSITIONAL") == ("header.1", "1", "2", "button.1", "button.2")
    message = template_message(
        name="order", language="en", components=RICH, parameter_format="POSITIONAL",
        parameters=["860198", "Maria", "860198", "abc", "SAVE20"],
    )  # fmt: skip
    assert message["template"]["components"] == [
        {"type": "header", "parameters": [{"type": "text", "text": "860198"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Maria"}, {"type": "text", "text": "860198"}]},
        {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "abc"}]},
        {"type": "button", "sub_type": "copy_code", "index": "2",
         "parameters": [{"type": "coupon_code", "coupon_code": "SAVE20"}]},
    ]  # fmt: skip


def test_a_media_header_takes_a_link_and_named_parameters_carry_their_names():
    components = [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Hi {{first_name}}"},
    ]
    assert parameter_keys(components, parameter_format="NAMED") == ("header", "first_name")
    message = template_message(
        name="promo", language="en", components=components, parameter_format="NAMED",
        parameters={"header": "https://x.example/a.jpg", "first_name": "Ann"},
    )  # fmt: skip
    assert message["template"]["components"] == [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.example/a.jpg"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ann", "parameter_name": "first_name"}]},
    ]


def test_the_sender_of_a_broadcast_made_by_a_person_is_that_person(world, number, order_update):
    opted_in(world.tenant, "4915112345601")
    actor = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    broadcast = services.broadcast_create(
        channel=number.channel,
        template_name="order_update",
        template_language="en_US",
        recipients=[services.RecipientInput(row=1, phone="+4915112345601", parameters=["Ann", "1"])],
        actor=actor,
        now=timezone.now(),
    )
    queue_all(world, broadcast.pk)
    with tenant_scope(world.tenant):
        message = Message.objects.get()
    assert (message.author_id, message.author_label, broadcast.created_by_label) == (
        world.agent.user.pk,
        world.agent.user.email,
        world.agent.user.email,
    )


# The whole way: through the API, the queueing task, the sender and the simulator -------------------


def register_in_simulator(simulator, template: MessageTemplate) -> None:  # noqa: F811
    httpx.post(
        f"{simulator.url}/_sim/templates",
        json={"name": template.name, "language": template.language, "category": template.category,
              "components": template.components, "waba_id": template.waba_id},
    ).raise_for_status()  # fmt: skip


def test_each_recipient_follows_its_message_to_read_or_failed(world, api, simulator, webhook_receiver):  # noqa: F811
    simulator.config.webhook_url = webhook_receiver.url
    simulator.config.app_secret = django_settings.WHATSAPP_APP_SECRET
    number = connect_number(world, graph_api_base_url=simulator.url)
    register_in_simulator(simulator, MessageTemplateFactory.create(number=number))
    for n in range(1, 4):
        opted_in(world.tenant, f"491511234560{n}")
    httpx.post(f"{simulator.url}/_sim/not_on_whatsapp", json={"wa_ids": ["4915112345603"]}).raise_for_status()
    recipients = [{"phone": f"+491511234560{n}", "parameters": ["Ann", str(n)]} for n in range(1, 4)]
    broadcast_id = create(api, [*recipients, {"phone": "+49 1"}]).json()["id"]
    services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast_id, now=timezone.now())
    with tenant_scope(world.tenant):
        entries = list(OutboxEntry.objects.values_list("pk", flat=True))
    assert [sender.deliver(tenant_id=world.tenant.pk, outbox_id=pk).state for pk in entries] == ["sent"] * 3
    assert counts(world, broadcast_id) == {"total": 4, "rejected": 1, "accepted": 3}
    webhook_receiver.wait_for(lambda r: [s["status"] for s in r.statuses()].count("read") == 2)
    webhook_receiver.wait_for(lambda r: "failed" in [s["status"] for s in r.statuses()])
    relay_status_webhooks(webhook_receiver)
    assert counts(world, broadcast_id) == {"total": 4, "rejected": 1, "read": 2, "failed": 1}
    failed = api.get(f"/api/v1/broadcasts/{broadcast_id}/recipients/", {"outcome": "failed"}).json()["results"]
    assert [(row["phone"], row["error"]["code"]) for row in failed] == [("+4915112345603", 131026)]


OPTED_IN, FAILING, OPTED_OUT, INVALID, DUPLICATES = 900, 10, 40, 30, 20


def phone(n: int) -> str:
    return f"+49151{n:08d}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("celery_worker_process", [2], indirect=True)  # queueing and sending side by side
def test_a_thousand_recipients_with_opt_outs_and_invalid_numbers_add_up_exactly(
    world,
    simulator,  # noqa: F811
    celery_worker_process,
):
    simulator.config.throughput_mps = 1000
    # Receipts are followed above; here they would only double the work (and go nowhere).
    simulator.config.statuses = StatusTiming(sent_after=0.01, delivered=False, read=False)
    simulator.config.webhook_retry_delays = ()
    number = connect_number(world, graph_api_base_url=simulator.url, throughput_mps=1000)
    register_in_simulator(simulator, MessageTemplateFactory.create(number=number))
    # WhatsApp refuses the first ten sends: undeliverable (131026), final.
    httpx.post(
        f"{simulator.url}/_sim/faults",
        json={"scope": "messages", "error_rate": 1, "error_code": 131026, "count": FAILING},
    ).raise_for_status()
    reachable = OPTED_IN + FAILING
    contacts = "phone,consent,proof\n" + "".join(
        f"{phone(n)},{'opt_in' if n < reachable else 'opt_out'},Signed up at the shop\n"
        for n in range(reachable + OPTED_OUT)
    )
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    contacts_import_csv(tenant=world.tenant, actor=actor, file_bytes=contacts.encode(), filename="shop.csv")
    recipients = [
        {"phone": phone(n), "parameters": [f"Customer {n}", f"{n:06d}"]} for n in range(reachable + OPTED_OUT)
    ]
    recipients += [{"phone": f"+49 {n}", "parameters": ["Nobody", "0"]} for n in range(INVALID)]
    recipients += [{"phone": phone(n), "parameters": ["Again", "0"]} for n in range(DUPLICATES)]
    random.Random(1000).shuffle(recipients)  # noqa: S311 (an order, not a secret)
    assert len(recipients) == 1000

    response = create(world.api_client(), recipients)
    assert response.status_code == 201, response.content
    created = response.json()
    assert Counter(row["code"] for row in created["rejected"]) == {
        "opted_out": OPTED_OUT, "invalid_phone": INVALID, "duplicate": DUPLICATES,
    }  # fmt: skip

    def settled() -> dict[str, int] | None:
        now = counts(world, created["id"])
        return now if now.keys() <= {"total", "rejected", "accepted", "failed"} else None

    deadline = time.monotonic() + 180
    while (final := settled()) is None:
        assert time.monotonic() < deadline, f"not settled: {counts(world, created['id'])}"
        time.sleep(0.5)
    assert final == {"total": 1000, "rejected": OPTED_OUT + INVALID + DUPLICATES, "accepted": OPTED_IN,
                     "failed": FAILING}  # fmt: skip
    sent = httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"]
    assert len(sent) == OPTED_IN  # nothing went to a rejected recipient, nothing went twice
    assert len({message["request"]["to"] for message in sent}) == OPTED_IN
    failed = world.api_client().get(f"/api/v1/broadcasts/{created['id']}/recipients/", {"outcome": "failed"})
    assert {row["error"]["code"] for row in failed.json()["results"]} == {131026}
    with tenant_scope(world.tenant):
        assert Broadcast.objects.get(pk=created["id"]).state == BroadcastState.DONE
