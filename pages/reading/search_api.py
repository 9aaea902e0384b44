"""
Instant search: the header's search box shows the best few results while the reader types
(pages/static/pages/js/instant-search.js), from a small JSON answer the proxy can keep.

- `GET /search/suggest/?q=` answers the top results for what has been typed so far, the last
  word matched as a prefix ("plas" finds Plasma). It is the same for every reader (live, public
  pages only, through pages.search.engine), touches no session, user or CSRF token, sets no
  cookie, and says so: `public, max-age=60, s-maxage=300`. The proxy and the app's page cache
  (pages.caching.http_cache) keep it; a publish bans everything under /search/
  (pages.caching.purging), so a result is at most a few minutes late and usually not at all.
- `POST /search/clicked/` counts a followed result for the query (pages.search.analytics), so
  that the searches nobody clicked can be reported. The script sends it with
  navigator.sendBeacon, from instant search and from the /search/ page's results.

The full /search/ page (pages/reading/search.py) still works without JavaScript.
"""

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from wagtail.search.utils import MAX_QUERY_STRING_LENGTH

from kbsite.security import count_this_hour
from pages.reading.query import reads_query
from pages.search.analytics import record_click
from pages.search.engine import search

SUGGESTIONS = 6
# How long browsers and the shared proxy may keep an answer (seconds).
BROWSER_SECONDS = 60
PROXY_SECONDS = 300
# Followed results counted per client address and hour; a beacon past the limit is dropped.
CLICKS_PER_HOUR = 300
CLICK_THROTTLE_PREFIX = "pages:search-clicks:"


def typed_query(data):
    """What the reader typed, as the site search takes it: a NUL counts as a space, runs of
    spaces are one, and anything past the index's 255 characters is cut."""
    words = " ".join(data.get("q", "").replace("\x00", " ").split())
    return words[:MAX_QUERY_STRING_LENGTH].strip()


def result(hit):
    return {
        "title": hit.title,
        "url": hit.url,
        "place": hit.place,
        # Built by the engine from plain text, escaped, with only <mark> added.
        "snippet": str(hit.snippet),
        "type": hit.page_type,
        "in_development": hit.in_development,
    }


@reads_query("q")
@require_safe
def suggest(request):
    query = typed_query(request.GET)
    if not query:
        body = {"results": []}
    else:
        found = search(query, limit=SUGGESTIONS, prefix=True)
        body = {
            "query": query,
            "results": [result(hit) for hit in found.hits[:SUGGESTIONS]],
            "suggestion": found.suggestion,
            "more_url": f"{reverse('search')}?{urlencode({'q': query})}",
        }
    response = JsonResponse(body)
    # The same answer for everyone: no Vary on cookies, which this view never reads.
    patch_cache_control(response, public=True, max_age=BROWSER_SECONDS, s_maxage=PROXY_SECONDS)
    return response


def within_click_limit(request):
    """Counts this click against its address's hourly limit; True when the cache cannot count."""
    count = count_this_hour(request, CLICK_THROTTLE_PREFIX)
    return count is None or count <= CLICKS_PER_HOUR


# No CSRF check, deliberately. navigator.sendBeacon cannot add the X-CSRFToken header, and the
# pages it is sent from are shared by every reader through the proxy, so they carry no token
# either. What a forged request could do is add one to an anonymous, per-query click counter:
# no reader's or editor's data changes, nothing is shown to anyone but the editors' report, and
# each address is held to CLICKS_PER_HOUR.
@csrf_exempt
@require_POST
def clicked(request):
    query = typed_query(request.POST)
    if not query:
        return HttpResponseBadRequest("A click needs the query it followed (q).")
    if within_click_limit(request):
        record_click(query)
    # A beacon reads no answer; 204 either way, so a throttled client learns nothing to retry.
    return HttpResponse(status=204)
