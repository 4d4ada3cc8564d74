"""The webhook endpoint Meta calls: the verification handshake, and signed event delivery.

A delivery is verified, stored and answered; nothing else happens in the request.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.api.errors import json_error
from whatsapp import selectors
from whatsapp.payloads import named_phone_number_ids, named_waba_ids
from whatsapp.services.ingest import webhook_store
from whatsapp.signatures import HEADER, signature_matches


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify(request)
    return _receive(request)


def _verify(request: HttpRequest) -> HttpResponse:
    """Meta's handshake: echo hub.challenge when hub.verify_token is one we issued."""
    token = request.GET.get("hub.verify_token", "")
    if request.GET.get("hub.mode") == "subscribe" and token and selectors.verify_token_is_known(token):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponse("Verification failed.", status=403, content_type="text/plain")


class _Rejected(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.response = json_error(code, message, status)


def _receive(request: HttpRequest) -> HttpResponse:
    try:
        body = _read_body(request)
        text, envelope = _verified_envelope(body, request.headers.get(HEADER))
    except _Rejected as rejected:
        return rejected.response
    webhook_store(body=text, phone_number_ids=named_phone_number_ids(envelope), waba_ids=named_waba_ids(envelope))
    return JsonResponse({"status": "received"})


def _read_body(request: HttpRequest) -> bytes:
    limit: int = settings.WHATSAPP_WEBHOOK_MAX_BYTES
    too_large = _Rejected("payload_too_large", f"Webhook bodies are limited to {limit} bytes.", 413)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    # Read the stream ourselves: request.body would stop at Django's 2.5 MB form limit.
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def _verified_envelope(body: bytes, signature: str | None) -> tuple[str, dict[str, Any]]:
    """The body as text and as JSON, once its signature is checked over the exact bytes.

    The app-wide secret is tried first; a number with a secret of its own is found from the
    phone number ids (or account ids) the envelope names.
    """
    bad_signature = _Rejected("invalid_signature", "The X-Hub-Signature-256 header does not match the body.", 403)
    app_wide: str = settings.WHATSAPP_APP_SECRET
    signed_by_app = signature_matches(body, signature, [app_wide])
    try:
        envelope = json.loads(body)
        text = body.decode("utf-8")
    except ValueError:
        raise (_Rejected("invalid_json", "The body is not JSON.", 400) if signed_by_app else bad_signature) from None
    if not isinstance(envelope, dict):
        raise _Rejected("invalid_payload", "The body is not a webhook envelope (a JSON object).", 400)
    if not signed_by_app:
        own_secrets = selectors.app_secrets_for(
            phone_number_ids=named_phone_number_ids(envelope), waba_ids=named_waba_ids(envelope)
        )
        if not signature_matches(body, signature, own_secrets):
            raise bad_signature
    return text, envelope
