"""
A page as readers get it, which changes only when something a reader could see changes: the
whole page (base.html), and within it the parts that cost most to draw (its body, "On this page",
the pages under it, its tags, its sidebar), so that a page drawn again after a change to its
header reuses them. Nothing on it depends on the reader (the feedback form holds no CSRF token);
what depends on the request or the time is in the key: the public address the absolute links
are drawn for, and the day (a page past its review date says so). Kept in the shared cache, one
entry per page and address, and rendered again when the page's live version or anything else
readers see has changed since (`forget_rendered`, connected in pages/signal_handlers.py to every
change the page cache is purged for, and to any save of a page).

Rendering them took most of an uncached page's time and more than half of its SQL queries: each
block's pages, images and documents, the visibility of every page a link or card leads to, the
card's page summaries, the listed children and the tags (bench/profile-uncached.md).

Only the live page Wagtail routed the request to is kept: never a preview, a revision shown in
the history, or any page built some other way. The parts are what every reader sees (links to
pages readers may not see are already drawn without their address, for signed-in readers too),
so the page's own view restrictions, checked on every request before it renders, still decide
who gets them.
"""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from wagtail.models import Page, Site
from wagtail.views import serve as wagtail_serve

from pages.reading import navigation
from pages.reading.addresses import base_url

VERSION_KEY = "pages:rendered:version"
PAGE_KEY_PREFIX = "pages:rendered:page:"
# Long enough to outlast a busy day, short enough that pages nobody reads leave the cache.
CACHE_SECONDS = 60 * 60 * 6


@dataclass
class RenderedParts:
    """One page's parts as this request found them in the cache, and what they were kept for."""

    page_id: int
    key: str
    version: str
    revision: tuple
    html: dict  # part name -> (its HTML, the URLs it drew a fallback for)


@functools.cache
def code_fingerprint():
    """What renders the parts: the app's code and templates, read once per process. A deploy
    that changes them renders every page's parts again rather than serve the old ones."""
    app = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(app.rglob("*")):
        if path.suffix in (".py", ".html") and "migrations" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_kept(request, page):
    """Whether `page` is the live page Wagtail's routing found for `request` and its own view
    serves (not a preview, not a revision, not a page a view built by itself, not the page's
    history or Markdown, which look the page up the same way)."""
    if request is None or page is None or getattr(request, "is_preview", False):
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.func is not wagtail_serve:
        return False
    route = getattr(request, "_wagtail_route_for_request", None)
    return route is not None and route[0] is page and page.live


def version_in_cache(key, known=None):
    """The version kept in the cache under `key` (`known`, when just read), starting a new one
    when the cache has none (a fresh or flushed Redis): a random value, so that nothing stored
    under an earlier one can match it."""
    if known:
        return known
    version = secrets.token_hex(8)
    if cache.add(key, version, None):
        return version
    return cache.get(key) or version


def current_version(known=None):
    """The cached parts' version."""
    return version_in_cache(VERSION_KEY, known)


def parts_for(request, page):
    """This request's RenderedParts of `page` (read from the cache once per request), or None
    when the page's parts may not be kept."""
    if not is_kept(request, page):
        return None
    parts = getattr(request, "_kb_rendered_parts", None)
    if parts is not None and parts.page_id == page.pk:
        return parts
    site = Site.find_for_request(request)
    # Absolute addresses (the canonical link, the share tags) are the public address the reader
    # came to, unless SITE_URL names one.
    key = f"{PAGE_KEY_PREFIX}{site.pk if site else 0}:{page.pk}:{base_url(request)}"
    # The page's own content is told by its live version (and what renders it by the code's);
    # everything else it shows of other pages, images, documents and settings by the version
    # `forget_rendered` moves on; and the day, for the banner of a page past its review date.
    revision = (
        page.live_revision_id,
        page.last_published_at,
        code_fingerprint(),
        navigation.SIDEBAR_LINK_BUDGET,
        timezone.localdate(),
    )
    stored = cache.get_many([VERSION_KEY, key])
    version = current_version(stored.get(VERSION_KEY))
    entry = stored.get(key)
    html = {}
    if entry is not None and entry[0] == version and entry[1] == revision:
        html = entry[2]
    parts = RenderedParts(page.pk, key, version, revision, html)
    request._kb_rendered_parts = parts
    return parts


def keep(parts, name, part):
    """Keep a part just rendered (its HTML, and the URLs it drew a fallback for), under the
    version read before it was rendered: a change made meanwhile has moved the version on, and
    this copy is never served."""
    parts.html[name] = part
    cache.set(parts.key, (parts.version, parts.revision, parts.html), CACHE_SECONDS)


def forget_rendered(**kwargs):
    """Every page's parts are stale from now on: now, for the rest of this transaction, and again
    when it commits, as a request served in between could keep parts rendered from the data as
    it was before the change."""
    cache.delete(VERSION_KEY)
    connection = transaction.get_connection()
    pending = connection.run_on_commit if connection.in_atomic_block else ()
    # Once per transaction: an import saves thousands of pages in one.
    if not any(callback is forget_after_commit for _sids, callback, *_rest in pending):
        transaction.on_commit(forget_after_commit)


def forget_after_commit():
    cache.delete(VERSION_KEY)


def forget_rendered_if_page(sender, instance, **kwargs):
    """post_save or post_delete of any model: a page saved (a draft too) or deleted."""
    if isinstance(instance, Page):
        forget_rendered()
