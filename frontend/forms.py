"""Forms of the account and settings pages: validation a person can read, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import DataRegion, Role, User


class SignUpForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=120)
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Work email"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not a common password."),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class AcceptInvitationForm(forms.Form):
    """For an invited person without an account: the rest of what an account needs."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        candidate = User(email=self.email, name=self.data.get("name", ""))
        password_validation.validate_password(password, candidate)
        return str(password)


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=120)


class TenantSettingsForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=120)
    data_region = forms.ChoiceField(label=_("Data region"), choices=DataRegion.choices)
    message_retention_days = forms.IntegerField(
        label=_("Keep messages for (days)"),
        required=False,
        min_value=30,
        max_value=3650,
        help_text=_("Leave empty to keep messages until you delete them."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Key name"), max_length=80, help_text=_("What will use it, for example “CRM sync”."))
