"""The Celery application; tasks are discovered in each app's tasks.py."""

from celery import Celery

from config.env import set_default_settings_module

set_default_settings_module()

app = Celery("wa_inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
