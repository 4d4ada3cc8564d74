from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The inbox finds channels through its registry; this is how WhatsApp joins it.
        from inbox.channels import register  # noqa: PLC0415 (apps are loaded only now)
        from whatsapp.channel import WhatsAppChannel  # noqa: PLC0415

        register(WhatsAppChannel())
