"""
The provider's player for a video or embed URL, without asking the provider on every page view.

Wagtail keeps each player it fetched (the Embed table), but keeps nothing of a failure: a URL the
provider does not know, or a provider that cannot be reached, was asked again on every render of
every page that shows it, and a slow failure (a DNS lookup that times out) held up the whole
page each time. A failure is remembered in the cache for FAILED_EMBED_SECONDS; readers see the
plain link meanwhile, as they do while the provider is down.
"""

import hashlib

from django.core.cache import cache

from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedException

FAILED_EMBED_SECONDS = 60 * 60


def failed_key(url):
    return "pages:embed-failed:" + hashlib.sha256(url.encode()).hexdigest()


def player_html(url):
    """The provider's HTML for `url`, or None when it has none (now or within the hour)."""
    if not url or cache.get(failed_key(url)):
        return None
    try:
        return embeds.get_embed(url).html or None
    except EmbedException:
        cache.set(failed_key(url), True, FAILED_EMBED_SECONDS)
        return None
