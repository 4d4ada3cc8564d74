"""create_tenant: a ready tenant from the command line, for scripts and deployment automation.

The last line of output is the tenant's new API key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import services
from accounts.errors import ServiceError
from accounts.models import Role, User

WHATSAPP_OPTIONS = (
    "whatsapp_phone_number_id",
    "waba_id",
    "display_phone_number",
    "access_token",
    "app_secret",
    "verify_token",
    "graph_api_base_url",
)


class Command(BaseCommand):
    help = "Create a tenant with its owner and print its API key as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Company name.")
        parser.add_argument("--owner-email", required=True, help="Owner's email; an existing account is reused.")
        parser.add_argument("--owner-password", help="Password for a new owner account (none: set by reset).")
        parser.add_argument("--owner-name", default="", help="Owner's name for a new account.")
        parser.add_argument("--slug", help="URL name (/t/<slug>/); derived from the name when omitted.")
        group = parser.add_argument_group("WhatsApp number")
        group.add_argument("--whatsapp-phone-number-id")
        group.add_argument("--waba-id")
        group.add_argument("--display-phone-number")
        group.add_argument("--access-token")
        group.add_argument("--app-secret")
        group.add_argument("--verify-token")
        group.add_argument("--graph-api-base-url")

    def handle(self, *args: Any, **options: Any) -> None:
        given = [f"--{name.replace('_', '-')}" for name in WHATSAPP_OPTIONS if options.get(name)]
        if given:
            raise CommandError(
                f"{', '.join(given)}: connecting WhatsApp numbers is not available in this version yet; "
                "create the tenant without WhatsApp options."
            )
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
                _api_key, secret = services.api_key_create(tenant=tenant, actor=actor, name="create_tenant")
            except ServiceError as error:
                raise CommandError(error.message) from error
        self.stdout.write(f"Created tenant {tenant.name} (/t/{tenant.slug}/) owned by {owner.email}.")
        if not owner.has_usable_password():
            self.stdout.write("The owner has no password yet: use 'Forgot your password?' on the login page.")
        self.stdout.write(secret)
