"""
The Django side of the serving benchmark: run in a subprocess with the app's settings and a
benchmark database in the environment, it prints one JSON object on standard output.

    python bench/site_probe.py describe
    python bench/site_probe.py queries --path /guide/.../ --page-id 123
    python bench/site_probe.py scale --path /guide/.../ --page-id 123 [--repeat 7]

`describe` picks the page the benchmark reads (the first settled topic, in tree order, at the
deepest level there is) and says what the settings in effect are. `queries` counts the SQL queries
(django.test.utils.CaptureQueriesContext, through Django's test Client) of that page as a
reader, with the navigation cache cold and then warm, and of its admin edit view as a
superuser. The page cache must be off (PAGE_CACHE_SECONDS=0) for the page to be rendered at all.

`scale` times (median of --repeat, after one untimed run) and counts the SQL queries of what
issue 24 wants to cost the same at 50,000 pages as at 5,000: the deep page whole and its sidebar,
breadcrumbs and previous / next tags alone, the navigation the deep page needs read from scratch
(the site's outline and the page's piece: what a worker pays after a publish), /sitemap.xml (and
its first section when it is an index), /llms.txt (to the end of its body, streamed or not, and
to its first streamed part), What's new, and as a superuser Wagtail's page explorer at the
site's root, Admin → Knowledge base pages and the dashboard with its "Needs attention" panel,
whole and the panel alone. A measure that fails gives its error instead of numbers, and the
others still run.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The vocabulary's first word (bench/generate_book.py draws every text from it at random, so it
# is on nearly every page): a search for it ranks thousands of pages.
SEARCH_TERM = "plasma"
BENCH_ADMIN = "bench-admin"
# The site's host (every Wagtail Site here is localhost) and one ALLOWED_HOSTS must keep.
HOST = "localhost"


def setup_django():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbsite.settings.production")
    import django

    django.setup()


def describe():
    from django.conf import settings
    from django.db.models import Max

    from wagtail.models import Page

    from pages.models import TopicPage

    # Settled topics only: a page still in development also reads the site's banner text, one
    # query more, and the sites compared must be compared on the same kind of page.
    topics = TopicPage.objects.live().public().filter(in_development=False)
    deepest = topics.aggregate(depth=Max("depth"))["depth"]
    page = topics.filter(depth=deepest).order_by("path").first()
    live = Page.objects.live().public()
    return {
        "settings": os.environ["DJANGO_SETTINGS_MODULE"],
        "static_root": str(settings.STATIC_ROOT),
        "page_cache_seconds": getattr(settings, "KB_PAGE_CACHE_SECONDS", None),
        "frontend_cache": sorted(getattr(settings, "WAGTAILFRONTENDCACHE", {}) or {}),
        "cache_backend": settings.CACHES["default"]["BACKEND"],
        "live_pages": live.count(),
        "deep_page": {
            "id": page.pk,
            "url": page.get_url(),
            "title": page.title,
            "summary": page.summary,
            "type": type(page).__name__,
            # Root, home page and section come first: a topic directly in a section is 1 deep.
            "book_depth": page.depth - 3,
        },
        "search": {"term": SEARCH_TERM, "matches": live.search(SEARCH_TERM).count()},
    }


def count_queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}, not 200")
    return len(captured.captured_queries)


def queries(path, page_id):
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    if getattr(settings, "KB_PAGE_CACHE_SECONDS", 0):
        raise SystemExit("Set PAGE_CACHE_SECONDS=0: a page from the page cache runs no query.")
    reader = Client(HTTP_HOST=HOST)
    # The process's own first request also loads content types, the site and the templates.
    first = count_queries(reader, path)
    cache.clear()
    cold = count_queries(reader, path)
    warm = count_queries(reader, path)

    editor = Client(HTTP_HOST=HOST)
    editor.force_login(superuser())
    edit = f"/admin/pages/{page_id}/edit/"
    admin_first = count_queries(editor, edit)
    admin_warm = count_queries(editor, edit)
    return {
        "deep_page": {"first": first, "cold": cold, "warm": warm},
        "admin_edit": {"first": admin_first, "warm": admin_warm},
    }


def superuser():
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username=BENCH_ADMIN,
        defaults={"is_superuser": True, "is_staff": True, "email": "bench@localhost"},
    )
    return user


def timed(action, repeat):
    """(median ms, SQL queries of the last run) of `action`, after one untimed run that loads
    what a long-running worker has loaded already (templates, content types, the site)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            times.append((time.perf_counter() - started) * 1000)
    return {"ms": round(statistics.median(times), 2), "queries": len(captured.captured_queries)}


def full_body(client, path):
    """A GET read to the end of its body (a streamed one too); it must be a 200."""
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def first_part(client, path):
    """A streamed GET up to its first part: what a reader waits for before the answer starts."""
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    if not getattr(response, "streaming", False):
        raise RuntimeError(f"GET {path} was not streamed")
    try:
        return next(iter(response.streaming_content))
    finally:
        response.close()


def scale(path, page_id, repeat):
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.template import Context, Template
    from django.test import Client, RequestFactory
    from django.urls import reverse

    from wagtail.models import Page, Site

    if getattr(settings, "KB_PAGE_CACHE_SECONDS", 0):
        raise SystemExit("Set PAGE_CACHE_SECONDS=0: a page from the page cache runs no query.")
    reader = Client(HTTP_HOST=HOST)
    admin = superuser()
    editor = Client(HTTP_HOST=HOST)
    editor.force_login(admin)
    page = Page.objects.get(pk=page_id).specific
    site = Site.objects.get(is_default_site=True)
    results = {}

    def measure(name, action):
        try:
            results[name] = timed(action, repeat)
        except Exception as error:  # noqa: BLE001 - one measure failing must not stop the rest
            results[name] = {"error": f"{type(error).__name__}: {error}"[:300]}

    measure("deep page", lambda: full_body(reader, path))

    # The three navigation tags alone, in a reader's request for the page, each rendered as the
    # page's template renders it; the request is new each time, as each page view's is (so each
    # finds the Site again: that is their one query). Outside any {% reader_part %}, so what a
    # miss of a cached part costs, at every size.
    def tag(markup):
        template = Template("{% load kb_tags %}" + markup)

        def render():
            request = RequestFactory().get(path, HTTP_HOST=HOST)
            request.user = AnonymousUser()
            return template.render(Context({"request": request, "page": page}))

        return render

    measure("sidebar", tag("{% sidebar page %}"))
    measure("breadcrumbs", tag("{% breadcrumbs page %}"))
    measure("previous / next", tag("{% previous_next page %}"))

    def navigation_from_scratch():
        from pages.reading import navigation

        cache.clear()
        navigation.kept_outlines.clear()
        tree = navigation.navigation_for_site(site)
        return tree.sidebar(page), tree.ancestors(page), tree.previous_and_next(page)

    measure("navigation of the deep page, read from scratch", navigation_from_scratch)
    # Whatever that left, every later measure starts from a warm navigation cache.
    full_body(reader, path)

    measure("/sitemap.xml", lambda: full_body(reader, "/sitemap.xml"))
    try:
        sitemap = full_body(reader, "/sitemap.xml").decode()
        if "<sitemapindex" in sitemap:
            first = re.search(r"<loc>\s*([^<\s]+)\s*</loc>", sitemap).group(1)
            section = re.sub(r"^https?://[^/]+", "", first)
            measure("/sitemap.xml, first section", lambda: full_body(reader, section))
    except Exception as error:  # noqa: BLE001
        results["/sitemap.xml, first section"] = {"error": f"{type(error).__name__}: {error}"}
    measure("/llms.txt", lambda: full_body(reader, "/llms.txt"))
    measure("/llms.txt, its first part (streamed)", lambda: first_part(reader, "/llms.txt"))
    measure("What's new", lambda: full_body(reader, reverse("whats_new")))

    explorer = f"/admin/pages/{site.root_page_id}/"
    measure("admin: page explorer at the site's root", lambda: full_body(editor, explorer))
    try:
        from pages.editorial.listing import knowledge_base_pages_url

        listing = knowledge_base_pages_url()
        measure("admin: Knowledge base pages", lambda: full_body(editor, listing))
    except Exception as error:  # noqa: BLE001
        results["admin: Knowledge base pages"] = {"error": f"{type(error).__name__}: {error}"}
    measure("admin: dashboard", lambda: full_body(editor, "/admin/"))

    def needs_attention_panel():
        from pages.editorial.dashboard import NeedsAttentionPanel

        request = RequestFactory().get("/admin/", HTTP_HOST=HOST)
        request.user = admin
        # A new panel each time: its lists count and fetch once per instance.
        return NeedsAttentionPanel().render_html({"request": request})

    measure("admin: Needs attention panel alone", needs_attention_panel)
    return {"repeat": repeat, "measures": results}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("describe", help="The deep page and the settings in effect.")
    counting = commands.add_parser("queries", help="SQL queries of the deep page and its editor.")
    counting.add_argument("--path", required=True, help="The deep page's URL path.")
    counting.add_argument("--page-id", type=int, required=True)
    scaling = commands.add_parser(
        "scale", help="Time and SQL queries of what must cost the same at every size."
    )
    scaling.add_argument("--path", required=True, help="The deep page's URL path.")
    scaling.add_argument("--page-id", type=int, required=True)
    scaling.add_argument("--repeat", type=int, default=7, help="Timed runs of each measure.")
    options = parser.parse_args(argv)
    setup_django()
    if options.command == "queries":
        print(json.dumps(queries(options.path, options.page_id)))
    elif options.command == "scale":
        print(json.dumps(scale(options.path, options.page_id, options.repeat)))
    else:
        print(json.dumps(describe()))


if __name__ == "__main__":
    main()
