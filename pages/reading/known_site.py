"""
The Wagtail Site a request is for, its home page, and the pages readers ask for, kept by each
process between requests.

Every request for a page starts with Wagtail finding its Site (a query on the host, the root page
joined) and the home page's own type (a second query): about a third of what an uncached page
still cost once its parts were kept (bench/profile-uncached.md). Both change rarely, so each
process keeps what it found per host and port, and uses it only while the rendered parts' version
(pages.reading.rendered) is the one it was found under: that version moves on with any save of a
page, the home page included, and with any change to a Site (pages/signal_handlers.py), and it is
read from the shared cache, so every process sees a change at once. Without a shared cache (no
REDIS_URL) the version is new on every request and Wagtail finds the site as it always did.

The page at a path is kept the same way, with its view restrictions: Wagtail's routing (the page
at the path, then its own type) and the restrictions it checks before serving were the three
queries a warm page still ran. A restriction added or removed moves the version on like a page
save, so a page is never served past a restriction it did not have when it was kept; whether
this reader meets a restriction (a password, a group) is still decided on every request. Only
the most recently served pages are kept, so a process's memory does not grow with the site.

Each request gets its own copy, unpickled: a page object that one request's code writes on must
never be the next request's.
"""

import pickle
from collections import OrderedDict
from contextlib import suppress

from redis.exceptions import RedisError

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http.request import split_domain_port

from wagtail.models import Page, Site
from wagtail.views import serve as wagtail_serve

from pages.reading import rendered

# Hosts kept per process. Only hosts ALLOWED_HOSTS accepts are kept, so this is a guard against
# a long list of allowed wildcard hosts, not against readers.
MOST_HOSTS_KEPT = 64

_sites = OrderedDict()

# Pages kept per process: about 7 kB pickled each.
MOST_PAGES_KEPT = 500

_pages = OrderedDict()

EDITORS_PATHS = ("/admin/", "/django-admin/")

NOT_KEPT = object()


def kept_copy(kept, key, version):
    """This request's own copy of what `kept` holds for `key`, if it was kept under `version`;
    else NOT_KEPT."""
    entry = kept.get(key)
    if entry is None or entry[0] != version:
        return NOT_KEPT
    kept.move_to_end(key)
    return pickle.loads(entry[1])  # noqa: S301 - pickled by this process, in keep_copy


def keep_copy(kept, key, version, value, most):
    """Keep `value` for `key` under `version`, the least recently used dropped past `most`."""
    kept[key] = (version, pickle.dumps(value))
    kept.move_to_end(key)
    while len(kept) > most:
        kept.popitem(last=False)


def site_for(request):
    """What Site.find_for_request(request) would answer, from this process's copy when it is
    still current."""
    try:
        request.get_host()  # Wagtail reads the host unchecked; a refused one is never kept.
    except DisallowedHost:
        return Site.find_for_request(request)
    hostname = split_domain_port(request._get_raw_host())[0]
    host = (hostname, request.get_port())
    # Read before the site is looked up: a change made meanwhile moves the version on, and what
    # is kept under this one is never used.
    version = rendered.current_version(cache.get(rendered.VERSION_KEY))
    request._kb_known_version = version
    site = kept_copy(_sites, host, version)
    if site is not NOT_KEPT:
        return site
    site = Site.find_for_request(request)
    if site is not None:
        site.root_page.specific  # noqa: B018 - looked up now, so the copy holds it
    keep_copy(_sites, host, version, site, MOST_HOSTS_KEPT)
    return site


def route_for(request, path):
    """Route a request for a page as Wagtail would (the answer goes where Wagtail's serve view
    looks: request._wagtail_route_for_request), from this process's copy of the page when it is
    still current. The page gets its view restrictions as they were kept with it."""
    version = getattr(request, "_kb_known_version", None)
    site = getattr(request, "_wagtail_site", None)
    if version is None or site is None:
        return
    key = (site.pk, path)
    kept = kept_copy(_pages, key, version)
    if kept is not NOT_KEPT:
        route, restrictions = kept
    else:
        route = Page.route_for_request(request, path)
        if route is None:  # a 404: Wagtail answers it again in its view, as it always did
            return
        restrictions = list(route[0].get_view_restrictions())
        keep_copy(_pages, key, version, (route, restrictions), MOST_PAGES_KEPT)
    route[0].kept_view_restrictions = restrictions
    request._wagtail_route_for_request = route


class KnownSiteMiddleware:
    """Gives each request its Site (request._wagtail_site, where Site.find_for_request looks)
    before Wagtail routes it, and a reader's request for a page its route."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Readers' requests only: the admin's views seldom ask for the site, and an editor's
        # request right after a save would pay for finding it anew.
        if request.path.startswith(EDITORS_PATHS):
            return self.get_response(request)
        # Only a shortcut: when the database or the cache fails, Wagtail looks the site up as it
        # always did, and whatever answers the request (the health check's 503, the error page)
        # answers as it would have.
        with suppress(DatabaseError, RedisError):
            request._wagtail_site = site_for(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Wagtail's own page view alone, for reading: a form posted to a page is routed afresh.
        if view_func is not wagtail_serve or request.method not in ("GET", "HEAD"):
            return None
        path = view_args[0] if view_args else view_kwargs.get("path", "")
        with suppress(DatabaseError, RedisError):
            route_for(request, path)
        return None
