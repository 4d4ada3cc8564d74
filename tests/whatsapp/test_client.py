"""The Graph API client against the simulator (and a few misbehaving servers), over real HTTP."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from devstack.embedded import free_port
from tests.whatsapp.simulator_fixtures import RunningSimulator, serve_asgi, simulator  # noqa: F401
from whatsapp.client import (
    ERROR_CODES,
    GraphAPIError,
    GraphClient,
    GraphTransportError,
    MediaTooLargeError,
    MediaURLExpiredError,
    SendResult,
)

VERSION = "v25.0"
TOKEN = "EAAG-test-token"
PHONE_NUMBER_ID = "106540352242922"
JPEG = b"\xff\xd8\xff\xe0" + b"pretend this is a photo" * 100


def client_for(running: RunningSimulator, *, access_token: str = TOKEN) -> GraphClient:
    return GraphClient(base_url=running.url, version=VERSION, access_token=access_token)


@pytest.fixture
def client(simulator: RunningSimulator) -> Iterator[GraphClient]:  # noqa: F811
    with client_for(simulator) as graph_client:
        yield graph_client


def test_upload_then_download_returns_the_same_bytes(client: GraphClient) -> None:
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="photo.jpg")

    info = client.get_media(media_id)
    content = client.download_media(info.url, max_bytes=1024 * 1024)

    assert media_id.isdigit()
    assert (info.id, info.mime_type, info.file_size) == (media_id, "image/jpeg", len(JPEG))
    assert content == JPEG
    assert info.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert info.sha256_matches(content)


def test_media_is_restricted_to_the_number_given(client: GraphClient) -> None:
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="photo.jpg")

    assert client.get_media(media_id, phone_number_id=PHONE_NUMBER_ID).id == media_id
    with pytest.raises(GraphAPIError) as raised:
        client.get_media(media_id, phone_number_id="999")
    assert raised.value.code == 100


def test_deleted_media_is_gone(client: GraphClient) -> None:
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="photo.jpg")

    client.delete_media(media_id)

    with pytest.raises(GraphAPIError) as raised:
        client.get_media(media_id)
    assert raised.value.code == 100


def test_download_without_a_token_is_refused(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="photo.jpg")
    url = client.get_media(media_id).url

    with client_for(simulator, access_token="") as anonymous, pytest.raises(GraphAPIError) as raised:
        anonymous.download_media(url, max_bytes=1024 * 1024)

    assert raised.value.http_status == 401
    assert raised.value.retry == "admin"
    assert not raised.value.retryable


def test_download_url_expires_after_five_minutes(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="photo.jpg")
    url = client.get_media(media_id).url

    simulator.clock.advance(5 * 60 + 1)

    with pytest.raises(MediaURLExpiredError) as raised:
        client.download_media(url, max_bytes=1024 * 1024)
    assert raised.value.http_status == 404
    assert raised.value.retryable  # with a fresh URL:
    assert client.download_media(client.get_media(media_id).url, max_bytes=1024 * 1024) == JPEG


def test_unknown_media_id_is_error_100_and_not_retryable(client: GraphClient) -> None:
    with pytest.raises(GraphAPIError) as raised:
        client.get_media("1234567890123456")

    error = raised.value
    assert (error.http_status, error.code, error.error_type) == (400, 100, "OAuthException")
    assert error.message.startswith("(#100) ")
    assert error.fbtrace_id
    assert error.retry == "never"
    assert not error.retryable


def test_rejected_token_is_error_190_needing_an_admin(simulator: RunningSimulator) -> None:  # noqa: F811
    simulator.config.accepted_tokens = {"the-only-good-token"}

    with client_for(simulator, access_token="revoked-token") as client, pytest.raises(GraphAPIError) as raised:
        client.get_media("1234567890123456")

    error = raised.value
    assert (error.http_status, error.code, error.retry) == (401, 190, "admin")
    assert not error.retryable
    assert "revoked-token" not in str(error)
    assert "revoked-token" not in repr(client)


def test_unsupported_upload_type_is_error_131053(client: GraphClient) -> None:
    with pytest.raises(GraphAPIError) as raised:
        client.upload_media(PHONE_NUMBER_ID, data=b"GIF89a...", mime_type="image/gif", filename="a.gif")

    assert raised.value.code == 131053
    assert "image/gif" in raised.value.details
    assert not raised.value.retryable


def test_download_larger_than_max_bytes_stops_with_a_typed_error(client: GraphClient) -> None:
    media_id = client.upload_media(PHONE_NUMBER_ID, data=JPEG, mime_type="image/jpeg", filename="photo.jpg")

    with pytest.raises(MediaTooLargeError) as raised:
        client.download_media(client.get_media(media_id).url, max_bytes=len(JPEG) - 1)

    assert raised.value.max_bytes == len(JPEG) - 1
    assert not raised.value.retryable


def test_connection_refused_is_a_retryable_transport_error() -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    with (
        GraphClient(base_url=base_url, version=VERSION, access_token=TOKEN) as client,
        pytest.raises(GraphTransportError) as raised,
    ):
        client.get_media("1")

    assert raised.value.retryable
    assert raised.value.http_status is None
    assert TOKEN not in str(raised.value)


def test_a_server_that_never_answers_times_out_as_a_retryable_transport_error() -> None:
    # The kernel completes the connection from the backlog; nobody ever reads or answers.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        transport = httpx.HTTPTransport(retries=0)
        with (
            GraphClient(
                base_url=f"http://127.0.0.1:{port}",
                version=VERSION,
                access_token=TOKEN,
                timeout=0.2,
                transport=transport,
            ) as client,
            pytest.raises(GraphTransportError) as raised,
        ):
            client.get_media("1")

    assert raised.value.retryable
    assert "timed out" in str(raised.value)


def graph_stub(status: int, body: Any) -> Starlette:
    """A server answering every request with `body` (JSON, or text when a string) and `status`."""

    async def answer(request: Request) -> Response:
        if isinstance(body, str):
            return PlainTextResponse(body, status_code=status, media_type="text/html")
        return JSONResponse(body, status_code=status)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "DELETE"])])


def error_from(status: int, body: Any) -> GraphAPIError:
    with (
        serve_asgi(graph_stub(status, body)) as url,
        GraphClient(base_url=url, version=VERSION, access_token=TOKEN) as client,
        pytest.raises(GraphAPIError) as raised,
    ):
        client.get_media("1")
    return raised.value


def envelope(code: int, **extra: Any) -> dict[str, Any]:
    return {
        "error": {
            "message": f"(#{code}) Something",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": "The details."},
            "fbtrace_id": "AbCdEf123",
            **extra,
        }
    }


def test_a_proxys_html_502_is_a_retryable_graph_error() -> None:
    error = error_from(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")

    assert error.http_status == 502
    assert error.code is None
    assert error.retryable
    assert "502 Bad Gateway" in error.message


def test_the_envelope_is_read_field_by_field() -> None:
    error = error_from(400, envelope(131009, error_subcode=2494010))

    assert (error.code, error.subcode, error.error_type) == (131009, 2494010, "OAuthException")
    assert (error.details, error.fbtrace_id, error.message) == ("The details.", "AbCdEf123", "(#131009) Something")


@pytest.mark.parametrize(
    ("code", "retry", "human_message"),
    [
        (
            131047,
            "never",
            "More than 24 hours have passed since the customer last wrote; send an approved template instead.",
        ),
        (
            130429,
            "backoff",
            "This number is sending faster than WhatsApp allows; the message will be retried in a moment.",
        ),
        (
            131026,
            "never",
            "WhatsApp could not deliver this message: the number may not be on WhatsApp, use an old app version, "
            "or have blocked this business.",
        ),
        (
            131056,
            "wait",
            "Too many messages to this customer in a short time; wait a little before sending the next one.",
        ),
        (
            132000,
            "never",
            "The number of values filled into the template does not match the approved template.",
        ),
        (132001, "never", "This template does not exist in that language, or is not approved yet."),
        (
            132015,
            "wait",
            "WhatsApp paused this template for low quality; wait until it is unpaused, or use another template.",
        ),
        (132016, "never", "WhatsApp disabled this template permanently; create a new template instead."),
        (190, "admin", "This number's access token has expired or was revoked; an admin must reconnect the number."),
        (
            131049,
            "wait",
            "WhatsApp limited the marketing messages this customer receives; wait at least 24 hours before trying "
            "again.",
        ),
        (
            131050,
            "never",
            "The customer has turned off marketing messages from this business; do not send them marketing.",
        ),
        (131000, "backoff", "Something went wrong at WhatsApp; it will be retried a few times."),
    ],
)
def test_known_codes_say_what_happened_in_words_an_agent_understands(code: int, retry: str, human_message: str) -> None:
    error = error_from(400, envelope(code))

    assert error.human_message == human_message
    assert error.retry == retry
    assert error.retryable is (retry == "backoff")


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (500, True), (503, True)])
def test_unknown_codes_are_retryable_on_server_errors_only(status: int, retryable: bool) -> None:
    error = error_from(status, envelope(987654))

    assert error.retryable is retryable


def test_every_catalogued_code_has_a_retry_class_and_a_sentence() -> None:
    for code, info in ERROR_CODES.items():
        assert info.retry in {"never", "backoff", "wait", "admin"}, code
        assert info.human_message.endswith("."), code


def test_errors_survive_pickling_for_celery() -> None:
    error = error_from(400, envelope(131047))

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301

    assert type(copy) is GraphAPIError
    assert (copy.code, copy.retry, copy.human_message, str(copy)) == (131047, "never", error.human_message, str(error))
    assert pickle.loads(pickle.dumps(MediaTooLargeError(max_bytes=5 * 1024 * 1024))).max_bytes == 5 * 1024 * 1024  # noqa: S301


# Sending (whatsapp-cloud-api.md §4)


def test_send_message_fills_in_messaging_product_and_recipient_type(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    result = client.send_message(PHONE_NUMBER_ID, {"to": "+16505551234", "type": "text", "text": {"body": "Hi"}})

    [sent] = httpx.get(f"{simulator.url}/_sim/messages", timeout=10).json()["data"]
    assert sent["id"] == result.message_id
    assert sent["request"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "text",
        "text": {"body": "Hi"},
    }
    assert result == SendResult(
        message_id=result.message_id, wa_id="16505551234", input="+16505551234", message_status=None
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.wa_id = "1"  # type: ignore[misc]


def test_mark_read_with_typing_shows_the_typing_indicator(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    inbound = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "from": "16505551234",
            "message": {"type": "text", "text": {"body": "?"}},
        },
        timeout=10,
    ).json()

    client.mark_read(PHONE_NUMBER_ID, inbound["id"], typing=True)

    listed = httpx.get(f"{simulator.url}/_sim/messages", params={"direction": "inbound"}, timeout=10).json()
    assert listed["data"][0]["read"] is True
    assert listed["typing"] is True


def test_a_send_answer_without_a_message_id_is_an_error() -> None:
    with (
        serve_asgi(graph_stub(200, {"messaging_product": "whatsapp", "contacts": []})) as url,
        GraphClient(base_url=url, version=VERSION, access_token=TOKEN) as client,
        pytest.raises(GraphAPIError) as raised,
    ):
        client.send_message(PHONE_NUMBER_ID, {"to": "1", "type": "text", "text": {"body": "Hi"}})

    assert "unexpected Graph API answer" in str(raised.value)
    assert not raised.value.retryable


def test_send_errors_are_not_retried_by_the_client(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    httpx.post(f"{simulator.url}/_sim/faults", json={"error_code": 131000, "count": 1}, timeout=10)

    with pytest.raises(GraphAPIError) as raised:
        client.send_message(PHONE_NUMBER_ID, {"to": "1", "type": "text", "text": {"body": "Hi"}})

    assert raised.value.retryable
    # The one failure was the only request: the next send goes through.
    assert client.send_message(PHONE_NUMBER_ID, {"to": "1", "type": "text", "text": {"body": "Hi"}}).message_id
