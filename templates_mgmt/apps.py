from django.apps import AppConfig


class TemplatesMgmtConfig(AppConfig):
    name = "templates_mgmt"
    default_auto_field = "django.db.models.BigAutoField"
