"""/api/v1/ for automation, admin keys only: opening hours and holidays (the workspace's and each
channel's), the bot (its settings and its keyword and FAQ answers) and event-webhook subscriptions.
Each view validates, calls the service the settings pages use, and answers; refusals come as the
error envelope with the field they concern in `details.field`."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView, parse
from accounts.errors import PermissionDeniedError, ServiceError
from accounts.models import Role
from accounts.policy import role_includes
from inbox import hours as opening_hours
from inbox import selectors
from inbox.automation import policy as bot_policy
from inbox.automation import selectors as bot_selectors
from inbox.automation import services as bot
from inbox.hooks import policy as hooks_policy
from inbox.hooks import selectors as hooks_selectors
from inbox.hooks import services as hooks
from inbox.models import AnswerMatch, AutomationAnswer, AutomationSettings, Channel, EventSubscription


class AdminAPIView(TenantAPIView):
    """Settings: admin keys only, for reading too (they hold signing secrets)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not role_includes(self.actor.role, Role.ADMIN):
            raise PermissionDeniedError("This needs an API key with admin access.", code="api_key_not_admin")


# Opening hours ---------------------------------------------------------------------------------


class IntervalSerializer(serializers.Serializer[Any]):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 Monday … 6 Sunday.")
    opens = serializers.TimeField(format="%H:%M", help_text="Wall-clock time in `timezone`, e.g. 09:00.")
    closes = serializers.TimeField(
        format="%H:%M", help_text="At or before `opens`: the next day (22:00–02:00); 00:00 is midnight."
    )


class HoursSerializer(serializers.Serializer[Any]):
    timezone = serializers.CharField(max_length=64, help_text="An IANA time zone, e.g. Europe/Berlin.")
    intervals = serializers.ListField(child=IntervalSerializer(), max_length=70)
    holidays = serializers.ListField(child=serializers.DateField(), max_length=400, help_text="Closed all day.")


class HoursOutput(HoursSerializer):
    channel_id = serializers.IntegerField(allow_null=True, help_text="None: the workspace's default.")
    own = serializers.BooleanField(help_text="False: a channel without hours of its own uses the workspace's.")


def _intervals(items: list[dict[str, Any]]) -> list[opening_hours.Interval]:
    """The intervals as the hours module keeps them; ServiceError `invalid_hours` when two overlap
    or one opens and closes at the same time."""
    intervals = [opening_hours.Interval(i["weekday"], i["opens"], i["closes"]) for i in items]
    try:
        opening_hours.check_intervals(intervals)
    except opening_hours.HoursError as error:
        raise ServiceError(str(error), code="invalid_hours", details={"field": "intervals"}) from error
    return intervals


def _hours_output(hours: opening_hours.OpeningHours | None, *, channel_id: int | None, own: bool) -> dict[str, Any]:
    return {
        "channel_id": channel_id,
        "own": own,
        "timezone": hours.timezone if hours else "UTC",
        "intervals": opening_hours.intervals_to_json(hours.intervals) if hours else [],
        "holidays": sorted(hours.holidays) if hours else [],
    }


def _save_hours(view: AdminAPIView, request: Request, channel: Channel | None) -> None:
    data = parse(HoursSerializer, request.data)
    bot.opening_hours_set(
        actor=view.actor,
        channel=channel,
        timezone_name=data["timezone"],
        intervals=_intervals(data["intervals"]),
        holidays=frozenset(data["holidays"]),
        now=timezone.now(),
    )


class HoursView(AdminAPIView):
    @extend_schema(responses=HoursOutput, summary="The workspace's opening hours and holidays")
    def get(self, request: Request) -> Response:
        hours = opening_hours.hours_for_workspace(self.tenant.pk)
        return Response(_hours_output(hours, channel_id=None, own=hours is not None))

    @extend_schema(
        request=HoursSerializer,
        responses=HoursOutput,
        summary="Set the workspace's opening hours and holidays",
        description="The bot's away message and the business profile preview use them. Errors: "
        "`invalid_timezone`, `invalid_hours` (overlapping periods), `validation_error`.",
    )
    def put(self, request: Request) -> Response:
        _save_hours(self, request, None)
        return self.get(request)


class ChannelHoursView(AdminAPIView):
    def _channel(self, channel_id: int) -> Channel:
        return get_object_or_404(selectors.channels(tenant=self.tenant), pk=channel_id)

    @extend_schema(responses=HoursOutput, summary="A channel's (a number's) opening hours")
    def get(self, request: Request, channel_id: int) -> Response:
        channel = self._channel(channel_id)
        hours = opening_hours.hours_for_channel(channel)
        own = hours is not None and hours != opening_hours.hours_for_workspace(self.tenant.pk)
        return Response(_hours_output(hours, channel_id=channel.pk, own=own))

    @extend_schema(request=HoursSerializer, responses=HoursOutput, summary="Give a channel hours of its own")
    def put(self, request: Request, channel_id: int) -> Response:
        _save_hours(self, request, self._channel(channel_id))
        return self.get(request, channel_id)

    @extend_schema(responses={204: None}, summary="A channel goes back to the workspace's hours")
    def delete(self, request: Request, channel_id: int) -> Response:
        bot.opening_hours_clear(actor=self.actor, channel=self._channel(channel_id))
        return Response(status=204)


# The bot -----------------------------------------------------------------------------------------


class MenuOptionSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=24)
    reply = serializers.CharField(max_length=bot.REPLY_MAX_LENGTH, required=False, allow_blank=True, default="")
    handover = serializers.BooleanField(required=False, default=False, help_text="Choosing it reaches a person.")


class MenuSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["buttons", "list"])
    text = serializers.CharField(max_length=bot.REPLY_MAX_LENGTH)
    button = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    options = MenuOptionSerializer(many=True)


_TEXTS = ("greeting", "away_message", "fallback_reply", "handover_reply")


class BotSerializer(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    greeting = serializers.CharField(allow_blank=True, default="", help_text="To a contact writing the first time.")
    away_message = serializers.CharField(
        allow_blank=True, default="", help_text="Outside opening hours; `{next_opening}` is filled in."
    )
    fallback_reply = serializers.CharField(allow_blank=True, default="")
    handover_keywords = serializers.ListField(child=serializers.CharField(max_length=40), default=list)
    handover_reply = serializers.CharField(allow_blank=True, default="")
    max_misunderstandings = serializers.IntegerField(default=2)
    menu = MenuSerializer(allow_null=True, default=None)
    external_bot_url = serializers.URLField(max_length=500, allow_blank=True, default="")


class BotOutput(BotSerializer):
    external_bot_secret = serializers.CharField(help_text="Signs the messages posted to the external bot.")
    updated_at = serializers.DateTimeField(allow_null=True)


def _bot_output(settings: AutomationSettings | None) -> dict[str, Any]:
    settings = settings or AutomationSettings()
    menu = bot_selectors.menu_of(settings) if settings.pk else None
    return {
        **{name: getattr(settings, name) for name in ("enabled", *_TEXTS, "max_misunderstandings")},
        "handover_keywords": list(settings.handover_keywords),
        "menu": {
            "kind": menu.kind,
            "text": menu.text,
            "button": menu.button,
            "options": [vars(option) for option in menu.options],
        }
        if menu
        else None,
        "external_bot_url": settings.external_bot_url,
        "external_bot_secret": settings.external_bot_secret,
        "updated_at": settings.updated_at if settings.pk else None,
    }


class BotView(AdminAPIView):
    @extend_schema(responses=BotOutput, summary="The bot's settings")
    def get(self, request: Request) -> Response:
        return Response(BotOutput(_bot_output(bot_selectors.automation_settings(tenant_id=self.tenant.pk))).data)

    @extend_schema(
        request=BotSerializer,
        responses=BotOutput,
        summary="Replace the bot's settings",
        description="Rules are data, evaluated for each customer message. Errors: `text_too_long`, "
        "`keyword_too_long`, `invalid_max_misunderstandings`, `menu_*` (see the message), `validation_error`.",
    )
    def put(self, request: Request) -> Response:
        data = parse(BotSerializer, request.data)
        menu = data.pop("menu")
        fields = {
            **data,
            "menu_kind": menu["kind"] if menu else "",
            "menu_text": menu["text"] if menu else "",
            "menu_button": menu["button"] if menu else "",
            "menu_options": tuple(bot_policy.MenuOption(**option) for option in menu["options"]) if menu else (),
        }
        settings = bot.automation_settings_save(actor=self.actor, now=timezone.now(), **fields)
        return Response(BotOutput(_bot_output(settings)).data)


class AnswerSerializer(serializers.Serializer[AutomationAnswer]):
    match = serializers.ChoiceField(choices=AnswerMatch.choices)
    pattern = serializers.CharField(max_length=bot.PATTERN_MAX_LENGTH)
    language = serializers.CharField(
        max_length=8, allow_blank=True, default="", help_text='The customer\'s language it is for; "" any.'
    )
    reply = serializers.CharField(max_length=bot.REPLY_MAX_LENGTH)


class AnswerOutput(AnswerSerializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class AnswerListView(AdminAPIView):
    @extend_schema(responses=AnswerOutput(many=True), summary="The bot's keyword and FAQ answers")
    def get(self, request: Request) -> Response:
        answers = bot_selectors.automation_answers(tenant_id=self.tenant.pk)
        return Response({"results": AnswerOutput(answers, many=True).data, "next": None})  # type: ignore[arg-type]

    @extend_schema(
        request=AnswerSerializer,
        responses={201: AnswerOutput},
        summary="Add an answer",
        description="Errors: `invalid_regex`, `pattern_missing`, `reply_missing`, `text_too_long`.",
    )
    def post(self, request: Request) -> Response:
        answer = bot.automation_answer_create(
            actor=self.actor, now=timezone.now(), **parse(AnswerSerializer, request.data)
        )
        return Response(AnswerOutput(answer).data, status=201)


class AnswerDetailView(AdminAPIView):
    def _answer(self, answer_id: int) -> AutomationAnswer:
        return get_object_or_404(bot_selectors.automation_answers(tenant_id=self.tenant.pk), pk=answer_id)

    @extend_schema(responses=AnswerOutput, summary="One answer")
    def get(self, request: Request, answer_id: int) -> Response:
        return Response(AnswerOutput(self._answer(answer_id)).data)

    @extend_schema(request=AnswerSerializer, responses=AnswerOutput, summary="Change an answer")
    def put(self, request: Request, answer_id: int) -> Response:
        answer = bot.automation_answer_update(
            actor=self.actor, answer=self._answer(answer_id), **parse(AnswerSerializer, request.data)
        )
        return Response(AnswerOutput(answer).data)

    @extend_schema(responses={204: None}, summary="Delete an answer")
    def delete(self, request: Request, answer_id: int) -> Response:
        bot.automation_answer_delete(actor=self.actor, answer=self._answer(answer_id))
        return Response(status=204)


# Event webhooks ----------------------------------------------------------------------------------


class SubscriptionSerializer(serializers.Serializer[EventSubscription]):
    url = serializers.URLField(max_length=500, help_text="Receives signed JSON POSTs.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(hooks_policy.EVENT_TYPES)), allow_empty=False
    )
    description = serializers.CharField(max_length=120, allow_blank=True, default="")
    is_active = serializers.BooleanField(default=True)


class SubscriptionOutput(SubscriptionSerializer):
    id = serializers.IntegerField()
    secret = serializers.CharField(help_text="Signs each delivery (see the webhooks settings page for the scheme).")
    created_at = serializers.DateTimeField()


class SubscriptionUpdateSerializer(SubscriptionSerializer):
    regenerate_secret = serializers.BooleanField(default=False)


class SubscriptionListView(AdminAPIView):
    @extend_schema(responses=SubscriptionOutput(many=True), summary="Event-webhook subscriptions")
    def get(self, request: Request) -> Response:
        subscriptions = hooks_selectors.event_subscriptions(tenant_id=self.tenant.pk)
        output = SubscriptionOutput(subscriptions, many=True)  # type: ignore[arg-type]
        return Response({"results": output.data, "next": None})

    @extend_schema(
        request=SubscriptionSerializer,
        responses={201: SubscriptionOutput},
        summary="Subscribe an endpoint to events",
        description="Errors: `invalid_url`, `event_types_missing`, `event_types_unknown`, `validation_error`.",
    )
    def post(self, request: Request) -> Response:
        data = parse(SubscriptionSerializer, request.data)
        is_active = data.pop("is_active")
        subscription = hooks.event_subscription_create(actor=self.actor, now=timezone.now(), **data)
        if not is_active:
            subscription = hooks.event_subscription_update(
                actor=self.actor, subscription=subscription, is_active=False, **data
            )
        return Response(SubscriptionOutput(subscription).data, status=201)


class SubscriptionDetailView(AdminAPIView):
    def _subscription(self, subscription_id: int) -> EventSubscription:
        return get_object_or_404(hooks_selectors.event_subscriptions(tenant_id=self.tenant.pk), pk=subscription_id)

    @extend_schema(responses=SubscriptionOutput, summary="One subscription")
    def get(self, request: Request, subscription_id: int) -> Response:
        return Response(SubscriptionOutput(self._subscription(subscription_id)).data)

    @extend_schema(request=SubscriptionUpdateSerializer, responses=SubscriptionOutput, summary="Change a subscription")
    def put(self, request: Request, subscription_id: int) -> Response:
        subscription = hooks.event_subscription_update(
            actor=self.actor,
            subscription=self._subscription(subscription_id),
            **parse(SubscriptionUpdateSerializer, request.data),
        )
        return Response(SubscriptionOutput(subscription).data)

    @extend_schema(responses={204: None}, summary="Delete a subscription")
    def delete(self, request: Request, subscription_id: int) -> Response:
        hooks.event_subscription_delete(actor=self.actor, subscription=self._subscription(subscription_id))
        return Response(status=204)
