"""Settings shared by every environment. Environment variables are documented in the README."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CSRF_FAILURE_VIEW = "shop.core.views.csrf_failure"

SHOP_APPS = [
    "shop.core",
    "shop.accounts",
    "shop.wallet",
    "shop.notifications",
    "shop.scheduling",
    "shop.catalog",
    "shop.coupons",
    "shop.cart",
    "shop.orders",
    "shop.courses",
    "shop.payments",
    "shop.checkout",
    "shop.lottery",
    "shop.conversion",
    "shop.auctions",
    "shop.gifts",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_q",
    "django_tables2",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials.apps.SimpleAppConfig",
    "axes",
    *SHOP_APPS,
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shop.core.dbbusy.DatabaseBusyMiddleware",  # lock wait ran out → 503 + Retry-After (outside sessions)
    "shop.core.middleware.BadInputMiddleware",  # NUL / undecodable input → 400 before anything reads the DB
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "shop.core.sessions.AuthenticationMiddleware",  # Django's, the user read with the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shop.core.middleware.HtmxMessagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shop.core.context_processors.shop",
                "shop.cart.context_processors.cart",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials", "shop.core.templatetags.money"],
        },
    }
]

# --- Storage -------------------------------------------------------------------------------------
# SQLite (WAL, IMMEDIATE transactions, busy timeout) by default; DATABASE_URL switches engines.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that asks the socket instead of sending SELECT 1 each request,
    # and shop.core.sql's statements prepared once per connection.
    DATABASES["default"]["ENGINE"] = "shop.core.backends.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    # Connections persist as on PostgreSQL: opening one costs ~1.3 ms a request (docs/benchmarks.md).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bazaar_cache",
        }
    }
# Sessions stay in the database with Redis too: the session's one SELECT also reads its user and
# the page's figures (cart, catalogue version, coupon centre), where a session from the cache
# leaves each of those to a query of its own (docs/benchmarks.md).
SESSION_ENGINE = "shop.core.sessions"

# --- django-q2 -----------------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "bazaar",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 60,
    "retry": 120,  # must exceed timeout
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.2

# --- Auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shop.accounts.backends.UserBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in throttling (django-axes): 5 failures per username+IP lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- i18n ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Bazaar <noreply@bazaar.local>")

# --- UI libraries --------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-hover align-middle", "thead": {"class": "table-light"}}
MESSAGE_TAGS = {40: "danger"}

# --- Bazaar --------------------------------------------------------------------------------------
BAZAAR_CURRENCY = os.environ.get("BAZAAR_CURRENCY", "CNY")
BAZAAR_CURRENCY_SYMBOL = os.environ.get("BAZAAR_CURRENCY_SYMBOL", "¥")
BAZAAR_PAGE_SIZE = 20
# Minutes a pending order waits for payment before it times out (auction orders: 24 hours).
BAZAAR_ORDER_PAYMENT_MINUTES = int(os.environ.get("BAZAAR_ORDER_PAYMENT_MINUTES", "30"))
BAZAAR_BUSY_RETRY_AFTER = int(os.environ.get("BAZAAR_BUSY_RETRY_AFTER", "5"))  # seconds, on a 503 when a lock wait ran out
# How often the sweeper runs (minutes) and when the cluster counts as stale in /healthz.
BAZAAR_SWEEP_MINUTES = 1
# Auctions (SPEC §7): a bid in the last N minutes extends the lot by N minutes, never past the
# session's end + the hard-end minutes; a won lot is paid within the payment hours; a shopper's
# plain comments are at least the comment interval apart.
BAZAAR_AUCTION_SOFT_CLOSE_MINUTES = int(os.environ.get("BAZAAR_AUCTION_SOFT_CLOSE_MINUTES", "2"))
BAZAAR_AUCTION_HARD_END_MINUTES = int(os.environ.get("BAZAAR_AUCTION_HARD_END_MINUTES", "30"))
BAZAAR_AUCTION_PAYMENT_HOURS = int(os.environ.get("BAZAAR_AUCTION_PAYMENT_HOURS", "24"))
BAZAAR_AUCTION_COMMENT_SECONDS = int(os.environ.get("BAZAAR_AUCTION_COMMENT_SECONDS", "5"))
# how often a lot page asks whether anything changed (an unchanged lot answers 204 from one query)
BAZAAR_AUCTION_POLL_MS = max(200, int(os.environ.get("BAZAAR_AUCTION_POLL_MS", "500")))
BAZAAR_CLUSTER_STALE_SECONDS = 180

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "format": "time=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Payments ------------------------------------------------------------------------------------
BAZAAR_PAYMENT_GATEWAY = os.environ.get("BAZAAR_PAYMENT_GATEWAY", "sandbox")  # sandbox | alipay
ALIPAY_APP_ID = os.environ.get("ALIPAY_APP_ID", "")
ALIPAY_APP_PRIVATE_KEY = os.environ.get("ALIPAY_APP_PRIVATE_KEY", "")  # PEM
ALIPAY_PUBLIC_KEY = os.environ.get("ALIPAY_PUBLIC_KEY", "")  # PEM, Alipay's
ALIPAY_SANDBOX = env_bool("ALIPAY_SANDBOX", True)
ALIPAY_SELLER_ID = os.environ.get("ALIPAY_SELLER_ID", "")  # the merchant PID (2088…): notifications must name it
FILTERS_EMPTY_CHOICE_LABEL = _("Any")
