"""The onboarding wizard (`/t/<slug>/setup/…`): six steps a new workspace goes through, each shown
as done from the workspace's own data, resumable at the first step not done; and the checklist
the inbox shows until every step is done or an admin hides it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ConflictError, ServiceError
from accounts.models import Role
from frontend.forms import CompanyDetailsForm, WhatsAppNumberForm
from frontend.views.numbers import SECRET_FIELDS, WEBHOOK_POLL_SECONDS, webhook_url
from frontend.views.settings import company_initial, tenant_update_from
from templates_mgmt.library import library_entries
from whatsapp import selectors
from whatsapp.models import WhatsAppNumber
from whatsapp.onboarding_policy import STEPS, OnboardingFacts, Step, next_step, steps_done
from whatsapp.services.numbers import number_connect, number_connection_test

STEP_TITLES = {
    Step.COMPANY: gettext_lazy("Company details"),
    Step.NUMBER: gettext_lazy("Connect a WhatsApp number"),
    Step.PROFILE: gettext_lazy("Business profile"),
    Step.TEMPLATE: gettext_lazy("A first message template"),
    Step.TEAM: gettext_lazy("Invite your team"),
    Step.WEBSITE: gettext_lazy("WhatsApp button on your website"),
}


def facts_of(request: TenantRequest) -> OnboardingFacts:
    return selectors.onboarding_facts(tenant=request.tenant, now=timezone.now())


def checklist(request: TenantRequest, facts: OnboardingFacts) -> list[dict[str, Any]]:
    """Each step with its title, whether it is done, and the wizard page that does it."""
    done = steps_done(facts)
    slug = request.tenant.slug
    return [
        {
            "step": step,
            "title": STEP_TITLES[step],
            "done": done[step],
            "url": reverse("setup_step", kwargs={"tenant_slug": slug, "step": step.value}),
        }
        for step in STEPS
    ]


def _first_number(request: TenantRequest) -> WhatsAppNumber | None:
    return WhatsAppNumber.objects.for_tenant(request.tenant).order_by("pk").first()


@role_required(Role.ADMIN)
@require_GET
def setup(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """Resume: the first step not done (the last one when all are)."""
    step = next_step(facts_of(request)) or STEPS[-1]
    return setup_step(request, tenant_slug, step.value)


@sensitive_post_parameters(*SECRET_FIELDS)
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def setup_step(request: TenantRequest, tenant_slug: str, step: str) -> HttpResponse:
    try:
        current = Step(step)
    except ValueError:
        raise Http404 from None
    number = _first_number(request)
    context: dict[str, Any] = {"step": current, "number": number}
    form: forms.Form | None = None
    if current == Step.COMPANY:
        form, saved = _company_step(request)
        if saved:
            return _continue(request)
    elif current == Step.NUMBER and number is None:
        form, saved = _number_step(request)
        if saved:
            return redirect("setup_step", tenant_slug=request.tenant.slug, step=Step.NUMBER.value)
    elif request.method == "POST":
        return HttpResponse(status=405)
    if current == Step.NUMBER:
        context.update(webhook_url=webhook_url(), poll_seconds=WEBHOOK_POLL_SECONDS, in_wizard=True)
    if current == Step.TEMPLATE:
        context["library"] = library_entries()[:4]
    facts = facts_of(request)
    context.update(
        form=form,
        steps=checklist(request, facts),
        done=steps_done(facts)[current],
        title=STEP_TITLES[current],
        next_url=_next_url(request, current),
        # /setup/ shows the step to resume at: its forms post to the step's own address.
        step_url=reverse("setup_step", kwargs={"tenant_slug": request.tenant.slug, "step": current.value}),
    )
    return render(request, "frontend/setup/wizard.html", context, status=400 if form and form.errors else 200)


def _company_step(request: TenantRequest) -> tuple[CompanyDetailsForm, bool]:
    tenant = request.tenant
    initial = {**company_initial(tenant), "data_region": tenant.data_region}
    form = CompanyDetailsForm(request.POST or None, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return form, False
    saved = tenant_update_from(
        request,
        form,
        name=tenant.name,
        data_region=form.cleaned_data["data_region"],
        message_retention_days=tenant.message_retention_days,
        company=form.company(),
    )
    return form, saved


def _number_step(request: TenantRequest) -> tuple[WhatsAppNumberForm, bool]:
    form = WhatsAppNumberForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return form, False
    try:
        number_connect(tenant=request.tenant, actor=actor_for(request), details=form.details())
    except ConflictError as error:
        form.add_error("phone_number_id", error.message)
    except ServiceError as error:
        form.add_error(None, error.message)
    else:
        return form, True
    return form, False


def _next_url(request: TenantRequest, current: Step) -> str | None:
    position = STEPS.index(current)
    if position + 1 == len(STEPS):
        return None
    return reverse("setup_step", kwargs={"tenant_slug": request.tenant.slug, "step": STEPS[position + 1].value})


def _continue(request: TenantRequest) -> HttpResponse:
    """After a step is saved: on to the first step still open, or the inbox when none is."""
    step = next_step(facts_of(request))
    if step is None:
        messages.success(request, _("Your workspace is set up."))
        return redirect("inbox", tenant_slug=request.tenant.slug)
    return redirect("setup_step", tenant_slug=request.tenant.slug, step=step.value)


@role_required(Role.ADMIN)
@require_POST
def setup_number_test(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    """Test connection (htmx): what Graph says of the number, or Graph's exact error."""
    number = get_object_or_404(WhatsAppNumber.objects, pk=number_id)
    context: dict[str, Any] = {"number": number}
    try:
        context["info"] = number_connection_test(number=number, actor=actor_for(request))
    except ServiceError as error:
        context["error"] = error
    return render(request, "frontend/setup/_connection.html", context)


@role_required(Role.ADMIN)
@require_GET
def setup_number_webhook(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    """Whether Meta's first signed webhook for the number arrived (polled by the wizard's number step,
    `?in=wizard`, and by the number's settings page)."""
    number = get_object_or_404(WhatsAppNumber.objects, pk=number_id)
    in_wizard = request.GET.get("in") == "wizard"
    context: dict[str, Any] = {"number": number, "poll_seconds": WEBHOOK_POLL_SECONDS, "in_wizard": in_wizard}
    if in_wizard:
        context["next_url"] = _next_url(request, Step.NUMBER)
        if number.first_webhook_at is not None:
            # The step list beside the notice ticks too.
            context.update(oob=True, step=Step.NUMBER, steps=checklist(request, facts_of(request)))
    return render(request, "frontend/setup/_webhook_status.html", context)


@role_required(Role.ADMIN)
@require_POST
def setup_mark(request: TenantRequest, tenant_slug: str, mark: str) -> HttpResponse:
    """`website_button`: the admin put the button on the website; `dismissed`: hide the checklist."""
    try:
        account_services.tenant_onboarding_mark(
            tenant=request.tenant, actor=actor_for(request), step=mark, now=timezone.now()
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("setup", tenant_slug=request.tenant.slug)
    if mark == "dismissed":
        return redirect("inbox", tenant_slug=request.tenant.slug)
    return _continue(request)
