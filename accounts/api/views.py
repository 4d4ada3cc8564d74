"""The base of every tenant API view, and GET /api/v1/tenant/."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy, security, selectors, services
from accounts.access import client_ip
from accounts.api.authentication import ApiClient
from accounts.api.pagination import CursorPagination
from accounts.errors import PermissionDeniedError
from accounts.models import ApiKey, DataRegion, Language, Membership, Tenant
from accounts.services import Actor
from accounts.tenancy import tenant_scope


class TenantAPIView(APIView):
    """Authenticates the key, then runs the handler inside the key's tenant scope.

    Subclasses use `self.tenant` and `self.actor`; every query they make is scoped, and a
    query outside the scope raises instead of leaking.
    """

    tenant: Tenant
    api_key: ApiKey
    _scope: ExitStack

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as self._scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        client = request.user
        assert isinstance(client, ApiClient)  # IsAuthenticated lets only API clients through
        self.api_key = client.api_key
        self.tenant = client.tenant
        self._scope.enter_context(tenant_scope(self.tenant))
        if not policy.api_key_allows_method(scope=self.api_key.scope, method=request.method or "GET"):
            raise PermissionDeniedError(
                "This API key may only read. Create a key with write access for this request.",
                code="api_key_read_only",
            )

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every change made with a key is on record (refusals are recorded as permission.denied).
        if (
            getattr(self, "api_key", None) is not None
            and request.method not in SAFE_METHODS
            and response.status_code < 400
        ):
            security.api_write_record(
                actor=self.actor, method=request.method or "", path=request.path, status=response.status_code
            )
        return response

    @property
    def actor(self) -> Actor:
        # A key acts with an agent's rights (read, write) or an admin's (admin), never an owner's.
        return Actor(
            tenant_id=self.tenant.pk,
            role=policy.api_key_role(self.api_key.scope),
            api_key=self.api_key,
            ip=client_ip(self.request),
        )


def parse(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    """The request's data once valid; a ValidationError (the envelope's `validation_error`) if not."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TenantOutput(serializers.Serializer[Tenant]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    legal_name = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2, upper case; empty until given.")
    vat_id = serializers.CharField(help_text="Upper case, without separators, with its EU country prefix.")
    address = serializers.CharField()
    data_region = serializers.CharField()
    default_language = serializers.CharField()
    message_retention_days = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class TenantUpdateInput(serializers.Serializer[Any]):
    """Fields left out keep their values."""

    name = serializers.CharField(max_length=120, required=False)
    legal_name = serializers.CharField(max_length=services.LEGAL_NAME_MAX, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    vat_id = serializers.CharField(max_length=24, required=False, allow_blank=True)
    address = serializers.CharField(max_length=services.ADDRESS_MAX, required=False, allow_blank=True)
    data_region = serializers.ChoiceField(choices=DataRegion.choices, required=False)
    default_language = serializers.ChoiceField(choices=Language.choices, required=False)
    message_retention_days = serializers.IntegerField(min_value=30, max_value=3650, allow_null=True, required=False)


class ApiKeyOutput(serializers.Serializer[ApiKey]):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scope = serializers.CharField()
    created_at = serializers.DateTimeField()


class WhoAmIOutput(serializers.Serializer[Any]):
    tenant = TenantOutput()
    api_key = ApiKeyOutput()


class TenantView(TenantAPIView):
    @extend_schema(responses=WhoAmIOutput, summary="The tenant and API key making the request")
    def get(self, request: Request) -> Response:
        return Response(WhoAmIOutput({"tenant": self.tenant, "api_key": self.api_key}).data)

    @extend_schema(
        request=TenantUpdateInput,
        responses=TenantOutput,
        summary="Change the tenant's settings and company details (admin keys)",
        description="Errors: `invalid_country` (not an ISO 3166-1 alpha-2 code), `invalid_vat_id` (not the form of "
        "a VAT number of the company's country), `validation_error`. Nothing changes on an error.",
    )
    def patch(self, request: Request) -> Response:
        data = parse(TenantUpdateInput, request.data)
        tenant = self.tenant
        company = services.CompanyDetails(
            **{key: data.get(key, getattr(tenant, key)) for key in ("legal_name", "country", "vat_id", "address")}
        )
        services.tenant_update(
            tenant=tenant,
            actor=self.actor,
            name=data.get("name", tenant.name),
            data_region=data.get("data_region", tenant.data_region),
            message_retention_days=data.get("message_retention_days", tenant.message_retention_days),
            default_language=data.get("default_language"),
            company=company,
        )
        return Response(TenantOutput(tenant).data)


class MemberOutput(serializers.Serializer[Membership]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.name")
    email = serializers.EmailField(source="user.email")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class MemberListView(TenantAPIView):
    @extend_schema(responses=MemberOutput(many=True), summary="The tenant's team members")
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(selectors.tenant_members(self.tenant), request, view=self)
        return paginator.get_paginated_response(MemberOutput(page, many=True).data)  # type: ignore[arg-type]


class MemberDetailView(TenantAPIView):
    @extend_schema(responses=MemberOutput, summary="One team member")
    def get(self, request: Request, member_id: int) -> Response:
        membership = get_object_or_404(Membership.objects.select_related("user"), pk=member_id)
        return Response(MemberOutput(membership).data)
