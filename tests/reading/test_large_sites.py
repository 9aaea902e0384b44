"""
What lists every page (the sitemap, llms.txt, What's new) costs the same number of queries at
ten pages and at sixty: it reads rows a fixed number of times, never once per page. Past one
section's worth of pages, /sitemap.xml is a sitemap index (sitemaps.org) of sections.
"""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.models import PageViewRestriction

from pages.models import TopicPage
from pages.reading import machine_readable
from pages.reading.machine_readable import ReaderSitemap
from tests.conftest import make_section, make_topic

pytestmark = pytest.mark.django_db
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SECTION_URLS = 5


def body(response):
    return response.getvalue()  # llms.txt is streamed: getvalue() reads the stream


def queries_for(client, url):
    """The queries of `url` once the tree is cached, as every request but the first after a
    publish finds it."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body(response)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def grow(home, pages):
    """Add `pages` pages under the home page, each published: topics, in a new section every
    twentieth page."""
    start = home.get_descendants().count()
    section = home.get_children().last()
    for number in range(start, start + pages):
        if section is None or number % 20 == 0:
            section = make_section(home, title=f"Section {number}", slug=f"section-{number}")
        else:
            make_topic(section, title=f"Topic {number}", slug=f"topic-{number}")


@pytest.fixture
def small_sections(monkeypatch):
    """Sections of SECTION_URLS addresses (50,000 is the protocol's most; ReaderSitemap's
    own is smaller), so that a test site needs several."""
    monkeypatch.setattr(ReaderSitemap, "limit", SECTION_URLS)


def locations(response):
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return [url.find(f"{SITEMAP}loc").text for url in root.iter(f"{SITEMAP}url")]


class TestSitemapIndex:
    def test_past_one_section_the_sitemap_is_an_index_of_sections(
        self, client, home, small_sections
    ):
        grow(home, 12)
        section = home.get_children().first()
        draft = TopicPage(title="Draft", slug="draft-marker", live=False)
        section.add_child(instance=draft)
        private = make_topic(section, title="Private", slug="private-marker")
        make_topic(private, title="Below", slug="below-private-marker")
        PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
        live_urls = 13  # the home page and its twelve

        response = client.get("/sitemap.xml")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/xml")
        index = ET.fromstring(response.content)
        assert index.tag == f"{SITEMAP}sitemapindex"
        sections = [entry.find(f"{SITEMAP}loc").text for entry in index]
        assert len(sections) == math.ceil(live_urls / SECTION_URLS)
        assert sections[0] == "http://testserver/sitemap.xml?page=1"
        listed = []
        for address in sections:
            part = client.get(address.removeprefix("http://testserver"))
            assert part.status_code == 200
            in_part = locations(part)
            assert 0 < len(in_part) <= SECTION_URLS
            listed += in_part
        # Every live public page once, in tree order; no draft, nothing restricted.
        assert len(listed) == len(set(listed)) == live_urls
        assert listed[0] == "http://testserver/"
        assert "marker" not in " ".join(listed)

    def test_a_section_past_the_last_is_not_found(self, client, home, small_sections):
        grow(home, 7)

        assert client.get("/sitemap.xml?page=2").status_code == 200
        assert client.get("/sitemap.xml?page=3").status_code == 404
        assert client.get("/sitemap.xml?page=first").status_code == 404

    def test_a_site_that_fits_one_section_keeps_a_plain_sitemap(self, client, home):
        grow(home, 12)

        response = client.get("/sitemap.xml")

        assert len(locations(response)) == 13
        assert client.get("/robots.txt").content.decode().count("/sitemap.xml") == 1

    def test_each_section_costs_the_same_queries_at_10_and_60_pages(
        self, client, home, small_sections, django_assert_max_num_queries
    ):
        grow(home, 9)  # ten pages: two sections
        small = [queries_for(client, url) for url in ("/sitemap.xml", "/sitemap.xml?page=2")]
        grow(home, 60)  # seventy: fourteen sections
        big = [
            queries_for(client, url)
            for url in ("/sitemap.xml", "/sitemap.xml?page=2", "/sitemap.xml?page=14")
        ]

        assert big == small + [small[1]]
        with django_assert_max_num_queries(4):
            client.get("/sitemap.xml?page=14")


class TestCostFlatInSize:
    @pytest.mark.parametrize("url", ["/llms.txt", "/whats-new/", "/whats-new/?page=2"])
    def test_the_same_queries_at_10_and_60_pages(
        self, client, home, url, django_assert_max_num_queries
    ):
        # More than a page of What's new (25 changes) either way, so its second page exists.
        grow(home, 30)
        small = queries_for(client, url)
        grow(home, 60)  # sixty more
        big = queries_for(client, url)

        assert big == small
        with django_assert_max_num_queries(8):
            body(client.get(url))

    def test_llms_txt_is_streamed_and_lists_every_page(self, client, home):
        grow(home, 60)

        response = client.get("/llms.txt")

        assert response.streaming
        assert body(response).decode().count("](http://testserver/") == 61
        # Still kept by the proxy, as every reader's page is.
        assert "public" in response["Cache-Control"]

    def test_llms_txt_starts_after_the_same_fetches_at_60_and_120_pages(
        self, client, home, monkeypatch
    ):
        # Fetches of ten rows and parts of five lines, so that a test site needs many of both.
        monkeypatch.setattr(machine_readable, "LLMS_TXT_ROWS_PER_FETCH", 10)
        monkeypatch.setattr(machine_readable, "LLMS_TXT_LINES_PER_CHUNK", 5)

        def read_until_first_part():
            """(the queries before the first part, the whole text)"""
            client.get("/llms.txt").getvalue()  # the navigation, read and cached
            parts = iter(client.get("/llms.txt").streaming_content)
            with CaptureQueriesContext(connection) as captured:
                first = next(parts)
            return [query["sql"] for query in captured], (first + b"".join(parts)).decode()

        # A topic outside sections, first in the tree: grow() puts its first pages under it.
        make_topic(home, title="Outside sections", slug="outside")
        grow(home, 60)
        small, _text = read_until_first_part()
        grow(home, 60)
        big, text = read_until_first_part()

        # The same queries, each reading at most ten rows, never all the pages sorted.
        assert len(big) == len(small) <= 4
        fetches = [sql for sql in big if re.search(r"LIMIT \d+$", sql.rstrip())]
        assert fetches and all(sql.rstrip().endswith("LIMIT 10") for sql in fetches)
        # Fetch after fetch, every page is listed once, in llms.txt's order.
        links = re.findall(r"\]\(http://testserver(/[^)]*)\)", text)
        assert len(links) == len(set(links)) == 122
        assert links[:2] == ["/index.md", "/outside.md"]
        sections = re.findall(r"^## (.*)$", text, flags=re.MULTILINE)
        assert sections == [f"Section {number}" for number in range(20, 121, 20)]
