"""
Settings shared by every environment.

Anything that differs between machines comes from the environment; this module holds no secret.
`dev`, `test` and `production` import from here and change only what they must.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url

from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_milliseconds(name, default):
    value = os.environ.get(name, "").strip() or str(default)  # empty, as compose passes unset
    if not value.isascii() or not value.isdigit():
        raise ImproperlyConfigured(
            f"{name} must be a number of milliseconds (0: none), not {value!r}."
        )
    return int(value)


def set_statement_timeout(database, milliseconds):
    """Give `database`'s connections PostgreSQL's statement_timeout, in its connection options
    (no query per request), and return it; 0 removes it. SQLite has no such limit: 0."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        return 0
    options = database.setdefault("OPTIONS", {})
    # Replaces the limit a settings module before this one set; other options stay.
    others = re.sub(r"-c\s*statement_timeout=\S*", "", options.get("options", "")).split()
    limit = [f"-c statement_timeout={milliseconds}"] if milliseconds else []
    if others or limit:
        options["options"] = " ".join(others + limit)
    else:
        options.pop("options", None)
    return milliseconds


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "pages",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.typed_table_block",  # the table block's editor scripts and styles
    "wagtail.embeds",
    "wagtail.sites",
    "pages.apps.UsersConfig",  # wagtail.users, with superusers protected
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "kbsite.operations",  # backup_site and restore_site
    "axes",  # the admin sign-in throttle (see "Sign-in throttle and security headers" below)
]

MIDDLEWARE = [
    # Outermost: a page is kept with every header the middlewares below gave it, so a hit needs
    # none of them (kbsite/wsgi.py answers hits before Django; pages/caching/http_cache.py).
    "pages.caching.http_cache.PageCacheMiddleware",
    # Lets go of what the request kept for its rendering once its response is made, rather than
    # at the next full garbage collection: 14-25 MB less of a worker's peak at 50,000 pages.
    "pages.reading.request_memory.ForgetRequestPartsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (kbsite/security.py).
    "kbsite.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and the user; its Cache-Control decides what the page cache may keep.
    "pages.caching.http_cache.ReaderCacheHeadersMiddleware",
    # Wagtail's Site for the host, kept per process while nothing a reader sees has changed
    # (pages/reading/known_site.py): two queries fewer on every page.
    "pages.reading.known_site.KnownSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kbsite.security.AdminSearchLimitMiddleware",
    # After the user is known: editors' admin requests get a longer statement timeout.
    "kbsite.statement_timeout.AdminStatementTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kbsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "kbsite.wsgi.application"

# SQLite is the embedded default so `make run` needs nothing but Python;
# DATABASE_URL=postgres://... switches to PostgreSQL (psycopg 3), the production database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each transaction takes SQLite's write lock when it begins, so two requests writing pages
    # take turns (pages/concurrency.py) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    # The readers' search index covers `weight` in its term index (INCLUDE) for PostgreSQL,
    # which reads a term's entries from the index alone; SQLite builds the same index without
    # it, as intended, and needs no warning about it on every `make run`.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# PostgreSQL cancels a statement that runs longer than DB_STATEMENT_TIMEOUT milliseconds (0: no
# limit; production's default is 5000): a request made to hold a worker for minutes answers a 503
# instead (pages/reading/errors.py). Management commands run without it (manage.py), editors'
# admin requests with DB_ADMIN_STATEMENT_TIMEOUT (kbsite/statement_timeout.py).
KB_STATEMENT_TIMEOUT_MS = set_statement_timeout(
    DATABASES["default"], env_milliseconds("DB_STATEMENT_TIMEOUT", 0)
)
# An editor's statement may run for 30 s (a long listing, a revision compared); past that it ends
# with an error page rather than hold the worker.
KB_ADMIN_STATEMENT_TIMEOUT_MS = env_milliseconds("DB_ADMIN_STATEMENT_TIMEOUT", 30_000)

# Each 503 for a database that cannot answer is logged as one line, not one traceback per
# request through an outage; a 500 keeps its traceback. production.py keeps the filter in its own
# LOGGING.
DATABASE_UNAVAILABLE_FILTER = {"()": "pages.reading.errors.OneLineWhenDatabaseUnavailable"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"database_unavailable": DATABASE_UNAVAILABLE_FILTER},
    "loggers": {"django.request": {"filters": ["database_unavailable"]}},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The sidebar tree is cached and dropped when pages change. Several web processes must share one
# cache, or the others would go on showing the old tree: REDIS_URL selects Redis. Without it the
# cache lives in the process, which suits the single process of `make run`.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Where the throttles count (kbsite/security.py): this alias if a setting adds it, else "default".
COUNTERS_CACHE = "counters"

# Readers' pages in shared caches (pages/caching/http_cache.py). A proxy or CDN keeps a page for
# SHARED_CACHE_SECONDS (s-maxage) and serves a stale copy for STALE_WHILE_REVALIDATE_SECONDS
# while it fetches a fresh one; publishing purges it sooner (pages/caching/purging.py). 0 marks
# every response private.
KB_SHARED_CACHE_SECONDS = int(os.environ.get("SHARED_CACHE_SECONDS", str(60 * 60)))
KB_STALE_WHILE_REVALIDATE_SECONDS = int(os.environ.get("STALE_WHILE_REVALIDATE_SECONDS", "60"))
# The app's own copy of readers' pages, in the default cache; 0 turns it off. Off unless a
# shared cache is configured: in development a changed template must show at once.
KB_PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", str(60 * 60 if REDIS_URL else 0)))

# The caching proxy in front (Varnish in docker-compose.yml), purged on publish.
FRONTEND_CACHE_URL = os.environ.get("FRONTEND_CACHE_URL", "")
if FRONTEND_CACHE_URL:
    WAGTAILFRONTENDCACHE = {
        "proxy": {"BACKEND": "pages.caching.purging.VarnishBackend", "LOCATION": FRONTEND_CACHE_URL}
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One vocabulary in the admin, its emails and the docs ("in review", "Request changes", never
# "moderation" or "Rejected"): locale/en rewords the Wagtail strings that say otherwise, for
# every English variant. The admin offers no other language, which would bring Wagtail's words
# back; the site and its own admin text are written in English.
LOCALE_PATHS = [BASE_DIR / "locale"]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English")]
# One way to write a date for people: "4 December 2026" and "4 December 2026, 14:05"
# (kbsite/formats/en/formats.py), Wagtail's messages and history included.
FORMAT_MODULE_PATH = ["kbsite.formats"]

STATIC_ROOT = BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Without DEBUG, the app serves uploads itself only where nothing else does (production.py).
KB_SERVE_MEDIA = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Long StreamField bodies post many fields at once from the page editor.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "OMG Network Knowledge Base"
# The readers' public address (`https://kb.example.org`): every absolute URL given to readers and
# programs (sitemap, feed, API, canonical and Open Graph tags, llms.txt) starts with it. Unset,
# each request's own scheme and host (pages/reading/addresses.py).
KB_SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
# Avatars are uploaded, never fetched from Gravatar: the admin would send a hash of each
# editor's email address to a third party on every page.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kb@localhost")
# Reviewers hear of each submission, editors of each approval or rejection (see the workflow
# migration); superusers are administrators here and need not get every reviewer's mail.
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False
# Reviewers comment on the exact field of a draft.
WAGTAILADMIN_COMMENTS_ENABLED = True
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# The whole knowledge base (about 70 pages) fits in one API listing.
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Every download goes through Wagtail's view (/documents/<id>/<name>), which checks the
# collection's privacy, whatever the storage: never a link or a redirect to the file itself, which
# anyone could fetch. The app's /media/ serves images only (kbsite/urls.py).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ALLOW_UNICODE_SLUGS = False

TAGGIT_CASE_INSENSITIVE = True

# Sign-in throttle and security headers (issue 8) ------------------------------------------------

# django-axes counts failed sign-ins (the admin's form, Wagtail's private-page login, anything
# that calls authenticate() with a request) per username *and* address: after 5 failures, each
# within 15 minutes of the last, that pair is refused, even with the right password, until 15
# minutes pass without another try (a 429 page). Only the pair: a stranger guessing an editor's
# password from elsewhere does not lock the editor out. A successful sign-in clears the count.
# The address is the peer's own, or in production the one its proxy saw (X-Forwarded-For, as
# far as KB_TRUSTED_PROXY_COUNT proxies vouch for it: kbsite/security.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"  # in the admin's look
AXES_CLIENT_IP_CALLABLE = "kbsite.security.client_ip_address"
KB_TRUSTED_PROXY_COUNT = 0
# No banner from every process and command at start-up; failures and lockouts are still logged.
AXES_VERBOSE = False

# Headers every response carries (Content-Security-Policy and Permissions-Policy come from
# kbsite/security.py), from Django's middlewares; spelled out so that a change is a decision.
SECURE_CONTENT_TYPE_NOSNIFF = True
# Links and players off the site learn the origin only (the admin sends them nothing).
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's previews: SAMEORIGIN, for the editor's preview iframe

# Reader feedback: "Was this page helpful?" (pages/feedback/views.py) -----------------------------

# Answers taken from one client address in an hour, across every page; more get a 429. A whole
# office behind one address answering a few pages each stays well under it, a script does not.
KB_FEEDBACK_ANSWERS_PER_HOUR = int(os.environ.get("FEEDBACK_ANSWERS_PER_HOUR", "30"))
# The editors' figures look back this far.
KB_FEEDBACK_DAYS = 30
# The dashboard's "Least helpful pages" ranks only pages with at least this many answers in
# KB_FEEDBACK_DAYS: one reader's "No" is not yet a pattern.
KB_FEEDBACK_LEAST_HELPFUL_MIN_ANSWERS = int(os.environ.get("FEEDBACK_MIN_ANSWERS", "3"))
