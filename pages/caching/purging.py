"""
Purging the caches that keep readers' pages: the app's own page cache and the proxy in front
(Varnish in docker-compose.yml, through wagtail.contrib.frontend_cache's backends).

Every page shows the sidebar tree, breadcrumbs and previous / next, so a change to the tree (a
page published for the first time, a new title or slug, unpublishing, moving, deleting, a view
restriction) or to anything every page shows (the reader notices, a FAQ category) changes every
page: the proxy is banned whole. A publish that changes only what the page says purges just the
pages that show it: the page and its Markdown and history views, its ancestors (whose listings
show its summary and in-development marker), and the listings, feeds and indexes of the whole
site (tags, search, what's new, the feed, the API, sitemap.xml, llms.txt).

Purges go out when the transaction commits. Wagtail's own signal handlers
(wagtail.contrib.frontend_cache, deliberately not installed) purge inside the publish
transaction, where a reader's request can put the old page back into the proxy before the new
one is committed.
"""

import logging
import re
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from django.db import transaction
from django.utils.encoding import iri_to_uri

from wagtail.contrib.frontend_cache.backends import HTTPBackend
from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends
from wagtail.models import Page, Site

from pages.caching.http_cache import forget_pages
from pages.reading import navigation
from pages.reading.navigation import markdown_url

logger = logging.getLogger(__name__)

# Pages and files that list or index pages of the whole site, by path, as a regular expression
# for a ban (query strings included, so every page of a listing goes too).
SITE_WIDE_LISTINGS = r"^/(tags/|search/|api/|whats-new/|feed/|sitemap\.xml|llms\.txt)"
EVERYTHING = r"^/"


class VarnishBackend(HTTPBackend):
    """Wagtail's HTTP (PURGE) backend, plus the BAN that deploy/varnish/default.vcl accepts:
    every cached URL whose path matches a regular expression goes at once."""

    def ban(self, path_pattern):
        request = Request(
            f"{self.cache_scheme}://{self.cache_netloc}/",
            method="BAN",
            headers={"X-Ban-Path": path_pattern, "User-Agent": "omgkb-purge"},
        )
        try:
            urlopen(request, timeout=5)  # noqa: S310 - the address is FRONTEND_CACHE_URL
        except (URLError, OSError) as error:
            # The proxy keeps the page until its TTL ends (s-maxage): stale, never broken.
            logger.error("Couldn't ban %r in the proxy: %s", path_pattern, error)


def ban(path_pattern):
    for backend in get_backends().values():
        if hasattr(backend, "ban"):
            backend.ban(path_pattern)


def content_urls(page, site_root_paths):
    """The page (with its Markdown and history views) and its ancestors, as full URLs.

    Made as Wagtail's get_full_url makes them, without its cost: an ancestor's url_path is a
    prefix of the page's own (Wagtail keeps each page's url_path as its parent's plus its slug),
    and a page's address is its url_path below its site's root, as readers' links are made
    (pages/reading/navigation.py). get_full_url reads the ancestors and calls reverse(), which in
    a process that has resolved no URL yet (publish_scheduled, a shell; kbsite/wsgi.py loads it
    in the web workers) first imports and compiles the whole URL conf, admin included: 0.14 to
    1 s, against the few ms of the rest of the purge.
    """
    urls = []
    url_path = page.url_path
    # The tree's root ("/", depth 1) is nobody's page; the slash after each slug ends a page.
    ends = [index + 1 for index, char in enumerate(url_path) if char == "/" and index]
    for end in ends:
        ancestor_path = url_path[:end]
        # Most specific site first, as Wagtail picks (Site.get_site_root_paths' order).
        sites = (srp for srp in site_root_paths if ancestor_path.startswith(srp.root_path))
        site = next(sites, None)
        if site is None:
            # Above every site's root page: no reader's address.
            continue
        path = iri_to_uri("/" + ancestor_path[len(site.root_path) :])
        origin = site.root_url
        urls += [origin + path, f"{origin}{path}history/", origin + markdown_url(path)]
    return urls


def content_and_listings_pattern(urls):
    """A ban pattern for exactly these URLs' paths (a PURGE of each would drop the same, Host
    aside as for PURGE) and for the site-wide listings."""
    paths = sorted({iri_to_uri(urlsplit(url).path) for url in urls})
    if not paths:
        return SITE_WIDE_LISTINGS
    exact = "|".join(re.escape(path) for path in paths)
    return f"^(?:{exact})$|{SITE_WIDE_LISTINGS}"


class PendingPurge:
    """What one transaction changed, purged once when it commits: an import or a deleted
    branch touches hundreds of pages, and the proxy needs to hear of it once."""

    def __init__(self):
        self.everything = False
        self.pages = {}
        self.sent = False

    def add(self, page=None, everything=False):
        if everything or page is None:
            self.everything = True
        else:
            self.pages[page.pk] = page

    def send(self):
        if self.sent:
            return
        self.sent = True
        forget_pages()
        if self.everything:
            ban(EVERYTHING)
            return
        batch = PurgeBatch()
        site_root_paths = Site.get_site_root_paths()
        for page in self.pages.values():
            batch.add_urls(content_urls(page, site_root_paths))
        backends = get_backends()
        banning = [backend for backend in backends.values() if hasattr(backend, "ban")]
        # One PURGE per URL took 12 requests for a page 4 deep, one after the other: about
        # 0.7 s. A proxy that bans gets the same URLs and the listings in one request.
        for backend in banning:
            backend.ban(content_and_listings_pattern(batch.urls))
        others = [name for name, backend in backends.items() if not hasattr(backend, "ban")]
        if others:
            batch.purge(backends=others)


def purge_after_commit(*, page=None, everything=False):
    """Drop what readers would otherwise see stale, once the change is committed (at once in
    autocommit, where on_commit runs the purge straight away)."""
    connection = transaction.get_connection()
    pending = getattr(connection, "_kb_pending_purge", None)
    # A rolled-back transaction or savepoint takes its callbacks with it: start afresh then.
    if (
        pending is None
        or pending.sent
        or not any(
            getattr(callback, "__self__", None) is pending
            for _savepoints, callback, _robust in connection.run_on_commit
        )
    ):
        pending = connection._kb_pending_purge = PendingPurge()
        # Now as well, once a transaction: the app's page cache must not store a page built
        # from uncommitted rows under the generation readers are served from.
        forget_pages()
    pending.add(page=page, everything=everything)
    # One callback a change, but the first to run sends everything and the rest find it sent.
    transaction.on_commit(pending.send)


def page_published(instance, **kwargs):
    # Compared before forget_navigation moves the tree's version on (the handlers run in that
    # order), with the page as its own page last read it from the tree. Without that there is no
    # telling what the sidebars show: everything goes.
    before = navigation.cached_title_and_url_path(instance.pk)
    unchanged_in_tree = before == (instance.title, instance.url_path)
    purge_after_commit(page=instance, everything=not unchanged_in_tree)


def tree_changed(**kwargs):
    purge_after_commit(everything=True)


def page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        purge_after_commit(everything=True)
