"""Forms of the account and settings pages: validation a person can read, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from accounts.countries import COUNTRIES
from accounts.models import ApiKeyScope, DataRegion, Language, Role, User
from accounts.services import ADDRESS_MAX, LEGAL_NAME_MAX, CompanyDetails
from inbox.consent import MAX_CONFIRMATION_LENGTH
from whatsapp.models import DEFAULT_GRAPH_API_BASE_URL, DEFAULT_GRAPH_API_VERSION, WhatsAppNumber
from whatsapp.services.numbers import NumberDetails
from whatsapp.validators import (
    validate_display_phone_number,
    validate_graph_api_base_url,
    validate_graph_api_version,
    validate_meta_id,
    validate_verify_token,
)


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


def country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *sorted(COUNTRIES.items(), key=lambda item: item[1])]


class CompanyDetailsForm(forms.Form):
    """Who the company is on paper (statements print it); checked by accounts.services."""

    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=LEGAL_NAME_MAX,
        required=False,
        help_text=_("As registered, e.g. “Demo Coffee GmbH”."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    vat_id = forms.CharField(
        label=_("VAT number"),
        max_length=24,
        required=False,
        help_text=_("With its country prefix, e.g. DE123456789. It decides how VAT is charged on your statements."),
    )
    address = forms.CharField(
        label=_("Address"), max_length=ADDRESS_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    data_region = forms.ChoiceField(label=_("Data region"), choices=DataRegion.choices)

    def company(self) -> CompanyDetails:
        data = self.cleaned_data
        return CompanyDetails(
            legal_name=data["legal_name"], country=data["country"], vat_id=data["vat_id"], address=data["address"]
        )


class TenantSettingsForm(CompanyDetailsForm):
    name = forms.CharField(label=_("Company name"), max_length=120)
    message_retention_days = forms.IntegerField(
        label=_("Keep messages for (days)"),
        required=False,
        min_value=30,
        max_value=3650,
        help_text=_(
            "Each night, messages older than this are deleted with their files. "
            "Leave empty to keep messages until you delete them."
        ),
    )
    default_language = forms.ChoiceField(
        label=_("Language"),
        choices=Language.choices,
        help_text=_("The interface's language for members who haven't chosen their own."),
    )
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor sign-in"),
        required=False,
        help_text=_(
            "Every member must sign in with a code from an authenticator app; those without one set it up first."
        ),
    )

    field_order = ("name", "legal_name", "country", "vat_id", "address", "data_region")

    def settings(self) -> dict[str, Any]:
        """What accounts.services.tenant_update takes."""
        data = self.cleaned_data
        keep = ("name", "data_region", "message_retention_days", "default_language", "require_two_factor")
        return {**{key: data[key] for key in keep}, "company": self.company()}


class PreferencesForm(forms.Form):
    """A member's own settings, in every workspace they belong to."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The workspace's language")), *Language.choices],
        required=False,
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
    # Not sent (a script posting only a name): the least a key can do.
    scope = forms.TypedChoiceField(
        label=_("Access"),
        choices=ApiKeyScope.choices,
        initial=ApiKeyScope.READ,
        required=False,
        empty_value=ApiKeyScope.READ,
        help_text=_("Read: only reads. Read and write: also sends and changes conversations. Admin: also settings."),
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class AuditFilterForm(forms.Form):
    """The audit log's filters; every field optional."""

    actor = forms.CharField(label=_("Who"), required=False, max_length=254)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
        help_text=_("The start is enough: “auth.” finds every sign-in."),
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


def _secret_input() -> forms.PasswordInput:
    # Never rendered back (render_value=False), and browsers are asked not to store it.
    return forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"})


class WhatsAppNumberForm(forms.Form):
    """Connecting a number, or, given `number`, changing one: then empty secrets keep the stored ones
    and the phone number id (which routes its webhooks) is fixed."""

    display_phone_number = forms.CharField(
        label=_("Display phone number"),
        max_length=32,
        validators=[validate_display_phone_number],
        help_text=_("As customers see it, for example +1 555 010 0123."),
    )
    phone_number_id = forms.CharField(
        label=_("Phone number id"),
        max_length=64,
        validators=[validate_meta_id],
        help_text=_("Digits, from WhatsApp › API Setup in Meta's developer dashboard."),
    )
    waba_id = forms.CharField(
        label=_("WhatsApp Business Account id"),
        max_length=64,
        validators=[validate_meta_id],
        help_text=_("Digits, shown next to the phone number id."),
    )
    access_token = forms.CharField(
        label=_("Access token"),
        max_length=4096,
        widget=_secret_input(),
        help_text=_("A permanent token of a system user with the whatsapp_business_messaging permission."),
    )
    app_secret = forms.CharField(
        label=_("App secret"),
        max_length=256,
        required=False,
        widget=_secret_input(),
        help_text=_("Leave empty to use the app-wide secret of our Meta app."),
    )
    verify_token = forms.CharField(
        label=_("Verify token"),
        max_length=128,
        required=False,
        validators=[validate_verify_token],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Leave empty to have one generated."),
    )
    graph_api_base_url = forms.CharField(
        label=_("Graph API base URL"),
        max_length=200,
        initial=DEFAULT_GRAPH_API_BASE_URL,
        validators=[validate_graph_api_base_url],
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
        help_text=_(
            "Meta's is https://graph.facebook.com. Through a solution provider such as 360dialog, "
            "or our simulator, enter its address."
        ),
    )
    graph_api_version = forms.CharField(
        label=_("Graph API version"),
        max_length=16,
        initial=DEFAULT_GRAPH_API_VERSION,
        validators=[validate_graph_api_version],
    )
    throughput_mps = forms.IntegerField(
        label=_("Throughput (messages/s)"),
        min_value=1,
        max_value=1000,
        initial=80,
        help_text=_("What Meta allows this number: 80 by default, up to 1,000 once Meta raises it."),
    )

    FIELDSETS = (
        (_("Number"), ("display_phone_number", "phone_number_id", "waba_id")),
        (_("Credentials"), ("access_token", "app_secret", "verify_token")),
        (_("Graph API"), ("graph_api_base_url", "graph_api_version", "throughput_mps")),
    )

    def __init__(self, *args: Any, number: WhatsAppNumber | None = None, **kwargs: Any) -> None:
        if number is not None:
            kwargs.setdefault(
                "initial",
                {
                    "display_phone_number": number.display_phone_number,
                    "waba_id": number.waba_id,
                    "graph_api_base_url": number.graph_api_base_url,
                    "graph_api_version": number.graph_api_version,
                    "throughput_mps": number.throughput_mps,
                },
            )
        super().__init__(*args, **kwargs)
        self.number = number
        # Set here, not in the field: `%` would translate once, at import.
        self.fields["graph_api_version"].help_text = _("For example %(version)s.") % {
            "version": DEFAULT_GRAPH_API_VERSION
        }
        if number is not None:
            del self.fields["phone_number_id"]
            self.fields["access_token"].required = False
            self.fields["access_token"].help_text = _("Leave empty to keep the current token.")
            self.fields["app_secret"].help_text = _("Leave empty to keep the current secret.")
            self.fields["verify_token"].help_text = _("Leave empty to keep the current verify token.")

    @property
    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(legend), [self[name] for name in names if name in self.fields]) for legend, names in self.FIELDSETS
        ]

    @property
    def has_field_errors(self) -> bool:
        return any(name != NON_FIELD_ERRORS for name in self.errors)

    def clean_graph_api_base_url(self) -> str:
        # The client appends /<version>/<path>: one slash, whatever was typed.
        return str(self.cleaned_data["graph_api_base_url"]).rstrip("/")

    def details(self) -> NumberDetails:
        data = self.cleaned_data
        return NumberDetails(
            display_phone_number=data["display_phone_number"],
            phone_number_id=self.number.phone_number_id if self.number is not None else data["phone_number_id"],
            waba_id=data["waba_id"],
            access_token=data["access_token"],
            app_secret=data["app_secret"],
            verify_token=data["verify_token"],
            graph_api_base_url=data["graph_api_base_url"],
            graph_api_version=data["graph_api_version"],
            throughput_mps=data["throughput_mps"],
        )


class ConsentSettingsForm(forms.Form):
    keywords = forms.CharField(
        label=_("Opt-out keywords"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_(
            "One per line, or separated by commas. A message that is only one of these words, in any case and "
            "with or without accents, opts the customer out of all messages at once."
        ),
    )
    confirmation = forms.CharField(
        label=_("Confirmation message"),
        required=False,
        max_length=MAX_CONFIRMATION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent back to a customer who opted out with a keyword. Leave it empty to send none."),
    )
    double_opt_in = forms.BooleanField(
        label=_("Double opt-in"),
        required=False,
        help_text=_(
            "An opt-in on your opt-in pages counts only once the customer answers “Yes” to the confirmation "
            "template sent to them on WhatsApp (choose it on the number's Reach page). Until then it is pending."
        ),
    )

    def clean_keywords(self) -> list[str]:
        text = str(self.cleaned_data["keywords"])
        return [keyword.strip() for line in text.splitlines() for keyword in line.split(",") if keyword.strip()]


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        allow_empty_file=True,  # the import explains why an empty file can't be read
        help_text=_("UTF-8, separated by commas or semicolons, at most 10,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
