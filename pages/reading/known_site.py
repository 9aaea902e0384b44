"""
The Wagtail Site a request is for, and its home page, kept by each process between requests.

Every request for a page starts with Wagtail finding its Site (a query on the host, the root page
joined) and the home page's own type (a second query): about a third of what an uncached page
still cost once its parts were kept (bench/profile-uncached.md). Both change rarely, so each
process keeps what it found per host and port, and uses it only while the rendered parts' version
(pages.reading.rendered) is the one it was found under: that version moves on with any save of a
page, the home page included, and with any change to a Site (pages/signal_handlers.py), and it is
read from the shared cache, so every process sees a change at once. Without a shared cache (no
REDIS_URL) the version is new on every request and Wagtail finds the site as it always did.

Each request gets its own copy, unpickled: a page object that one request's code writes on must
never be the next request's.
"""

import pickle
from contextlib import suppress

from redis.exceptions import RedisError

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http.request import split_domain_port

from wagtail.models import Site

from pages.reading import rendered

# Hosts kept per process. Only hosts ALLOWED_HOSTS accepts are kept, so this is a guard against
# a long list of allowed wildcard hosts, not against readers.
MOST_HOSTS_KEPT = 64

_kept = {}

EDITORS_PATHS = ("/admin/", "/django-admin/")


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
    kept = _kept.get(host)
    if kept is not None and kept[0] == version:
        return pickle.loads(kept[1])  # noqa: S301 - pickled by this process, below
    site = Site.find_for_request(request)
    if site is not None:
        site.root_page.specific  # noqa: B018 - looked up now, so the copy holds it
    if len(_kept) >= MOST_HOSTS_KEPT:
        _kept.clear()
    _kept[host] = (version, pickle.dumps(site))
    return site


class KnownSiteMiddleware:
    """Gives each request its Site (request._wagtail_site, where Site.find_for_request looks)
    before Wagtail routes it."""

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
