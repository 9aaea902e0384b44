"""
The provider's player for a video or embed URL, without asking the provider on every page view.

Wagtail keeps each player it fetched (the Embed table), but keeps nothing of a failure: a URL the
provider does not know, or a provider that cannot be reached, was asked again on every render of
every page that shows it, and a slow failure (a DNS lookup that times out) held up the whole
page each time. A failure is remembered in the cache for FAILED_EMBED_SECONDS; readers see the
plain link meanwhile, as they do while the provider is down.
"""

import contextvars
import hashlib
from contextlib import contextmanager

from django.core.cache import cache

from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedException

FAILED_EMBED_SECONDS = 60 * 60


def failed_key(url):
    return "pages:embed-failed:" + hashlib.sha256(url.encode()).hexdigest()


# The fallbacks drawn while noting_fallbacks() is on: a page's parts kept between requests
# (pages/reading/rendered.py) must not keep a plain link drawn because a provider failed, or the
# player would not come back when the hour is over.
_fallbacks_noted = contextvars.ContextVar("embed_fallbacks_noted", default=None)


@contextmanager
def noting_fallbacks():
    """Within it, each URL drawn as a plain link because its provider failed is added to the
    list it gives."""
    noted = []
    token = _fallbacks_noted.set(noted)
    try:
        yield noted
    finally:
        _fallbacks_noted.reset(token)


def _fallback(url):
    note_fallbacks([url])


def note_fallbacks(urls):
    """Add `urls` (drawn as plain links, now or in a kept part) to the list being noted."""
    noted = _fallbacks_noted.get()
    if noted is not None:
        noted.extend(urls)


def still_failing(urls):
    """Whether a failure is still remembered for each of `urls` (one cache read)."""
    keys = {failed_key(url) for url in urls}
    return len(cache.get_many(list(keys))) == len(keys)


def player_html(url):
    """The provider's HTML for `url`, or None when it has none (now or within the hour)."""
    if not url:
        return None
    if cache.get(failed_key(url)):
        _fallback(url)
        return None
    try:
        return embeds.get_embed(url).html or None
    except EmbedException:
        cache.set(failed_key(url), True, FAILED_EMBED_SECONDS)
        _fallback(url)
        return None
