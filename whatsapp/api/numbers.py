"""/api/v1/numbers/…: the workspace's WhatsApp numbers with their click-to-chat link and QR code,
and each number's business profile (read, and changed with the fields of Meta's profile endpoint)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import require_role
from whatsapp.models import BusinessProfile, WhatsAppNumber
from whatsapp.profile_rules import READ_ONLY_VERTICALS, ProfileFields
from whatsapp.reach import click_to_chat_url, qr_code, qr_size
from whatsapp.services.profile import business_profile_of, business_profile_sync, business_profile_update

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"error": {"code", "message", "details"?}}`')
QR_CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class NumberOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    phone_number_id = serializers.CharField()
    display_phone_number = serializers.CharField()
    click_to_chat_url = serializers.CharField(help_text="`https://wa.me/<digits>`; add `?text=` for a message.")
    qr_code_url = serializers.CharField(help_text="The link's QR code (`?format=png|svg&size=&text=`).")


class ProfileOutput(serializers.Serializer[Any]):
    about = serializers.CharField()
    address = serializers.CharField()
    description = serializers.CharField()
    email = serializers.CharField()
    websites = serializers.ListField(child=serializers.CharField())
    vertical = serializers.CharField()
    profile_picture_url = serializers.CharField()
    verified_name = serializers.CharField()
    is_official_business_account = serializers.BooleanField()
    synced_at = serializers.DateTimeField(allow_null=True)


class ProfileInput(serializers.Serializer[Any]):
    """Meta's profile fields; those left out keep their value. Limits answer 400 `profile_invalid`
    with each field's problem in `details`."""

    about = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    address = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    websites = serializers.ListField(child=serializers.CharField(), required=False)
    vertical = serializers.CharField(required=False, allow_blank=True)


def _number(number_id: int) -> WhatsAppNumber:
    number: WhatsAppNumber = get_object_or_404(WhatsAppNumber.objects, pk=number_id)
    return number


def _number_json(request: Request, number: WhatsAppNumber) -> dict[str, Any]:
    return {
        "id": number.pk,
        "phone_number_id": number.phone_number_id,
        "display_phone_number": number.display_phone_number,
        "click_to_chat_url": click_to_chat_url(display_phone_number=number.display_phone_number),
        "qr_code_url": request.build_absolute_uri(reverse("api_number_qr", kwargs={"number_id": number.pk})),
    }


def _profile_json(profile: BusinessProfile) -> dict[str, Any]:
    return {
        "about": profile.about,
        "address": profile.address,
        "description": profile.description,
        "email": profile.email,
        "websites": list(profile.websites),
        "vertical": profile.vertical,
        "profile_picture_url": profile.profile_picture_url,
        "verified_name": profile.verified_name,
        "is_official_business_account": profile.is_official_business_account,
        "synced_at": profile.synced_at.isoformat() if profile.synced_at else None,
    }


class NumberListView(TenantAPIView):
    @extend_schema(operation_id="numbers_list", summary="The workspace's WhatsApp numbers",
                   responses={200: NumberOutput(many=True)})  # fmt: skip
    def get(self, request: Request) -> Response:
        numbers = WhatsAppNumber.objects.order_by("pk")
        return Response({"results": [_number_json(request, number) for number in numbers], "next": None})


class NumberQRView(TenantAPIView):
    @extend_schema(
        operation_id="numbers_qr",
        summary="The number's click-to-chat link as a QR code",
        parameters=[
            OpenApiParameter("format", str, enum=["png", "svg"], description="Default png."),
            OpenApiParameter("size", int, description="Pixels, 120 to 2000; default 400."),
            OpenApiParameter("text", str, description="The prefilled message (up to 500 characters)."),
        ],
        responses={(200, "image/png"): OpenApiTypes.BINARY, 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request, number_id: int) -> HttpResponse:
        number = _number(number_id)
        kind = request.query_params.get("format", "png")
        if kind not in QR_CONTENT_TYPES:
            raise ServiceError("The format must be png or svg.", code="invalid_format")
        size = qr_size(request.query_params.get("size"))
        url = click_to_chat_url(
            display_phone_number=number.display_phone_number, text=request.query_params.get("text", "")
        )
        return HttpResponse(
            qr_code(url, kind="svg" if kind == "svg" else "png", size=size), content_type=QR_CONTENT_TYPES[kind]
        )


class NumberProfileView(TenantAPIView):
    @extend_schema(operation_id="numbers_profile", summary="The number's business profile, as last synced",
                   responses={200: ProfileOutput, 404: ERROR})  # fmt: skip
    def get(self, request: Request, number_id: int) -> Response:
        return Response(_profile_json(business_profile_of(_number(number_id))))

    @extend_schema(
        operation_id="numbers_profile_update",
        summary="Change the business profile at WhatsApp",
        description="Takes the fields of Meta's `POST /{phone-number-id}/whatsapp_business_profile`; each "
        "is checked against WhatsApp's limits first (about ≤139, address ≤256, description ≤512, email ≤128, "
        "at most two websites with their scheme, a vertical from Meta's list).",
        request=ProfileInput,
        responses={200: ProfileOutput, 400: ERROR, 403: ERROR, 404: ERROR, 502: ERROR},
        examples=[OpenApiExample("About and websites", request_only=True,
                                 value={"about": "Fresh coffee, roasted daily", "websites": ["https://acme.example"]})],
    )  # fmt: skip
    def post(self, request: Request, number_id: int) -> Response:
        require_role(self.actor, Role.ADMIN)
        number = _number(number_id)
        data = ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        stored = business_profile_of(number)
        current = ProfileFields(
            about=stored.about,
            address=stored.address,
            description=stored.description,
            email=stored.email,
            websites=tuple(stored.websites),
            vertical="" if stored.vertical in READ_ONLY_VERTICALS else stored.vertical,
        )
        given = dict(data.validated_data)
        if "websites" in given:
            given["websites"] = tuple(given["websites"])
        profile = business_profile_update(number=number, actor=self.actor, fields=replace(current, **given))
        return Response(_profile_json(profile))


class NumberProfileSyncView(TenantAPIView):
    @extend_schema(operation_id="numbers_profile_sync", summary="Read the business profile from WhatsApp now",
                   request=None, responses={200: ProfileOutput, 403: ERROR, 404: ERROR, 502: ERROR})  # fmt: skip
    def post(self, request: Request, number_id: int) -> Response:
        return Response(_profile_json(business_profile_sync(number=_number(number_id), actor=self.actor)))
