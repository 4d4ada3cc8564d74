"""POST /api/v1/conversations/{id}/assign/, /status/, /snooze/, /labels/, /unread/, /notes/:
working a conversation through the API, as an agent does in the inbox (an API key acts as an admin).

Each answers with the conversation as it is afterwards (a note: 201 with the note). Bad input is
400 with a stable code and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from inbox import selectors
from inbox.api.serializers import MAX_ID, AwareDateTimeField, ConversationOutput, ErrorEnvelopeOutput
from inbox.models import Activity, Conversation
from inbox.policy import STATUSES_SET_DIRECTLY
from inbox.services import conversations as services

NOT_FOUND = OpenApiResponse(ErrorEnvelopeOutput, description="No such conversation (or another tenant's).")


def _invalid(codes: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorEnvelopeOutput, description=f"Refused, nothing changed: {codes}.")


class LabelOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField(help_text="#rrggbb")


# Needs `now` in the context, like ConversationOutput.
class WorkedConversationOutput(ConversationOutput):
    team = serializers.IntegerField(source="team_id", allow_null=True, help_text="A team id, or null.")
    labels = serializers.SerializerMethodField()
    snoozed_until = serializers.DateTimeField(allow_null=True, help_text="When a snoozed conversation reopens.")
    resolved_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(LabelOutput(many=True))
    def get_labels(self, conversation: Conversation) -> list[dict[str, Any]]:
        found = selectors.conversation_labels(tenant=conversation.tenant_id, conversation_id=conversation.pk)
        return LabelOutput(found, many=True).data  # type: ignore[return-value]


class ConversationActionView(TenantAPIView):
    """POST: read `input_class` from the body, `perform` the action, answer with the conversation."""

    input_class: type[serializers.Serializer[Any]] | None = None

    def conversation(self, conversation_id: int) -> Conversation:
        conversation = selectors.conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        if conversation is None:
            raise NotFound("There is no such conversation.")
        return conversation

    def validated(self, request: Request) -> dict[str, Any]:
        if self.input_class is None:
            return {}
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def perform(self, conversation: Conversation, data: dict[str, Any], *, now: datetime) -> Conversation:
        raise NotImplementedError

    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = self.conversation(conversation_id)
        conversation = self.perform(conversation, self.validated(request), now=timezone.now())
        return Response(WorkedConversationOutput(conversation, context={"now": timezone.now()}).data)


class AssignInput(serializers.Serializer[Any]):
    assignee = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="A member's user id; null: nobody."
    )
    team = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="A team id; null: no team."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Give `assignee`, `team`, or both.")
        return attrs


@extend_schema_view(
    post=extend_schema(
        operation_id="conversations_assign",
        summary="Assign the conversation to a member and/or a team",
        description="Only the keys given change: `assignee` (a member's user id, or null to unassign) and `team` "
        "(a team id, or null). Given both, the member must belong to the team.",
        request=AssignInput,
        examples=[
            OpenApiExample("To a member", value={"assignee": 42}),
            OpenApiExample("Unassign", value={"assignee": None}),
            OpenApiExample("To a team and one of its members", value={"team": 3, "assignee": 42}),
        ],
        responses={
            200: WorkedConversationOutput,
            400: _invalid("`not_a_member`, `unknown_team`, `not_in_team`"),
            403: _invalid("`assigned_to_colleague`"),
            404: NOT_FOUND,
        },
    )
)
class ConversationAssignView(ConversationActionView):
    input_class = AssignInput

    def perform(self, conversation: Conversation, data: dict[str, Any], *, now: datetime) -> Conversation:
        if "team" in data:
            return services.conversation_team_set(
                conversation=conversation,
                team_id=data["team"],
                assignee_id=data.get("assignee", services.KEEP),
                actor=self.actor,
                now=now,
            )
        if data["assignee"] is None:
            return services.conversation_unassign(conversation=conversation, actor=self.actor, now=now)
        return services.conversation_assign(
            conversation=conversation, assignee_id=data["assignee"], actor=self.actor, now=now
        )


class StatusInput(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=STATUSES_SET_DIRECTLY, help_text="open, pending or resolved; to snooze, use /snooze/."
    )


NEWER_OPEN = OpenApiResponse(ErrorEnvelopeOutput, description="`newer_conversation_open`: continue in that one.")


@extend_schema_view(
    post=extend_schema(
        operation_id="conversations_status",
        summary="Open, set pending or resolve the conversation",
        description="Reopening a resolved conversation is refused while the customer has a newer one open on the "
        "same number.",
        request=StatusInput,
        examples=[OpenApiExample("Resolve", value={"status": "resolved"})],
        responses={200: WorkedConversationOutput, 400: _invalid("`validation_error`"), 404: NOT_FOUND, 409: NEWER_OPEN},
    )
)
class ConversationStatusView(ConversationActionView):
    input_class = StatusInput

    def perform(self, conversation: Conversation, data: dict[str, Any], *, now: datetime) -> Conversation:
        return services.conversation_status_set(
            conversation=conversation, status=data["status"], actor=self.actor, now=now
        )


class SnoozeInput(serializers.Serializer[Any]):
    until = AwareDateTimeField(help_text="When it reopens: ISO 8601 with time zone, in the future, within 90 days.")


@extend_schema_view(
    post=extend_schema(
        operation_id="conversations_snooze",
        summary="Snooze the conversation until a time",
        description="Its status becomes `snoozed`; it reopens at `until`, or as soon as the customer writes.",
        request=SnoozeInput,
        examples=[OpenApiExample("Until Monday morning", value={"until": "2025-06-02T09:00:00+02:00"})],
        responses={
            200: WorkedConversationOutput,
            400: _invalid("`snooze_in_past`, `snooze_too_far`"),
            404: NOT_FOUND,
            409: NEWER_OPEN,
        },
    )
)
class ConversationSnoozeView(ConversationActionView):
    input_class = SnoozeInput

    def perform(self, conversation: Conversation, data: dict[str, Any], *, now: datetime) -> Conversation:
        return services.conversation_snooze(conversation=conversation, until=data["until"], actor=self.actor, now=now)


class LabelsInput(serializers.Serializer[Any]):
    add = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100, default=list
    )
    remove = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100, default=list
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["add"] and not attrs["remove"]:
            raise serializers.ValidationError("Give label ids to `add`, to `remove`, or both.")
        return attrs


@extend_schema_view(
    post=extend_schema(
        operation_id="conversations_labels",
        summary="Add and remove labels",
        description="Label ids of the workspace. A label already on the conversation (or already off) is left as "
        "it is. `unknown_label` lists the ids in `details.labels`; `label_conflict`: the same id in both.",
        request=LabelsInput,
        examples=[OpenApiExample("Tag as VIP, drop 'new'", value={"add": [7], "remove": [2]})],
        responses={200: WorkedConversationOutput, 400: _invalid("`unknown_label`, `label_conflict`"), 404: NOT_FOUND},
    )
)
class ConversationLabelsView(ConversationActionView):
    input_class = LabelsInput

    def perform(self, conversation: Conversation, data: dict[str, Any], *, now: datetime) -> Conversation:
        return services.conversation_labels_change(
            conversation=conversation, add=data["add"], remove=data["remove"], actor=self.actor, now=now
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="conversations_unread",
        summary="Mark the conversation unread",
        description="Its unread count becomes at least 1, so the inbox lists it as unread.",
        request=None,
        responses={200: WorkedConversationOutput, 404: NOT_FOUND},
    )
)
class ConversationUnreadView(ConversationActionView):
    def perform(self, conversation: Conversation, data: dict[str, Any], *, now: datetime) -> Conversation:
        return services.conversation_mark_unread(conversation=conversation, actor=self.actor, now=now)


class NoteInput(serializers.Serializer[Any]):
    body = serializers.CharField(
        max_length=services.MAX_NOTE_LENGTH,
        help_text="The note; @name or @email mentions a member, who is notified. Never sent to the customer.",
    )


class NoteOutput(serializers.Serializer[Activity]):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField(source="conversation_id")
    body = serializers.CharField()
    mentions = serializers.ListField(child=serializers.IntegerField(), help_text="User ids of the members mentioned.")
    author = serializers.CharField(source="actor_label", help_text="Who wrote it: a member's name, or the API key.")
    created_at = serializers.DateTimeField()


class ConversationNotesView(ConversationActionView):
    input_class = NoteInput

    @extend_schema(
        operation_id="conversations_notes_create",
        summary="Add a private note",
        description="Shown in the conversation's thread to the team only.",
        request=NoteInput,
        examples=[OpenApiExample("With a mention", value={"body": "@sam can you check the refund?"})],
        responses={201: NoteOutput, 400: _invalid("`note_empty`, `validation_error`"), 404: NOT_FOUND},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = self.conversation(conversation_id)
        body = self.validated(request)["body"]
        note = services.note_add(conversation=conversation, body=body, actor=self.actor, now=timezone.now())
        return Response(NoteOutput(note).data, status=201)
