"""The environment, read once: every setting that varies between machines comes from here."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

SETTINGS_MODULES = {
    "development": "config.django.base",
    "test": "config.django.test",
    "production": "config.django.production",
}


def set_default_settings_module() -> None:
    """Choose the settings module from DJANGO_ENV unless DJANGO_SETTINGS_MODULE is set."""
    django_env = os.environ.get("DJANGO_ENV", "development")
    if django_env not in SETTINGS_MODULES:
        known = ", ".join(SETTINGS_MODULES)
        raise SystemExit(f"DJANGO_ENV={django_env!r} is not one of: {known}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULES[django_env])
