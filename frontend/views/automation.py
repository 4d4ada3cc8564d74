"""Admin pages of the bot: opening hours and holidays (the workspace's and each number's), the
bot's settings (greeting, away message, menu, handover, external bot) and its keyword answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from inbox import hours as opening_hours
from inbox import selectors
from inbox.automation import policy
from inbox.automation import services as automation
from inbox.automation.selectors import automation_answers, automation_settings, menu_of
from inbox.models import AnswerMatch, AutomationAnswer, Channel

DAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HUMAN_MARK = "@human"

# Forms ----------------------------------------------------------------------------------------


class HoursForm(forms.Form):
    timezone_name = forms.ChoiceField(label=gettext_lazy("Time zone"))
    monday = forms.CharField(label=gettext_lazy("Monday"), required=False)
    tuesday = forms.CharField(label=gettext_lazy("Tuesday"), required=False)
    wednesday = forms.CharField(label=gettext_lazy("Wednesday"), required=False)
    thursday = forms.CharField(label=gettext_lazy("Thursday"), required=False)
    friday = forms.CharField(label=gettext_lazy("Friday"), required=False)
    saturday = forms.CharField(label=gettext_lazy("Saturday"), required=False)
    sunday = forms.CharField(label=gettext_lazy("Sunday"), required=False)
    holidays = forms.CharField(
        label=gettext_lazy("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-24\n2026-12-25"}),
        help_text=gettext_lazy("Closed all day on these dates, one a line, as YYYY-MM-DD."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["timezone_name"]).choices = [(z, z) for z in sorted(available_timezones())]
        for name in DAY_FIELDS:
            self.fields[name].widget.attrs.update({"placeholder": "09:00-12:30, 13:30-18:00", "spellcheck": "false"})
        self.fields["monday"].help_text = gettext_lazy(
            "Periods like 09:00-17:00, separated by commas; blank means closed. 22:00-02:00 runs past midnight."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        intervals: list[opening_hours.Interval] = []
        for weekday, name in enumerate(DAY_FIELDS):
            try:
                intervals += opening_hours.parse_day(weekday, data.get(name, ""))
            except opening_hours.HoursError as error:
                self.add_error(name, str(error))
        try:
            data["holiday_dates"] = opening_hours.parse_holidays(data.get("holidays", ""))
        except opening_hours.HoursError as error:
            self.add_error("holidays", str(error))
        data["intervals"] = intervals
        return data


def _hours_initial(hours: opening_hours.OpeningHours | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"timezone_name": hours.timezone if hours else timezone.get_default_timezone_name()}
    for weekday, name in enumerate(DAY_FIELDS):
        initial[name] = opening_hours.day_text(hours, weekday)
    initial["holidays"] = "\n".join(d.isoformat() for d in sorted(hours.holidays)) if hours else ""
    return initial


class AutomationForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("The bot answers customers"), required=False)
    greeting = forms.CharField(
        label=gettext_lazy("Greeting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Sent to a customer writing for the first time. Blank: no greeting."),
    )
    away_message = forms.CharField(
        label=gettext_lazy("Away message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Sent outside opening hours, once a day per conversation; {next_opening} becomes the next opening time."
        ),
    )
    fallback_reply = forms.CharField(
        label=gettext_lazy("When the bot does not understand"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    max_misunderstandings = forms.IntegerField(
        label=gettext_lazy("Hand over after this many answers in a row the bot did not understand"),
        min_value=1,
        max_value=automation.MAX_MISUNDERSTANDINGS_LIMIT,
        initial=2,
    )
    handover_keywords = forms.CharField(
        label=gettext_lazy("“Talk to a human” keywords"),
        required=False,
        help_text=gettext_lazy("Separated by commas, for example: human, agent, Mensch, humain."),
    )
    handover_reply = forms.CharField(
        label=gettext_lazy("Sent when the bot hands over"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    menu_kind = forms.ChoiceField(
        label=gettext_lazy("Menu"),
        required=False,
        choices=[
            ("", gettext_lazy("No menu")),
            ("buttons", gettext_lazy("Reply buttons (up to 3)")),
            ("list", gettext_lazy("A list (up to 10)")),
        ],
    )
    menu_text = forms.CharField(label=gettext_lazy("Menu text"), required=False)
    menu_button = forms.CharField(
        label=gettext_lazy("List button label"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("For a list: the button that opens it, for example “Choose”."),
    )
    menu_options = forms.CharField(
        label=gettext_lazy("Menu options"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "Opening hours | We open Mon–Fri 9–17.\nTalk to a person | @human"}
        ),
        help_text=gettext_lazy("One a line: the option's title, a |, and the answer; @human as answer hands over."),
    )
    external_bot_url = forms.URLField(
        label=gettext_lazy("External bot URL"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Optional: your own bot. Messages are POSTed to it, signed; its answer is sent."),
    )
    regenerate_secret = forms.BooleanField(label=gettext_lazy("Make a new signing secret"), required=False)

    def clean_handover_keywords(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data["handover_keywords"].split(",") if k.strip()]

    def clean_menu_options(self) -> tuple[policy.MenuOption, ...]:
        options = []
        for number, line in enumerate(
            filter(None, (line.strip() for line in self.cleaned_data["menu_options"].splitlines())), 1
        ):
            title, _bar, answer = (part.strip() for part in line.partition("|"))
            if not title or not answer:
                raise forms.ValidationError(
                    _("Line %(number)d: write the title, a |, and the answer.") % {"number": number}
                )
            if answer == HUMAN_MARK:
                options.append(policy.MenuOption(policy.HANDOVER_OPTION_ID, title, handover=True))
            else:
                options.append(policy.MenuOption(f"option-{number}", title, reply=answer))
        return tuple(options)


def _menu_lines(options: list[dict[str, Any]]) -> str:
    return "\n".join(f"{o['title']} | {HUMAN_MARK if o.get('handover') else o.get('reply', '')}" for o in options)


class AnswerForm(forms.Form):
    match = forms.ChoiceField(label=gettext_lazy("When the message"), choices=AnswerMatch.choices)
    pattern = forms.CharField(label=gettext_lazy("Words"), max_length=automation.PATTERN_MAX_LENGTH)
    language = forms.CharField(
        label=gettext_lazy("Language"),
        required=False,
        max_length=8,
        help_text=gettext_lazy("The customer's language this answer is for (en, de, fr…); blank for any."),
    )
    reply = forms.CharField(
        label=gettext_lazy("Answer"), max_length=automation.REPLY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


# Opening hours --------------------------------------------------------------------------------


def _channel(request: TenantRequest, channel_id: int) -> Channel:
    return get_object_or_404(selectors.channels(tenant=request.tenant), pk=channel_id)


def _save_hours(request: TenantRequest, form: HoursForm, channel: Channel | None) -> bool:
    actor = actor_for(request)
    return form_saved(
        form,
        lambda data: automation.opening_hours_set(
            actor=actor,
            channel=channel,
            timezone_name=data["timezone_name"],
            intervals=data["intervals"],
            holidays=data["holiday_dates"],
            now=timezone.now(),
        ),
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def hours(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """The workspace's hours, and which numbers have their own."""
    workspace = opening_hours.hours_for_workspace(request.tenant.pk)
    form = HoursForm(request.POST or None, initial=_hours_initial(workspace))
    if request.method == "POST" and _save_hours(request, form, None):
        messages.success(request, _("Opening hours saved."))
        return redirect("settings_hours", tenant_slug=request.tenant.slug)
    numbers = [
        {"channel": channel, "own": _own_hours(channel)} for channel in selectors.channels(tenant=request.tenant)
    ]
    context = {
        "form": form,
        "numbers": numbers,
        "summary": opening_hours.describe(workspace, request.LANGUAGE_CODE) if workspace else [],
    }
    return render(request, "frontend/automation/hours.html", context, status=400 if form.errors else 200)


def _own_hours(channel: Channel) -> bool:
    found = opening_hours.hours_for_channel(channel)
    return found is not None and found != opening_hours.hours_for_workspace(channel.tenant_id)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def hours_channel(request: TenantRequest, tenant_slug: str, channel_id: int) -> HttpResponse:
    """A number's own hours (until cleared, it uses the workspace's)."""
    channel = _channel(request, channel_id)
    form = HoursForm(request.POST or None, initial=_hours_initial(opening_hours.hours_for_channel(channel)))
    if request.method == "POST" and _save_hours(request, form, channel):
        messages.success(request, _("Opening hours of %(number)s saved.") % {"number": channel.name})
        return redirect("settings_hours", tenant_slug=request.tenant.slug)
    context = {"form": form, "channel": channel}
    return render(request, "frontend/automation/hours_channel.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def hours_channel_clear(request: TenantRequest, tenant_slug: str, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id)
    automation.opening_hours_clear(actor=actor_for(request), channel=channel)
    messages.success(request, _("%(number)s uses the workspace's opening hours again.") % {"number": channel.name})
    return redirect("settings_hours", tenant_slug=request.tenant.slug)


# The bot --------------------------------------------------------------------------------------


def _bot_page(
    request: TenantRequest, *, form: AutomationForm, answer_form: AnswerForm, status: int = 200
) -> HttpResponse:
    current = automation_settings(tenant_id=request.tenant.pk)
    context = {
        "form": form,
        "answer_form": answer_form,
        "answers": automation_answers(tenant_id=request.tenant.pk),
        "bot": current,
        "menu": menu_of(current) if current is not None else None,
    }
    return render(request, "frontend/automation/bot.html", context, status=status)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def bot(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    current = automation_settings(tenant_id=request.tenant.pk)
    initial: dict[str, Any] = {"max_misunderstandings": 2}
    if current is not None:
        initial = {
            name: getattr(current, name)
            for name in (
                "enabled",
                "greeting",
                "away_message",
                "fallback_reply",
                "max_misunderstandings",
                "handover_reply",
                "menu_kind",
                "menu_text",
                "menu_button",
                "external_bot_url",
            )
        }
        initial["handover_keywords"] = ", ".join(current.handover_keywords)
        initial["menu_options"] = _menu_lines(current.menu_options)
    form = AutomationForm(request.POST or None, initial=initial)
    actor = actor_for(request)
    if request.method == "POST" and form_saved(
        form, lambda data: automation.automation_settings_save(actor=actor, now=timezone.now(), **data)
    ):
        messages.success(request, _("Bot settings saved."))
        return redirect("settings_bot", tenant_slug=request.tenant.slug)
    return _bot_page(request, form=form, answer_form=AnswerForm(), status=400 if form.errors else 200)


def form_saved(form: forms.Form, save: Callable[[dict[str, Any]], object]) -> bool:
    """Whether the form is valid and `save` (a service) took its data; a refusal becomes an error
    on the field it names (`details["field"]`), else on the form."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ServiceError as error:
        field = error.details.get("field") if isinstance(error.details, dict) else None
        form.add_error(field if field in form.fields else None, error.message)
        return False
    return True


@role_required(Role.ADMIN)
@require_POST
def answer_add(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    form = AnswerForm(request.POST)
    actor = actor_for(request)
    if form_saved(form, lambda data: automation.automation_answer_create(actor=actor, now=timezone.now(), **data)):
        messages.success(request, _("Answer added."))
        return redirect("settings_bot", tenant_slug=request.tenant.slug)
    initial = AutomationForm(initial={"max_misunderstandings": 2})
    return _bot_page(request, form=initial, answer_form=form, status=400)


def _answer(request: TenantRequest, answer_id: int) -> AutomationAnswer:
    return get_object_or_404(automation_answers(tenant_id=request.tenant.pk), pk=answer_id)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def answer_edit(request: TenantRequest, tenant_slug: str, answer_id: int) -> HttpResponse:
    answer = _answer(request, answer_id)
    initial = {"match": answer.match, "pattern": answer.pattern, "language": answer.language, "reply": answer.reply}
    form = AnswerForm(request.POST or None, initial=initial)
    actor = actor_for(request)
    if request.method == "POST" and form_saved(
        form, lambda data: automation.automation_answer_update(actor=actor, answer=answer, **data)
    ):
        messages.success(request, _("Answer saved."))
        return redirect("settings_bot", tenant_slug=request.tenant.slug)
    context = {"form": form, "answer": answer}
    return render(request, "frontend/automation/answer.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def answer_delete(request: TenantRequest, tenant_slug: str, answer_id: int) -> HttpResponse:
    answer = _answer(request, answer_id)
    automation.automation_answer_delete(actor=actor_for(request), answer=answer)
    messages.success(request, _("Answer deleted."))
    return redirect("settings_bot", tenant_slug=request.tenant.slug)
