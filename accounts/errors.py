"""The error every service raises when a request can't be carried out, with a stable code.

Pages show `message`; the API answers `{"error": {"code", "message"}}` with `http_status`,
plus `details` when the error has parts a client can act on (e.g. lint findings).
"""

from typing import Any


class ServiceError(Exception):
    code: str = "invalid_request"
    http_status: int = 400

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None, details: Any = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status


class PermissionDeniedError(ServiceError):
    code = "permission_denied"
    http_status = 403


class ConflictError(ServiceError):
    code = "conflict"
    http_status = 409
