"""GET /api/v1/usage/?month=YYYY-MM: a month's metered WhatsApp usage and cost (admin keys)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import require_role
from billing import policy, selectors

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"error": {"code", "message"}}`')


def parse_month(value: str | None, *, default: date) -> date:
    """`YYYY-MM` as the first day of that month; ServiceError `invalid_month` otherwise."""
    if not value:
        return default
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(value)
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise ServiceError(
            f"“{value}” is not a month: write it as YYYY-MM, e.g. 2026-11.", code="invalid_month"
        ) from error


class UsageRowOutput(serializers.Serializer[Any]):
    key = serializers.CharField()
    events = serializers.IntegerField(help_text="Messages (per-message pricing) or conversations, as Meta counts them.")
    charged = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=4)


class DailyOutput(serializers.Serializer[Any]):
    day = serializers.DateField()
    category = serializers.CharField()
    country = serializers.CharField()
    number = serializers.CharField(help_text="The WhatsApp number's display phone number.")
    pricing_model = serializers.CharField(help_text="`PMP` (per message) or `CBP` (per conversation).")
    events = serializers.IntegerField()
    charged = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=4)


class UsageOutput(serializers.Serializer[Any]):
    month = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=4)
    events = serializers.IntegerField()
    charged = serializers.IntegerField()
    unpriced = serializers.IntegerField(help_text="Events kept without a price (e.g. a country missing from the card).")
    by_day = UsageRowOutput(many=True)
    by_category = UsageRowOutput(many=True)
    by_country = UsageRowOutput(many=True)
    by_number = UsageRowOutput(many=True)
    by_model = UsageRowOutput(many=True)
    daily = DailyOutput(many=True, help_text="Per day, category, country, number and pricing model.")


class UsageView(TenantAPIView):
    @extend_schema(
        operation_id="usage_month",
        summary="Metered WhatsApp usage and cost of a month, by day, category, country, number and model",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM (UTC); this month when left out.")],
        responses={200: UsageOutput, 400: ERROR, 403: ERROR},
    )
    def get(self, request: Request) -> Response:
        require_role(self.actor, Role.ADMIN)
        month = parse_month(request.query_params.get("month"), default=policy.month_of(timezone.now()))
        usage = selectors.usage(tenant_id=self.tenant.pk, month=month)
        data = {**usage.__dict__, "month": month.strftime("%Y-%m")}
        return Response(UsageOutput(data).data)
