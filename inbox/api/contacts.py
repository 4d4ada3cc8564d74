"""/api/v1/contacts/…: list and create contacts, read one with its consent, record opt-ins and
opt-outs, import a CSV file."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from accounts.errors import ServiceError
from accounts.models import Tenant
from inbox import selectors
from inbox.api.serializers import (
    AwareDateTimeField,
    ConsentEventOutput,
    ContactDetailOutput,
    ContactFilterInput,
    ContactOutput,
    ContactPageOutput,
    ErrorEnvelopeOutput,
    TemplateRefInput,
)
from inbox.api.views import BAD_FILTER, NOT_FOUND, PAGE_PARAMETERS, ContactPagination
from inbox.consent import MAX_PROOF_LENGTH
from inbox.models import ConsentKind, ConsentScope, ConsentSource, Contact, OptInRequest
from inbox.services import consent as services
from inbox.services.contacts import contact_update

# Keyword opt-outs and WhatsApp's marketing preference are recorded by the product itself.
PRODUCT_SOURCES = frozenset({ConsentSource.KEYWORD, ConsentSource.WHATSAPP_PREFERENCE})
SOURCE_HELP = "How the person gave it; any source but `keyword` and `whatsapp_preference`, which the product records."
HISTORY_LIMIT = 200
# Opt-ins a person gives on a form: the ones a workspace's double opt-in applies to.
DOUBLE_OPT_IN_SOURCES = frozenset({ConsentSource.WEB_FORM, ConsentSource.CHECKOUT})
CONTACT_NOT_FOUND = "There is no such contact."
_PROOF_SENTENCE = "An opt-in needs proof: say how and where the person agreed."
PROOF_REQUIRED: dict[str, Any] = {"required": _PROOF_SENTENCE, "blank": _PROOF_SENTENCE}


# Input -----------------------------------------------------------------------------------------


class SourceField(serializers.ChoiceField):
    """A consent source an API client may claim (the schema shares the sources' enum with the output)."""

    default_error_messages = {  # noqa: RUF012 (DRF merges this dict over the parent's)
        "product_only": "The product records `{source}` consent itself; use another source.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ConsentSource.choices, help_text=SOURCE_HELP, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = str(super().to_internal_value(data))
        if value in PRODUCT_SOURCES:
            self.fail("product_only", source=value)
        return value


class _ConsentInput(serializers.Serializer[Any]):
    occurred_at = AwareDateTimeField(
        required=False,
        help_text="When the person gave it, ISO 8601 with time zone; now if left out. Not in the future.",
    )
    ip = serializers.IPAddressField(
        required=False, allow_null=True, help_text="Where the person consented from (a web form visitor's address)."
    )


class OptInInput(_ConsentInput):
    scope = serializers.ChoiceField(
        choices=ConsentScope.choices, help_text="`all` messages, or `marketing` messages only."
    )
    source = SourceField()  # type: ignore[assignment]  # a field named like Field.source
    proof = serializers.CharField(
        max_length=MAX_PROOF_LENGTH,
        help_text="How and where the person agreed (the form's text, a link to the signed record…). Required.",
        error_messages=PROOF_REQUIRED,
    )


class ConfirmWithInput(serializers.Serializer[Any]):
    channel_id = serializers.IntegerField(help_text="The channel (WhatsApp number) to ask from.")
    template = TemplateRefInput(
        help_text="The Cloud API's template object: an approved template without parameters, best with a "
        "quick-reply button “Yes”."
    )


class OptInRequestInput(OptInInput):
    confirm_with = ConfirmWithInput(
        required=False,
        help_text="Double opt-in: instead of recording consent, ask the customer on WhatsApp with this template; "
        "their “yes” (the button, or the word) makes it consent. Required for `web_form` and `checkout` "
        "opt-ins when the workspace has double opt-in on.",
    )


class OptInRequestOutput(serializers.Serializer[OptInRequest]):
    id = serializers.IntegerField()
    status = serializers.SerializerMethodField(help_text="`pending` until the customer says yes, then `confirmed`.")
    contact = serializers.IntegerField(source="contact_id")
    channel_id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    proof = serializers.CharField()
    ip = serializers.IPAddressField(allow_null=True)
    requested_at = serializers.DateTimeField()
    confirmation_message_id = serializers.IntegerField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_status(self, request: OptInRequest) -> str:
        return "confirmed" if request.confirmed_at else "pending"


class OptOutInput(_ConsentInput):
    scope = serializers.ChoiceField(
        choices=ConsentScope.choices,
        default=ConsentScope.ALL,
        help_text="`all` messages (the default), or `marketing` messages only.",
    )
    source = SourceField(default=ConsentSource.API)  # type: ignore[assignment]  # named like Field.source
    proof = serializers.CharField(
        max_length=MAX_PROOF_LENGTH, required=False, allow_blank=True, default="", help_text="What they wrote or did."
    )


class ContactOptInInput(serializers.Serializer[Any]):
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    source = SourceField()  # type: ignore[assignment]  # a field named like Field.source
    proof = serializers.CharField(max_length=MAX_PROOF_LENGTH, error_messages=PROOF_REQUIRED)
    ip = serializers.IPAddressField(required=False, allow_null=True)


class ContactCreateInput(serializers.Serializer[Any]):
    phone = serializers.CharField(
        max_length=64, allow_blank=True, help_text="With the country code, e.g. +49 151 23456789."
    )
    name = serializers.CharField(max_length=256, required=False, allow_blank=True, default="")
    consent = ContactOptInInput(required=False, help_text="The person's opt-in, recorded with the new contact.")


class ContactUpdateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=256, required=False, allow_blank=True)
    attributes = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text='Merged into the contact\'s attributes: a key set to null (or "") is removed. Keys: lowercase '
        "letters, digits and underscores (at most 40); values: text or numbers (at most 500 characters); "
        "at most 50 attributes.",
    )


class ContactImportInput(serializers.Serializer[Any]):
    file = serializers.FileField(
        allow_empty_file=True,  # the import explains why an empty file can't be read
        help_text="CSV, UTF-8, `,` or `;` separated, with a header naming `phone` and optionally `name`, "
        "`consent` (opt_in, opt_out or empty), `scope` (all, marketing) and `proof`. At most 10,000 rows.",
    )


# Output ----------------------------------------------------------------------------------------


class RejectedRowOutput(serializers.Serializer[Any]):
    line = serializers.IntegerField(help_text="The line in the file; the header is line 1.")
    code = serializers.CharField(
        help_text="`invalid_phone`, `missing_phone`, `duplicate`, `unknown_consent`, `unknown_scope`, "
        "`proof_required`, `name_too_long`, `too_many_cells`…"
    )
    reason = serializers.CharField()


class ImportReportOutput(serializers.Serializer[Any]):
    filename = serializers.CharField()
    rows = serializers.IntegerField(help_text="Data rows read, blank lines aside.")
    created = serializers.IntegerField(help_text="New contacts.")
    updated = serializers.IntegerField(help_text="Existing contacts the file named.")
    consent_recorded = serializers.IntegerField(help_text="Opt-ins and opt-outs recorded.")
    rejected = RejectedRowOutput(many=True, help_text="Rows not imported, with why.")
    ignored_columns = serializers.ListField(child=serializers.CharField(), help_text="Header columns not known.")


# Views -----------------------------------------------------------------------------------------


def _contact_or_404(tenant: Tenant, contact_id: int) -> Contact:
    contact = selectors.contact_get(tenant=tenant, contact_id=contact_id)
    if contact is None:
        raise NotFound(CONTACT_NOT_FOUND)
    return contact


def _contact_output(tenant: Tenant, contact: Contact) -> dict[str, Any]:
    context = {"consent_states": {contact.pk: selectors.consent_state_of(tenant=tenant, contact=contact)}}
    return ContactOutput(contact, context=context).data


ERRORS = OpenApiResponse(ErrorEnvelopeOutput, description="Invalid input: `validation_error`, or a stable code.")


class ContactListView(TenantAPIView):
    """The tenant's contacts, newest first; and adding one."""

    @extend_schema(
        operation_id="contacts_list",
        summary="The contacts, newest first",
        parameters=[ContactFilterInput, *PAGE_PARAMETERS],
        responses={200: ContactPageOutput, 400: BAD_FILTER},
    )
    def get(self, request: Request) -> Response:
        filters = ContactFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.contacts(tenant=self.tenant, search=filters.validated_data.get("search", ""))
        paginator = ContactPagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        states = selectors.consent_states(tenant=self.tenant, contact_ids=[contact.pk for contact in page])
        output = ContactOutput(page, many=True, context={"consent_states": states})  # type: ignore[arg-type]
        return paginator.get_paginated_response(output.data)

    @extend_schema(
        operation_id="contacts_create",
        summary="Add a contact",
        description="The phone number is checked and stored in E.164. With `consent`, the person's opt-in is "
        "recorded at the same time (proof required).",
        request=ContactCreateInput,
        examples=[
            OpenApiExample(
                "With an opt-in",
                value={
                    "phone": "+49 151 23456789",
                    "name": "Maria Lopez",
                    "consent": {
                        "scope": "all",
                        "source": "web_form",
                        "proof": "Checked “Send me updates on WhatsApp” on example.com/signup, 2025-03-01 12:00 UTC",
                    },
                },
                request_only=True,
            )
        ],
        responses={
            201: ContactOutput,
            400: OpenApiResponse(
                ErrorEnvelopeOutput, description="`invalid_phone`, `proof_required` or `validation_error`."
            ),
            409: OpenApiResponse(ErrorEnvelopeOutput, description="`contact_exists`: a contact has this number."),
        },
    )
    def post(self, request: Request) -> Response:
        data = ContactCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        consent = data.validated_data.get("consent")
        opt_in = None
        if consent is not None:
            opt_in = services.OptIn(
                scope=consent["scope"], source=consent["source"], proof=consent["proof"], ip=consent.get("ip")
            )
        contact = services.contact_create(
            tenant=self.tenant,
            phone=data.validated_data["phone"],
            name=data.validated_data["name"],
            actor=self.actor,
            opt_in=opt_in,
        )
        return Response(_contact_output(self.tenant, contact), status=201)


class ContactDetailView(TenantAPIView):
    """One contact, with its consent and the history it is derived from."""

    @extend_schema(
        operation_id="contacts_retrieve",
        summary="One contact, with its consent history",
        responses={200: ContactDetailOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, contact_id: int) -> Response:
        contact = _contact_or_404(self.tenant, contact_id)
        context = {
            "consent_states": {contact.pk: selectors.consent_state_of(tenant=self.tenant, contact=contact)},
            "consent_history": selectors.consent_history(tenant=self.tenant, contact=contact)[:HISTORY_LIMIT],
        }
        return Response(ContactDetailOutput(contact, context=context).data)

    @extend_schema(
        operation_id="contacts_partial_update",
        summary="Rename a contact or change its attributes",
        request=ContactUpdateInput,
        responses={
            200: ContactOutput,
            400: OpenApiResponse(
                ErrorEnvelopeOutput,
                description="`attributes_invalid` (a message per wrong key in `details`) or `validation_error`.",
            ),
            404: NOT_FOUND,
        },
    )
    def patch(self, request: Request, contact_id: int) -> Response:
        contact = _contact_or_404(self.tenant, contact_id)
        data = ContactUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_update(
            contact=contact,
            now=timezone.now(),
            name=data.validated_data.get("name"),
            attributes=data.validated_data.get("attributes"),
        )
        return Response(_contact_output(self.tenant, contact))


class _ConsentView(TenantAPIView):
    kind: str
    input_class: type[_ConsentInput]

    def post(self, request: Request, contact_id: int) -> Response:
        contact = _contact_or_404(self.tenant, contact_id)  # before reading the body: 404 says nothing more
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.consent_record(
            tenant_id=self.tenant.pk,
            contact=contact,
            kind=self.kind,
            scope=data.validated_data["scope"],
            source=data.validated_data["source"],
            proof=data.validated_data["proof"],
            actor=self.actor,
            occurred_at=data.validated_data.get("occurred_at") or timezone.now(),
            ip=data.validated_data.get("ip"),
        )
        return Response(ConsentEventOutput(event).data, status=201)


class ContactOptInView(_ConsentView):
    """Record that a contact opted in, with proof; or, double opt-in, ask them to confirm."""

    kind = ConsentKind.OPT_IN
    input_class = OptInRequestInput

    @extend_schema(
        operation_id="contacts_opt_in_create",
        summary="Record an opt-in",
        description="WhatsApp requires an opt-in before business-initiated messages, and a record of it: when, how "
        "and proof. An opt-in of `all` also lifts an earlier marketing opt-out; one of `marketing` lifts only that. "
        "With `confirm_with` (double opt-in), the answer is 202 and an opt-in request: pending, no consent, until "
        "the customer answers the template with “yes”. Errors: `confirmation_required` (double opt-in is on), "
        "`template_not_approved` and the other send refusals, `not_found` (the channel).",
        request=OptInRequestInput,
        examples=[
            OpenApiExample(
                "Web form",
                value={"scope": "all", "source": "web_form", "proof": "Signed up at example.com/whatsapp"},
                request_only=True,
            )
        ],
        responses={201: ConsentEventOutput, 202: OptInRequestOutput, 400: ERRORS, 404: NOT_FOUND},
    )
    def post(self, request: Request, contact_id: int) -> Response:
        contact = _contact_or_404(self.tenant, contact_id)
        data = OptInRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        confirm_with = data.validated_data.get("confirm_with")
        if confirm_with is None:
            if (
                data.validated_data["source"] in DOUBLE_OPT_IN_SOURCES
                and selectors.consent_settings(tenant=self.tenant).double_opt_in
            ):
                raise ServiceError(
                    "Double opt-in is on: give `confirm_with` (the channel and the template asking the customer to "
                    "confirm); the opt-in counts once they answer yes.",
                    code="confirmation_required",
                )
            return super().post(request, contact_id)
        channel = selectors.channels(tenant=self.tenant).filter(pk=confirm_with["channel_id"]).first()
        if channel is None:
            raise NotFound("There is no such channel.")
        opt_in_request = services.opt_in_request_and_ask(
            tenant_id=self.tenant.pk,
            contact=contact,
            channel=channel,
            opt_in=services.OptIn(
                scope=data.validated_data["scope"],
                source=data.validated_data["source"],
                proof=data.validated_data["proof"],
                ip=data.validated_data.get("ip"),
            ),
            template=confirm_with["template"],
            actor=self.actor,
            now=timezone.now(),
        )
        return Response(OptInRequestOutput(opt_in_request).data, status=202)


class ContactOptOutView(_ConsentView):
    """Record that a contact opted out; it applies at once."""

    kind = ConsentKind.OPT_OUT
    input_class = OptOutInput

    @extend_schema(
        operation_id="contacts_opt_out_create",
        summary="Record an opt-out",
        description="From now on no business-initiated message (or, with scope `marketing`, no marketing "
        "message) is sent to the contact.",
        request=OptOutInput,
        responses={201: ConsentEventOutput, 400: ERRORS, 404: NOT_FOUND},
    )
    def post(self, request: Request, contact_id: int) -> Response:
        return super().post(request, contact_id)


class ContactImportView(TenantAPIView):
    """Create or update contacts, and record their consent, from a CSV file."""

    parser_classes = [MultiPartParser]  # noqa: RUF012 (DRF's own attribute)

    @extend_schema(
        operation_id="contacts_import_create",
        summary="Import contacts from a CSV file",
        description="Each good row creates or updates its contact and records the consent it gives (source "
        "`import`); each bad row is reported with its line and reason and changes nothing. A file that is not "
        "a CSV of contacts (binary, not UTF-8, no `phone` column) imports nothing: 400 `not_csv`; more than "
        "10,000 rows: 400 `too_many_rows`.",
        request={"multipart/form-data": ContactImportInput},
        responses={
            200: ImportReportOutput,
            400: OpenApiResponse(
                ErrorEnvelopeOutput,
                description="`not_csv`, `too_many_rows`, `file_too_large`, or `validation_error` without a file.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = ContactImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = services.contacts_import_csv(
            tenant=self.tenant,
            actor=self.actor,
            file_bytes=upload.read(services.MAX_IMPORT_BYTES + 1),
            filename=upload.name or "",
        )
        return Response(ImportReportOutput(report).data)
