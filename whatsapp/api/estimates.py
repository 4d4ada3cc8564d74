"""POST /api/v1/usage/estimate/: what sending an approved template to a list of numbers is
expected to cost, before it is sent (country mix, category, free inside a window)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from accounts.errors import ServiceError
from billing.policy import Estimate
from inbox.api.serializers import TemplateRefInput
from inbox.services.broadcasts import MAX_RECIPIENTS
from templates_mgmt.models import MessageTemplate, TemplateStatus
from whatsapp.models import WhatsAppNumber
from whatsapp.services.metering import send_estimate

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"error": {"code", "message"}}`')


class EstimateInput(serializers.Serializer[Any]):
    number = serializers.IntegerField(
        required=False, help_text="The number's id (GET /api/v1/numbers/); may be left out with one number."
    )
    template = TemplateRefInput(help_text="As in a template message: name and language code.")
    to = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=False, max_length=MAX_RECIPIENTS)


class CountryOutput(serializers.Serializer[Any]):
    country = serializers.CharField(help_text="ISO 3166 code; empty when the number's country is unknown.")
    recipients = serializers.IntegerField()
    charged = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=4)


class EstimateOutput(serializers.Serializer[Any]):
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=4)
    recipients = serializers.IntegerField()
    charged = serializers.IntegerField()
    free = serializers.IntegerField()
    unpriced = serializers.IntegerField(help_text="Recipients whose country is unknown or missing from the card.")
    category = serializers.CharField()
    by_country = CountryOutput(many=True)


def estimate_json(result: Estimate, *, category: str) -> dict[str, Any]:
    return {**EstimateOutput({**result.__dict__, "category": category}).data}


class EstimateView(TenantAPIView):
    @extend_schema(
        operation_id="usage_estimate",
        summary="The expected cost of sending a template to a list of numbers",
        request=EstimateInput,
        responses={200: EstimateOutput, 400: ERROR, 404: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = EstimateInput(data=request.data)
        data.is_valid(raise_exception=True)
        numbers = WhatsAppNumber.objects.select_related("channel")
        if "number" in data.validated_data:
            number = get_object_or_404(numbers, pk=data.validated_data["number"])
        elif numbers.count() == 1:
            number = numbers.get()
        else:
            raise ServiceError(
                "Say which number would send: `number`, from GET /api/v1/numbers/.", code="invalid_request"
            )
        wanted = data.validated_data["template"]
        template = (
            MessageTemplate.objects.filter(
                waba_id=number.waba_id, name=wanted["name"], language=wanted["language"]["code"]
            )
            .exclude(status=TemplateStatus.DELETED)
            .first()
        )
        if template is None:
            raise ServiceError(
                f"There is no template “{wanted['name']}” in {wanted['language']['code']} for this number.",
                code="template_not_found",
                http_status=404,
            )
        result = send_estimate(
            channel=number.channel, category=template.category, phones=data.validated_data["to"], now=timezone.now()
        )
        return Response(estimate_json(result, category=template.category.lower()))
