"""
Readers get pages from a cache; editors never do.

Two middlewares share one idea of a reader's request: a GET or HEAD from someone without a
session cookie (no editor, no reader who entered a page's password) for anything but the admin,
the health check and documents (whose privacy Wagtail checks on every download). Only a request
whose query parameters its view reads is shared (pages/reading/query.py): `?junk=<random>` would
otherwise store one more copy of the same page for each value, until Redis pushed out the rest.

- ReaderCacheHeadersMiddleware says how long a shared cache (the Varnish proxy, a CDN) may keep
  a reader's page: `public, max-age=0, s-maxage=…, stale-while-revalidate=…`. Browsers ask again
  every time (the proxy answers them at once), while the proxy keeps the page until the app
  purges it on publish (pages.caching.purging). Everything else (editors, previews, forms, anything
  setting a cookie, restricted pages) is `private, no-cache`, unless the view chose already.
- PageCacheMiddleware is the app's own copy of those pages, in the shared Django cache (Redis in
  production), for a deployment without a proxy and for every app server behind one. It is the
  outermost middleware, so it keeps each page as it left the app: status, every header the
  security middlewares added, body. Every change a reader could see moves the cache to a new
  generation (`forget_pages`), so a whole site's pages go stale at once without the cache having
  to list them.
- kbsite/wsgi.py answers hits before Django builds its request (pages/caching/fast_path.py): a
  hit needs no middleware, session, user or database, only one round trip to the cache.
"""

import functools
import hashlib
import logging
import secrets

from django_redis.cache import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.encoding import iri_to_uri

from kbsite.security import ADMIN_POLICY, PERMISSIONS_POLICY, PUBLIC_POLICY, serialize
from pages.reading.query import query_parameters
from pages.reading.rendered import version_in_cache

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:page-cache:generation"
PAGE_KEY_PREFIX = "pages:page-cache:page:"

# Paths whose answers depend on who asks or must always be fresh. Page previews live under
# /admin/; /_util/ holds Wagtail's login and page-password forms; /feedback/ takes readers'
# answers to "Was this page helpful?" (pages/feedback/views.py).
NEVER_SHARED_PREFIXES = (
    "/admin/",
    "/django-admin/",
    "/_util/",
    "/healthz/",
    "/documents/",
    "/feedback/",
)

# What a shared cache may keep: pages, redirects between them, and "no such page".
SHAREABLE_STATUSES = {200, 301, 404, 410}

# What the app's own cache keeps of those: not "no such page", as every made-up address would add
# one more copy to Redis (the proxy keeps those a minute, in memory of its own).
STORED_STATUSES = {200, 301}

# Headers that belong to one response, not to the page stored for everyone.
UNSTORED_HEADERS = {"set-cookie", "x-page-cache", "date"}


def is_reader_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.path.startswith(NEVER_SHARED_PREFIXES)
    )


def reads_its_whole_query(request):
    """Whether the view answering `request` reads every query parameter it carries. Found from
    the path before the view runs, as the page cache must."""
    if not request.GET:
        return True
    try:
        match = request.resolver_match or resolve(
            request.path_info, getattr(request, "urlconf", None)
        )
    except Resolver404:
        return False
    return set(request.GET) <= query_parameters(match.func)


def is_shareable(request, response):
    return (
        is_reader_request(request)
        and reads_its_whole_query(request)
        and response.status_code in SHAREABLE_STATUSES
        and not response.cookies
        # A form's CSRF token is one reader's: a page that holds one is never shared, even when
        # the reader's cookie already had the token and no Set-Cookie went out.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


class ReaderCacheHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            # The view decided: Wagtail's never-cache on restricted pages, the static files'
            # year-long headers, the health check's no-store. Instant search's `public` is for
            # the query it reads, not for one with parameters of anyone's choosing added.
            if "public" in response["Cache-Control"] and not reads_its_whole_query(request):
                del response["Cache-Control"]
                patch_cache_control(response, private=True, no_cache=True)
            return response
        seconds = settings.KB_SHARED_CACHE_SECONDS
        if seconds and is_shareable(request, response):
            patch_cache_control(
                response,
                public=True,
                max_age=0,
                s_maxage=seconds if response.status_code != 404 else min(seconds, 60),
                stale_while_revalidate=settings.KB_STALE_WHILE_REVALIDATE_SECONDS,
            )
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response


def current_generation(known=None):
    """The page cache's generation."""
    return version_in_cache(GENERATION_KEY, known)


def forget_pages():
    """Every stored page is stale from now on (called on any change readers could see)."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


# Settings that shape the headers stored with a page (the security middlewares' and
# Cache-Control): a deployment that changes one stores its pages afresh rather than replaying the
# old headers from Redis for up to PAGE_CACHE_SECONDS.
HEADER_SETTINGS = (
    "ALLOWED_HOSTS",
    "USE_X_FORWARDED_HOST",
    "DEBUG",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_REFERRER_POLICY",
    "SECURE_SSL_HOST",
    "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS",
    "KB_SHARED_CACHE_SECONDS",
    "KB_STALE_WHILE_REVALIDATE_SECONDS",
    # Where media are served from is in the Content-Security-Policy (kbsite/security.py).
    "STORAGES",
)

# Bumped when what a stored page holds changes: the copies an older version stored are not read.
ENTRY_FORMAT = 2


@functools.cache
def headers_fingerprint():
    """A short digest of everything besides the request that decides a stored page's headers:
    the settings above and the policies kbsite/security.py writes."""
    shaping = [repr(getattr(settings, name, None)) for name in HEADER_SETTINGS]
    shaping += [
        serialize(PUBLIC_POLICY),
        serialize(ADMIN_POLICY),
        PERMISSIONS_POLICY,
        str(ENTRY_FORMAT),
    ]
    return hashlib.sha256("\n".join(shaping).encode()).hexdigest()[:12]


@receiver(setting_changed)
def settings_changed(**kwargs):
    headers_fingerprint.cache_clear()


def skips_the_page_cache(request):
    """Requests the app's page cache neither looks up nor keeps: anyone's but a reader's, and
    static files (WhiteNoise answers them below, never with the s-maxage a page needs)."""
    static_url = settings.STATIC_URL or ""
    return not is_reader_request(request) or (
        static_url.startswith("/") and request.path.startswith(static_url)
    )


def page_key(request):
    """Where a reader's page is kept: by scheme, host and full path. None for a Host the app
    refuses (the request goes on to Django, which answers 400): no page is ever stored under
    one, nor looked up."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    scheme = "https" if request.is_secure() else "http"
    path = iri_to_uri(request.get_full_path())
    return f"{PAGE_KEY_PREFIX}{headers_fingerprint()}:{scheme}://{host}{path}"


def look_up(key):
    """(generation, stored page or None), in one round trip to the cache."""
    backend = caches["default"]
    if not isinstance(backend, DjangoRedisCache):
        stored = backend.get_many([GENERATION_KEY, key])
        return stored.get(GENERATION_KEY), stored.get(key)
    # Straight to the Redis client: django-redis's get_many around the same MGET cost about a
    # fifth as much again as the MGET itself, on every hit.
    client = backend.client
    try:
        values = client.get_client(write=False).mget(
            [backend.make_key(GENERATION_KEY), backend.make_key(key)]
        )
    except (RedisConnectionError, RedisTimeoutError) as error:
        # As production's IGNORE_EXCEPTIONS does for the cache's own calls: a miss, not an error.
        logger.warning("The page cache could not be read: %s", error)
        return None, None
    generation, entry = (None if value is None else client.decode(value) for value in values)
    return generation, entry


def stored_answer(entry, generation):
    """(status line, headers, body) of a stored page still of the current generation, else
    None. Headers are the ones the app sent when it stored the page, less Date (the server
    writes each response's own)."""
    if entry is None or generation is None or entry[0] != generation:
        return None
    _generation, status, headers, content = entry
    return status, [*headers, ("X-Page-Cache", "HIT")], content


# Where kbsite/wsgi.py leaves what it looked up and missed, so the page is not looked up twice.
LOOKED_UP = "kb.page_cache.looked_up"


class PageCacheMiddleware:
    """The outermost middleware: it stores a page with the headers every middleware gave it.
    kbsite/wsgi.py answers hits before the request reaches Django; this answers them for a
    request that came another way (the test client, a server given the Django handler
    itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.KB_PAGE_CACHE_SECONDS
        if not seconds or skips_the_page_cache(request):
            return self.get_response(request)

        looked_up = request.META.get(LOOKED_UP)
        if looked_up:
            key, generation = looked_up
        else:
            if not reads_its_whole_query(request):
                return self.get_response(request)
            key = page_key(request)
            if key is None:
                return self.get_response(request)
            # One round trip to Redis for both the generation and the page.
            generation, entry = look_up(key)
            answer = stored_answer(entry, generation)
            if answer is not None:
                return self.replay(answer)
            generation = current_generation(generation)

        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        # Only what the shared proxy may keep too: the same rule decides both caches.
        if (
            request.method == "GET"
            and response.status_code in STORED_STATUSES
            and "public" in cache_control
            and "s-maxage" in cache_control
            and is_shareable(request, response)
            # The proxy keeps a streamed answer (llms.txt) as it comes; this cache would have to
            # read it whole first.
            and not response.streaming
        ):
            status = f"{response.status_code} {response.reason_phrase}"
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            ]
            # Stored under the generation read before the page was built: a publish during the
            # build moves the generation on, and this copy is never served.
            cache.set(key, (generation, status, headers, response.content), seconds)
            response["X-Page-Cache"] = "MISS"
        return response

    @staticmethod
    def replay(answer):
        status, headers, content = answer
        code, reason = status.split(" ", 1)
        response = HttpResponse(content, status=int(code), reason=reason)
        for name, value in headers:
            response[name] = value
        return response
