"""One error shape for the whole API: `{"error": {"code": "...", "message": "..."}}`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts import policy, security
from accounts.access import client_ip
from accounts.errors import PermissionDeniedError, ServiceError


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def json_error(code: str, message: str, http_status: int) -> JsonResponse:
    """The envelope for errors raised outside DRF (unknown routes, server errors)."""
    return JsonResponse(error_body(code, message), status=http_status)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        inner = _first_message(value)
        return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _record_denial(exc: Exception, context: dict[str, Any], code: str) -> None:
    view = context.get("view")
    tenant = getattr(view, "tenant", None)
    api_key = getattr(view, "api_key", None)
    if tenant is None or api_key is None:
        return  # refused before a key named its tenant: nothing to file it under
    request = context["request"]
    security.permission_denied_record(
        tenant_id=tenant.pk,
        role=policy.api_key_role(api_key.scope),
        api_key=api_key,
        ip=client_ip(request),
        method=request.method,
        path=request.path,
        code=code,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PermissionDeniedError | PermissionDenied | exceptions.PermissionDenied):
        _record_denial(exc, context, code=getattr(exc, "code", "permission_denied"))
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handler answers with the envelope
    headers: dict[str, str] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(int(wait) + 1)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("validation_error", _first_message(exc.detail), details=exc.detail)
    else:
        body = error_body(str(exc.default_code), _first_message(exc.detail))
    if exc.status_code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return Response(body, status=exc.status_code, headers=headers)
