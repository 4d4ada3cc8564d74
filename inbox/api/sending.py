"""Sending through the API: to a conversation, or to a phone number; and reading one message.

The body is the Cloud API's own message JSON (`{"type": "text", "text": {"body": "…"}}`,
media, template, `context.message_id` to reply). The channel's rules decide at once: a
refusal is 409 with its reason code (`window_closed`, `no_consent`...), a malformed message
400 `invalid_message`, an accepted one 201 with the message (status `queued`).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from accounts.errors import ServiceError
from accounts.models import Tenant
from inbox import selectors
from inbox.api.serializers import ErrorEnvelopeOutput, MessageOutput
from inbox.models import Channel, Conversation, Message, UploadedMedia
from inbox.services.consent import contact_for_phone
from inbox.services.outbound import conversation_for_contact, conversation_read, media_upload, send_message

SEND_EXAMPLES = [
    OpenApiExample("Text", value={"type": "text", "text": {"body": "Your order ships today.", "preview_url": False}}),
    OpenApiExample(
        "Image by link", value={"type": "image", "image": {"link": "https://example.com/a.jpg", "caption": "Here"}}
    ),
    OpenApiExample(
        "Template",
        value={
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "en_US"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "860198"}]}],
            },
        },
    ),
    OpenApiExample("Reply", value={"type": "text", "text": {"body": "Yes!"}, "context": {"message_id": "wamid.HBg…"}}),
]  # fmt: skip
REFUSED = OpenApiResponse(
    ErrorEnvelopeOutput,
    description="The channel's rules refuse it now: `window_closed`, `template_required`, `template_not_approved`, "
    "`template_params_invalid`, `no_consent`, `opted_out`, `number_inactive`.",
)
INVALID = OpenApiResponse(ErrorEnvelopeOutput, description="The message is malformed (`invalid_message`).")


def _message_output(tenant: Tenant, message: Message, request: Request) -> dict[str, Any]:
    entry = selectors.thread_entries(tenant=tenant, messages=[message])[0]
    return MessageOutput(entry, context={"request": request}).data


def _payload(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send the message as a JSON object."]})
    return dict(request.data)


def send_to_conversation(view: TenantAPIView, request: Request, conversation: Conversation) -> Response:
    message = send_message(conversation=conversation, payload=_payload(request), actor=view.actor, now=timezone.now())
    return Response(_message_output(view.tenant, message, request), status=201)


class MessageSendView(TenantAPIView):
    """Send to a phone number: its contact and conversation are found or started."""

    @extend_schema(
        operation_id="messages_create",
        summary="Send a message to a phone number",
        description='The Cloud API\'s message JSON plus `"to": "<E.164 phone>"` and, when the workspace has several '
        'numbers, `"channel": <id>`. Consent applies: a business-initiated template needs the customer to have '
        "written first or opted in.",
        request=OpenApiTypes.OBJECT,
        examples=[OpenApiExample("Template to a number", value={"to": "+4915112345678", **SEND_EXAMPLES[2].value})],
        responses={201: MessageOutput, 400: INVALID, 409: REFUSED},
    )
    def post(self, request: Request) -> Response:
        payload = _payload(request)
        to = payload.pop("to", None)
        if not isinstance(to, str) or not to.strip():
            raise ValidationError({"to": ["The recipient's phone number, in E.164 (+4915112345678)."]})
        channel = single_channel(payload.pop("channel", None))
        now = timezone.now()
        contact = contact_for_phone(tenant=self.tenant, phone=to, actor=self.actor)
        conversation = conversation_for_contact(channel=channel, contact=contact, now=now)
        message = send_message(conversation=conversation, payload=payload, actor=self.actor, now=now)
        return Response(_message_output(self.tenant, message, request), status=201)


class MessageDetailView(TenantAPIView):
    @extend_schema(
        operation_id="messages_retrieve",
        summary="One message, with its current status",
        responses={200: MessageOutput, 404: OpenApiResponse(ErrorEnvelopeOutput, description="No such message.")},
    )
    def get(self, request: Request, message_id: int) -> Response:
        message = Message.objects.filter(pk=message_id).first()
        if message is None:
            raise NotFound("There is no such message.")
        return Response(_message_output(self.tenant, message, request))


def single_channel(channel_id: object) -> Channel:
    """The channel a request names, or the workspace's only active one."""
    channels = Channel.objects.filter(is_active=True)
    if channel_id not in (None, ""):
        if not str(channel_id).isdigit():
            raise ValidationError({"channel": ["A channel id (an integer)."]})
        channel = channels.filter(pk=int(str(channel_id))).first()
        if channel is None:
            raise NotFound("There is no such active channel.")
        return channel
    found = list(channels[:2])
    if len(found) != 1:
        raise ServiceError(
            "Say which number to send from with `channel` (this workspace has "
            f"{'several' if found else 'no'} active numbers).",
            code="channel_required",
        )
    return found[0]


class MediaUploadOutput(serializers.Serializer[UploadedMedia]):
    id = serializers.CharField(source="provider_media_id", help_text='Send it as {"image": {"id": …}} (or video…).')
    type = serializers.CharField(source="message_type", help_text="The message type to send it as.")
    mime_type = serializers.CharField()
    filename = serializers.CharField()
    size = serializers.IntegerField()


class MediaUploadView(TenantAPIView):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        operation_id="media_create",
        summary="Upload a file to send",
        description="A photo (JPEG, PNG, up to 5 MB), video (MP4, 3GPP, 16 MB), audio (16 MB), document (PDF, Office, "
        "text; 100 MB) or sticker (WebP). Then send a message with the returned id.",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}, "channel": {"type": "integer"}},
            }
        },
        responses={201: MediaUploadOutput, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Attach the file as `file`."]})
        channel = single_channel(request.data.get("channel"))
        uploaded = media_upload(
            channel=channel,
            data=upload.read(),
            filename=upload.name or "file",
            mime_type=upload.content_type or "application/octet-stream",
            actor=self.actor,
        )
        return Response(MediaUploadOutput(uploaded).data, status=201)


class ReadInput(serializers.Serializer[Any]):
    typing = serializers.BooleanField(default=False, help_text="Also show the customer that you are typing.")


class ConversationReadView(TenantAPIView):
    @extend_schema(
        operation_id="conversations_read",
        summary="Mark the conversation read",
        description="Resets its unread count and shows the customer blue ticks on their latest message.",
        request=ReadInput,
        responses={204: None, 404: OpenApiResponse(ErrorEnvelopeOutput, description="No such conversation.")},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = selectors.conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        if conversation is None:
            raise NotFound("There is no such conversation.")
        data = ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        conversation_read(conversation=conversation, typing=data.validated_data["typing"])
        return Response(status=204)
