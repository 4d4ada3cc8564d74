"""Admin pages that set up the inbox: teams and their members, labels, canned responses, and
automatic assignment per WhatsApp number. Each list page also holds the form to add one; an
item's page edits it; deleting asks for confirmation first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from inbox import selectors
from inbox.models import AutoAssignment, CannedResponse, Label, Team
from inbox.services import setup

Saved = TypeVar("Saved")

# Forms: the shape of what was typed; the services decide the rest (uniqueness, membership…).


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=setup.TEAM_NAME_MAX_LENGTH)
    members = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Members"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Conversations assigned to the team show in its members' inbox."),
    )

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["members"]).choices = member_choices


class LabelForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=setup.LABEL_NAME_MAX_LENGTH)
    color = forms.CharField(
        label=gettext_lazy("Colour"),
        max_length=7,
        initial="#2563eb",
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class CannedResponseForm(forms.Form):
    shortcut = forms.CharField(
        label=gettext_lazy("Shortcut"),
        max_length=setup.SHORTCUT_MAX_LENGTH + 1,  # a leading "/" is allowed and dropped
        help_text=gettext_lazy("Agents type / and this word in the composer, for example /opening-hours."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=setup.TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=setup.CANNED_RESPONSE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AutoAssignmentForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("Assign new conversations automatically"), required=False)
    team = forms.TypedChoiceField(label=gettext_lazy("Share among"), coerce=int, required=False, empty_value=None)
    max_open_per_agent = forms.IntegerField(
        label=gettext_lazy("At most open conversations per agent"),
        min_value=1,
        max_value=setup.MAX_OPEN_PER_AGENT_LIMIT,
    )

    def __init__(self, *args: Any, team_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", _("Every agent of the workspace")), *team_choices]


# Shared steps ---------------------------------------------------------------------------------


def _carried_out(form: forms.Form, action: Callable[[], Saved]) -> Saved | None:
    """Run a service with the form's data: what it saved, or None when it refused, with its
    reason as an error on the field it is about."""
    try:
        return action()
    except ServiceError as error:
        field = error.details.get("field") if isinstance(error.details, dict) else None
        form.add_error(field if field in form.fields else None, error.message)
        return None


def _form_page(
    request: TenantRequest,
    *,
    form: forms.Form,
    template: str,
    context: dict[str, Any],
    save: Callable[[dict[str, Any]], Saved],
    saved_message: Callable[[Saved], str],
    back_to: str,
) -> HttpResponse:
    """A page with a form: on a valid POST, `save` the cleaned data and go back to the list;
    otherwise (re)show the page, 400 when the form has errors."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _carried_out(form, lambda: save(data))
        if saved is not None:
            messages.success(request, saved_message(saved))
            return redirect(back_to, tenant_slug=request.tenant.slug)
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def _confirm_delete(
    request: TenantRequest,
    *,
    thing: str,
    consequence: str,
    back_to: str,
    delete: Callable[[], object],
    deleted_message: str,
) -> HttpResponse:
    """GET asks "Delete …?"; POST deletes (or, refused, says why) and goes back to the list."""
    if request.method == "POST":
        try:
            delete()
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, deleted_message)
        return redirect(back_to, tenant_slug=request.tenant.slug)
    context = {"thing": thing, "consequence": consequence, "back_to": back_to}
    return render(request, "frontend/settings/confirm_delete.html", context)


def _own(model: type[Model], request: TenantRequest, pk: int) -> Any:
    # Scoped to the request's tenant: another tenant's id is a 404, like a missing one.
    return get_object_or_404(model.objects.for_tenant(request.tenant), pk=pk)  # type: ignore[attr-defined]


# Teams -----------------------------------------------------------------------------------------


def _member_choices(request: TenantRequest) -> list[tuple[int, str]]:
    return [
        (
            membership.user_id,
            f"{membership.user.name} ({membership.user.email})" if membership.user.name else membership.user.email,
        )
        for membership in account_selectors.tenant_members(request.tenant)
    ]


def _teams_context(request: TenantRequest) -> dict[str, Any]:
    teams = list(selectors.teams(tenant=request.tenant))
    member_ids = selectors.team_member_ids(tenant=request.tenant, team_ids=[team.pk for team in teams])
    names = dict(_member_choices(request))
    rows = [{"team": team, "members": [names[user_id] for user_id in member_ids[team.pk]]} for team in teams]
    return {"rows": rows, "member_ids": member_ids}


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def teams(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    actor = actor_for(request)
    return _form_page(
        request,
        form=TeamForm(request.POST or None, member_choices=_member_choices(request)),
        template="frontend/settings/teams.html",
        context=_teams_context(request),
        save=lambda data: setup.team_create(actor=actor, name=data["name"], member_ids=data["members"]),
        saved_message=lambda team: _("Team “%(name)s” created.") % {"name": team.name},
        back_to="settings_teams",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def team_detail(request: TenantRequest, tenant_slug: str, team_id: int) -> HttpResponse:
    team: Team = _own(Team, request, team_id)
    actor = actor_for(request)
    context = _teams_context(request)
    initial = {"name": team.name, "members": context["member_ids"].get(team.pk, [])}
    return _form_page(
        request,
        form=TeamForm(request.POST or None, initial=initial, member_choices=_member_choices(request)),
        template="frontend/settings/teams.html",
        context={**context, "editing": team},
        save=lambda data: setup.team_update(actor=actor, team=team, name=data["name"], member_ids=data["members"]),
        saved_message=lambda team: _("Team “%(name)s” saved.") % {"name": team.name},
        back_to="settings_teams",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def team_delete(request: TenantRequest, tenant_slug: str, team_id: int) -> HttpResponse:
    team: Team = _own(Team, request, team_id)
    return _confirm_delete(
        request,
        thing=_("the team “%(name)s”") % {"name": team.name},
        consequence=_("Its conversations keep their assignee but no longer belong to a team."),
        back_to="settings_teams",
        delete=lambda: setup.team_delete(actor=actor_for(request), team=team),
        deleted_message=_("Team “%(name)s” deleted.") % {"name": team.name},
    )


# Labels ----------------------------------------------------------------------------------------


def _labels_context(request: TenantRequest) -> dict[str, Any]:
    return {"labels": selectors.labels(tenant=request.tenant)}


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def labels(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    actor = actor_for(request)
    return _form_page(
        request,
        form=LabelForm(request.POST or None),
        template="frontend/settings/labels.html",
        context=_labels_context(request),
        save=lambda data: setup.label_create(actor=actor, name=data["name"], color=data["color"]),
        saved_message=lambda label: _("Label “%(name)s” created.") % {"name": label.name},
        back_to="settings_labels",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def label_detail(request: TenantRequest, tenant_slug: str, label_id: int) -> HttpResponse:
    label: Label = _own(Label, request, label_id)
    actor = actor_for(request)
    return _form_page(
        request,
        form=LabelForm(request.POST or None, initial={"name": label.name, "color": label.color}),
        template="frontend/settings/labels.html",
        context={**_labels_context(request), "editing": label},
        save=lambda data: setup.label_update(actor=actor, label=label, name=data["name"], color=data["color"]),
        saved_message=lambda label: _("Label “%(name)s” saved.") % {"name": label.name},
        back_to="settings_labels",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def label_delete(request: TenantRequest, tenant_slug: str, label_id: int) -> HttpResponse:
    label: Label = _own(Label, request, label_id)
    return _confirm_delete(
        request,
        thing=_("the label “%(name)s”") % {"name": label.name},
        consequence=_("It is taken off every conversation that has it."),
        back_to="settings_labels",
        delete=lambda: setup.label_delete(actor=actor_for(request), label=label),
        deleted_message=_("Label “%(name)s” deleted.") % {"name": label.name},
    )


# Canned responses ------------------------------------------------------------------------------


def _canned_responses_context(request: TenantRequest) -> dict[str, Any]:
    return {
        "canned_responses": selectors.canned_responses(tenant=request.tenant),
        "placeholders": [f"{{{{{name}}}}}" for name in setup.CANNED_RESPONSE_PLACEHOLDERS],
    }


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def canned_responses(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    actor = actor_for(request)
    return _form_page(
        request,
        form=CannedResponseForm(request.POST or None),
        template="frontend/settings/canned_responses.html",
        context=_canned_responses_context(request),
        save=lambda data: setup.canned_response_create(actor=actor, now=timezone.now(), **data),
        saved_message=lambda saved: _("Canned response /%(shortcut)s created.") % {"shortcut": saved.shortcut},
        back_to="settings_canned_responses",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def canned_response_detail(request: TenantRequest, tenant_slug: str, canned_response_id: int) -> HttpResponse:
    canned_response: CannedResponse = _own(CannedResponse, request, canned_response_id)
    actor = actor_for(request)
    initial = {"shortcut": canned_response.shortcut, "title": canned_response.title, "body": canned_response.body}
    return _form_page(
        request,
        form=CannedResponseForm(request.POST or None, initial=initial),
        template="frontend/settings/canned_responses.html",
        context={**_canned_responses_context(request), "editing": canned_response},
        save=lambda data: setup.canned_response_update(
            actor=actor, canned_response=canned_response, now=timezone.now(), **data
        ),
        saved_message=lambda saved: _("Canned response /%(shortcut)s saved.") % {"shortcut": saved.shortcut},
        back_to="settings_canned_responses",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def canned_response_delete(request: TenantRequest, tenant_slug: str, canned_response_id: int) -> HttpResponse:
    canned_response: CannedResponse = _own(CannedResponse, request, canned_response_id)
    return _confirm_delete(
        request,
        thing=_("the canned response /%(shortcut)s") % {"shortcut": canned_response.shortcut},
        consequence=_("Agents can no longer insert it; messages already sent with it stay as they are."),
        back_to="settings_canned_responses",
        delete=lambda: setup.canned_response_delete(actor=actor_for(request), canned_response=canned_response),
        deleted_message=_("Canned response /%(shortcut)s deleted.") % {"shortcut": canned_response.shortcut},
    )


# Automatic assignment --------------------------------------------------------------------------


def _assignment_rows(
    request: TenantRequest, *, invalid: tuple[int, AutoAssignmentForm] | None = None
) -> list[dict[str, Any]]:
    """One form per channel, filled with its setting (or the defaults); `invalid` keeps a refused
    form as it was typed."""
    team_choices = [(team.pk, team.name) for team in selectors.teams(tenant=request.tenant)]
    settings = selectors.auto_assignments(tenant=request.tenant)
    rows = []
    for channel in selectors.channels(tenant=request.tenant):
        if invalid is not None and invalid[0] == channel.pk:
            form = invalid[1]
        else:
            setting = settings.get(channel.pk)
            initial = (
                {"enabled": setting.enabled, "team": setting.team_id, "max_open_per_agent": setting.max_open_per_agent}
                if setting is not None
                else {"enabled": False, "team": None, "max_open_per_agent": 10}
            )
            form = AutoAssignmentForm(initial=initial, team_choices=team_choices, prefix=f"channel-{channel.pk}")
        rows.append({"channel": channel, "form": form, "setting": settings.get(channel.pk)})
    return rows


@role_required(Role.ADMIN)
@require_http_methods(["GET"])
def assignment(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    return render(request, "frontend/settings/assignment.html", {"rows": _assignment_rows(request)})


@role_required(Role.ADMIN)
@require_http_methods(["POST"])
def assignment_channel(request: TenantRequest, tenant_slug: str, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(selectors.channels(tenant=request.tenant), pk=channel_id)
    actor = actor_for(request)
    team_choices = [(team.pk, team.name) for team in selectors.teams(tenant=request.tenant)]
    form = AutoAssignmentForm(request.POST, team_choices=team_choices, prefix=f"channel-{channel.pk}")

    def save(data: dict[str, Any]) -> AutoAssignment:
        return setup.auto_assignment_set(
            actor=actor,
            channel=channel,
            enabled=data["enabled"],
            team=_own(Team, request, data["team"]) if data["team"] is not None else None,
            max_open_per_agent=data["max_open_per_agent"],
            now=timezone.now(),
        )

    return _form_page(
        request,
        form=form,
        template="frontend/settings/assignment.html",
        # The page shows every number's form; this one as it was typed, with its errors.
        context={"rows": _assignment_rows(request, invalid=(channel.pk, form))},
        save=save,
        saved_message=lambda _setting: _("Assignment for %(number)s saved.") % {"number": channel.name},
        back_to="settings_assignment",
    )
