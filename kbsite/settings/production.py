"""
Production: every secret and host comes from the environment, and a missing secret stops start-up.

Behind TLS and a caching proxy (Varnish). Each outside service is optional and chosen by its
variable: REDIS_URL (the shared cache), AWS_STORAGE_BUCKET_NAME (media on S3-compatible storage),
OPENSEARCH_URL (search) and FRONTEND_CACHE_URL (purging the proxy on publish). None of them is
contacted at start-up or by `manage.py check --deploy`.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list, env_milliseconds, set_statement_timeout

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production refuses to start without it: "
        "set SECRET_KEY in the environment to a long random string."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost"])

# Each worker keeps its database connection between requests (health-checked before reuse)
# rather than opening one per request, which cost a page more than its queries did.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))  # noqa: F405
# No statement of a reader's request needs seconds (a whole search at 5,000 pages takes under
# 0.2 s, bench/search-results.md): 5 s is far past the slowest, and bounds how long a reader's
# request can hold its worker waiting for the database.
KB_STATEMENT_TIMEOUT_MS = set_statement_timeout(
    DATABASES["default"],  # noqa: F405
    env_milliseconds("DB_STATEMENT_TIMEOUT", 5_000),
)

# HTTPS ------------------------------------------------------------------------------------------

# The proxy in front terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come over plain HTTP from inside the network, and must get an answer, not a 301.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
# One year, subdomains included, ready for the browsers' preload lists. SECURE_HSTS_SECONDS=0
# turns HSTS off (for a first deployment, while HTTPS is still being tried out).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# The sign-in throttle (base.py) and the feedback and page-password throttles count by the
# client's address: behind the proxy that is the last address in X-Forwarded-For (Varnish appends
# its peer's), or the one TRUSTED_PROXY_COUNT proxies from the end when a TLS terminator or load
# balancer appends another before it. 0 unless the deployment says how many proxies it has:
# a client that reaches the app server directly writes whatever X-Forwarded-For it likes, and a
# count of 1 would let it name a new address for every guess. Too high a count lets a client name
# its own address; too low, clients share one (and lock each other out of one account, never into
# it). docker-compose.yml sets 1, for its Varnish.
KB_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# The shared cache -------------------------------------------------------------------------------

if REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,  # noqa: F405
            "OPTIONS": {
                # A Redis that is down or slow costs a cache miss (the tree is read from the
                # database), never a page: give up after two seconds, log it, and carry on.
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    # Each worker process would keep its own copy of the sidebar tree and miss the changes made
    # through another: without a shared cache, read the tree on every request instead.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    # The throttles (feedback, page passwords, search clicks: kbsite/security.py) must count
    # somewhere, or they let everything through: each worker counts on its own, so a client
    # gets at most WEB_CONCURRENCY times each limit. With REDIS_URL they count in Redis.
    CACHES[COUNTERS_CACHE] = {  # noqa: F405
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "throttle-counters",
    }

# Files ------------------------------------------------------------------------------------------

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Media (images, documents) on S3 or an S3-compatible store (MinIO, R2, Spaces...). Credentials
# come the way boto3 finds them: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # e.g. media.kb.example.org, a CDN in front of the bucket.
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # Images on public pages are public, and the proxy keeps those pages for an hour:
            # plain URLs, not signed ones that would expire inside a cached page.
            "querystring_auth": False,
            # The bucket's policy decides who reads, not a per-file ACL.
            "default_acl": None,
            # Wagtail gives an upload a new name rather than replace another file.
            "file_overwrite": False,
        },
    }
    # Documents still go through Wagtail's view (WAGTAILDOCS_SERVE_METHOD in base.py), never a
    # redirect to the bucket: the bucket's policy must not let anyone read documents/.
else:
    # Uploads live on the media volume that every app container mounts; the app serves their
    # images (kbsite/urls.py), and documents only through Wagtail's view.
    KB_SERVE_MEDIA = True

# Search -----------------------------------------------------------------------------------------

OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "")
if OPENSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.opensearch3",
            "URLS": [OPENSEARCH_URL],
            "INDEX_PREFIX": os.environ.get("OPENSEARCH_INDEX_PREFIX", "omgkb_"),
            "TIMEOUT": 5,
        }
    }

# Mail -------------------------------------------------------------------------------------------

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10

# Logs -------------------------------------------------------------------------------------------

# Everything to stdout, in one format, so one stream reads in order. django.request keeps to
# server errors: the server's access log (kbsite/serve.py --access-log) already has every 404.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"database_unavailable": DATABASE_UNAVAILABLE_FILTER},  # noqa: F405
    "formatters": {
        "server": {
            "format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "server",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR", "filters": ["database_unavailable"]},
    },
}
