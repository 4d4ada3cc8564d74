"""The Cloud API simulator over real HTTP: the customer's phone, webhook delivery, Graph's rules."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx

from tests.whatsapp.simulator_fixtures import (  # noqa: F401
    SIMULATOR_APP_SECRET,
    RunningSimulator,
    WebhookReceiver,
    simulator,
    webhook_receiver,
)
from whatsapp.client import GraphClient
from whatsapp.signatures import signature_matches

PHONE_NUMBER_ID = "106540352242922"
CUSTOMER = "16505551234"
PDF = b"%PDF-1.4 a receipt"


def send_inbound(running: RunningSimulator, message: dict[str, Any], **extra: Any) -> httpx.Response:
    body = {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "name": "Sheena Nelson", "message": message, **extra}
    return httpx.post(f"{running.url}/_sim/inbound", json=body, timeout=10)


def test_inbound_text_is_delivered_as_a_signed_webhook(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url

    answer = send_inbound(simulator, {"type": "text", "text": {"body": "Does it come in another color?"}})

    assert answer.status_code == 200
    assert answer.json()["webhook_status"] == 200
    [received] = webhook_receiver.requests
    assert (received.method, received.path) == ("POST", "/webhooks/whatsapp/")
    assert received.header("Content-Type") == "application/json"
    assert signature_matches(received.body, received.header("X-Hub-Signature-256"), [SIMULATOR_APP_SECRET])
    assert not signature_matches(received.body, received.header("X-Hub-Signature-256"), ["another-secret"])
    envelope = json.loads(received.body)
    message = envelope["entry"][0]["changes"][0]["value"]["messages"][0]
    assert envelope == {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": simulator.config.default_waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": simulator.config.default_display_phone_number,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER}],
                            "messages": [
                                {
                                    "from": CUSTOMER,
                                    "id": answer.json()["id"],
                                    "timestamp": message["timestamp"],
                                    "type": "text",
                                    "text": {"body": "Does it come in another color?"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    assert message["id"].startswith("wamid.")
    assert message["timestamp"] == str(int(simulator.clock()))


def test_inbound_keeps_the_given_id_timestamp_context_and_waba(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url
    message = {
        "id": "wamid.GIVEN",
        "timestamp": "1749416383",
        "context": {"from": "15550783881", "id": "wamid.BIZ"},
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "change-button", "title": "Change"}},
    }

    answer = send_inbound(simulator, message, waba_id="555", display_phone_number="15550001111")

    assert answer.json()["id"] == "wamid.GIVEN"
    value = json.loads(webhook_receiver.requests[0].body)["entry"][0]["changes"][0]["value"]
    assert json.loads(webhook_receiver.requests[0].body)["entry"][0]["id"] == "555"
    assert value["metadata"]["display_phone_number"] == "15550001111"
    assert value["messages"][0] == {**message, "from": CUSTOMER}
    assert simulator.state.last_customer_message_at(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER) == 1749416383


def test_inbound_media_data_becomes_media_the_client_can_download(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url
    document = {
        "data": base64.b64encode(PDF).decode(),
        "mime_type": "application/pdf",
        "filename": "receipt.pdf",
        "caption": "my receipt",
    }

    send_inbound(simulator, {"type": "document", "document": document})

    sent = json.loads(webhook_receiver.requests[0].body)["entry"][0]["changes"][0]["value"]["messages"][0]
    media = sent["document"]
    assert "data" not in media
    assert (media["filename"], media["caption"], media["mime_type"]) == ("receipt.pdf", "my receipt", "application/pdf")
    assert media["id"].isdigit()
    assert media["sha256"] == base64.b64encode(hashlib.sha256(PDF).digest()).decode()
    with GraphClient(base_url=simulator.url, version="v25.0", access_token="any-token") as client:
        content = client.download_media(client.get_media(media["id"]).url, max_bytes=1024)
    assert content == PDF
    assert base64.b64encode(hashlib.sha256(content).digest()).decode() == media["sha256"]


def test_inbound_media_may_reference_an_uploaded_id(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url
    with GraphClient(base_url=simulator.url, version="v25.0", access_token="any-token") as client:
        media_id = client.upload_media(PHONE_NUMBER_ID, data=b"OggS voice", mime_type="audio/ogg", filename="v.ogg")

    send_inbound(simulator, {"type": "audio", "audio": {"id": media_id, "voice": True}})

    sent = json.loads(webhook_receiver.requests[0].body)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert sent["audio"]["id"] == media_id
    assert sent["audio"]["voice"] is True
    assert sent["audio"]["mime_type"] == "audio/ogg"


def test_a_failed_delivery_is_retried_until_answered_200(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url
    webhook_receiver.answer_with(500, 503)

    answer = send_inbound(simulator, {"type": "text", "text": {"body": "hi"}})

    assert answer.json()["webhook_status"] == 200
    assert len(webhook_receiver.requests) == 3
    assert len({request.body for request in webhook_receiver.requests}) == 1


def test_a_receiver_that_never_answers_gives_a_null_status(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = send_inbound(simulator, {"type": "text", "text": {"body": "hi"}})

    assert answer.status_code == 200
    assert answer.json()["webhook_status"] is None
    assert simulator.state.deliveries[-1].statuses == [None, None, None, None]


def test_deliver_raw_sends_exactly_those_bytes(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url
    raw = '{"object":"whatsapp_business_account",  "entry":[] , "note":"caf\u00e9 \\u00e9"}'

    answer = httpx.post(f"{simulator.url}/_sim/deliver", json={"raw": raw}, timeout=10)

    assert answer.json()["webhook_status"] == 200
    [received] = webhook_receiver.requests
    assert received.body == raw.encode()
    assert signature_matches(received.body, received.header("X-Hub-Signature-256"), [SIMULATOR_APP_SECRET])


def test_deliver_payload_is_serialised_as_meta_does(
    simulator: RunningSimulator,  # noqa: F811
    webhook_receiver: WebhookReceiver,  # noqa: F811
) -> None:
    simulator.config.webhook_url = webhook_receiver.url
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [], "url": "https://x/y"}]}

    httpx.post(f"{simulator.url}/_sim/deliver", json={"payload": payload}, timeout=10)

    body = webhook_receiver.requests[0].body
    assert json.loads(body) == payload
    assert body == b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[],"url":"https:\\/\\/x\\/y"}]}'


def test_graph_calls_without_a_token_get_error_190(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.get(f"{simulator.url}/v25.0/123", timeout=10)

    assert answer.status_code == 401
    error = answer.json()["error"]
    assert (error["code"], error["type"]) == (190, "OAuthException")
    assert error["message"].startswith("(#190) ")
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert error["fbtrace_id"]


def test_upload_without_messaging_product_is_error_100(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.post(
        f"{simulator.url}/v25.0/{PHONE_NUMBER_ID}/media",
        headers={"Authorization": "Bearer any-token"},
        data={"type": "image/jpeg"},
        files={"file": ("a.jpg", b"\xff\xd8", "image/jpeg")},
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "(#100) The parameter messaging_product is required."


def test_upload_larger_than_the_type_allows_is_error_131053(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.post(
        f"{simulator.url}/v25.0/{PHONE_NUMBER_ID}/media",
        headers={"Authorization": "Bearer any-token"},
        data={"type": "image/webp", "messaging_product": "whatsapp"},
        files={"file": ("s.webp", b"RIFF....WEBPVP8 " + b"\0" * 101 * 1024, "image/webp")},
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 131053
    assert "too big" in answer.json()["error"]["error_data"]["details"]


def test_download_url_needs_the_bearer_token(simulator: RunningSimulator) -> None:  # noqa: F811
    with GraphClient(base_url=simulator.url, version="v25.0", access_token="any-token") as client:
        url = client.get_media(
            client.upload_media(PHONE_NUMBER_ID, data=PDF, mime_type="application/pdf", filename="r.pdf")
        ).url

    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer any-token"}, timeout=10).content == PDF


def test_a_path_that_is_not_a_versioned_graph_path_is_a_graph_error(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.get(f"{simulator.url}/latest/123", headers={"Authorization": "Bearer t"}, timeout=10)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("(#2500) Unknown path components")


def test_bad_inbound_requests_say_what_is_wrong(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = send_inbound(simulator, {"type": "image", "image": {"data": "not base64!", "mime_type": "image/jpeg"}})

    assert answer.status_code == 400
    assert "base64" in answer.json()["error"]["message"]
    assert simulator.state.deliveries == []


def test_the_customer_page_is_self_contained(simulator: RunningSimulator) -> None:  # noqa: F811
    page = httpx.get(f"{simulator.url}/", timeout=10)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/_sim/inbound" in page.text
    assert "<script src" not in page.text
    assert "<link" not in page.text
