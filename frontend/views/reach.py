"""Reach tools of a number: the click-to-chat link builder, its QR codes, the website button
snippet, the public opt-in page's settings, and that public page itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import TenantRequest, actor_for, client_ip, role_required
from accounts.api.errors import json_error
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.tenancy import tenant_scope
from inbox.hours import hours_for_channel
from inbox.models import OptInRequest
from inbox.selectors import consent_settings, opt_in_requests_pending
from inbox.services.consent import phone_to_e164
from templates_mgmt.models import MessageTemplate
from whatsapp.models import OptInPage, WhatsAppNumber
from whatsapp.reach import PREFILLED_TEXT_MAX, QR_SIZES, click_to_chat_url, hours_summary, qr_code, qr_size
from whatsapp.services.optin import (
    confirmation_templates,
    opt_in_page_by_key,
    opt_in_page_get_or_create,
    opt_in_page_update,
    opt_in_submit,
)
from whatsapp.services.profile import business_profile_of

QR_CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class LinkForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Prefilled message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What the customer's message box says when the chat opens; they can change it."),
    )

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if len(text) > PREFILLED_TEXT_MAX:
            raise forms.ValidationError(
                _("At most %(limit)s characters (this is %(length)s).")
                % {"limit": PREFILLED_TEXT_MAX, "length": len(text)}
            )
        return text


class OptInPageForm(forms.Form):
    consent_text = forms.CharField(
        label=gettext_lazy("Consent text"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Shown next to the checkbox and kept word for word with each opt-in. Name your business and say what "
            "people will receive."
        ),
    )
    is_enabled = forms.BooleanField(label=gettext_lazy("The page is online"), required=False)
    confirmation_template = forms.TypedChoiceField(
        label=gettext_lazy("Confirmation on WhatsApp"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy(
            "An approved template sent to each new opt-in, so people see on WhatsApp what they signed up for and can "
            "reply STOP. Only templates with nothing to fill in can be used."
        ),
    )

    def __init__(self, *args: Any, templates: list[MessageTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = {template.pk: template for template in templates}
        field = self.fields["confirmation_template"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("None")), *((t.pk, f"{t.name} ({t.language})") for t in templates)]


class OptInForm(forms.Form):
    """The public page's form: the checkbox starts unticked, and nothing is recorded without it."""

    phone = forms.CharField(
        label=gettext_lazy("Your WhatsApp number"),
        max_length=40,
        help_text=gettext_lazy("With the country code, e.g. +49 151 23456789."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(required=False)

    def clean_phone(self) -> str:
        try:
            return phone_to_e164(str(self.cleaned_data["phone"]))
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None

    def clean_consent(self) -> bool:
        if not self.cleaned_data.get("consent"):
            raise forms.ValidationError(_("Tick the box to agree to receive messages; without it nothing is recorded."))
        return True


def _number(number_id: int) -> WhatsAppNumber:
    return get_object_or_404(WhatsAppNumber.objects.select_related("tenant", "channel"), pk=number_id)


def _snippet(*, business_name: str, url: str, hours_line: str) -> str:
    """The website button: plain HTML and CSS, no script, nothing loaded from anyone else."""
    context = {"business_name": business_name, "url": url, "hours_line": hours_line}
    return render_to_string("frontend/reach/snippet.html", context).strip()


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def reach_page(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    number = _number(number_id)
    page = opt_in_page_get_or_create(number=number)
    page_form = OptInPageForm(
        request.POST if request.method == "POST" else None,
        initial={
            "consent_text": page.consent_text,
            "is_enabled": page.is_enabled,
            "confirmation_template": page.confirmation_template_id,
        },
        templates=confirmation_templates(number=number),
    )
    if request.method == "POST" and page_form.is_valid():
        chosen = page_form.cleaned_data["confirmation_template"]
        try:
            opt_in_page_update(
                page=page,
                actor=actor_for(request),
                consent_text=page_form.cleaned_data["consent_text"],
                is_enabled=page_form.cleaned_data["is_enabled"],
                confirmation_template=page_form.templates[chosen] if chosen is not None else None,
            )
        except ServiceError as error:
            page_form.add_error("consent_text", error.message)
        else:
            messages.success(request, _("The opt-in page is saved."))
            return redirect("settings_number_reach", tenant_slug=request.tenant.slug, number_id=number.pk)
    link_form = LinkForm(request.GET or None)
    text = link_form.cleaned_data["text"] if link_form.is_bound and link_form.is_valid() else ""
    profile = business_profile_of(number)
    business_name = profile.verified_name or request.tenant.name
    context: dict[str, Any] = {
        "number": number,
        "link_form": link_form,
        "page_form": page_form,
        "opt_in_page": page,
        # The address customers are given: the product's public one, whatever host this page was asked on.
        "opt_in_url": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("opt_in_page", kwargs={"key": page.key}),
        "qr_sizes": QR_SIZES,
        "text": text,
        "business_name": business_name,
        "double_opt_in": consent_settings(tenant=request.tenant).double_opt_in,
        "pending_opt_ins": opt_in_requests_pending(tenant=request.tenant, channel_id=number.channel_id).count(),
    }
    try:
        url = click_to_chat_url(display_phone_number=number.display_phone_number, text=text)
    except ServiceError as error:
        context["link_problem"] = error.message
    else:
        context["url"] = url
        hours = hours_for_channel(number.channel)
        hours_line = hours_summary(hours) if hours is not None else ""
        context["snippet"] = _snippet(business_name=business_name, url=url, hours_line=hours_line)
    status = 400 if link_form.errors or page_form.errors or "link_problem" in context else 200
    return render(request, "frontend/reach/reach.html", context, status=status)


@role_required(Role.ADMIN)
@require_GET
def reach_qr(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    """The click-to-chat link's QR code: `?format=png|svg&size=<pixels>&text=<prefilled message>`."""
    number = _number(number_id)
    kind = request.GET.get("format", "png")
    if kind not in QR_CONTENT_TYPES:
        return json_error("invalid_format", _("The format must be png or svg."), 400)
    try:
        size = qr_size(request.GET.get("size"))
        url = click_to_chat_url(display_phone_number=number.display_phone_number, text=request.GET.get("text", ""))
    except ServiceError as error:
        return json_error(error.code, error.message, error.http_status)
    response = HttpResponse(qr_code(url, kind="svg" if kind == "svg" else "png", size=size))
    response["Content-Type"] = QR_CONTENT_TYPES[kind]
    if request.GET.get("download"):
        digits = url.removeprefix("https://wa.me/").split("?", 1)[0]
        response["Content-Disposition"] = f'attachment; filename="whatsapp-{digits}-{size}.{kind}"'
    return response


@require_http_methods(["GET", "POST"])
def opt_in_public(request: HttpRequest, key: str) -> HttpResponse:
    """The public opt-in page: anyone with the link, no sign-in."""
    page: OptInPage | None = opt_in_page_by_key(key)
    if page is None:
        return render(request, "frontend/reach/opt_in_missing.html", status=404)
    form = OptInForm(request.POST or None)
    status = 400
    if request.method == "POST" and form.is_valid():
        try:
            # Found by its key across tenants; from here on, inside its own tenant, as a tenant page is.
            with tenant_scope(page.tenant_id):
                recorded = opt_in_submit(
                    page=page,
                    phone=form.cleaned_data["phone"],
                    consented=form.cleaned_data["consent"],
                    ip=client_ip(request),
                    now=timezone.now(),
                )
        except ServiceError as error:
            form.add_error("phone" if error.code == "invalid_phone" else None, error.message)
            status = error.http_status
        else:
            context = {"business_name": page.tenant.name, "pending": isinstance(recorded, OptInRequest)}
            return render(request, "frontend/reach/opt_in_done.html", context)
    context = {"page": page, "form": form, "business_name": page.tenant.name}
    return render(request, "frontend/reach/opt_in.html", context, status=status if form.errors else 200)
