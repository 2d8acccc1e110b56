"""Newsroom settings, read from the environment with safe defaults for a laptop.

Every setting a deployment changes is an environment variable; see README.md.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.log import DEFAULT_LOGGING

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "django-insecure-newsroom-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# The same test as Django's security.W009, so a key that starts the site also passes
# `check --deploy`.
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is "
        "off (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, got {SITE_URL!r}.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.redirects",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    # Third party
    "taggit",
    "axes",
    "csp",
    # Ours
    "articles",
]

MIDDLEWARE = [
    # First: a reader's kept page is answered there, through only the middleware below that
    # has something to do with it (articles/kept_pages.py).
    "articles.kept_pages.KeptPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.security.CSPMiddleware",  # django-csp's, with the plain policy built once
    "newsroom.security.PermissionsPolicyMiddleware",
    # Before anything that reads the database: see newsroom/middleware.py.
    "newsroom.middleware.RefuseUnstorableCharactersMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "articles.acting.ActingUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.redirects.middleware.RedirectFallbackMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A database that is down, frozen or too slow answers readers with a 503 soon rather than
# a hang (newsroom/outages.py): seconds to open a connection (2 at least), and seconds a
# public request's statement may run (0: no limit); the admin and commands have none.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "5"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-us")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

SITE_ID = 1

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Served at the site's root by WhiteNoise, before any view, in development and production
# alike: /favicon.ico, which browsers ask for when a page names no icon (the admin's).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

STORAGES = {
    # Django's file system storage, which also tells articles.media what each transaction
    # wrote, so that a rollback deletes the files along with the rows.
    "default": {"BACKEND": "articles.media.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TAGGIT_CASE_INSENSITIVE = True

# Uploaded and imported images: anything larger is refused before Pillow decodes it.
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", 40_000_000))
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Signed preview links for reviewers without an account.
PREVIEW_LINK_MAX_AGE = int(os.environ.get("PREVIEW_LINK_MAX_AGE", 7 * 24 * 3600))

# Caching ----------------------------------------------------------------------------------
# Django's cache: Redis when REDIS_URL names one (shared by every process and server, which
# the page cache needs to forget pages everywhere at once), else each process's memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one client per connection pool (newsroom/redis_cache.py).
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
            # A Redis that hangs costs a reader a second, not a worker for ever.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages kept whole in that cache and forgotten on every change (articles/caching.py).
# In each process's own memory a change is heard only by the process that made it, so
# there a page is kept briefly: the other workers serve it stale for as long at most.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 600 if REDIS_URL else 10))
# What browsers and shared caches (nginx, a CDN) are told: seconds a browser may keep a
# page, a shared cache may keep it (nothing tells nginx of a change: keep it short unless
# CDN_PURGE_URL purges the CDN), and may serve it stale while fetching it again or while
# the site fails. Never past the next scheduled publication.
PAGE_MAX_AGE = int(os.environ.get("PAGE_MAX_AGE", 5))
PAGE_SHARED_MAX_AGE = int(os.environ.get("PAGE_SHARED_MAX_AGE", 5))
PAGE_STALE_WHILE_REVALIDATE = int(os.environ.get("PAGE_STALE_WHILE_REVALIDATE", 30))
PAGE_STALE_IF_ERROR = int(os.environ.get("PAGE_STALE_IF_ERROR", 86_400))
# Told the Surrogate-Keys of what changed, after each change (see README, "Caching").
CDN_PURGE_URL = os.environ.get("CDN_PURGE_URL", "")
CDN_PURGE_TOKEN = os.environ.get("CDN_PURGE_TOKEN", "")
if CDN_PURGE_URL and urlsplit(CDN_PURGE_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"CDN_PURGE_URL must be an http(s) URL, got {CDN_PURGE_URL!r}.")
# Revisions prune_revisions keeps of each article beyond the protected ones (README).
REVISIONS_KEEP = max(1, int(os.environ.get("REVISIONS_KEEP", 100)))

# Security ---------------------------------------------------------------------------------
# Headers, proxies and sign-in throttling; the code behind them is in newsroom/security.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31_536_000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is hard to undo (browsers ship the list, for every subdomain too): only
    # when the operator asks; until then Django's reminder that it is off is not a fault.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# What a proxy in front of the site says about a request is believed only when the operator
# says a proxy is there: without one, any client could send the same headers.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_ssl_header):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must name the header the proxy sets to 'https' "
            f"(for example X-Forwarded-Proto), got {_proxy_ssl_header!r}."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# Proxies that each append the address they were reached from to X-Forwarded-For.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))

# Content-Security-Policy (django-csp): scripts and styles only from our own files (the
# admin's included), inline scripts only with the request's nonce (none has one yet: the
# article's JSON-LD is data, which the policy does not govern), images also by HTTPS
# address (a body may show one), nothing may frame a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "https:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses, refused to it and to anything it embeds: only names
# Chromium knows (an unknown one is a warning in every page's console); not clipboard-write,
# which the desk's "Copy link" button uses.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "compute-pressure",
        "display-capture", "encrypted-media", "fullscreen", "gamepad", "geolocation",
        "gyroscope", "hid", "identity-credentials-get", "idle-detection", "interest-cohort",
        "keyboard-map", "local-fonts", "magnetometer", "microphone", "midi", "otp-credentials",
        "payment", "picture-in-picture", "publickey-credentials-create",
        "publickey-credentials-get", "screen-wake-lock", "serial", "speaker-selection",
        "sync-xhr", "usb", "window-management", "xr-spatial-tracking",
    )
}  # fmt: skip

# Sign-in throttling (django-axes): failures counted per account on an address and per
# address; once over a limit, a sign-in is refused before its password is hashed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "newsroom.security.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", 20))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)))
# A refused try is neither written down nor extends the wait: it costs a read, no write.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_address"
AXES_USERNAME_CALLABLE = "newsroom.security.attempted_username"
AXES_LOCKOUT_CALLABLE = "newsroom.security.lockout_response"

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_in_one_line": {"()": "newsroom.logs.RefusalsInOneLine"}},
    "formatters": {"django.server": DEFAULT_LOGGING["formatters"]["django.server"]},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_in_one_line"]},
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's default configuration gives "django" a console handler of its own (in
    # DEBUG) besides the root's, which wrote every line twice: here it has none, and its
    # records reach the console through the root alone. Naming "django" resets its
    # children, so runserver's request log is restated as Django's defaults have it.
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
    },
}
