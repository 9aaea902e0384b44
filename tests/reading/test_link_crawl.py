"""
Every internal link a reader or a program can follow from the front page leads somewhere: the
whole knowledge base (fixtures/omg-kb) imported, then crawled from / through every a[href],
link[href], img[src], script[src], og:image and Markdown link, as a link checker would.
"""

import re
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client

from tests.gitbook.books import import_book

BOOK = Path(settings.BASE_DIR) / "fixtures" / "omg-kb"
# The issue counted 238 internal links on the imported knowledge base.
LEAST_LINKS = 200
# Editors' and robots-excluded addresses: not a reader's links (robots.txt keeps them out).
NOT_CRAWLED = ("/admin/", "/feedback/", "/_util/")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
ORIGIN = "http://testserver"


@pytest.fixture(scope="module")
def knowledge_base(django_db_setup, django_db_blocker):
    """The book imported once for the module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        import_book(BOOK)
        yield
        transaction.set_rollback(True)


def internal_path(href, base):
    """The path (and query) `href` leads to on this site, or None for another site's link."""
    url = urljoin(base, href.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(response, url):
    content_type = response["Content-Type"]
    base = ORIGIN + url
    if content_type.startswith("text/html"):
        html = BeautifulSoup(response.content, "html.parser")
        found = [tag["href"] for tag in html.select("a[href], link[href]")]
        found += [tag["src"] for tag in html.select("img[src], script[src]")]
        found += [tag["content"] for tag in html.select('meta[property="og:image"]')]
    elif content_type.startswith("text/markdown"):
        found = MARKDOWN_LINK.findall(response.content.decode())
    else:
        return []
    return [path for href in found if (path := internal_path(href, base))]


def crawl(client, start="/"):
    """{path: status} for every internal address reachable from `start`."""
    statuses, queue = {}, deque([start])
    while queue:
        url = queue.popleft()
        if url in statuses or url.startswith(NOT_CRAWLED):
            continue
        if url.startswith(settings.MEDIA_URL):
            # Uploads are served by the bucket or the proxy, not by the app under test: the
            # file must exist where they serve it from.
            name = url[len(settings.MEDIA_URL) :]
            statuses[url] = 200 if default_storage.exists(name) else 404
            continue
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code in (301, 302):
            queue.append(internal_path(response["Location"], ORIGIN + url))
        elif response.status_code == 200:
            queue.extend(links_in(response, url))
    return statuses


@pytest.mark.django_db
def test_every_internal_link_from_the_front_page_answers(knowledge_base):
    started = time.monotonic()

    statuses = crawl(Client())

    failures = {url: status for url, status in statuses.items() if status >= 400}
    assert failures == {}
    assert len(statuses) >= LEAST_LINKS, len(statuses)
    # Every kind of address was reached: pages, their Markdown, static files, icons.
    assert any(url.endswith(".md") for url in statuses)
    assert any(url.startswith("/static/") for url in statuses)
    assert "/favicon.ico" in statuses and "/site.webmanifest" in statuses
    assert time.monotonic() - started < 60
