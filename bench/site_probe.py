"""
The Django side of the serving benchmark: run in a subprocess with the app's settings and a
benchmark database in the environment, it prints one JSON object on standard output.

    python bench/site_probe.py describe
    python bench/site_probe.py queries --path /guide/.../ --page-id 123

`describe` picks the page the benchmark reads (the first settled topic, in tree order, at the
deepest level there is) and says what the settings in effect are. `queries` counts the SQL queries
(django.test.utils.CaptureQueriesContext, through Django's test Client) of that page as a
reader, with the navigation cache cold and then warm, and of its admin edit view as a
superuser. The page cache must be off (PAGE_CACHE_SECONDS=0) for the page to be rendered at all.
"""

import argparse
import json
import os
import sys
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
    from django.contrib.auth import get_user_model
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

    user, _created = get_user_model().objects.get_or_create(
        username=BENCH_ADMIN,
        defaults={"is_superuser": True, "is_staff": True, "email": "bench@localhost"},
    )
    editor = Client(HTTP_HOST=HOST)
    editor.force_login(user)
    edit = f"/admin/pages/{page_id}/edit/"
    admin_first = count_queries(editor, edit)
    admin_warm = count_queries(editor, edit)
    return {
        "deep_page": {"first": first, "cold": cold, "warm": warm},
        "admin_edit": {"first": admin_first, "warm": admin_warm},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("describe", help="The deep page and the settings in effect.")
    counting = commands.add_parser("queries", help="SQL queries of the deep page and its editor.")
    counting.add_argument("--path", required=True, help="The deep page's URL path.")
    counting.add_argument("--page-id", type=int, required=True)
    options = parser.parse_args(argv)
    setup_django()
    if options.command == "queries":
        print(json.dumps(queries(options.path, options.page_id)))
    else:
        print(json.dumps(describe()))


if __name__ == "__main__":
    main()
