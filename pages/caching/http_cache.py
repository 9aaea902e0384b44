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
  production), for a deployment without a proxy and for every app server behind one. A hit
  answers before the session, the user or the database is touched. Every change a reader could
  see moves the cache to a new generation (`forget_pages`), so a whole site's pages go stale at
  once without the cache having to list them.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.encoding import iri_to_uri

from pages.reading.query import query_parameters

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
        and not response.streaming
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
    """The page cache's generation, starting a new one when the cache has none (a fresh or
    flushed Redis): a random value, so that no copy stored before can match it."""
    if known:
        return known
    generation = secrets.token_hex(8)
    if cache.add(GENERATION_KEY, generation, None):
        return generation
    return cache.get(GENERATION_KEY) or generation


def forget_pages():
    """Every stored page is stale from now on (called on any change readers could see)."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


def page_key(request):
    scheme = "https" if request.is_secure() else "http"
    return f"{PAGE_KEY_PREFIX}{scheme}://{request.get_host()}{iri_to_uri(request.get_full_path())}"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.KB_PAGE_CACHE_SECONDS
        if not seconds or not is_reader_request(request) or not reads_its_whole_query(request):
            return self.get_response(request)

        key = page_key(request)
        # One round trip to Redis for both the generation and the page.
        stored = cache.get_many([GENERATION_KEY, key])
        generation = current_generation(stored.get(GENERATION_KEY))
        entry = stored.get(key)
        if entry is not None and entry[0] == generation:
            return self.replay(entry)

        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        # Only what the shared proxy may keep too: the same rule decides both caches.
        if (
            request.method == "GET"
            and response.status_code in STORED_STATUSES
            and "public" in cache_control
            and "s-maxage" in cache_control
            and is_shareable(request, response)
        ):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            ]
            # Stored under the generation read before the page was built: a publish during the
            # build moves the generation on, and this copy is never served.
            cache.set(key, (generation, response.status_code, headers, response.content), seconds)
            response["X-Page-Cache"] = "MISS"
        return response

    @staticmethod
    def replay(entry):
        _generation, status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "HIT"
        return response
