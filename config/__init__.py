"""Project configuration: settings (django-environ), URLs, ASGI application and Celery app."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
