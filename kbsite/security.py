"""
What every response tells the browser it may do, and who the login throttle counts by.

SecurityHeadersMiddleware adds, unless the view set them already (it sits above WhiteNoise, so
static files get them too, and below the page cache, which keeps a page with them):

- Content-Security-Policy: one policy for readers' pages and a looser one for the admin
  (everything under /admin/, Wagtail's page previews included), picked by path. Readers' pages
  run our own script and stylesheet only (pages/static/pages/), with nothing inline; the admin
  needs inline scripts and styles, which Wagtail 8 writes without nonces (its date pickers and
  inline panels are `<script>` blocks in the form, its widgets set `style=""`).
- Permissions-Policy: no camera, microphone, geolocation and the like, for any frame.
- Referrer-Policy: same-origin for the admin, whose URLs (page ids, searches) are nobody else's
  business. Readers' pages keep SECURE_REFERRER_POLICY (strict-origin-when-cross-origin): a
  video provider's player sees where it is embedded, and nothing more than the origin.

Django's own middlewares do the rest (settings in kbsite/settings/base.py): SecurityMiddleware
sends X-Content-Type-Options and Cross-Origin-Opener-Policy, XFrameOptionsMiddleware sends
X-Frame-Options: DENY, which Wagtail relaxes to SAMEORIGIN on the previews it shows in the
editor's iframe.

client_ip_address is the address django-axes throttles sign-ins by (AXES_CLIENT_IP_CALLABLE): the
peer's own address, or, behind KB_TRUSTED_PROXY_COUNT proxies that each append the address they
saw to X-Forwarded-For (Varnish does), the one the outermost proxy saw. Anything further left in
that header came from the client and is not trusted.
"""

import hashlib
import logging
import time
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage

from wagtail.search.utils import MAX_QUERY_STRING_LENGTH

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/admin/"

# The players the embed block and video pages load after a reader's click (components/
# click_to_load.html): the oEmbed HTML of YouTube (either host) and Vimeo is an iframe from these.
VIDEO_PLAYERS = [
    "https://www.youtube-nocookie.com",
    "https://www.youtube.com",
    "https://player.vimeo.com",
]

PUBLIC_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # Images an imported GitBook book shows from other sites (a "web image" block) load from
    # where they are, as GitBook shows them; nothing else may load from elsewhere.
    "img-src": ["'self'", "https:"],
    "frame-src": VIDEO_PLAYERS,
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    # Nothing frames a reader's page (X-Frame-Options: DENY says the same to older browsers).
    "frame-ancestors": ["'none'"],
}

ADMIN_POLICY = {
    "default-src": ["'self'"],
    # Wagtail 8 writes inline <script> blocks (date and time pickers, inline panels) without a
    # nonce or a stable hash.
    "script-src": ["'self'", "'unsafe-inline'"],
    # Its scripts add <style> elements and style attributes (vendor.js), as do its templates.
    "style-src": ["'self'", "'unsafe-inline'"],
    # The image uploader previews each file as a blob: URL (load-image.js); core.css has a
    # data: image.
    "img-src": ["'self'", "data:", "blob:"],
    # The editor's live preview is an iframe of /admin/...; a video in it loads its player.
    "frame-src": ["'self'", *VIDEO_PLAYERS],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    # The preview iframe is the admin framing itself.
    "frame-ancestors": ["'self'"],
}

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid")
)


@cache
def media_origin():
    """
    Where uploaded images are served from when that is not this site: the bucket or its CDN
    (production.py), as the storage itself builds their URLs. None for media served here.
    """
    parts = urlsplit(default_storage.url("csp-probe.png"))
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def serialize(policy):
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def policy_for(path):
    policy = ADMIN_POLICY if path.startswith(ADMIN_PREFIX) else PUBLIC_POLICY
    try:
        origin = media_origin()
    except Exception:  # not cached: the next response tries again
        logger.exception("No media URL for the Content-Security-Policy")
        origin = None
    if origin:
        policy = {**policy, "img-src": [*policy["img-src"], origin]}
    return serialize(policy)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "is_dummy", False):
            # Wagtail's preview renders the page through the middlewares again, as a request
            # for the page's own path: the admin view showing the preview decides instead.
            return response
        if settings.DEBUG and response.status_code in (404, 500):
            # Django's technical 404 and 500 pages are styled and scripted inline.
            return response
        # Wagtail's own, kept: `default-src 'none'` on the documents it serves.
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.path)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        # For what never reaches XFrameOptionsMiddleware: WhiteNoise's static files.
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        if request.path.startswith(ADMIN_PREFIX):
            response["Referrer-Policy"] = "same-origin"
        return response


def client_ip_address(request):
    """The address sign-in attempts are counted by (see the module's docstring)."""
    proxies = settings.KB_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if forwarded:
            # Fewer addresses than proxies: the request entered past the outermost one, and the
            # first address is the peer of the proxy it did go through.
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR")


def hour_key(request, key_prefix):
    """The cache key of this client's count in the current hour. The cache holds the address
    hashed, never the address itself."""
    address = client_ip_address(request) or "unknown"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"{key_prefix}{digest}:{int(time.time() // 3600)}"


def seconds_left_this_hour():
    return 3600 - int(time.time() % 3600)


def counters():
    """The cache the throttles count in: its own where production has no shared cache (a dummy
    default cache would count nothing and let every request through), else the default."""
    alias = settings.COUNTERS_CACHE
    return caches[alias if alias in settings.CACHES else "default"]


def counted_this_hour(request, key_prefix):
    """How many requests count_this_hour has counted from this client's address in the current
    hour, counting none (0 when the cache holds no count)."""
    return counters().get(hour_key(request, key_prefix)) or 0


def count_this_hour(request, key_prefix):
    """Count one request from this client's address in the current hour, and return how many it
    has made so far (None when the cache cannot count)."""
    key = hour_key(request, key_prefix)
    cache = counters()
    try:
        cache.add(key, 0, 3600 + 60)
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this is the window's first
        cache.set(key, 1, 3600 + 60)
        return 1


class AdminSearchLimitMiddleware:
    """Wagtail's PostgreSQL search nests one expression per word of a query, and a few hundred
    words exceed Python's recursion limit: a server error for anyone who pastes a paragraph into
    an admin search box. Readers' search keeps to the index's own limit of 255 characters
    (pages/reading/search.py); the admin's searches (page search, listings, choosers) are held to
    the same limit here, before any view sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = request.GET.getlist("q")
        if request.path.startswith("/admin/") and any(
            len(query) > MAX_QUERY_STRING_LENGTH for query in queries
        ):
            request.GET = request.GET.copy()
            request.GET.setlist("q", [query[:MAX_QUERY_STRING_LENGTH] for query in queries])
        return self.get_response(request)
