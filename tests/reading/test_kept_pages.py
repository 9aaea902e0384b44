"""
A page is drawn once and then kept whole until something a reader sees changes
(pages/reading/rendered.py, `{% reader_part "page" %}` in base.html): every reader gets what a
fresh render would draw, at the address they came to, and only Wagtail's own view of the page is
kept (not its history, its Markdown or any other view that looks the page up).
"""

import pytest
from bs4 import BeautifulSoup

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def topic(section):
    return make_topic(section, title="Exits", slug="exits", summary="How to leave the chain.")


def test_a_kept_page_is_what_a_fresh_render_draws(client, topic):
    drawn = client.get(topic.url).content

    with CaptureQueriesContext(connection) as queries:
        kept = client.get(topic.url).content

    assert kept == drawn
    assert "<h1>Exits</h1>" in kept.decode()
    assert len(queries) == 0


def test_each_public_address_has_its_own_links(client, topic, settings):
    settings.KB_SITE_URL = ""
    for _ in range(2):  # drawn, then kept
        for host in ("localhost", "127.0.0.1"):
            html = BeautifulSoup(client.get(topic.url, HTTP_HOST=host).content, "html.parser")
            assert html.find("link", rel="canonical")["href"] == f"http://{host}{topic.url}"


def test_the_history_and_markdown_of_a_kept_page_are_their_own(client, topic):
    client.get(topic.url)

    history = client.get(f"{topic.url}history/")
    markdown = client.get(f"{topic.url.rstrip('/')}.md")

    assert history.status_code == 200
    assert "history" in BeautifulSoup(history.content, "html.parser").title.get_text().lower()
    assert markdown["Content-Type"].startswith("text/markdown")
    assert "\n# Exits\n" in markdown.content.decode()
    assert "<html" not in markdown.content.decode()


def test_a_change_to_the_site_name_reaches_a_kept_page(client, topic):
    from wagtail.models import Site

    client.get(topic.url)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Plasma Handbook"
    site.save()

    title = BeautifulSoup(client.get(topic.url).content, "html.parser").title.get_text()

    assert title == "Exits · Plasma Handbook"
