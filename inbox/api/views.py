"""GET /api/v1/conversations/… and /messages/{id}/media/: the inbox, read through the API (contacts: contacts.py)."""

from __future__ import annotations

import io
import mimetypes
import re
from collections.abc import Iterable

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.pagination import CursorPagination
from accounts.api.views import TenantAPIView
from accounts.crypto.media import media_read
from accounts.models import Tenant
from inbox import selectors
from inbox.api import sending
from inbox.api.serializers import (
    ConversationFilterInput,
    ConversationOutput,
    ConversationPageOutput,
    ErrorEnvelopeOutput,
    MessageOutput,
    MessagePageOutput,
)
from inbox.models import Conversation

PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The page to read: take it from the `next` URL."),
    OpenApiParameter("page_size", int, description="How many items a page holds (default 50, at most 200)."),
]
NOT_FOUND = OpenApiResponse(ErrorEnvelopeOutput, description="Not found (or another tenant's).")
BAD_FILTER = OpenApiResponse(ErrorEnvelopeOutput, description="A filter is invalid (`validation_error`).")

# A content type as a provider may send it ("audio/ogg; codecs=opus"), and nothing that could break a header.
_CONTENT_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(?:\s*;\s*[\w.+-]+=[\w.+\"-]+)*", re.ASCII)


class ConversationPagination(CursorPagination):
    ordering = ("-updated_at", "-id")  # type: ignore[assignment]  # the conversation_updated index


class MessagePagination(CursorPagination):
    ordering = ("sent_at", "id")  # type: ignore[assignment]  # the message_thread index


class ContactPagination(CursorPagination):
    ordering = "-id"


class ConversationListView(TenantAPIView):
    """The tenant's conversations, filtered, most recently updated first."""

    @extend_schema(
        operation_id="conversations_list",
        summary="The conversations, most recently updated first",
        parameters=[ConversationFilterInput, *PAGE_PARAMETERS],
        responses={200: ConversationPageOutput, 400: BAD_FILTER},
    )
    def get(self, request: Request) -> Response:
        filters = ConversationFilterInput(data=request.query_params, context={"tenant": self.tenant})
        filters.is_valid(raise_exception=True)
        assignee = filters.validated_data.get("assignee")
        queryset = selectors.conversations(
            tenant=self.tenant,
            status=filters.validated_data.get("status"),
            assignee_id=assignee if isinstance(assignee, int) else None,
            unassigned=assignee == "none",
            updated_since=filters.validated_data.get("updated_since"),
            channel_id=filters.validated_data.get("channel"),
            label_id=filters.validated_data.get("label"),
            team_id=filters.validated_data.get("team"),
            search=filters.validated_data.get("q"),
        )
        paginator = ConversationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        output = ConversationOutput(page, many=True, context={"now": timezone.now()})  # type: ignore[arg-type]
        return paginator.get_paginated_response(output.data)


class ConversationDetailView(TenantAPIView):
    """One conversation, with its contact and customer service window."""

    @extend_schema(
        operation_id="conversations_retrieve",
        summary="One conversation",
        responses={200: ConversationOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = _conversation_or_404(self.tenant, conversation_id)
        return Response(ConversationOutput(conversation, context={"now": timezone.now()}).data)


def _conversation_or_404(tenant: Tenant, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_get(tenant=tenant, conversation_id=conversation_id)
    if conversation is None:
        raise NotFound("There is no such conversation.")
    return conversation


class ConversationMessagesView(TenantAPIView):
    """A conversation's thread, oldest first, with reactions and files."""

    @extend_schema(
        operation_id="conversations_messages_list",
        summary="A conversation's messages, oldest first",
        description="Reactions are not listed as messages: each shows under `reactions` of the message it is on.",
        parameters=PAGE_PARAMETERS,
        responses={200: MessagePageOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = _conversation_or_404(self.tenant, conversation_id)
        queryset = selectors.conversation_messages(tenant=self.tenant, conversation=conversation)
        paginator = MessagePagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        entries = selectors.thread_entries(tenant=self.tenant, messages=page)
        output = MessageOutput(entries, many=True, context={"request": request})  # type: ignore[arg-type]
        return paginator.get_paginated_response(output.data)

    @extend_schema(
        operation_id="conversations_messages_create",
        summary="Send a message in the conversation",
        description="The Cloud API's message JSON. The channel's rules decide at once: 409 with the reason when "
        "they refuse (`window_closed`, `template_required`, `template_not_approved`, `template_params_invalid`, "
        "`no_consent`, `opted_out`, `number_inactive`), 400 `invalid_message` when it is malformed.",
        request=OpenApiTypes.OBJECT,
        examples=sending.SEND_EXAMPLES,
        responses={201: MessageOutput, 400: sending.INVALID, 404: NOT_FOUND, 409: sending.REFUSED},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = _conversation_or_404(self.tenant, conversation_id)
        return sending.send_to_conversation(self, request, conversation)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A file download answers whatever the client accepts; errors still come as JSON."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class MessageMediaView(TenantAPIView):
    """The stored file of a media message."""

    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        operation_id="messages_media_retrieve",
        summary="Download a message's file",
        description="The image, video, audio, document or sticker of a message, once downloaded from WhatsApp.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with its content type and file name."
            ),
            404: OpenApiResponse(ErrorEnvelopeOutput, description="No such message, or its file is not ready."),
        },
    )
    def get(self, request: Request, message_id: int) -> FileResponse:
        attachment = selectors.attachment_ready(tenant=self.tenant, message_id=message_id)
        if attachment is None:
            raise NotFound("This message has no file ready to download.")
        try:
            handle = io.BytesIO(media_read(attachment.file.name))
        except FileNotFoundError:
            raise NotFound("This message's file is no longer stored.") from None
        content_type = attachment.mime_type if _CONTENT_TYPE.fullmatch(attachment.mime_type) else ""
        content_type = content_type or "application/octet-stream"
        filename = attachment.filename or _default_filename(message_id, content_type)
        return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def _default_filename(message_id: int, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type.split(";", maxsplit=1)[0].strip()) or ""
    return f"message-{message_id}{extension}"
