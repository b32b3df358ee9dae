"""BillingOne settings, read from the environment. `.env.example` lists every variable.

BILLINGONE_ENV is `development` (default: generated keys in var/, file mailer, DEBUG on),
`test` (set by the test suite) or `production` (keys and SMTP must be configured; the
process refuses to start without them).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from billingone.accounts.ratelimits import allauth_rate_limits
from billingone.lib.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    generated_secret,
    new_encryption_keyring,
    new_secret_key,
)
from billingone.notifications.keys import new_vapid_private_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("BILLINGONE_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_str("BILLINGONE_ENV", "test" if "pytest" in sys.modules else "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured("BILLINGONE_ENV must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")


def _required_or_generated(name: str, filename: str, make) -> str:
    value = env_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production (see .env.example)")
    return generated_secret(VAR_DIR / filename, make)


SECRET_KEY = _required_or_generated("SECRET_KEY", "secret_key", new_secret_key)
# AES-256-GCM key ring for secrets at rest: "id:base64(32 bytes)", primary first.
FIELD_ENCRYPTION_KEYS = _required_or_generated("FIELD_ENCRYPTION_KEYS", "encryption_keys", new_encryption_keyring)

SITE_URL = env_str("SITE_URL", "http://localhost:" + env_str("PORT", "8000")).rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)
# How many reverse proxies in front of us append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's sessions templates use naturaltime
    "django_htmx",
    "django_tasks_db",
    "crontask",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.headless",
    "ninja",
    "billingone.accounts",
    "billingone.orgs",
    "billingone.audit",
    "billingone.api",
    "billingone.ops",
    "billingone.notifications",
    "billingone.integrations",
    "billingone.billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every /api/v1 answer in the JSON error shape (404, 405, 413 included), whatever DEBUG says.
    "billingone.api.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "billingone.api.middleware.JSONObjectBodyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Parses multipart bodies of PUT/PATCH (PUT /api/v1/me/avatar); Django does so for POST only.
    "ninja.compatibility.files.fix_request_files_middleware",
    "allauth.account.middleware.AccountMiddleware",
    # Idle/absolute timeouts, required-MFA enrolment and session activity (allauth's
    # UserSessionsMiddleware is left out: it rewrote the session row on every request).
    "billingone.accounts.middleware.SessionPolicyMiddleware",
]

ROOT_URLCONF = "billingone.urls"
WSGI_APPLICATION = "billingone.wsgi.application"
ASGI_APPLICATION = "billingone.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "billingone.orgs.context_processors.organization",
                "billingone.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ is the embedded default; DATABASE_URL switches to PostgreSQL.
# SQLite is shared by the web server and the task worker: WAL lets readers run beside the
# writer, IMMEDIATE transactions take the write lock up front, and the busy timeout waits
# for it instead of failing with "database is locked".
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME") or None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "billingone.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": env_str("TEST_DATABASE_NAME") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, TOTP replay protection): shared by every process ---------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "billingone_cache"}}
# Provider rate budgets, one per provider account for every worker and web process
# (integrations/budgets.py): the same Redis or cache table. The test suite keeps them per process
# (its in-memory database cannot take writes from the providers' prefetching threads while a test
# holds its transaction); test_shared_budget.py runs two real processes on the cache table.
CACHES["budgets"] = (
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "budgets"}
    if ENVIRONMENT == "test"
    else CACHES["default"]
)

# --- Background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CRONTASK = {"REDIS_URL": REDIS_URL or None}
# /healthz reports the worker unhealthy when its last heartbeat is older than this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 180)

# --- Integrations (docs/integrations.md) ----------------------------------------------------
# Provider URLs: the only hosts the provider clients may call (SECURITY.md 34).
PAX8_API_URL = env_str("PAX8_API_URL", "https://api.pax8.com/v1")
PAX8_TOKEN_URL = env_str("PAX8_TOKEN_URL", "https://token-manager.pax8.com/oauth/token")
# Pax8 publishes only "429"; third-party guides say 1000 calls/minute. We keep 5% under it.
PAX8_RATE_LIMIT_CALLS = env_int("PAX8_RATE_LIMIT_CALLS", 1000)
PAX8_RATE_LIMIT_PERIOD_SECONDS = env_int("PAX8_RATE_LIMIT_PERIOD_SECONDS", 60)
PAX8_MAX_CONCURRENCY = env_int("PAX8_MAX_CONCURRENCY", 4)
PAX8_SYNC_INTERVAL_MINUTES = env_int("PAX8_SYNC_INTERVAL_MINUTES", 60)
# Xero (docs/xero.md): the platform's own app comes from the environment; an organization may
# bring its own app instead (entered in Settings, stored encrypted). The redirect URI is fixed
# here and registered at Xero exactly; it is never built from the Host header.
XERO_CLIENT_ID = env_str("XERO_CLIENT_ID")
XERO_CLIENT_SECRET = env_str("XERO_CLIENT_SECRET")
if PRODUCTION and XERO_CLIENT_ID and not XERO_CLIENT_SECRET:
    raise ImproperlyConfigured("XERO_CLIENT_SECRET must be set when XERO_CLIENT_ID is (see .env.example)")
XERO_REDIRECT_URI = env_str("XERO_REDIRECT_URI", SITE_URL + "/oauth/xero/callback/")
XERO_AUTHORIZE_URL = env_str("XERO_AUTHORIZE_URL", "https://login.xero.com/identity/connect/authorize")
XERO_TOKEN_URL = env_str("XERO_TOKEN_URL", "https://identity.xero.com/connect/token")
XERO_REVOKE_URL = env_str("XERO_REVOKE_URL", "https://identity.xero.com/connect/revocation")
XERO_API_URL = env_str("XERO_API_URL", "https://api.xero.com")  # /connections and /api.xro/2.0
XERO_WEB_URL = env_str("XERO_WEB_URL", "https://go.xero.com")  # "View in Xero" links
XERO_SYNC_INTERVAL_MINUTES = env_int("XERO_SYNC_INTERVAL_MINUTES", 60)
# The webhook signing key Xero shows for the app's webhook (x-xero-signature); unset: no receiver.
XERO_WEBHOOK_KEY = env_str("XERO_WEBHOOK_KEY")
# Provider webhooks (integrations/webhooks.py): a delta owed to events that arrived while a
# sync was running is queued this long after, while that run still runs.
WEBHOOK_FOLLOW_UP_SECONDS = env_int("WEBHOOK_FOLLOW_UP_SECONDS", 30)
# Stripe (payment links, read-only): each organization brings its own restricted or secret key.
# Stripe allows 25 requests/s per endpoint (and 25/s in total in a sandbox): we keep 20% under it.
STRIPE_API_URL = env_str("STRIPE_API_URL", "https://api.stripe.com")
STRIPE_RATE_LIMIT_PER_SECOND = env_int("STRIPE_RATE_LIMIT_PER_SECOND", 25)
STRIPE_MAX_CONCURRENCY = env_int("STRIPE_MAX_CONCURRENCY", 4)
STRIPE_SYNC_INTERVAL_MINUTES = env_int("STRIPE_SYNC_INTERVAL_MINUTES", 60)
# Organizations (slugs) that may connect a test-mode key (sandbox / demo); every other one is live.
STRIPE_TEST_MODE_ORGS = env_list("STRIPE_TEST_MODE_ORGS", "")
# SuperOps (PSA; providers/superops): one GraphQL endpoint per region; 800 requests a minute per
# tenant (Help Center), we keep 5% under it. Invoices sync in a window by invoice date from the
# last sync minus an overlap; the first sync of every SUPEROPS_FULL_SCAN_HOURS slot reads them all
# (what was paid or deleted outside the window).
SUPEROPS_API_URL = env_str("SUPEROPS_API_URL", "https://api.superops.ai/msp")
SUPEROPS_EU_API_URL = env_str("SUPEROPS_EU_API_URL", "https://euapi.superops.ai/msp")
SUPEROPS_RATE_LIMIT_CALLS = env_int("SUPEROPS_RATE_LIMIT_CALLS", 800)
SUPEROPS_RATE_LIMIT_PERIOD_SECONDS = env_int("SUPEROPS_RATE_LIMIT_PERIOD_SECONDS", 60)
SUPEROPS_MAX_CONCURRENCY = env_int("SUPEROPS_MAX_CONCURRENCY", 4)
SUPEROPS_SYNC_INTERVAL_MINUTES = env_int("SUPEROPS_SYNC_INTERVAL_MINUTES", 60)
SUPEROPS_DELTA_OVERLAP_DAYS = env_int("SUPEROPS_DELTA_OVERLAP_DAYS", 7)
SUPEROPS_FULL_SCAN_HOURS = env_int("SUPEROPS_FULL_SCAN_HOURS", 24)

# Synergy Wholesale (providers/synergy, docs/synergy.md): each organization brings its reseller ID
# and API key; Synergy answers only servers whose IP address the reseller registered with it.
SYNERGY_API_URL = env_str("SYNERGY_API_URL", "https://api.synergywholesale.com")
# Synergy documents no rate limit: a modest budget of our own per reseller account.
SYNERGY_RATE_LIMIT_CALLS = env_int("SYNERGY_RATE_LIMIT_CALLS", 120)
SYNERGY_RATE_LIMIT_PERIOD_SECONDS = env_int("SYNERGY_RATE_LIMIT_PERIOD_SECONDS", 60)
SYNERGY_MAX_CONCURRENCY = env_int("SYNERGY_MAX_CONCURRENCY", 2)
SYNERGY_SYNC_INTERVAL_MINUTES = env_int("SYNERGY_SYNC_INTERVAL_MINUTES", 360)
# The zone Synergy's date strings are written in (its document names none; Synergy is in Melbourne).
SYNERGY_TIMEZONE = env_str("SYNERGY_TIMEZONE", "Australia/Melbourne")
# The public IP address this deployment calls Synergy from (its NAT gateway), shown when Synergy
# refuses an unregistered address; empty: the address the operating system routes from.
SYNERGY_OUTBOUND_IP = env_str("SYNERGY_OUTBOUND_IP")
# QuickBooks Online (providers/quickbooks): the platform's Intuit app; its OAuth endpoints are
# those Intuit's discovery document publishes. The redirect URI is registered at Intuit exactly.
QUICKBOOKS_CLIENT_ID = env_str("QUICKBOOKS_CLIENT_ID")
QUICKBOOKS_CLIENT_SECRET = env_str("QUICKBOOKS_CLIENT_SECRET")
if PRODUCTION and QUICKBOOKS_CLIENT_ID and not QUICKBOOKS_CLIENT_SECRET:
    raise ImproperlyConfigured("QUICKBOOKS_CLIENT_SECRET must be set when QUICKBOOKS_CLIENT_ID is (see .env.example)")
QUICKBOOKS_REDIRECT_URI = env_str("QUICKBOOKS_REDIRECT_URI", SITE_URL + "/oauth/quickbooks/callback/")
# Intuit's endpoints, as its discovery document (QUICKBOOKS_DISCOVERY_URL) publishes them.
QUICKBOOKS_DISCOVERY_URL = env_str(
    "QUICKBOOKS_DISCOVERY_URL", "https://developer.api.intuit.com/.well-known/openid_configuration"
)
QUICKBOOKS_AUTHORIZE_URL = env_str("QUICKBOOKS_AUTHORIZE_URL", "https://appcenter.intuit.com/connect/oauth2")
QUICKBOOKS_TOKEN_URL = env_str("QUICKBOOKS_TOKEN_URL", "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
QUICKBOOKS_REVOKE_URL = env_str("QUICKBOOKS_REVOKE_URL", "https://developer.api.intuit.com/v2/oauth2/tokens/revoke")
QUICKBOOKS_API_URL = env_str("QUICKBOOKS_API_URL", "https://quickbooks.api.intuit.com")  # /v3/company/<realmId>
QUICKBOOKS_APP_URL = env_str("QUICKBOOKS_APP_URL", "https://app.qbo.intuit.com")  # "Open in QuickBooks" links
QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = env_str("QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN")
QUICKBOOKS_SYNC_INTERVAL_MINUTES = env_int("QUICKBOOKS_SYNC_INTERVAL_MINUTES", 60)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# host:port of local provider simulators: the only private addresses a provider client may call.
# The dev runner sets one SIMULATOR_HOST_<NAME> per simulator it starts (simulators/__init__.py).
INTEGRATION_SIMULATOR_HOSTS = env_list("INTEGRATION_SIMULATOR_HOSTS", "") + [
    value for name, value in sorted(os.environ.items()) if name.startswith("SIMULATOR_HOST_") and value
]
INTEGRATION_HTTP_TIMEOUT_SECONDS = float(env_int("INTEGRATION_HTTP_TIMEOUT_SECONDS", 30))
INTEGRATION_HTTP_RETRIES = env_int("INTEGRATION_HTTP_RETRIES", 3)
INTEGRATION_HTTP_BACKOFF_SECONDS = 0.5
# Pushing an invoice draft waits at most this long per attempt (a retry resends the same idempotency key).
DRAFT_PUSH_TIMEOUT_SECONDS = float(env_int("DRAFT_PUSH_TIMEOUT_SECONDS", 10))
# The lease of a running sync: renewed every SYNC_RUN_LEASE_RENEW_SECONDS while its worker lives; a
# run whose heartbeat is older than SYNC_RUN_STALE_SECONDS (under the scheduler's one-minute tick) is
# taken as dead at the next tick: failed, its task rows cleaned, and queued once more.
SYNC_RUN_STALE_SECONDS = env_int("SYNC_RUN_STALE_SECONDS", 30)
SYNC_RUN_LEASE_RENEW_SECONDS = env_int("SYNC_RUN_LEASE_RENEW_SECONDS", 10)
# Named budgets (SECURITY.md #41, integrations/limits.py): Test Connection attempts per integration
# per window, and the cooldown between syncs a person starts (Sync now, Sync All) per integration.
INTEGRATION_TEST_CONNECTION_LIMIT = env_int("INTEGRATION_TEST_CONNECTION_LIMIT", 10)
INTEGRATION_TEST_CONNECTION_WINDOW_MINUTES = env_int("INTEGRATION_TEST_CONNECTION_WINDOW_MINUTES", 10)
SYNC_NOW_COOLDOWN_SECONDS = env_int("SYNC_NOW_COOLDOWN_SECONDS", 30)
# Attempts per run on transient errors, with exponential backoff (base seconds) between them.
SYNC_MAX_ATTEMPTS = env_int("SYNC_MAX_ATTEMPTS", 4)
SYNC_RETRY_BACKOFF_SECONDS = env_int("SYNC_RETRY_BACKOFF_SECONDS", 30)
# make run: the demo runs its first syncs while seeding and is left reconciled (billing/demo.py).
DEMO_RECONCILED = env_bool("DEMO_RECONCILED", False)

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "billingone.accounts.validators.ContextWordsValidator"},
    {"NAME": "billingone.accounts.validators.BreachedPasswordValidator"},
]
# Breached-password check (HIBP range API, k-anonymity); fails open when unreachable.
PASSWORD_BREACH_CHECK = env_bool("PASSWORD_BREACH_CHECK", PRODUCTION)
PASSWORD_BREACH_API = env_str("PASSWORD_BREACH_API", "https://api.pwnedpasswords.com/range")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "billingone.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "billingone.accounts.forms.SignupExtras"
ACCOUNT_FORMS = {  # our wording; passkey autofill on the email field
    "login": "billingone.accounts.login_form.LoginForm",
    "change_password": "billingone.accounts.login_form.ChangePasswordForm",
}
ACCOUNT_SIGNUP_OPEN = env_bool("ACCOUNT_SIGNUP_OPEN", True)
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Email changes need a fresh re-authentication too, like factor changes (SECURITY.md #16).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BillingOne] "
# Named budgets with their reasons live in accounts/ratelimits.py (docs/accounts.md);
# allauth's other defaults stay. RATE_LIMITS=False would switch them off: never do that.
ACCOUNT_RATE_LIMITS = allauth_rate_limits()

MFA_ADAPTER = "billingone.accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "add_webauthn": "billingone.accounts.passkey_forms.AddPasskeyForm",
    "edit_webauthn": "billingone.accounts.passkey_forms.EditPasskeyForm",
}
MFA_RATE_LIMITS = allauth_rate_limits("mfa")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_TOTP_TOLERANCE = 0
MFA_TOTP_ISSUER = "BillingOne"
# One relying party for web and the mobile app (PRODUCT.md); pinned, never taken from Host.
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", "localhost")
WEBAUTHN_RP_NAME = env_str("WEBAUTHN_RP_NAME", "BillingOne")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# The iOS app's identifier ("TEAMID.bundle.id") for /.well-known/apple-app-site-association.
IOS_APP_IDS = env_list("IOS_APP_IDS", "")

# Activity is tracked (allauth's session lists show last_seen_at), but written by accounts/activity.py
# at most once per SESSION_ACTIVITY_WRITE_SECONDS, background polls excluded: allauth's
# UserSessionsMiddleware, which wrote it on every request, is not in MIDDLEWARE.
USERSESSIONS_TRACK_ACTIVITY = True
SESSION_ACTIVITY_WRITE_SECONDS = env_int("SESSION_ACTIVITY_WRITE_SECONDS", 60)
# Optional MaxMind GeoIP2/GeoLite2 City database for city-level session locations; without it
# locations are country-level from the data shipped with `iptocc` (billingone/lib/geo.py).
GEOIP_CITY_DB = env_str("GEOIP_CITY_DB", "")

HEADLESS_CLIENTS = ("app",)
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": SITE_URL + "/accounts/confirm-email/{key}/",
    "account_reset_password_from_key": SITE_URL + "/accounts/password/reset/key/{key}/",
    "account_signup": SITE_URL + "/accounts/signup/",
}

# --- Sessions and cookies -------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_TIMEOUT_SECONDS", 12 * 3600)
# Idle limit for web sessions and app tokens (NIST AAL2: 30 min); organizations may shorten it
# with session_timeout_minutes. 0 turns the site-wide idle limit off. accounts/policy.py enforces both.
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # OAuth callbacks are cross-site top-level GETs
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", PRODUCTION)
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [] if PRODUCTION else ["security.W004", "security.W008"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    # The OAuth connect forms POST here and are redirected to the provider's authorize page,
    # which form-action governs too.
    "form-action": [
        CSP.SELF,
        _origin(XERO_AUTHORIZE_URL),
        _origin(QUICKBOOKS_AUTHORIZE_URL),
        *env_list("CSP_FORM_ACTION_EXTRA"),
    ],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
}

# --- Mail: Django 6.1 mailers (EMAIL_BACKEND is not set alongside MAILERS) ------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BillingOne <no-reply@billingone.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_DELIVERY = env_str("EMAIL_DELIVERY", "smtp" if PRODUCTION else "file")
if EMAIL_DELIVERY == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("SMTP_HOST", "localhost"),
                "port": env_int("SMTP_PORT", 587),
                "username": env_str("SMTP_USERNAME"),
                "password": env_str("SMTP_PASSWORD"),
                "use_tls": env_bool("SMTP_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
elif EMAIL_DELIVERY == "file":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
elif EMAIL_DELIVERY == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    raise ImproperlyConfigured("EMAIL_DELIVERY must be smtp, file or console")

# --- Notifications (docs/notifications.md) ---------------------------------------------------
# Seconds to wait before each retry of a failed delivery; after the last one it is marked failed.
try:
    NOTIFICATION_RETRY_DELAYS = [int(v) for v in env_list("NOTIFICATION_RETRY_DELAYS", "30,120,600")]
except ValueError as exc:
    raise ImproperlyConfigured("NOTIFICATION_RETRY_DELAYS must be whole seconds, e.g. 30,120,600") from exc
# APNs: token-based (.p8 key) authentication over HTTP/2. Sandbox host: api.sandbox.push.apple.com.
APNS_HOST = env_str("APNS_HOST", "api.push.apple.com")
APNS_PORT = env_int("APNS_PORT", 443)
APNS_TEAM_ID = env_str("APNS_TEAM_ID")
APNS_KEY_ID = env_str("APNS_KEY_ID")
APNS_TOPIC = env_str("APNS_TOPIC")  # the app's bundle id
APNS_PRIVATE_KEY = env_str("APNS_PRIVATE_KEY")  # PEM text, or:
APNS_PRIVATE_KEY_FILE = env_str("APNS_PRIVATE_KEY_FILE")
# Web Push with VAPID: base64url private key (generated in var/ outside production).
WEBPUSH_VAPID_PRIVATE_KEY = env_str("WEBPUSH_VAPID_PRIVATE_KEY") or (
    "" if PRODUCTION else generated_secret(VAR_DIR / "vapid_private_key", new_vapid_private_key)
)
WEBPUSH_VAPID_SUBJECT = env_str("WEBPUSH_VAPID_SUBJECT", "mailto:" + DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">"))
# Subscriptions are accepted only on these push services (the server posts to the endpoint).
WEBPUSH_ALLOWED_HOSTS = env_list(
    "WEBPUSH_ALLOWED_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,"
    "notify.windows.com,web.push.apple.com",
)
# A CA bundle for push services (only the local simulators need one).
PUSH_CA_FILE = env_str("PUSH_CA_FILE")

# --- Audit log ------------------------------------------------------------------------------
# Entries older than this many days are pruned daily (0 keeps everything); a checkpoint keeps
# the hash chain verifiable.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 0)

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["billingone.formats"]  # one date format everywhere (formats/en/formats.py)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 100

# --- Logging: JSON lines on stderr, secrets redacted ----------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "billingone.lib.logging.JSONFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "apscheduler": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # HTTP/2 (APNs): hpack logs every header at DEBUG, the provider token included.
        "hpack": {"level": "WARNING"},
        "h2": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "billingone.ops.views.csrf_failure"

# Authlib 1.9 prefers an `httpx2` package and always warns when it falls back to httpx, which we
# use on purpose; its module installs an "always" filter on import, so ours goes after it.
importlib.import_module("authlib.deprecate")
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
