"""/api/v1/: a contact's data export (request, state, one download) and erasure.

`POST /contacts/{id}/export/` answers 202 with the export's state URL; once `ready`, its
`download_url` gives the ZIP exactly once (then 410 `export_gone`). `DELETE /contacts/{id}/`
erases the contact (204). Both need an admin key.
"""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from inbox.api.contacts import ContactDetailView as InboxContactDetailView
from inbox.api.serializers import ErrorEnvelopeOutput
from inbox.api.views import NOT_FOUND, AnyAcceptNegotiation
from privacy import selectors
from privacy.models import ContactExport, ExportState
from privacy.services import erasure, exports

ADMIN_ONLY = OpenApiResponse(ErrorEnvelopeOutput, description="`permission_denied`: an admin key is needed.")


class ExportOutput(serializers.Serializer[ContactExport]):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField(help_text="The contact it is about.")
    state = serializers.ChoiceField(
        choices=ExportState.choices,
        help_text="`preparing`, then `ready` (download it once), `downloaded` or `expired` (gone), or `failed`.",
    )
    url = serializers.SerializerMethodField(help_text="This export's state.")
    download_url = serializers.SerializerMethodField(help_text="The ZIP, while `ready`; null otherwise.")
    size = serializers.IntegerField(allow_null=True, help_text="The ZIP's size in bytes, once ready.")
    created_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Not downloadable after this time.")
    downloaded_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, export: ContactExport) -> str:
        return str(self.context["request"].build_absolute_uri(reverse("api_export", kwargs={"export_id": export.pk})))

    def get_download_url(self, export: ContactExport) -> str | None:
        if export.state != ExportState.READY:
            return None
        path = reverse("api_export_download", kwargs={"export_id": export.pk})
        return str(self.context["request"].build_absolute_uri(path))


def _output(request: Request, export: ContactExport) -> dict[str, Any]:
    return ExportOutput(export, context={"request": request}).data


class ContactDetailView(InboxContactDetailView):
    """One contact: read, change, and (here) erase."""

    @extend_schema(
        operation_id="contacts_destroy",
        summary="Erase a contact (GDPR Art. 17)",
        description="Deletes the contact and every row and file that names them: conversations, messages, files, "
        "notes, consent history, exports, live and outbound webhook events quoting them; anonymises broadcast "
        "rows, billing records and audit entries about them. Kept: an audit entry of the erasure without "
        "personal data. Cannot be undone.",
        responses={204: None, 403: ADMIN_ONLY, 404: NOT_FOUND},
    )
    def delete(self, request: Request, contact_id: int) -> Response:
        erasure.contact_erase(tenant=self.tenant, contact_id=contact_id, actor=self.actor, now=timezone.now())
        return Response(status=204)


class ContactExportView(TenantAPIView):
    @extend_schema(
        operation_id="contacts_export_create",
        summary="Export a contact's data (GDPR Art. 15 and 20)",
        description="Starts building a ZIP with `contact.json` (the contact, consent history, every conversation "
        "with its messages, receipts, reactions, notes and activity, broadcast rows) and the stored files under "
        "`media/`. Follow `url` until `state` is `ready`, then fetch `download_url` once, within "
        "`expires_at`.",
        request=None,
        responses={202: ExportOutput, 403: ADMIN_ONLY, 404: NOT_FOUND},
    )
    def post(self, request: Request, contact_id: int) -> Response:
        export = exports.contact_export_request(
            tenant=self.tenant, contact_id=contact_id, actor=self.actor, now=timezone.now()
        )
        return Response(_output(request, export), status=202, headers={"Location": _output(request, export)["url"]})


class ExportDetailView(TenantAPIView):
    @extend_schema(
        operation_id="exports_retrieve",
        summary="A contact export's state",
        responses={200: ExportOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, export_id: int) -> Response:
        export = selectors.export_get(tenant=self.tenant, export_id=export_id)
        if export is None:
            raise NotFound("There is no such export.")
        return Response(_output(request, export))


class ExportDownloadView(TenantAPIView):
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        operation_id="exports_download_retrieve",
        summary="Download a contact export, once",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The ZIP."),
            403: ADMIN_ONLY,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorEnvelopeOutput, description="`export_not_ready` or `export_failed`."),
            410: OpenApiResponse(ErrorEnvelopeOutput, description="`export_gone`: downloaded already, or expired."),
        },
    )
    def get(self, request: Request, export_id: int) -> StreamingHttpResponse:
        export = exports.contact_export_take(
            tenant=self.tenant, export_id=export_id, actor=self.actor, now=timezone.now()
        )
        return download_response(export)


def download_response(export: ContactExport) -> StreamingHttpResponse:
    """The export's ZIP as an attachment, streamed once (its file goes when sent)."""
    response = StreamingHttpResponse(exports.export_chunks(export), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="contact-{export.contact_id}-export-{export.pk}.zip"'
    if export.size is not None:
        response["Content-Length"] = str(export.size)
    response["Cache-Control"] = "no-store"
    return response
