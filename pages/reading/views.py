"""Reader-facing views that are not pages of the tree: tags, what robots read, the health check."""

import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from pages.reading.addresses import absolute_url
from pages.reading.query import reads_query
from pages.reading.visibility import tags_in_use, visible_pages

logger = logging.getLogger(__name__)
PAGES_PER_TAG_PAGE = 20
ICONS = Path(__file__).resolve().parents[1] / "static" / "pages" / "icons"
# Browsers ask for /favicon.ico and the manifest on a first visit whatever the page links; they
# change with a release at most.
ICON_CACHE_SECONDS = 60 * 60 * 24


def tag_index(request):
    tags = tags_in_use().annotate(page_count=Count("pages_pagetag_items")).order_by("name")
    return render(request, "pages/tag_index.html", {"tags": tags})


@reads_query("page")
def tag_detail(request, slug):
    tag = tags_in_use().filter(slug=slug).distinct().first()
    if tag is None:
        # Unknown, or used only on drafts and restricted pages: either way nothing to show.
        raise Http404(f"No published page is tagged {slug!r}.")
    pages = visible_pages().filter(tagged_items__tag=tag).order_by("title").specific()
    listing = Paginator(pages, PAGES_PER_TAG_PAGE).get_page(request.GET.get("page"))
    return render(request, "pages/tag_detail.html", {"tag": tag, "listing": listing})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        # The admin and page previews are for editors; documents stay reachable from pages.
        "Disallow: /admin/",
        # Each page's "Was this page helpful?" form: nothing to index, and no answers from robots.
        "Disallow: /feedback/",
        f"Sitemap: {absolute_url(request, reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """For the proxy's and compose's health checks: 200 while the database answers, 503 (and
    the proxy sends readers to another app server) while it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Health check: the database is unreachable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@cache
def favicon_bytes():
    return (ICONS / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=ICON_CACHE_SECONDS)
def favicon(request):
    """/favicon.ico itself, where browsers and feed readers look first: not a redirect, which
    some of them do not follow. The same file is a static file (base.html links it)."""
    return HttpResponse(favicon_bytes(), content_type="image/vnd.microsoft.icon")


@require_safe
@cache_control(public=True, max_age=ICON_CACHE_SECONDS)
def web_manifest(request):
    """The web app manifest: the name and icons a phone shows for a page added to its home
    screen. A view, so that the icons' addresses are the static files' (hashed in production)."""
    manifest = {
        "name": settings.WAGTAIL_SITE_NAME,
        "short_name": "OMG KB",
        "start_url": "/",
        "display": "browser",
        "background_color": "#ffffff",
        "theme_color": "#1a4fd6",
        "icons": [
            {"src": static("pages/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("pages/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("pages/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")
