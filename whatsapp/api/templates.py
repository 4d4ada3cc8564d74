"""/api/v1/templates/…: message templates, linted here, reviewed by Meta.

Creation takes the body of Meta's template-creation endpoint (plus `waba_id` when the
workspace has several business accounts) and keeps a draft; lint errors answer 400
`template_invalid` with every finding in `error.details`. Submitting sends the draft to
Meta; its decision arrives by webhook (or the sync) and shows in `status`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.pagination import CursorPagination
from accounts.api.views import TenantAPIView
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import require_role
from inbox import selectors as inbox_selectors
from inbox.models import Conversation
from templates_mgmt import policy, selectors
from templates_mgmt import services as drafts
from templates_mgmt.library import library_entries
from templates_mgmt.models import MessageTemplate, TemplateCategory, TemplateStatus
from whatsapp import selectors as channel_selectors
from whatsapp.client import GraphAPIError
from whatsapp.media_rules import EXAMPLE_FILE_MAX_BYTES
from whatsapp.services import templates as lifecycle
from whatsapp.template_fill import parameter_keys

NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="Not found (or another tenant's).")
ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"error": {"code", "message", "details"?}}`')
CREATION_EXAMPLE = OpenApiExample(
    "Order confirmation",
    request_only=True,
    value={
        "name": "order_confirmation",
        "language": "en_US",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Thank you, {{first_name}}! Your order {{order_no}} ships today.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "first_name", "example": "Pablo"},
                        {"param_name": "order_no", "example": "860198"},
                    ]
                },
            },
            {"type": "FOOTER", "text": "Lucky Shrub"},
        ],
    },
)


class TemplatePagination(CursorPagination):
    ordering = ("-updated_at", "-id")  # type: ignore[assignment]


class FindingOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    component = serializers.CharField()
    message = serializers.CharField()


class TemplateEventOutput(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="`status`, `quality`, `category` or `edit`.")
    source = serializers.CharField(help_text="`product`, `webhook` or `sync`.")  # type: ignore[assignment]
    previous = serializers.CharField()
    new = serializers.CharField()
    reason = serializers.CharField()
    detail = serializers.CharField()
    actor_label = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class TemplateOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    waba_id = serializers.CharField()
    name = serializers.CharField()
    language = serializers.CharField()
    category = serializers.CharField()
    parameter_format = serializers.CharField()
    components = serializers.ListField(child=serializers.DictField(), help_text="Meta's creation shape.")
    status = serializers.CharField(help_text="DRAFT, PENDING, APPROVED, REJECTED, PAUSED, DISABLED, …")
    rejection_reason = serializers.CharField()
    rejection_detail = serializers.CharField()
    quality_score = serializers.CharField()
    category_change = serializers.DictField()
    version = serializers.IntegerField()
    meta_id = serializers.CharField()
    last_error = serializers.CharField(help_text="Why Meta refused the last submission, edit or deletion.")
    library_key = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    status_updated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TemplateDetailOutput(TemplateOutput):
    findings = FindingOutput(many=True, help_text="Lint findings of the current components.")
    history = TemplateEventOutput(many=True)


class TemplateFilterInput(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TemplateStatus.choices, required=False)
    category = serializers.ChoiceField(choices=TemplateCategory.choices, required=False)
    language = serializers.CharField(required=False, max_length=16)
    waba_id = serializers.CharField(required=False, max_length=64)
    search = serializers.CharField(required=False, max_length=100, help_text="Part of the name.")


class SyncInput(serializers.Serializer[Any]):
    waba_id = serializers.CharField(required=False, max_length=64, help_text="One business account; all if left out.")


class LibraryInput(serializers.Serializer[Any]):
    key = serializers.CharField(max_length=64)
    languages = serializers.ListField(child=serializers.CharField(max_length=16), min_length=1)
    waba_id = serializers.CharField(required=False, max_length=64)
    submit = serializers.BooleanField(default=True, help_text="Send them to Meta for review at once.")


def _detail(template: MessageTemplate) -> dict[str, Any]:
    findings = [f.as_json() for f in policy.lint_template(drafts.creation_body(template))]
    history = list(selectors.template_history(template=template))
    return TemplateDetailOutput({**_fields(template), "findings": findings, "history": history}).data


def _fields(template: MessageTemplate) -> dict[str, Any]:
    names: list[str] = list(TemplateOutput().fields)
    return {name: getattr(template, name) for name in names}


def _waba_id(view: TenantAPIView, requested: object) -> str:
    """The business account a request means: the one named, or the workspace's only one."""
    wabas = channel_selectors.waba_ids_of(tenant_id=view.tenant.pk)
    if requested:
        if requested not in wabas:
            raise ValidationError({"waba_id": ["None of this workspace's numbers belongs to that business account."]})
        return str(requested)
    if len(wabas) == 1:
        return wabas[0]
    if not wabas:
        raise ServiceError("Connect a WhatsApp number first: templates belong to its business account.",
                           code="no_number", http_status=409)  # fmt: skip
    raise ValidationError({"waba_id": ["This workspace has several business accounts: name one in `waba_id`."]})


def _template(view: TenantAPIView, template_id: int) -> MessageTemplate:
    found = selectors.template(tenant=view.tenant, template_id=template_id)
    if found is None:
        raise NotFound("There is no such template.")
    return found


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send the template as a JSON object."]})
    return dict(request.data)


class TemplateListView(TenantAPIView):
    @extend_schema(
        operation_id="templates_list",
        summary="The templates, most recently changed first",
        parameters=[TemplateFilterInput, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses={200: TemplateOutput(many=True), 400: ERROR},
    )
    def get(self, request: Request) -> Response:
        filters = TemplateFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        queryset = selectors.templates(tenant=self.tenant, filters=data, search=data.pop("search", ""))
        paginator = TemplatePagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(TemplateOutput(page, many=True).data)

    @extend_schema(
        operation_id="templates_create",
        summary="Create a draft template",
        description="The body of Meta's `POST /{waba-id}/message_templates`, plus `waba_id` when the workspace has "
        "several business accounts. Lint errors answer 400 `template_invalid` with the findings in "
        "`error.details`; warnings come back in `findings`. Submit it with `POST /templates/{id}/submit/`.",
        request=OpenApiTypes.OBJECT,
        examples=[CREATION_EXAMPLE],
        responses={201: TemplateDetailOutput, 400: ERROR, 409: ERROR},
    )
    def post(self, request: Request) -> Response:
        require_role(self.actor, Role.ADMIN)
        body = _body(request)
        waba_id = _waba_id(self, body.pop("waba_id", None))
        drafts.template_lint_or_raise(body)
        template = drafts.template_draft_save(tenant_id=self.tenant.pk, waba_id=waba_id, body=body, now=timezone.now())
        return Response(_detail(template), status=201)


class TemplateDetailView(TenantAPIView):
    @extend_schema(operation_id="templates_read", summary="A template, its lint findings and its history",
                   responses={200: TemplateDetailOutput, 404: NOT_FOUND})  # fmt: skip
    def get(self, request: Request, template_id: int) -> Response:
        return Response(_detail(_template(self, template_id)))

    @extend_schema(
        operation_id="templates_update",
        summary="Change a template",
        description="A draft takes any creation field. A template Meta knows takes `components` (replaced as a "
        "whole) and `category` (not for an approved one) under Meta's edit rules: only approved, rejected or "
        "paused templates; an approved one at most once a day and 10 times in 30 days. It goes back to review.",
        request=OpenApiTypes.OBJECT,
        responses={200: TemplateDetailOutput, 400: ERROR, 404: NOT_FOUND, 409: ERROR},
    )
    def patch(self, request: Request, template_id: int) -> Response:
        require_role(self.actor, Role.ADMIN)
        template = _template(self, template_id)
        body = _body(request)
        now = timezone.now()
        if template.status == TemplateStatus.DRAFT:
            merged = {**drafts.creation_body(template), **body}
            drafts.template_lint_or_raise(merged)
            drafts.template_draft_save(
                tenant_id=self.tenant.pk, waba_id=template.waba_id, body=merged, now=now, template=template
            )
        else:
            unknown = set(body) - {"components", "category"}
            if unknown:
                raise ValidationError({"non_field_errors": [
                    f"Meta lets only components and category change; not {', '.join(sorted(unknown))}."]})  # fmt: skip
            lifecycle.template_edit(template=template, body=body, actor=self.actor, now=now)
        return Response(_detail(template))

    @extend_schema(
        operation_id="templates_delete",
        summary="Delete a template",
        description="A draft is removed; a template Meta knows is deleted there (this language only). Meta keeps "
        "an approved name blocked for 30 days; disabled templates can't be deleted.",
        responses={204: None, 404: NOT_FOUND, 409: ERROR, 502: ERROR},
    )
    def delete(self, request: Request, template_id: int) -> Response:
        lifecycle.template_delete(template=_template(self, template_id), actor=self.actor, now=timezone.now())
        return Response(status=204)


class TemplateSubmitView(TenantAPIView):
    @extend_schema(
        operation_id="templates_submit",
        summary="Send a draft to Meta for review",
        request=None,
        responses={200: TemplateDetailOutput, 400: ERROR, 404: NOT_FOUND, 409: ERROR, 502: ERROR},
    )
    def post(self, request: Request, template_id: int) -> Response:
        template = _template(self, template_id)
        lifecycle.template_submit(template=template, actor=self.actor, now=timezone.now())
        return Response(_detail(template))


class TemplateDuplicateView(TenantAPIView):
    @extend_schema(
        operation_id="templates_duplicate",
        summary="Copy a template as a draft in another language",
        request={"application/json": {"type": "object", "properties": {"language": {"type": "string"}}}},
        responses={201: TemplateDetailOutput, 400: ERROR, 404: NOT_FOUND, 409: ERROR},
    )
    def post(self, request: Request, template_id: int) -> Response:
        require_role(self.actor, Role.ADMIN)
        template = _template(self, template_id)
        language = _body(request).get("language")
        if not isinstance(language, str) or not language.strip():
            raise ValidationError({"language": ["Name the new language, e.g. de or pt_BR."]})
        copy = drafts.template_duplicate(template=template, language=language, now=timezone.now())
        return Response(_detail(copy), status=201)


class TemplateSyncView(TenantAPIView):
    @extend_schema(
        operation_id="templates_sync",
        summary="Import and reconcile templates from Meta now",
        request=SyncInput,
        responses={200: OpenApiTypes.OBJECT, 400: ERROR, 409: ERROR, 502: ERROR},
    )
    def post(self, request: Request) -> Response:
        require_role(self.actor, Role.ADMIN)
        data = SyncInput(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        wabas = (
            [_waba_id(self, data.validated_data["waba_id"])]
            if data.validated_data.get("waba_id")
            else channel_selectors.waba_ids_of(tenant_id=self.tenant.pk)
        )
        results = {}
        for waba_id in wabas:
            try:
                result = lifecycle.templates_sync(tenant_id=self.tenant.pk, waba_id=waba_id, now=timezone.now())
            except GraphAPIError as error:
                raise ServiceError(error.human_message, code="meta_refused", http_status=502) from error
            results[waba_id] = {"seen": result.seen, "imported": result.imported, "gone": result.gone}
        return Response({"wabas": results})


class LibraryView(TenantAPIView):
    @extend_schema(operation_id="templates_library", summary="The ready-made templates a workspace can add",
                   responses={200: OpenApiTypes.OBJECT})  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response({"results": [entry.as_json() for entry in library_entries()]})

    @extend_schema(
        operation_id="templates_library_add",
        summary="Add a library template in chosen languages (and submit it)",
        request=LibraryInput,
        responses={201: TemplateOutput(many=True), 400: ERROR, 404: ERROR, 409: ERROR, 502: ERROR},
    )
    def post(self, request: Request) -> Response:
        require_role(self.actor, Role.ADMIN)
        data = LibraryInput(data=request.data)
        data.is_valid(raise_exception=True)
        waba_id = _waba_id(self, data.validated_data.get("waba_id"))
        now = timezone.now()
        added = drafts.templates_from_library(
            tenant_id=self.tenant.pk, waba_id=waba_id, key=data.validated_data["key"],
            languages=data.validated_data["languages"], now=now,
        )  # fmt: skip
        if data.validated_data["submit"]:
            for template in added:
                lifecycle.template_submit(template=template, actor=self.actor, now=now)
        return Response(TemplateOutput(added, many=True).data, status=201)


class PickerParameterOutput(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="The parameter's name (`first_name`), number (`1`) or place (`button.0`).")
    value = serializers.CharField(help_text="Filled in from the contact where the name says what it wants; else empty.")


class PickerTemplateOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    language = serializers.CharField()
    category = serializers.CharField()
    parameter_format = serializers.CharField()
    parameters = PickerParameterOutput(many=True)
    preview = serializers.DictField(help_text="header, header_media, body, footer, buttons: the exact text as filled.")


class ConversationTemplatesView(TenantAPIView):
    """What an agent may send in a conversation whose window has closed: the approved templates."""

    @extend_schema(
        operation_id="conversation_templates",
        summary="The approved templates for a conversation, the contact's language first, prefilled",
        description="Templates of the conversation's number, approved now. Those in the language of the "
        "contact's country come first. Parameters whose name says what they want (`first_name`, `name`, "
        "`phone`…) are filled from the contact; the preview shows the exact text with what is filled and "
        "the remaining placeholders. Send one through `POST /conversations/{id}/messages/` with the Cloud "
        "API's `template` object.",
        responses={200: PickerTemplateOutput(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = inbox_selectors.conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        if conversation is None:
            raise NotFound("There is no such conversation.")
        return Response({"results": template_picker(conversation)})


def template_picker(conversation: Conversation) -> list[dict[str, Any]]:
    """The picker's entries for `conversation` (the composer's page uses them too)."""
    contact = conversation.contact
    approved = channel_selectors.approved_templates(
        channel_id=conversation.channel_id, tenant_id=conversation.tenant_id
    )
    preferred = policy.language_for_phone(contact.phone or contact.wa_id)
    order = policy.for_language_first([t.language for t in approved], preferred)
    entries: list[dict[str, Any]] = []
    for template in sorted(approved, key=lambda t: (order.index(t.language), t.name)):
        keys = parameter_keys(template.components, parameter_format=template.parameter_format)
        values = policy.suggested_values(
            keys, name=contact.name or contact.profile_name, phone=contact.phone, attributes=contact.attributes
        )
        bare = {**drafts.creation_body(template), "components": [
            {k: v for k, v in c.items() if k != "example"} for c in template.components]}  # fmt: skip
        named = template.parameter_format == "NAMED"
        preview = policy.preview_text(bare, values={"header": values, "body": values} if named else {})
        entries.append(
            PickerTemplateOutput(
                {
                    "id": template.pk,
                    "name": template.name,
                    "language": template.language,
                    "category": template.category,
                    "parameter_format": template.parameter_format,
                    "parameters": [{"key": key, "value": values.get(key, "")} for key in keys],
                    "preview": preview,
                }
            ).data
        )
    return entries


class ExampleFileView(TenantAPIView):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        operation_id="templates_example_file",
        summary="Upload a media header's example file to Meta",
        description="A JPEG or PNG image (IMAGE header, 5 MB), an MP4 video (VIDEO, 16 MB) or a PDF (DOCUMENT, "
        "100 MB), recognised by its content. Answers Meta's handle: put it in the header's "
        "`example.header_handle` when creating the template.",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "header_format": {"type": "string", "enum": ["IMAGE", "VIDEO", "DOCUMENT"]},
                    "waba_id": {"type": "string"},
                },
                "required": ["file", "header_format"],
            }
        },
        responses={201: OpenApiTypes.OBJECT, 400: ERROR, 409: ERROR, 502: ERROR},
    )
    def post(self, request: Request) -> Response:
        require_role(self.actor, Role.ADMIN)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Attach the example file as `file`."]})
        header_format = str(request.data.get("header_format", "")).upper()
        waba_id = _waba_id(self, request.data.get("waba_id"))
        handle = lifecycle.template_example_upload(
            tenant_id=self.tenant.pk,
            waba_id=waba_id,
            header_format=header_format,
            data=upload.read(EXAMPLE_FILE_MAX_BYTES + 1),
            file_name=upload.name or "example",
        )
        return Response({"handle": handle, "header_format": header_format}, status=201)
