"""
A reader's page from the app's page cache, answered before Django builds its request.

Through Django, a hit paid for the WSGI handler, its signals and the middleware stack around
PageCacheMiddleware; here it is the same few checks and one round trip to the cache. The page is
stored by PageCacheMiddleware (pages/caching/http_cache.py), the outermost middleware, with the
status line and every header the app sent (Content-Security-Policy, HSTS, Cache-Control...): a
hit replays them as they were, and needs none of the middlewares.

The rules are PageCacheMiddleware's own, on an HttpRequest built from a copy of the WSGI
environment (Django writes the decoded path back into the one it is given): GET or HEAD, no
session cookie, no Authorization header, none of the never-shared paths, a Host the app accepts.
A page is only ever stored for a request whose view reads every query parameter it carries, so
a key found in the cache needs no such check; anything else goes on to Django as before.
"""

import logging

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest

from pages.caching.http_cache import (
    LOOKED_UP,
    look_up,
    page_key,
    skips_the_page_cache,
    stored_answer,
)

logger = logging.getLogger(__name__)


def cached_answer(environ):
    """(status line, headers, body) of the stored page for this request, or None. On a miss,
    what was looked up is left in `environ` for PageCacheMiddleware."""
    if not settings.KB_PAGE_CACHE_SECONDS or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    request = WSGIRequest(dict(environ))
    if skips_the_page_cache(request):
        return None
    key = page_key(request)
    if key is None:
        return None
    generation, entry = look_up(key)
    answer = stored_answer(entry, generation)
    if answer is None and generation is not None:
        environ[LOOKED_UP] = (key, generation)
    return answer


class PageCacheApplication:
    """The Django application, with hits of the page cache answered in front of it."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        try:
            answer = cached_answer(environ)
        except Exception:
            # A cache that fails outside its own error handling costs a hit, never a page.
            logger.exception("The page cache could not be read")
            environ.pop(LOOKED_UP, None)
            answer = None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, content = answer
        start_response(status, headers)
        # HEAD: the headers GET would get, Content-Length included, and no body.
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [content]
