"""The webhook endpoint: Meta's handshake, and verification before anything is stored."""

import json

import pytest
from django.test import Client

from tests.whatsapp import payloads
from tests.whatsapp.conftest import WEBHOOK_URL, connect_number, post_webhook
from whatsapp.models import WebhookEvent, WebhookEventState

pytestmark = pytest.mark.django_db


def handshake(**params: str):
    return Client().get(WEBHOOK_URL, params)


def test_handshake_echoes_the_challenge_for_a_numbers_verify_token(number):
    response = handshake(
        **{"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ],
)
def test_handshake_refuses_anything_else(number, params):
    response = handshake(**params)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_app_wide_verify_token(settings, db):
    settings.WHATSAPP_VERIFY_TOKEN = "app-wide-token"
    response = handshake(**{"hub.mode": "subscribe", "hub.verify_token": "app-wide-token", "hub.challenge": "42"})
    assert response.content == b"42"


def test_signed_delivery_is_stored_and_answered(number):
    body = payloads.raw("text")
    response = post_webhook(body)
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.body.encode() == body
    assert event.phone_number_ids == [payloads.PHONE_NUMBER_ID]
    assert event.waba_ids == [payloads.WABA_ID]
    assert event.state == WebhookEventState.PENDING


def test_signature_is_over_the_exact_bytes_not_the_json(number):
    body = json.dumps(payloads.load("text"), indent=7).encode()  # other whitespace than any re-serialisation
    assert post_webhook(body).status_code == 200
    assert WebhookEvent.objects.get().body.encode() == body


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha256=" + "0" * 64,
        "sha1=abc",
        payloads.signed(b"other bytes", "dev-app-secret")["X-Hub-Signature-256"],
    ],
)
def test_wrong_or_missing_signature_is_403_and_nothing_is_stored(number, signature):
    response = post_webhook(payloads.raw("text"), signature=signature)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


def test_signed_with_another_secret_is_refused(number):
    assert post_webhook(payloads.raw("text"), secret="someone-elses-secret").status_code == 403
    assert not WebhookEvent.objects.exists()


def test_a_number_with_its_own_app_secret_verifies_with_it(world):
    connect_number(world, app_secret="number-own-secret")
    assert post_webhook(payloads.raw("text"), secret="number-own-secret").status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_non_json_is_400_and_nothing_stored(number):
    response = post_webhook(b"this is not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert not WebhookEvent.objects.exists()


def test_json_that_is_not_an_envelope_is_400(number):
    assert post_webhook(b"[1, 2, 3]").status_code == 400
    assert not WebhookEvent.objects.exists()


def test_unsigned_non_json_is_403_not_400(number):
    assert post_webhook(b"junk", signature="sha256=" + "1" * 64).status_code == 403


def test_body_over_8_mib_is_413_and_nothing_stored(number, settings):
    body = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    response = post_webhook(body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not WebhookEvent.objects.exists()


def test_a_batch_of_1000_messages_is_accepted_in_one_post(number):
    body = payloads.to_bytes(payloads.batch_of_text_messages(1000))
    assert len(body) > 1_000_000
    assert post_webhook(body).status_code == 200
    assert WebhookEvent.objects.get().body.encode() == body


def test_unknown_number_is_stored_for_later_when_signed_by_the_app(db):
    body = payloads.raw("unknown_phone_number_id")
    assert post_webhook(body).status_code == 200
    assert WebhookEvent.objects.get().phone_number_ids == [payloads.UNKNOWN_PHONE_NUMBER_ID]


def test_other_methods_are_refused(number):
    assert Client().put(WEBHOOK_URL, data=b"{}").status_code == 405
