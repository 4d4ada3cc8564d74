"""Production settings: everything secret or host-specific must come from the environment."""

from config.django.base import *  # noqa: F403
from config.env import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
# Secrets stored in the database must not be readable with a key derived from SECRET_KEY alone.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET")
# Optional: without it, uploads of template example files are refused with a clear error.
WHATSAPP_APP_ID = env.str("WHATSAPP_APP_ID", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": {**env.db("DATABASE_URL"), "OPTIONS": DATABASES["default"]["OPTIONS"]}}  # noqa: F405
STATIC_ROOT = BASE_DIR / "staticfiles"

# TLS terminates at the proxy in front of the app; it tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The health check is probed by the orchestrator over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
