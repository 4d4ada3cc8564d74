from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.limits import register_seat_check  # noqa: PLC0415 (apps are loaded by now)
        from billing.services import seat_check  # noqa: PLC0415

        register_seat_check(seat_check)
