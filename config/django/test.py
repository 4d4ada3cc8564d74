"""Settings for the test suite: real PostgreSQL and Redis, fast hashing, captured email."""

import os
import tempfile
import uuid

# Keys of this run in a Redis that other runs may share; inherited by subprocesses the tests start.
os.environ.setdefault("REDIS_KEY_PREFIX", f"wa-inbox-test-{uuid.uuid4().hex[:8]}")
# Files of this run (downloaded media), shared with the worker processes the tests start.
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="relay-test-media-"))

from config.django.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
PUBLIC_BASE_URL = "http://testserver"
