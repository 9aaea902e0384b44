"""
Every surface a reader or a program can reach, against every kind of page a reader must not see.

Each hidden page carries the marker in its title, summary, body, tags and change note; a live
page carries it only in a revision that was never published. Not one response may contain it.
The marker and the fields that carry it are in builders.py, the pages in conftest.py.
"""

import pytest
from bs4 import BeautifulSoup

from tests.hardening.builders import HIDDEN_MARKER

pytestmark = pytest.mark.django_db


def reader_urls(visible, hidden):
    section = visible.get_parent()
    return [
        "/",
        section.url,
        visible.url,
        "/search/?q=summary",
        "/search/?q=plasma",
        "/tags/",
        "/tags/plasma/",
        "/sitemap.xml",
        "/feed/",
        "/whats-new/",
        visible.url + "history/",
        section.url + "history/",
        "/index.md",
        section.url.rstrip("/") + ".md",
        visible.url.rstrip("/") + ".md",
        "/llms.txt",
        "/api/v2/pages/?limit=100",
        "/api/v2/pages/?limit=100&fields=*",
        f"/api/v2/pages/?search={HIDDEN_MARKER}",
        f"/api/v2/pages/{visible.pk}/",
        f"/api/v2/pages/{section.pk}/",
    ]


def test_no_reader_surface_shows_a_hidden_page(client, hidden_pages):
    visible, hidden = hidden_pages

    for url in reader_urls(visible, hidden):
        response = client.get(url)
        assert response.status_code == 200, url
        # getvalue(): llms.txt is streamed.
        assert HIDDEN_MARKER not in response.getvalue().decode().lower(), url


def test_searching_for_the_marker_finds_nothing(client, hidden_pages):
    soup = BeautifulSoup(client.get("/search/", {"q": HIDDEN_MARKER}).content, "html.parser")

    assert soup.select(".search-result") == []
    # The query is echoed back to the reader; nothing else may carry the marker.
    for echo in soup.select("title, input[name=q], .search-summary"):
        echo.decompose()
    assert HIDDEN_MARKER not in str(soup).lower()


def test_hidden_pages_have_no_address_of_their_own(client, hidden_pages):
    visible, hidden = hidden_pages

    assert client.get(f"/tags/{HIDDEN_MARKER}/").status_code == 404
    for page in hidden:
        for url in (
            page.url.rstrip("/") + ".md",
            page.url + "history/",
            f"/api/v2/pages/{page.pk}/",
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert HIDDEN_MARKER not in response.content.decode().lower(), url
        # The page itself: gone, or behind its login or password form.
        response = client.get(f"/omg-deep-dive/{page.slug}/")
        assert response.status_code in (302, 404) or b'name="password"' in response.content
        assert HIDDEN_MARKER not in response.content.decode().lower()


def test_the_visible_pages_are_all_there(client, hidden_pages):
    visible, _ = hidden_pages

    assert "Exits" in client.get("/whats-new/").content.decode()
    assert "Blocks" in client.get("/llms.txt").getvalue().decode()
    assert "/omg-deep-dive/exits/" in client.get("/sitemap.xml").content.decode()
