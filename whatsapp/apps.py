from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    default_auto_field = "django.db.models.BigAutoField"
