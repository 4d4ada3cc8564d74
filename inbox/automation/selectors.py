"""Reads of the bot: a workspace's settings and answers, as the policy's plain values."""

from __future__ import annotations

from django.db.models import QuerySet

from inbox.automation import policy
from inbox.models import AutomationAnswer, AutomationSettings


def automation_settings(*, tenant_id: int) -> AutomationSettings | None:
    return AutomationSettings.objects.for_tenant(tenant_id).first()


def automation_answers(*, tenant_id: int) -> QuerySet[AutomationAnswer]:
    return AutomationAnswer.objects.for_tenant(tenant_id).order_by("pk")


def menu_of(settings: AutomationSettings) -> policy.Menu | None:
    if not settings.menu_kind or not settings.menu_options:
        return None
    options = tuple(
        policy.MenuOption(
            id=str(o["id"]), title=str(o["title"]), reply=str(o.get("reply", "")), handover=bool(o.get("handover"))
        )
        for o in settings.menu_options
    )
    return policy.Menu(kind=settings.menu_kind, text=settings.menu_text, options=options, button=settings.menu_button)


def rules_for(settings: AutomationSettings) -> policy.Rules:
    answers = tuple(
        policy.Answer(match=a.match, pattern=a.pattern, reply=a.reply, language=a.language)
        for a in automation_answers(tenant_id=settings.tenant_id)
    )
    return policy.Rules(
        enabled=settings.enabled,
        greeting=settings.greeting,
        away_message=settings.away_message,
        fallback_reply=settings.fallback_reply,
        handover_keywords=tuple(settings.handover_keywords),
        handover_reply=settings.handover_reply,
        max_misunderstandings=settings.max_misunderstandings,
        menu=menu_of(settings),
        answers=answers,
        external_bot=bool(settings.external_bot_url),
    )
