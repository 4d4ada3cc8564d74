"""Request rate limits per API key (API_THROTTLE_RATE), counted in Redis."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey

if TYPE_CHECKING:  # rest_framework.views imports this module while it loads
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        # Unauthenticated requests are refused before they cost anything; don't count them.
        return None

    def allow_request(self, request: Request, view: APIView) -> bool:
        # Redis down: requests go uncounted rather than failing (a send's outbox row is in
        # PostgreSQL and goes out once Redis is back); the limit holds again with Redis.
        try:
            return super().allow_request(request, view)
        except RedisError:
            logger.warning("API throttling skipped: Redis does not answer", exc_info=True)
            return True
