"""A number's business profile page: the fields WhatsApp shows customers, the photo, syncing with
Meta, and a phone-style preview of what a customer sees."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from inbox.hours import OpeningHours, describe, describe_moment, hours_for_channel, is_open, next_opening
from whatsapp.models import BusinessProfile, WhatsAppNumber
from whatsapp.profile_rules import (
    ABOUT_MAX,
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    PHOTO_MAX_BYTES,
    PHOTO_MIN_SIDE,
    VERTICAL_LABELS,
    WRITABLE_VERTICALS,
    ProfileFields,
    profile_problems,
)
from whatsapp.services.profile import (
    business_profile_of,
    business_profile_photo,
    business_profile_photo_set,
    business_profile_sync,
    business_profile_update,
)


def _limit(limit: int) -> str:
    return gettext_lazy("Up to %(limit)s characters.") % {"limit": limit}


class BusinessProfileForm(forms.Form):
    """The profile's fields. Limits are checked by whatsapp.profile_rules (the same rules the API
    and the services apply), so each field over its limit gets its own message."""

    about = forms.CharField(
        label=gettext_lazy("About"),
        required=False,
        help_text=_limit(ABOUT_MAX),
        widget=forms.TextInput(attrs={"data-max-length": ABOUT_MAX}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-max-length": DESCRIPTION_MAX}),
        help_text=_limit(DESCRIPTION_MAX),
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        required=False,
        help_text=_limit(ADDRESS_MAX),
        widget=forms.TextInput(attrs={"data-max-length": ADDRESS_MAX}),
    )
    email = forms.CharField(label=gettext_lazy("Email"), required=False, help_text=_limit(EMAIL_MAX))
    website_1 = forms.CharField(
        label=gettext_lazy("Website"), required=False, help_text=gettext_lazy("Starting with https://")
    )
    website_2 = forms.CharField(label=gettext_lazy("Second website"), required=False)
    vertical = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[("", gettext_lazy("Not chosen")), *((v, VERTICAL_LABELS[v]) for v in WRITABLE_VERTICALS)],
    )

    def fields_value(self) -> ProfileFields:
        data = self.cleaned_data
        return ProfileFields(
            about=data["about"].strip(),
            address=data["address"].strip(),
            description=data["description"].strip(),
            email=data["email"].strip(),
            websites=tuple(url.strip() for url in (data["website_1"], data["website_2"]) if url.strip()),
            vertical=data["vertical"],
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            for name, problem in profile_problems(self.fields_value()).items():
                self.add_error("website_1" if name == "websites" else name, problem)
        return cleaned


class ProfilePhotoForm(forms.Form):
    photo = forms.FileField(
        label=gettext_lazy("Profile photo"),
        help_text=gettext_lazy(
            "A JPEG or PNG, at least %(min)s×%(min)s pixels, up to 5 MB. WhatsApp shows it as a circle."
        )
        % {"min": PHOTO_MIN_SIDE},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "data-preview-target": "phone-photo"}),
    )


def _initial(profile: BusinessProfile) -> dict[str, str]:
    websites = [*profile.websites, "", ""]
    return {
        "about": profile.about,
        "description": profile.description,
        "address": profile.address,
        "email": profile.email,
        "website_1": websites[0],
        "website_2": websites[1],
        "vertical": profile.vertical if profile.vertical in WRITABLE_VERTICALS else "",
    }


def _number(number_id: int) -> WhatsAppNumber:
    return get_object_or_404(WhatsAppNumber.objects.select_related("tenant", "channel"), pk=number_id)


def hours_lines(hours: OpeningHours | None) -> list[str]:
    """The opening hours as the preview shows them: open or closed now (and when it opens next),
    then each weekday and the coming holidays. Empty when no hours are kept."""
    if hours is None or not hours.intervals:
        return []
    now, language = timezone.now(), get_language()
    if is_open(hours, now):
        status = _("Open now")
    else:
        opens = next_opening(hours, now)
        status = (
            _("Closed now · opens %(when)s") % {"when": describe_moment(hours, opens, language)}
            if opens is not None
            else _("Closed now")
        )
    return [status, *describe(hours, language, today=timezone.localdate())]


def _render(
    request: TenantRequest,
    number: WhatsAppNumber,
    *,
    form: BusinessProfileForm,
    photo_form: ProfilePhotoForm,
    status: int = 200,
) -> HttpResponse:
    profile = business_profile_of(number)
    context = {
        "number": number,
        "profile": profile,
        "form": form,
        "photo_form": photo_form,
        "business_name": profile.verified_name or request.tenant.name,
        "vertical_label": VERTICAL_LABELS.get(profile.vertical, ""),
        "has_photo": bool(profile.photo_mime_type),
        "hours": hours_lines(hours_for_channel(number.channel)),
    }
    return render(request, "frontend/profile/profile.html", context, status=status)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def profile_page(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    number = _number(number_id)
    profile = business_profile_of(number)
    form = BusinessProfileForm(request.POST or None, initial=_initial(profile))
    if request.method == "POST" and form.is_valid():
        try:
            business_profile_update(number=number, actor=actor_for(request), fields=form.fields_value())
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The profile is saved at WhatsApp."))
            return redirect("settings_number_profile", tenant_slug=request.tenant.slug, number_id=number.pk)
    return _render(request, number, form=form, photo_form=ProfilePhotoForm(), status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def profile_sync(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    number = _number(number_id)
    try:
        business_profile_sync(number=number, actor=actor_for(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The profile was read from WhatsApp."))
    return redirect("settings_number_profile", tenant_slug=request.tenant.slug, number_id=number.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def profile_photo(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    """GET: our copy of the photo (for the preview); POST: a new photo."""
    number = _number(number_id)
    if request.method == "GET":
        photo = business_profile_photo(number)
        if photo is None:
            return HttpResponse(status=404)
        response = HttpResponse(photo[0], content_type=photo[1])
        response["Cache-Control"] = "private, no-cache"
        return response
    photo_form = ProfilePhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        upload = photo_form.cleaned_data["photo"]
        if upload.size > PHOTO_MAX_BYTES:
            photo_form.add_error("photo", _("The photo is larger than 5 MB."))
        else:
            try:
                business_profile_photo_set(number=number, actor=actor_for(request), data=upload.read())
            except ServiceError as error:
                photo_form.add_error("photo", error.message)
            else:
                messages.success(request, _("The profile photo is set at WhatsApp."))
                return redirect("settings_number_profile", tenant_slug=request.tenant.slug, number_id=number.pk)
    form = BusinessProfileForm(initial=_initial(business_profile_of(number)))
    return _render(request, number, form=form, photo_form=photo_form, status=400)
