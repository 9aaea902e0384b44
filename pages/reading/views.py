"""Reader-facing views that are not pages of the tree: tags, what robots read, the health check."""

import logging

from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pages.reading.query import reads_query
from pages.reading.visibility import tags_in_use, visible_pages

logger = logging.getLogger(__name__)
PAGES_PER_TAG_PAGE = 20


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


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        # The admin and page previews are for editors; documents stay reachable from pages.
        "Disallow: /admin/",
        # Each page's "Was this page helpful?" form: nothing to index, and no answers from robots.
        "Disallow: /feedback/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
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
