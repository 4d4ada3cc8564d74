"""create_tenant: a ready tenant from the command line, for scripts and deployment automation.

It lives in the whatsapp app, not accounts, because it also connects a WhatsApp number and
accounts may not depend on whatsapp (DESIGN.md's layers). The last line of output is the
tenant's new API key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import services
from accounts.errors import ServiceError
from accounts.models import Role, User
from whatsapp.models import DEFAULT_GRAPH_API_BASE_URL
from whatsapp.services.numbers import NumberDetails, number_connect
from whatsapp.validators import (
    validate_display_phone_number,
    validate_graph_api_base_url,
    validate_meta_id,
    validate_verify_token,
)

# Connecting a number needs these four; the other WhatsApp options have defaults.
REQUIRED_WHATSAPP_OPTIONS = ("whatsapp_phone_number_id", "waba_id", "display_phone_number", "access_token")
OPTIONAL_WHATSAPP_OPTIONS = ("app_secret", "verify_token", "graph_api_base_url")

VALIDATORS: dict[str, Callable[[str], None]] = {
    "whatsapp_phone_number_id": validate_meta_id,
    "waba_id": validate_meta_id,
    "display_phone_number": validate_display_phone_number,
    "verify_token": validate_verify_token,
    "graph_api_base_url": validate_graph_api_base_url,
}


def _flag(option: str) -> str:
    return f"--{option.replace('_', '-')}"


class Command(BaseCommand):
    help = "Create a tenant with its owner (and optionally a WhatsApp number) and print its API key as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Company name.")
        parser.add_argument("--owner-email", required=True, help="Owner's email; an existing account is reused.")
        parser.add_argument("--owner-password", help="Password for a new owner account (none: set by reset).")
        parser.add_argument("--owner-name", default="", help="Owner's name for a new account.")
        parser.add_argument("--slug", help="URL name (/t/<slug>/); derived from the name when omitted.")
        group = parser.add_argument_group(
            "WhatsApp number",
            "Connect a number at once: --whatsapp-phone-number-id, --waba-id, --display-phone-number and "
            "--access-token are required together.",
        )
        group.add_argument("--whatsapp-phone-number-id", help="Meta's phone number id (digits).")
        group.add_argument("--waba-id", help="WhatsApp Business Account id (digits).")
        group.add_argument("--display-phone-number", help="The number as customers see it, e.g. '+1 555 010 0123'.")
        group.add_argument("--access-token", help="Access token of a system user (stored encrypted).")
        group.add_argument("--app-secret", help="The number's own Meta app secret (default: WHATSAPP_APP_SECRET).")
        group.add_argument("--verify-token", help="Webhook verify token (default: generated, and printed).")
        group.add_argument(
            "--graph-api-base-url", help=f"Graph API address (default {DEFAULT_GRAPH_API_BASE_URL}; a BSP's URL)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        details = self._number_details(options)
        email = options["owner_email"].strip().lower()
        with transaction.atomic():
            owner = User.objects.filter(email=email).first()
            if owner is not None and options["owner_password"]:
                raise CommandError(f"{email} already has an account; omit --owner-password to make them the owner.")
            try:
                if owner is None:
                    owner = services.user_create(
                        email=email,
                        name=options["owner_name"] or email.split("@")[0],
                        password=options["owner_password"],
                    )
                tenant = services.tenant_create(name=options["name"], owner=owner, slug=options["slug"])
                actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
                number = None if details is None else number_connect(tenant=tenant, actor=actor, details=details)
                _api_key, secret = services.api_key_create(tenant=tenant, actor=actor, name="create_tenant")
            except ServiceError as error:
                raise CommandError(error.message) from error
        self.stdout.write(f"Created tenant {tenant.name} (/t/{tenant.slug}/) owned by {owner.email}.")
        if not owner.has_usable_password():
            self.stdout.write("The owner has no password yet: use 'Forgot your password?' on the login page.")
        if number is not None:
            secret_source = "its own app secret" if number.app_secret else "the app-wide WHATSAPP_APP_SECRET"
            self.stdout.write(
                f"Connected WhatsApp number {number.display_phone_number} "
                f"(phone number id {number.phone_number_id}), verifying webhooks with {secret_source}."
            )
            base_url: str = settings.PUBLIC_BASE_URL
            self.stdout.write(f"Webhook callback URL: {base_url.rstrip('/')}/webhooks/whatsapp/")
            self.stdout.write(f"Webhook verify token: {number.verify_token}")
        self.stdout.write(secret)

    def _number_details(self, options: dict[str, Any]) -> NumberDetails | None:
        """The number to connect, checked before anything is created; None when no WhatsApp option is given."""
        given = {
            option: str(options[option]).strip()
            for option in REQUIRED_WHATSAPP_OPTIONS + OPTIONAL_WHATSAPP_OPTIONS
            if options.get(option) is not None
        }
        if not given:
            return None
        missing = [_flag(option) for option in REQUIRED_WHATSAPP_OPTIONS if not given.get(option)]
        if missing:
            raise CommandError(
                f"To connect a WhatsApp number, also give {', '.join(missing)} "
                f"({', '.join(_flag(option) for option in REQUIRED_WHATSAPP_OPTIONS)} go together)."
            )
        for option, validate in VALIDATORS.items():
            if given.get(option):
                try:
                    validate(given[option])
                except ValidationError as error:
                    raise CommandError(f"{_flag(option)}: {' '.join(error.messages)}") from error
        return NumberDetails(
            display_phone_number=given["display_phone_number"],
            phone_number_id=given["whatsapp_phone_number_id"],
            waba_id=given["waba_id"],
            access_token=given["access_token"],
            app_secret=given.get("app_secret", ""),
            verify_token=given.get("verify_token", ""),  # empty: number_connect generates one
            graph_api_base_url=(given.get("graph_api_base_url") or DEFAULT_GRAPH_API_BASE_URL).rstrip("/"),
        )
