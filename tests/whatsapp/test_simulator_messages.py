"""Sending through the Cloud API simulator, over real HTTP through `GraphClient`: the answer,
WhatsApp's rules with their codes, status webhooks, templates, faults and mark-as-read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.whatsapp.simulator_fixtures import (  # noqa: F401
    SIMULATOR_APP_SECRET,
    RunningSimulator,
    WebhookReceiver,
    simulator,
    webhook_receiver,
)
from whatsapp.client import GraphAPIError, GraphClient, GraphTransportError
from whatsapp.signatures import signature_matches

VERSION = "v25.0"
PHONE_NUMBER_ID = "106540352242922"
CUSTOMER = "16505551234"
DAY = 24 * 3600
ERRORS_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"
JPEG = b"\xff\xd8\xff\xe0 a photo"

ORDER_SHIPPED = {
    "name": "order_shipped",
    "language": "en_US",
    "status": "APPROVED",
    "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["860198"]}},
        {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.", "example": {"body_text": [["Pablo", "1"]]}},
        {"type": "FOOTER", "text": "Lucky Shrub"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Stop updates"},
                {"type": "URL", "text": "Track", "url": "https://x.com/t/{{1}}", "example": ["https://x.com/t/abc"]},
            ],
        },
    ],
}


def order_shipped_send(*, body_parameters: int = 2) -> dict[str, Any]:
    names = ["Jessica", "1234", "extra"]
    return {
        "to": CUSTOMER,
        "type": "template",
        "template": {
            "name": "order_shipped",
            "language": {"code": "en_US"},
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "860198"}]},
                {"type": "body", "parameters": [{"type": "text", "text": n} for n in names[:body_parameters]]},
                {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "a1"}]},
            ],
        },
    }


def text(body: str = "Yes, it also comes in green.", *, to: str = CUSTOMER, **extra: Any) -> dict[str, Any]:
    return {"to": to, "type": "text", "text": {"body": body}, **extra}


@pytest.fixture
def client(simulator: RunningSimulator) -> Iterator[GraphClient]:  # noqa: F811
    with GraphClient(base_url=simulator.url, version=VERSION, access_token="any-token") as graph_client:
        yield graph_client


@pytest.fixture(autouse=True)
def receiver(simulator: RunningSimulator, webhook_receiver: WebhookReceiver) -> WebhookReceiver:  # noqa: F811
    """Every webhook goes to a receiver that answers 200 at once (a closed port costs retries)."""
    simulator.config.webhook_url = webhook_receiver.url
    return webhook_receiver


def customer_writes(running: RunningSimulator, body: str = "Does it come in green?", **extra: Any) -> str:
    """The customer's message, which opens the 24-hour window; its wamid."""
    message = {"type": "text", "text": {"body": body}}
    payload = {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "message": message, **extra}
    answer = httpx.post(f"{running.url}/_sim/inbound", json=payload, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def sim_post(running: RunningSimulator, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{running.url}{path}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def raw_send(running: RunningSimulator, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{running.url}/{VERSION}/{PHONE_NUMBER_ID}/messages",
        json=body,
        headers={"Authorization": "Bearer any-token"},
        timeout=10,
    )


def send_error(client: GraphClient, payload: dict[str, Any]) -> GraphAPIError:
    with pytest.raises(GraphAPIError) as raised:
        client.send_message(PHONE_NUMBER_ID, payload)
    return raised.value


def statuses_of(receiver: WebhookReceiver, message_id: str, count: int) -> list[dict[str, Any]]:
    """The first `count` statuses received for the message, waiting for them."""

    def received(r: WebhookReceiver) -> list[dict[str, Any]]:
        found = [s for s in r.statuses() if s["id"] == message_id]
        return found[:count] if len(found) >= count else []

    return receiver.wait_for(received)


# The answer


def test_a_text_send_answers_the_contact_and_a_wamid(simulator: RunningSimulator) -> None:  # noqa: F811
    customer_writes(simulator)

    answer = raw_send(simulator, {"messaging_product": "whatsapp", **text(to="+" + CUSTOMER)})

    assert answer.status_code == 200
    wamid = answer.json()["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    assert answer.json() == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+" + CUSTOMER, "wa_id": CUSTOMER}],
        "messages": [{"id": wamid}],
    }


def test_send_message_returns_a_send_result(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    customer_writes(simulator)

    result = client.send_message(PHONE_NUMBER_ID, text(to="+" + CUSTOMER))

    assert (result.wa_id, result.input, result.message_status) == (CUSTOMER, "+" + CUSTOMER, None)
    assert result.message_id.startswith("wamid.")


def test_a_template_send_is_accepted_with_a_message_status(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    sim_post(simulator, "/_sim/templates", ORDER_SHIPPED)

    result = client.send_message(PHONE_NUMBER_ID, order_shipped_send())

    assert result.message_status == "accepted"


def test_the_record_lists_what_the_business_sent_with_its_statuses(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    customer_writes(simulator)
    result = client.send_message(PHONE_NUMBER_ID, text("Green it is."))
    statuses_of(receiver, result.message_id, 3)

    listed = httpx.get(f"{simulator.url}/_sim/messages", params={"wa_id": CUSTOMER}, timeout=10).json()["data"]

    [sent] = listed
    assert sent["id"] == result.message_id
    assert sent["request"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **text("Green it is."),
    }
    assert [s["status"] for s in sent["statuses"]] == ["sent", "delivered", "read"]
    assert {s["webhook_status"] for s in sent["statuses"]} == {200}
    assert (sent["status"], sent["preview"]["text"]) == ("read", "Green it is.")


# Status webhooks


def test_statuses_come_sent_delivered_read_signed_with_callback_data_and_pmp_pricing(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    simulator.clock.offset = BEFORE_SERVICE_CHARGED - time.time()
    customer_writes(simulator)

    result = client.send_message(PHONE_NUMBER_ID, text(biz_opaque_callback_data="ticket-42"))

    statuses = statuses_of(receiver, result.message_id, 3)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    service = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
    assert [s.get("pricing") for s in statuses] == [service, service, None]
    for status in statuses:
        assert status["recipient_id"] == CUSTOMER
        assert status["biz_opaque_callback_data"] == "ticket-42"
        assert status["timestamp"].isdigit()
        assert "conversation" not in status  # webhooks v24+
    requests = [r for r in receiver.received() if b'"statuses"' in r.body]
    assert all(signature_matches(r.body, r.header("X-Hub-Signature-256"), [SIMULATOR_APP_SECRET]) for r in requests)
    value = json.loads(requests[0].body)["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == PHONE_NUMBER_ID


def test_statuses_stop_at_delivered_when_the_customer_does_not_read(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/config", {"statuses": {"read": False}})
    customer_writes(simulator)

    result = client.send_message(PHONE_NUMBER_ID, text())

    statuses_of(receiver, result.message_id, 2)
    time.sleep(0.1)
    assert [s["status"] for s in receiver.statuses() if s["id"] == result.message_id] == ["sent", "delivered"]


def test_from_october_2026_service_messages_are_charged(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    simulator.clock.offset = AFTER_SERVICE_CHARGED - time.time()
    customer_writes(simulator)

    result = client.send_message(PHONE_NUMBER_ID, text())

    sent = statuses_of(receiver, result.message_id, 1)[0]
    assert sent["pricing"] == {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "service"}


def test_a_message_read_on_arrival_skips_delivered_and_read_carries_the_pricing(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/config", {"statuses": {"delivered": False}})
    customer_writes(simulator)

    result = client.send_message(PHONE_NUMBER_ID, text())

    sent, read = statuses_of(receiver, result.message_id, 2)
    assert (sent["status"], read["status"]) == ("sent", "read")
    assert sent["pricing"] == read["pricing"]


# Sent on 15 Sep 2026 or 15 Oct 2026: either side of the day service and in-window utility became charged.
BEFORE_SERVICE_CHARGED = datetime(2026, 9, 15, 12, tzinfo=UTC).timestamp()
AFTER_SERVICE_CHARGED = datetime(2026, 10, 15, 12, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("sent", "pricing_type"),
    [
        (("UTILITY", "inside the window", BEFORE_SERVICE_CHARGED), "free_customer_service"),
        (("UTILITY", "outside the window", BEFORE_SERVICE_CHARGED), "regular"),
        (("MARKETING", "inside the window", BEFORE_SERVICE_CHARGED), "regular"),
        (("UTILITY", "inside the window", AFTER_SERVICE_CHARGED), "regular"),
        (("MARKETING", "inside the window", AFTER_SERVICE_CHARGED), "regular"),
    ],
)
def test_templates_are_priced_by_category_window_and_date(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
    sent: tuple[str, str, float],
    pricing_type: str,
) -> None:
    category, window, at = sent
    simulator.clock.offset = at - time.time()
    sim_post(simulator, "/_sim/templates", {**ORDER_SHIPPED, "category": category})
    if window == "inside the window":
        customer_writes(simulator)

    result = client.send_message(PHONE_NUMBER_ID, order_shipped_send())

    status = statuses_of(receiver, result.message_id, 1)[0]
    assert status["status"] == "sent"
    assert status["pricing"] == {
        "billable": pricing_type == "regular",
        "pricing_model": "PMP",
        "type": pricing_type,
        "category": category.lower(),
    }


# The customer service window: 131047


def test_a_text_outside_the_window_is_accepted_then_fails_with_131047(
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    result = client.send_message(PHONE_NUMBER_ID, text(biz_opaque_callback_data="ticket-7"))

    [failed] = statuses_of(receiver, result.message_id, 1)
    assert failed["status"] == "failed"
    assert failed["recipient_id"] == CUSTOMER
    assert failed["biz_opaque_callback_data"] == "ticket-7"
    assert "pricing" not in failed
    assert failed["errors"] == [
        {
            "code": 131047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {
                "details": "Message failed to send because more than 24 hours have passed since the customer last "
                "replied to this number."
            },
            "href": ERRORS_HREF,
        }
    ]
    [request] = [r for r in receiver.received() if b'"failed"' in r.body]
    assert signature_matches(request.body, request.header("X-Hub-Signature-256"), [SIMULATOR_APP_SECRET])


def test_the_window_closes_24_hours_after_the_customers_last_message(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    sim_post(simulator, "/_sim/config", {"closed_window": "sync"})
    customer_writes(simulator)
    simulator.clock.advance(DAY - 2)
    client.send_message(PHONE_NUMBER_ID, text())

    simulator.clock.advance(2)
    error = send_error(client, text())

    assert (error.http_status, error.code, error.retry, error.retryable) == (400, 131047, "never", False)
    assert error.message == "(#131047) Re-engagement message"
    assert error.human_message == (
        "More than 24 hours have passed since the customer last wrote; send an approved template instead."
    )


def test_a_template_may_be_sent_outside_the_window(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/templates", ORDER_SHIPPED)

    result = client.send_message(PHONE_NUMBER_ID, order_shipped_send())

    assert [s["status"] for s in statuses_of(receiver, result.message_id, 3)] == ["sent", "delivered", "read"]


# Not on WhatsApp: 131026


def test_a_recipient_not_on_whatsapp_is_accepted_then_fails_with_131026(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/not_on_whatsapp", {"wa_ids": ["15550001234"]})
    sim_post(simulator, "/_sim/templates", ORDER_SHIPPED)

    result = client.send_message(PHONE_NUMBER_ID, {**order_shipped_send(), "to": "+15550001234"})

    [failed] = statuses_of(receiver, result.message_id, 1)
    assert failed["status"] == "failed"
    assert failed["errors"][0]["code"] == 131026
    assert failed["errors"][0]["title"] == "Message undeliverable"
    assert set(failed["errors"][0]) == {"code", "title", "message", "error_data", "href"}


# Rate limits: 130429 and 131056


def test_more_than_the_numbers_throughput_in_one_second_is_130429(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    sim_post(simulator, f"/_sim/numbers/{PHONE_NUMBER_ID}", {"throughput_mps": 5})
    simulator.clock.freeze()
    for index in range(5):
        client.send_message(PHONE_NUMBER_ID, text(to=f"1555000{index:04d}"))

    error = send_error(client, text(to="15550009999"))

    assert (error.http_status, error.code, error.retry, error.retryable) == (400, 130429, "backoff", True)
    assert error.message == "(#130429) Rate limit hit"
    assert error.human_message == (
        "This number is sending faster than WhatsApp allows; the message will be retried in a moment."
    )
    simulator.clock.advance(1)
    client.send_message(PHONE_NUMBER_ID, text(to="15550009999"))


def test_the_default_throughput_is_80_messages_a_second(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    simulator.clock.freeze()
    for index in range(80):
        client.send_message(PHONE_NUMBER_ID, text(to=f"1555000{index:04d}"))

    assert send_error(client, text(to="15550009999")).code == 130429
    # Another number has its own budget.
    assert client.send_message("106540352242923", text(to="15550009999")).message_id


def test_more_than_45_messages_to_one_customer_in_6_seconds_is_131056(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    customer_writes(simulator)
    simulator.clock.freeze()
    for _ in range(45):
        client.send_message(PHONE_NUMBER_ID, text())

    error = send_error(client, text())

    assert (error.http_status, error.code, error.retry, error.retryable) == (400, 131056, "wait", False)
    assert error.message == "(#131056) (Business Account, Consumer Account) pair rate limit hit"
    assert error.human_message == (
        "Too many messages to this customer in a short time; wait a little before sending the next one."
    )
    client.send_message(PHONE_NUMBER_ID, text(to="15550009999"))  # another customer is fine
    simulator.clock.advance(6)
    client.send_message(PHONE_NUMBER_ID, text())


# Templates: 132001, 132015, 132016, 132000


@pytest.mark.parametrize(
    ("registered", "template", "expected"),
    [
        ({}, {"name": "no_such_template"}, (132001, 404, "never")),
        ({}, {"language": {"code": "de"}}, (132001, 404, "never")),
        ({"status": "PENDING"}, {}, (132001, 404, "never")),
        ({"status": "REJECTED"}, {}, (132001, 404, "never")),
        ({"status": "PAUSED"}, {}, (132015, 400, "wait")),
        ({"status": "DISABLED"}, {}, (132016, 400, "never")),
    ],
)
def test_a_template_that_cannot_be_sent_says_why(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    registered: dict[str, Any],
    template: dict[str, Any],
    expected: tuple[int, int, str],
) -> None:
    sim_post(simulator, "/_sim/templates", {**ORDER_SHIPPED, **registered})
    payload = order_shipped_send()
    payload["template"].update(template)

    error = send_error(client, payload)

    assert (error.code, error.http_status, error.retry) == expected
    assert error.message.startswith(f"(#{expected[0]}) ")
    assert error.human_message.endswith(".")


def test_an_unknown_template_is_named_in_the_details(client: GraphClient) -> None:
    error = send_error(client, order_shipped_send())

    assert error.message == "(#132001) Template name does not exist in the translation"
    assert error.details == "template name (order_shipped) does not exist in en_US"
    assert error.human_message == "This template does not exist in that language, or is not approved yet."


def test_a_body_parameter_count_mismatch_is_132000(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    sim_post(simulator, "/_sim/templates", ORDER_SHIPPED)

    error = send_error(client, order_shipped_send(body_parameters=1))

    assert (error.code, error.http_status, error.retry) == (132000, 400, "never")
    assert error.details == "body: number of localizable_params (1) does not match the expected number of params (2)"
    assert error.human_message == "The number of values filled into the template does not match the approved template."


def test_a_missing_url_button_parameter_is_131008(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    sim_post(simulator, "/_sim/templates", ORDER_SHIPPED)
    payload = order_shipped_send()
    payload["template"]["components"].pop()

    error = send_error(client, payload)

    assert error.code == 131008
    assert "Button at index 1" in error.details


def test_named_parameters_are_matched_by_name(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    sim_post(
        simulator,
        "/_sim/templates",
        {
            "name": "welcome",
            "language": "en",
            "category": "MARKETING",
            "parameter_format": "NAMED",
            "components": [{"type": "BODY", "text": "Thank you, {{first_name}}! Order {{order_no}}."}],
        },
    )

    def send(*names: str) -> None:
        parameters = [{"type": "text", "parameter_name": n, "text": "x"} for n in names]
        client.send_message(
            PHONE_NUMBER_ID,
            {
                "to": CUSTOMER,
                "type": "template",
                "template": {
                    "name": "welcome",
                    "language": {"code": "en"},
                    "components": [{"type": "body", "parameters": parameters}],
                },
            },
        )

    send("order_no", "first_name")
    with pytest.raises(GraphAPIError) as raised:
        send("first_name", "last_name")
    assert raised.value.code == 132000


def test_template_registration_is_checked(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.post(f"{simulator.url}/_sim/templates", json={**ORDER_SHIPPED, "name": "Order Shipped"}, timeout=10)

    assert answer.status_code == 400
    assert "'name'" in answer.json()["error"]["message"]


# The shape of a send


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"to": CUSTOMER, "type": "text", "text": {"body": "hi"}}, 100),
        ({"messaging_product": "sms", "to": CUSTOMER, "type": "text", "text": {"body": "hi"}}, 100),
    ],
)
def test_messaging_product_is_required(simulator: RunningSimulator, body: dict[str, Any], code: int) -> None:  # noqa: F811
    answer = raw_send(simulator, body)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert "messaging_product" in answer.json()["error"]["message"]


BAD_SENDS = [
    pytest.param({"type": "text", "text": {"body": "hi"}}, 100, id="no-to"),
    pytest.param(text(to="+1 650 555 1234"), 100, id="to-not-digits"),
    pytest.param({"to": CUSTOMER, "type": "poll"}, 100, id="unknown-type"),
    pytest.param({"to": CUSTOMER, "type": "text"}, 131008, id="no-text-object"),
    pytest.param({"to": CUSTOMER, "type": "text", "text": {}}, 131008, id="no-body"),
    pytest.param(text("x" * 4097), 100, id="body-too-long"),
    pytest.param({"to": CUSTOMER, "type": "image", "image": {}}, 131008, id="image-without-id-or-link"),
    pytest.param({"to": CUSTOMER, "type": "image", "image": {"id": "1234567890"}}, 131009, id="unknown-media-id"),
    pytest.param({"to": CUSTOMER, "type": "image", "image": {"link": "ftp://x/a.jpg"}}, 131009, id="bad-link"),
    pytest.param(
        {"to": CUSTOMER, "type": "image", "image": {"link": "https://x/a.jpg", "caption": "c" * 1025}},
        100,
        id="caption-too-long",
    ),
    pytest.param(
        {"to": CUSTOMER, "type": "audio", "audio": {"link": "https://x/a", "caption": "c"}}, 131009, id="audio-caption"
    ),
    pytest.param({"to": CUSTOMER, "type": "location", "location": {"latitude": 1}}, 131008, id="no-longitude"),
    pytest.param({"to": CUSTOMER, "type": "contacts", "contacts": [{"name": {}}]}, 131008, id="contact-without-name"),
    pytest.param({"to": CUSTOMER, "type": "reaction", "reaction": {"emoji": "👍"}}, 131008, id="reaction-no-message"),
    pytest.param(
        {"to": CUSTOMER, "type": "reaction", "reaction": {"message_id": "wamid.UNKNOWN", "emoji": "👍"}},
        131009,
        id="reaction-unknown-message",
    ),
    pytest.param({"to": CUSTOMER, "type": "template", "template": {"language": {"code": "en"}}}, 131008, id="no-name"),
    pytest.param(
        {"to": CUSTOMER, "type": "template", "template": {"name": "x", "language": "en"}}, 131008, id="no-language-code"
    ),
    pytest.param({**text(), "context": {}}, 131008, id="context-without-message-id"),
]


def interactive_buttons(*titles: str) -> dict[str, Any]:
    buttons = [{"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)]
    return {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "Reschedule?"}, "action": {"buttons": buttons}},
    }


def interactive_list(rows: int) -> dict[str, Any]:
    section = {"title": "Shipping", "rows": [{"id": f"r{i}", "title": f"Row {i}"} for i in range(rows)]}
    return {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Which option?"},
            "action": {"button": "Options", "sections": [section]},
        },
    }


BAD_SENDS += [
    pytest.param(interactive_buttons("a", "b", "c", "d"), 131009, id="four-buttons"),
    pytest.param(interactive_buttons("x" * 21), 131009, id="button-title-too-long"),
    pytest.param(interactive_buttons("Same", "Same"), 131009, id="duplicate-titles"),
    pytest.param(interactive_list(11), 131009, id="eleven-rows"),
    pytest.param({"to": CUSTOMER, "type": "interactive", "interactive": {"type": "carousel"}}, 131009, id="unknown"),
]


@pytest.mark.parametrize(("payload", "code"), BAD_SENDS)
def test_a_malformed_send_is_refused_with_meta_s_code(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    payload: dict[str, Any],
    code: int,
) -> None:
    customer_writes(simulator)

    error = send_error(client, payload)

    assert (error.http_status, error.code, error.retry) == (400, code, "never")
    assert error.message.startswith(f"(#{code}) ")
    assert error.details
    listed = httpx.get(f"{simulator.url}/_sim/messages", timeout=10).json()["data"]
    assert listed == []


def test_well_formed_sends_of_every_kind_are_accepted(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    inbound_id = customer_writes(simulator)
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="a.jpg")
    payloads: list[dict[str, Any]] = [
        text("x" * 4096, context={"message_id": inbound_id}),
        {"to": CUSTOMER, "type": "image", "image": {"id": media_id, "caption": "c" * 1024}},
        {"to": CUSTOMER, "type": "document", "document": {"link": "https://x.com/inv.pdf", "filename": "inv.pdf"}},
        {"to": CUSTOMER, "type": "sticker", "sticker": {"link": "https://x.com/s.webp"}},
        {"to": CUSTOMER, "type": "location", "location": {"latitude": 37.46, "longitude": -122.21, "name": "HQ"}},
        {"to": CUSTOMER, "type": "contacts", "contacts": [{"name": {"formatted_name": "Chandler Bing"}}]},
        {"to": CUSTOMER, "type": "reaction", "reaction": {"message_id": inbound_id, "emoji": "👍"}},
        interactive_buttons("Change", "Cancel", "x" * 20),
        interactive_list(10),
        {"to": CUSTOMER, "text": {"body": "type defaults to text"}},
    ]

    for payload in payloads:
        assert client.send_message(PHONE_NUMBER_ID, payload).message_id.startswith("wamid.")


def test_a_business_scoped_user_id_may_stand_for_the_number(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    customer_writes(simulator, user_id="US.13491208655302741918")

    result = client.send_message(
        PHONE_NUMBER_ID, {"recipient": "US.13491208655302741918", "type": "text", "text": {"body": "hi"}}
    )

    assert (result.input, result.wa_id) == ("US.13491208655302741918", CUSTOMER)


def test_a_rejected_token_is_error_190(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    simulator.config.accepted_tokens = {"the-only-good-token"}

    error = send_error(client, text())

    assert (error.http_status, error.code, error.retry) == (401, 190, "admin")
    assert error.human_message == (
        "This number's access token has expired or was revoked; an admin must reconnect the number."
    )


# Mark as read and typing


def test_mark_read_marks_the_customers_messages_read(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    first = customer_writes(simulator, "Hello?")
    second = customer_writes(simulator, "Anyone there?")

    client.mark_read(PHONE_NUMBER_ID, second)

    listed = httpx.get(f"{simulator.url}/_sim/messages", params={"direction": "inbound"}, timeout=10).json()
    assert {m["id"]: m["read"] for m in listed["data"]} == {first: True, second: True}
    assert listed["typing"] is False


def test_the_typing_indicator_shows_until_the_business_replies(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    message_id = customer_writes(simulator)

    client.mark_read(PHONE_NUMBER_ID, message_id, typing=True)
    typing = httpx.get(f"{simulator.url}/_sim/messages", params={"wa_id": CUSTOMER}, timeout=10).json()["typing"]
    client.send_message(PHONE_NUMBER_ID, text())
    after_reply = httpx.get(f"{simulator.url}/_sim/messages", params={"wa_id": CUSTOMER}, timeout=10).json()["typing"]

    assert (typing, after_reply) == (True, False)


def test_mark_read_of_an_unknown_message_is_131009(client: GraphClient) -> None:
    with pytest.raises(GraphAPIError) as raised:
        client.mark_read(PHONE_NUMBER_ID, "wamid.UNKNOWN")

    assert (raised.value.http_status, raised.value.code, raised.value.retry) == (400, 131009, "never")


def test_mark_read_answers_success_true(simulator: RunningSimulator) -> None:  # noqa: F811
    message_id = customer_writes(simulator)

    answer = raw_send(simulator, {"messaging_product": "whatsapp", "status": "read", "message_id": message_id})

    assert (answer.status_code, answer.json()) == (200, {"success": True})


# Faults


def add_fault(running: RunningSimulator, **fault: Any) -> None:
    sim_post(running, "/_sim/faults", fault)


def test_an_error_fault_hits_count_requests_then_clears(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    customer_writes(simulator)
    add_fault(simulator, error_rate=1, error_code=131000, count=2)

    errors = [send_error(client, text()) for _ in range(2)]
    result = client.send_message(PHONE_NUMBER_ID, text())

    assert [(e.http_status, e.code, e.retryable) for e in errors] == [(500, 131000, True)] * 2
    assert errors[0].human_message == "Something went wrong at WhatsApp; it will be retried a few times."
    assert result.message_id
    assert httpx.get(f"{simulator.url}/_sim/faults", timeout=10).json() == {"data": []}


@pytest.mark.parametrize(("code", "retry"), [(130429, "backoff"), (131056, "wait")])
def test_a_fault_may_answer_a_rate_limit_code(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    code: int,
    retry: str,
) -> None:
    add_fault(simulator, error_code=code, count=1)

    error = send_error(client, text())

    assert (error.http_status, error.code, error.retry) == (400, code, retry)


def test_a_5xx_fault_answers_a_proxy_page_that_is_retryable(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    add_fault(simulator, http_status=502)

    error = send_error(client, text())

    assert (error.http_status, error.code, error.retryable) == (502, None, True)
    assert "502 Bad Gateway" in error.message


def test_a_timeout_fault_holds_the_request_until_the_client_gives_up(simulator: RunningSimulator) -> None:  # noqa: F811
    add_fault(simulator, timeout=5)
    started = time.monotonic()

    with (
        GraphClient(base_url=simulator.url, version=VERSION, access_token="t", timeout=0.3) as client,
        pytest.raises(GraphTransportError) as raised,
    ):
        client.send_message(PHONE_NUMBER_ID, text())

    assert raised.value.retryable
    assert "timed out" in str(raised.value)
    assert time.monotonic() - started < 2


def test_a_timeout_fault_drops_the_connection_after_its_time(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    add_fault(simulator, timeout=0.2)

    with pytest.raises(GraphTransportError) as raised:
        client.send_message(PHONE_NUMBER_ID, text())

    assert "connection failed" in str(raised.value)


def test_a_latency_fault_delays_the_answer(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    customer_writes(simulator)
    add_fault(simulator, latency_seconds=0.3, count=1)
    started = time.monotonic()

    client.send_message(PHONE_NUMBER_ID, text())

    assert time.monotonic() - started >= 0.3


def test_a_seeded_fault_fails_the_same_requests_every_time(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    customer_writes(simulator)

    def outcomes() -> list[bool]:
        httpx.delete(f"{simulator.url}/_sim/faults", timeout=10)
        add_fault(simulator, error_rate=0.5, error_code=131000, seed=7)
        results = []
        for _ in range(12):
            try:
                client.send_message(PHONE_NUMBER_ID, text())
                results.append(True)
            except GraphAPIError:
                results.append(False)
        return results

    first = outcomes()

    assert outcomes() == first
    assert True in first
    assert False in first


def test_faults_reach_every_graph_endpoint_only_when_scoped_so(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="a.jpg")
    add_fault(simulator, error_code=131016)
    assert client.get_media(media_id).id == media_id  # the messages endpoint only

    httpx.delete(f"{simulator.url}/_sim/faults", timeout=10)
    add_fault(simulator, scope="graph", error_code=131016)

    with pytest.raises(GraphAPIError) as raised:
        client.get_media(media_id)
    assert (raised.value.code, raised.value.retryable) == (131016, True)


def test_a_fault_scoped_to_a_number_leaves_other_numbers_alone(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    customer_writes(simulator)
    add_fault(simulator, error_code=130429, phone_number_id="100000000000999")

    assert client.send_message(PHONE_NUMBER_ID, text()).message_id  # another number: untouched
    assert (
        httpx.get(f"{simulator.url}/_sim/faults", timeout=10).json()["data"][0]["phone_number_id"] == "100000000000999"
    )
    httpx.delete(f"{simulator.url}/_sim/faults", timeout=10)
    add_fault(simulator, error_code=130429, phone_number_id=PHONE_NUMBER_ID)

    assert send_error(client, text()).code == 130429
    assert httpx.get(f"{simulator.url}/_sim/faults", timeout=10).json()["data"][0]["hits"] == 1


def test_bad_fault_settings_are_refused(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.post(f"{simulator.url}/_sim/faults", json={"http_status": 404}, timeout=10)
    not_a_number = httpx.post(
        f"{simulator.url}/_sim/faults", json={"http_status": 503, "phone_number_id": "a/b"}, timeout=10
    )

    assert (answer.status_code, not_a_number.status_code) == (400, 400)
    assert httpx.get(f"{simulator.url}/_sim/faults", timeout=10).json() == {"data": []}


# The customer's phone


def test_the_customer_page_shows_the_conversation(simulator: RunningSimulator) -> None:  # noqa: F811
    page = httpx.get(f"{simulator.url}/", timeout=10).text

    assert "/_sim/messages" in page
    assert "direction=all" in page


def test_the_conversation_offers_the_replies_of_reply_buttons(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    customer_writes(simulator)
    result = client.send_message(PHONE_NUMBER_ID, interactive_buttons("Change", "Cancel"))

    listed = httpx.get(
        f"{simulator.url}/_sim/messages", params={"wa_id": CUSTOMER, "direction": "all"}, timeout=10
    ).json()["data"]

    assert [item["direction"] for item in listed] == ["inbound", "outbound"]
    choice = listed[1]["preview"]["choices"][0]
    assert choice["label"] == "Change"
    assert choice["message"]["context"]["id"] == result.message_id
    assert choice["message"]["interactive"]["button_reply"] == {"id": "b0", "title": "Change"}
