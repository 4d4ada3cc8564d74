"""/api/v1/broadcasts/…: send an approved template to many recipients, follow its progress, cancel it.

Any API key may broadcast, as it may send: each recipient passes the same rules as a single
template message (approved template, parameters that fit, consent, opt-outs), so a broadcast can
reach nobody a message could not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.pagination import CursorPagination
from accounts.api.views import TenantAPIView
from accounts.models import Tenant
from inbox import selectors
from inbox.api.sending import single_channel
from inbox.api.serializers import ErrorEnvelopeOutput
from inbox.api.views import BAD_FILTER, NOT_FOUND, PAGE_PARAMETERS
from inbox.models import Broadcast, BroadcastRecipient, BroadcastState, RecipientOutcome
from inbox.selectors import RECIPIENT_PROGRESS, BroadcastCounts
from inbox.services import broadcasts as services

BROADCAST_NOT_FOUND = "There is no such broadcast."
PARAMETER_MAX_LENGTH = 1024
OUTCOME_HELP = (
    "Where the recipient is now: `pending` (accepted, not yet queued), `rejected` (never sent; see `rejection`), "
    "`cancelled` (the broadcast was cancelled first), or its message's status: `queued`, `accepted`, `sent`, "
    "`delivered`, `read`, `failed` (see `error`)."
)


# Input -----------------------------------------------------------------------------------------


class LanguageField(serializers.CharField):
    """A language code, as `"en_US"` or as the Cloud API writes it, `{"code": "en_US"}`."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, Mapping):
            data = data.get("code")
        return str(super().to_internal_value(data))


class TemplateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=512)
    language = LanguageField(max_length=16, help_text='e.g. "en_US" (or {"code": "en_US"}).')


@extend_schema_field(
    {
        "oneOf": [
            {"type": "object", "additionalProperties": {"type": "string"}},
            {"type": "array", "items": {"type": "string"}},
        ]
    }
)
class ParametersField(serializers.Field):  # type: ignore[type-arg]
    """The template's values for one recipient: by name, or a list in the template's order."""

    default_error_messages = {  # noqa: RUF012 (DRF merges this dict over the parent's)
        "invalid": "Give the parameters as an object of name → text, or as a list of texts.",
        "too_long": f"A parameter is longer than {PARAMETER_MAX_LENGTH} characters.",
    }

    def _text(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail("invalid")
        text = str(value)
        if len(text) > PARAMETER_MAX_LENGTH:
            self.fail("too_long")
        return text

    def to_internal_value(self, data: Any) -> dict[str, str] | list[str]:
        if isinstance(data, Mapping):
            return {str(key): self._text(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self._text(value) for value in data]
        self.fail("invalid")
        raise AssertionError("unreachable")  # fail() raises

    def to_representation(self, value: Any) -> Any:
        return value


class BroadcastRecipientInput(serializers.Serializer[Any]):
    phone = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="With the country code, e.g. +49 151 23456789."
    )
    parameters = ParametersField(required=False, default=dict)
    name = serializers.CharField(
        max_length=256, required=False, allow_blank=True, default="", help_text="The name of a new contact."
    )


class BroadcastCreateInput(serializers.Serializer[Any]):
    channel = serializers.IntegerField(required=False, allow_null=True, help_text="Needed when there are several.")
    template = TemplateInput()
    recipients = BroadcastRecipientInput(many=True, allow_empty=True, help_text="At most 10,000.")


class BroadcastUploadInput(serializers.Serializer[Any]):
    channel = serializers.IntegerField(required=False, allow_null=True, help_text="Needed when there are several.")
    template_name = serializers.CharField(max_length=512)
    template_language = serializers.CharField(max_length=16)
    file = serializers.FileField(
        allow_empty_file=True,  # the service explains why an empty file can't be read
        help_text="CSV, UTF-8, `,` or `;` separated: a `phone` column and one column per template parameter "
        "(`1`, `2`… or the parameter names; `header.1`, `header`, `button.0` for the header and buttons). "
        "At most 10,000 rows.",
    )


class RecipientFilterInput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(
        choices=RECIPIENT_PROGRESS, required=False, help_text="Only recipients with this outcome."
    )


# Output ----------------------------------------------------------------------------------------


class CountsOutput(serializers.Serializer[BroadcastCounts]):
    total = serializers.IntegerField(help_text="Every recipient given; the sum of the other counts.")
    pending = serializers.IntegerField(help_text="Accepted, waiting to be queued.")
    rejected = serializers.IntegerField(help_text="Not sent: invalid, duplicate, or refused by the rules.")
    cancelled = serializers.IntegerField(help_text="Not sent: the broadcast was cancelled before they were queued.")
    queued = serializers.IntegerField(help_text="Messages waiting for the sender.")
    accepted = serializers.IntegerField(help_text="Messages WhatsApp accepted.")
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Messages WhatsApp could not deliver.")


class BroadcastTemplateOutput(serializers.Serializer[Broadcast]):
    name = serializers.CharField(source="template_name")
    language = serializers.CharField(source="template_language")
    category = serializers.CharField(source="template_category")
    version = serializers.CharField(source="template_version", help_text="The template's version it was sent with.")
    parameters = serializers.ListField(
        source="template_parameters", child=serializers.CharField(), help_text="The parameters each recipient fills."
    )


# Needs `counts` (BroadcastCounts by broadcast id) in the context.
class BroadcastOutput(serializers.Serializer[Broadcast]):
    id = serializers.IntegerField()
    channel = serializers.IntegerField(source="channel_id")
    template = BroadcastTemplateOutput(source="*")
    state = serializers.ChoiceField(
        choices=BroadcastState.choices,
        help_text="`queued`, `running` (recipients being queued), `done` (all queued or rejected; delivery "
        "goes on) or `cancelled`.",
    )
    created_by = serializers.CharField(source="created_by_label", help_text="The person or API key.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    counts = serializers.SerializerMethodField()

    @extend_schema_field(CountsOutput)
    def get_counts(self, broadcast: Broadcast) -> dict[str, Any]:
        return CountsOutput(self.context["counts"][broadcast.pk]).data


class RejectedOutput(serializers.Serializer[BroadcastRecipient]):
    row = serializers.IntegerField(help_text="The recipient's position in the list, or its line in the file.")
    phone = serializers.CharField(help_text="As given.")
    code = serializers.CharField(
        help_text="`invalid_phone`, `duplicate`, `too_many_cells`, or the rules' reason: `opted_out`, "
        "`no_consent`, `template_params_invalid`, `number_inactive`…"
    )
    message = serializers.CharField(source="reason")


class BroadcastCreatedOutput(BroadcastOutput):
    rejected = serializers.SerializerMethodField(help_text="Every rejected recipient, with why.")

    @extend_schema_field(RejectedOutput(many=True))
    def get_rejected(self, broadcast: Broadcast) -> list[dict[str, Any]]:
        return RejectedOutput(self.context["rejected"], many=True).data  # type: ignore[return-value]


class BroadcastPageOutput(serializers.Serializer[Any]):
    results = BroadcastOutput(many=True)
    next = serializers.URLField(allow_null=True)


class RejectionOutput(serializers.Serializer[BroadcastRecipient]):
    code = serializers.CharField()
    message = serializers.CharField(source="reason")


class RecipientOutput(serializers.Serializer[BroadcastRecipient]):
    row = serializers.IntegerField()
    phone = serializers.CharField()
    contact = serializers.IntegerField(source="contact_id", allow_null=True)
    parameters = ParametersField()
    outcome = serializers.ChoiceField(source="progress", choices=RECIPIENT_PROGRESS, help_text=OUTCOME_HELP)
    rejection = serializers.SerializerMethodField(help_text="Why it was not sent; null unless rejected.")
    message = serializers.IntegerField(source="message_id", allow_null=True, help_text="The message sent.")
    error = serializers.SerializerMethodField(help_text="Why delivery failed (the message's error); else null.")

    @extend_schema_field(RejectionOutput(allow_null=True))
    def get_rejection(self, recipient: BroadcastRecipient) -> dict[str, Any] | None:
        return RejectionOutput(recipient).data if recipient.outcome == RecipientOutcome.REJECTED else None

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_error(self, recipient: BroadcastRecipient) -> Any:
        return recipient.message.error if recipient.message is not None else None


class RecipientPageOutput(serializers.Serializer[Any]):
    results = RecipientOutput(many=True)
    next = serializers.URLField(allow_null=True)


# Views -----------------------------------------------------------------------------------------


class BroadcastPagination(CursorPagination):
    ordering = "-id"


class RecipientPagination(CursorPagination):
    ordering = "row"


def _broadcast_or_404(tenant: Tenant, broadcast_id: int) -> Broadcast:
    broadcast = selectors.broadcast_get(tenant=tenant, broadcast_id=broadcast_id)
    if broadcast is None:
        raise NotFound(BROADCAST_NOT_FOUND)
    return broadcast


def _output(tenant: Tenant, broadcast: Broadcast) -> dict[str, Any]:
    counts = selectors.broadcast_counts(tenant=tenant, broadcast_ids=[broadcast.pk])
    return BroadcastOutput(broadcast, context={"counts": counts}).data


CREATE_EXAMPLE = OpenApiExample(
    "Order confirmations",
    value={
        "template": {"name": "order_confirmation", "language": "en_US"},
        "recipients": [
            {"phone": "+49 151 23456789", "parameters": {"first_name": "Maria", "order_no": "860198"}},
            {"phone": "+33 6 12 34 56 78", "parameters": {"first_name": "Jean", "order_no": "860199"}},
        ],
    },
    request_only=True,
)
CREATE_ERRORS = OpenApiResponse(
    ErrorEnvelopeOutput,
    description="Nothing was created: `template_not_found`, `template_not_approved`, `no_recipients`, "
    "`too_many_recipients` (over 10,000), `channel_required`, `validation_error` (e.g. malformed parameters); "
    "for a file also `not_csv`, `unknown_columns`, `too_many_rows`, `file_too_large`.",
)


class BroadcastListView(TenantAPIView):
    """The tenant's broadcasts, newest first; and starting one."""

    parser_classes = (JSONParser, MultiPartParser)

    @extend_schema(
        operation_id="broadcasts_list",
        summary="The broadcasts, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: BroadcastPageOutput},
    )
    def get(self, request: Request) -> Response:
        paginator = BroadcastPagination()
        page = paginator.paginate_queryset(selectors.broadcasts(tenant=self.tenant), request, view=self) or []
        counts = selectors.broadcast_counts(tenant=self.tenant, broadcast_ids=[b.pk for b in page])
        output = BroadcastOutput(page, many=True, context={"counts": counts})  # type: ignore[arg-type]
        return paginator.get_paginated_response(output.data)

    @extend_schema(
        operation_id="broadcasts_create",
        summary="Send an approved template to many recipients",
        description="As JSON, or as a CSV file (multipart). Every recipient is checked at once, as a single "
        "template message would be: an invalid number, a repeated one, and one the rules refuse (`opted_out`, "
        "`no_consent`, `template_params_invalid`…) are rejected with the reason and never sent. The others "
        "are queued in batches and sent at the number's pace; follow them with the broadcast's counts and "
        "recipients. Contacts are created for new numbers.",
        request={"application/json": BroadcastCreateInput, "multipart/form-data": BroadcastUploadInput},
        examples=[CREATE_EXAMPLE],
        responses={201: BroadcastCreatedOutput, 400: CREATE_ERRORS, 404: NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        now = timezone.now()
        if request.content_type.startswith("multipart/"):
            upload = BroadcastUploadInput(data=request.data)
            upload.is_valid(raise_exception=True)
            data = upload.validated_data
            broadcast = services.broadcast_create_from_csv(
                channel=single_channel(data.get("channel")),
                template_name=data["template_name"],
                template_language=data["template_language"],
                file_bytes=data["file"].read(services.MAX_FILE_BYTES + 1),
                actor=self.actor,
                now=now,
            )
        else:
            recipients = request.data.get("recipients") if isinstance(request.data, dict) else None
            if isinstance(recipients, list):  # before checking each of them
                services.check_recipient_count(len(recipients))
            body = BroadcastCreateInput(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            broadcast = services.broadcast_create(
                channel=single_channel(data.get("channel")),
                template_name=data["template"]["name"],
                template_language=data["template"]["language"],
                recipients=[
                    services.RecipientInput(
                        row=row, phone=given["phone"], parameters=given["parameters"], name=given["name"]
                    )
                    for row, given in enumerate(data["recipients"], start=1)
                ],
                actor=self.actor,
                now=now,
            )
        context = {
            "counts": selectors.broadcast_counts(tenant=self.tenant, broadcast_ids=[broadcast.pk]),
            "rejected": selectors.broadcast_recipients(
                tenant=self.tenant, broadcast=broadcast, progress=RecipientOutcome.REJECTED
            ),
        }
        return Response(BroadcastCreatedOutput(broadcast, context=context).data, status=201)


class BroadcastDetailView(TenantAPIView):
    @extend_schema(
        operation_id="broadcasts_retrieve",
        summary="One broadcast, with its counts",
        responses={200: BroadcastOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, broadcast_id: int) -> Response:
        return Response(_output(self.tenant, _broadcast_or_404(self.tenant, broadcast_id)))


class BroadcastRecipientsView(TenantAPIView):
    @extend_schema(
        operation_id="broadcasts_recipients_list",
        summary="A broadcast's recipients and what became of each",
        parameters=[RecipientFilterInput, *PAGE_PARAMETERS],
        responses={200: RecipientPageOutput, 400: BAD_FILTER, 404: NOT_FOUND},
    )
    def get(self, request: Request, broadcast_id: int) -> Response:
        broadcast = _broadcast_or_404(self.tenant, broadcast_id)
        filters = RecipientFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.broadcast_recipients(
            tenant=self.tenant, broadcast=broadcast, progress=filters.validated_data.get("outcome")
        )
        paginator = RecipientPagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(RecipientOutput(page, many=True).data)  # type: ignore[arg-type]


class BroadcastCancelView(TenantAPIView):
    @extend_schema(
        operation_id="broadcasts_cancel",
        summary="Cancel a broadcast",
        description="Recipients not yet queued are never sent (`cancelled`); messages already queued go on. "
        "Cancelling a cancelled broadcast changes nothing.",
        request=None,
        responses={
            200: BroadcastOutput,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorEnvelopeOutput, description="`broadcast_finished`: nothing is left to cancel."),
        },
    )
    def post(self, request: Request, broadcast_id: int) -> Response:
        broadcast = _broadcast_or_404(self.tenant, broadcast_id)
        broadcast = services.broadcast_cancel(broadcast=broadcast, actor=self.actor, now=timezone.now())
        return Response(_output(self.tenant, broadcast))
