"""Settings shared by every environment; development defaults where a value is not set.

Every value that differs between machines is read from the environment (see README's
configuration table). Production tightens these in config/django/production.py.
"""

from datetime import timedelta

from celery.schedules import crontab

from config.env import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me-in-production-0123456789")
# Master keys wrapping the tenants' data keys (accounts.crypto.keys): `id:base64,...` of 32 bytes
# each, the first wraps new keys; the others only unwrap until `rotate_master_key` has run.
# Unset: FIELD_ENCRYPTION_KEY is the one master key (id "k0"), else one is derived from SECRET_KEY.
ENCRYPTION_MASTER_KEYS = env.str("ENCRYPTION_MASTER_KEYS", default="")
# 32 bytes, urlsafe base64: the master key when ENCRYPTION_MASTER_KEYS is unset.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "inbox",
    "whatsapp",
    "templates_mgmt",
    "billing",
    "privacy",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) for anyone signed out; LanguageMiddleware
    # below replaces it with the person's or the workspace's choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.TenantMiddleware",
    # After TenantMiddleware: a workspace's default language needs request.tenant.
    "accounts.middleware.LanguageMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/inbox")}
# A connection pool per process (psycopg's): under ASGI, Django's persistent connections
# don't survive between requests, and a new PostgreSQL connection per request costs ~8 ms.
DATABASES["default"]["OPTIONS"] = {
    "pool": {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_SIZE", default=10),
        "timeout": 10,
        # The pool retries a failed connection with a doubling delay (1, 2, 4, 8 s...) for as
        # long as this: with the default five minutes, a database down for 10 s stayed
        # unreachable for up to 20 s more. Giving up after 2 s lets the next request start a
        # fresh attempt, so service returns within a few seconds of the database.
        "reconnect_timeout": 2,
    }
}
# With the pool, a health check makes each connection be tested as it is taken: after a
# PostgreSQL restart the dead ones are replaced instead of failing one request each.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Keys of this deployment in a Redis that may be shared (tests use a per-run prefix).
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="wa-inbox")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "TIMEOUT": 300,
        "OPTIONS": {"pool_class": "config.redis_pool.SharedConnectionPool"},
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # channels_redis blocks up to 5 s per receive (BZPOPMIN) and redis-py's default read
        # timeout is also 5 s: without a longer one an idle socket's consumer dies on a timeout.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "prefix": f"{REDIS_KEY_PREFIX}:channels"},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = int(timedelta(hours=3).total_seconds())
INVITATION_TTL = timedelta(days=env.int("INVITATION_TTL_DAYS", default=7))

# A session ends after SESSION_HOURS without a request (a working day by default): the cookie
# lives that long and is renewed while the person works (accounts.middleware.SessionExpiryMiddleware);
# and SESSION_MAX_DAYS after signing in, however busy (two weeks by default).
SESSION_COOKIE_AGE = int(timedelta(hours=env.int("SESSION_HOURS", default=12)).total_seconds())
SESSION_MAX_AGE_SECONDS = int(timedelta(days=env.int("SESSION_MAX_DAYS", default=14)).total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Pages send the token from the form's hidden field (inbox.js reads it there), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "frontend.views.errors.csrf_failure"
# Failed sign-ins tolerated per hour before further attempts are refused unchecked: per
# account (stops guessing one person's password) and per client address (stops spraying many).
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env.int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", default=20)
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=100)

# Security headers (SecurityMiddleware's defaults stand: nosniff, Referrer-Policy same-origin,
# Cross-Origin-Opener-Policy same-origin; XFrameOptionsMiddleware: DENY).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline scripts anywhere: every script is a static file. Styles may be inline (htmx adds
# its indicator style; a few templates set widths), which can't run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
# The same as accounts.models.Language (a test holds them equal).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Outside production, serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Relay <no-reply@localhost>")

# Public base URL, used in links sent by email (invitations, password resets from tasks).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000")
# Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# WhatsApp: the app secret of the Meta app that serves every tenant (a number may have its own).
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="dev-app-secret")
# The Meta app's id: files for template examples and the profile photo go through its
# Resumable Upload API (`POST /{app-id}/uploads`).
WHATSAPP_APP_ID = env.str("WHATSAPP_APP_ID", default="100000000000001")
# Optional app-wide verify token for Meta's webhook handshake (each number also has its own).
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
# Largest webhook body accepted; Meta batches up to 1,000 updates (about 3 MB) in one POST.
WHATSAPP_WEBHOOK_MAX_BYTES = 8 * 1024 * 1024
# Largest media file downloaded from WhatsApp (its own limit for documents is 100 MB).
WHATSAPP_MEDIA_MAX_BYTES = env.int("WHATSAPP_MEDIA_MAX_BYTES", default=100 * 1024 * 1024)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "accounts.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Relay API",
    "DESCRIPTION": (
        "The tenant API of the WhatsApp shared inbox. Authenticate with `Authorization: Bearer <API key>`. "
        'Errors are `{"error": {"code": "...", "message": "..."}}`; lists are `{"results": [...], "next": ...}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name with another ("state"): named after what they are.
    "ENUM_NAME_OVERRIDES": {
        "BroadcastStateEnum": "inbox.models.BroadcastState",
        # What POST /conversations/{id}/status/ takes: the statuses without "snoozed".
        "SettableStatusEnum": "inbox.policy.STATUSES_SET_DIRECTLY",
        "ConversationStatusEnum": "inbox.models.ConversationStatus",
    },
}

# Celery: JSON only; a task is acknowledged after it ran, so a worker that dies mid-task
# hands it to another worker (tasks are idempotent for this reason).
CELERY_BROKER_URL = REDIS_URL
# kombu's Redis transport, with a worker that survives Redis going away mid-task (config/broker.py).
CELERY_BROKER_TRANSPORT = "config.broker:Transport"
# Redis hands a task that was taken but not acknowledged (acks_late) to another worker after
# the visibility timeout: a task that waits for its countdown in a worker counts, so tasks
# never schedule themselves further out than half of it (whatsapp.tasks). A restore sweep
# runs every few seconds rather than kombu's default of every 100 s.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:",
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Two queues, both consumed by every worker (-Q celery,outbound): agents' sends ("outbound")
# never wait behind a backlog of webhooks ("celery").
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# The safety net for lost wake-ups (Redis down or flushed, a worker killed): every period, beat
# re-drives webhook events and outbox entries left waiting longer than one period.
WHATSAPP_SWEEP_SECONDS = env.int("WHATSAPP_SWEEP_SECONDS", default=30)
# A send still `sending` after this long lost its worker (it becomes `uncertain`); an uncertain
# send is sent again when no receipt carrying its callback data came within the second delay.
WHATSAPP_SENDING_STALE_SECONDS = env.int("WHATSAPP_SENDING_STALE_SECONDS", default=120)
WHATSAPP_UNCERTAIN_WAIT_SECONDS = env.int("WHATSAPP_UNCERTAIN_WAIT_SECONDS", default=600)
# Monthly statements: who issues them (the VAT rules start from the seller's country), and how
# old the exchange rate of WhatsApp's costs (USD) into euros may be; billing/data/ holds the rates.
BILLING_SELLER_COUNTRY = env.str("BILLING_SELLER_COUNTRY", default="DE")
BILLING_SELLER = env.str("BILLING_SELLER", default="Relay GmbH\nBerlin, Germany")
BILLING_EXCHANGE_RATES_FILE = env.str(
    "BILLING_EXCHANGE_RATES_FILE", default=str(BASE_DIR / "billing" / "data" / "exchange_rates.csv")
)
BILLING_EXCHANGE_RATE_MAX_AGE_DAYS = env.int("BILLING_EXCHANGE_RATE_MAX_AGE_DAYS", default=10)
CELERY_BEAT_SCHEDULE = {
    "sweep-webhook-events": {
        "task": "whatsapp.tasks.webhooks_sweep",
        "schedule": timedelta(seconds=WHATSAPP_SWEEP_SECONDS),
    },
    "sweep-outbox": {"task": "whatsapp.tasks.outbox_sweep", "schedule": timedelta(seconds=WHATSAPP_SWEEP_SECONDS)},
    "window-clock": {"task": "inbox.tasks.window_clock", "schedule": timedelta(minutes=1)},
    "unsnooze-conversations": {"task": "inbox.tasks.conversations_unsnooze", "schedule": timedelta(minutes=1)},
    "sweep-broadcasts": {"task": "inbox.tasks.broadcasts_sweep", "schedule": timedelta(minutes=1)},
    "sweep-event-deliveries": {"task": "inbox.tasks.event_deliveries_sweep", "schedule": timedelta(minutes=1)},
    # Templates made or changed in Meta's manager, and decisions whose webhook was lost.
    "sync-templates": {"task": "whatsapp.tasks.templates_sync", "schedule": timedelta(hours=1)},
    # Exports not downloaded in time, and files a download left behind.
    "purge-contact-exports": {"task": "privacy.tasks.exports_purge", "schedule": timedelta(hours=1)},
    # Messages and media past each workspace's retention period, at night (UTC).
    "apply-retention": {"task": "privacy.tasks.retention_apply_all", "schedule": crontab(hour=3, minute=15)},
    "purge-stale-invitations": {
        "task": "accounts.tasks.invitations_purge_stale",
        "schedule": timedelta(hours=6),
    },
    # Last month's statements, on the 1st; issuing again later (a retry) adds none twice.
    # Daily, not only on the 1st: issuing is idempotent, so a statement held back on the 1st (its
    # exchange rate not published yet) is issued the first night after the rate is added.
    "issue-statements": {
        "task": "billing.tasks.statements_issue_last_month",
        "schedule": crontab(0, 3),
    },
}

# Data protection: how long a contact's export waits for its one download; how many messages
# retention deletes per transaction.
PRIVACY_EXPORT_TTL_HOURS = env.int("PRIVACY_EXPORT_TTL_HOURS", default=24)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=1000)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own default handler would print each line a second time.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # fpdf2 embeds only the letters a statement uses; its font subsetter logs each step at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
