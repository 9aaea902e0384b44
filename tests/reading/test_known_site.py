"""
Each process keeps the Site a host is for (pages/reading/known_site.py): a reader's request
routes without asking the database for the site or the home page again, and a change to either
is seen on the very next request.
"""

import pytest

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wagtail.models import Page, PageViewRestriction, Site

from pages.models import HomePage
from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache(settings):
    # The version the kept site is checked against lives in the shared cache (Redis in
    # production); the tests' local-memory cache stands in for it, emptied for each test.
    from django.core.cache import cache

    cache.clear()


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response, [query["sql"] for query in captured.captured_queries]


def test_a_warm_page_asks_for_neither_its_site_nor_its_route_nor_its_restrictions(client, section):
    topic = make_topic(section, title="Exits", slug="exits")
    client.get(topic.url)

    response, queries = queries_of(client, topic.url)

    assert "Exits" in response.content.decode()
    for table in ("wagtailcore_site", "pages_homepage", "wagtailcore_page", "pageviewrestriction"):
        assert not [sql for sql in queries if table in sql]


def test_a_renamed_site_shows_its_new_name_on_the_next_request(client, section):
    topic = make_topic(section, title="Exits", slug="exits")
    client.get(topic.url)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Plasma Handbook"
    site.save()

    response = client.get(topic.url)

    assert "Plasma Handbook" in response.content.decode()


def test_a_published_home_page_is_served_as_published(client, home):
    client.get("/")
    home.title = "OMG Network Handbook"
    home.save_revision().publish()

    response = client.get("/")

    assert "OMG Network Handbook" in response.content.decode()


def test_each_host_gets_its_own_site(client, home, section):
    make_topic(section, title="Exits", slug="exits")
    other_home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Another book", slug="another-book")
    )
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=other_home, site_name="Other")
    for _ in range(2):  # once to keep each host's site, once to use what was kept
        default = client.get("/", HTTP_HOST="localhost").content.decode()
        other = client.get("/", HTTP_HOST="127.0.0.1").content.decode()

        assert "OMG Network Knowledge Base" in default
        assert "Another book" in other
        assert "Another book" not in default


def test_a_refused_host_is_still_refused(client, home):
    client.get("/")

    response = client.get("/", HTTP_HOST="attacker.example")

    assert response.status_code == 400


def test_a_failing_cache_leaves_wagtail_to_find_the_site(client, section):
    from unittest import mock

    from redis.exceptions import ConnectionError as RedisConnectionError

    topic = make_topic(section, title="Exits", slug="exits")
    client.get(topic.url)

    # Only this shortcut's read fails (the rest of the page has its own cache reads).
    with mock.patch("pages.reading.known_site.cache") as unreachable:
        unreachable.get.side_effect = RedisConnectionError("refused")
        response, queries = queries_of(client, topic.url)

    assert "Exits" in response.content.decode()
    assert [sql for sql in queries if "wagtailcore_site" in sql]


# The pages readers ask for, kept with their view restrictions.


def test_a_published_change_is_served_on_the_next_request(client, section):
    topic = make_topic(section, title="Exits", slug="exits")
    client.get(topic.url)

    topic.title = "Exiting the chain"
    topic.save_revision().publish()
    response = client.get(topic.url)

    assert "<h1>Exiting the chain</h1>" in response.content.decode()


def test_an_unpublished_page_is_gone_on_the_next_request(client, section):
    topic = make_topic(section, title="Exits", slug="exits")
    client.get(topic.url)

    topic.unpublish()

    assert client.get(topic.url).status_code == 404


def test_a_moved_page_answers_at_its_new_address_only(client, section, home):
    topic = make_topic(section, title="Exits", slug="exits")
    old_url = topic.url
    client.get(old_url)

    topic.move(home, pos="last-child")
    topic.refresh_from_db()

    assert client.get(old_url).status_code in (301, 302, 404)
    assert "Exits" in client.get(topic.url).content.decode()


@pytest.mark.parametrize("restricted", ["page", "section"])
def test_a_restriction_added_after_the_page_was_kept_is_enforced(client, section, restricted):
    topic = make_topic(section, title="Exits", slug="exits")
    client.get(topic.url)

    PageViewRestriction.objects.create(
        page=topic if restricted == "page" else section, restriction_type="login"
    )
    response = client.get(topic.url)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_kept_restriction_still_asks_each_reader(client, section, django_user_model):
    topic = make_topic(section, title="Exits", slug="exits")
    PageViewRestriction.objects.create(page=topic, restriction_type="login")
    reader = django_user_model.objects.create_user("reader", password="s3cret-words")
    signed_in = Client()
    signed_in.force_login(reader)
    for _ in range(2):  # once to keep the page, once from what was kept
        assert "Exits" in signed_in.get(topic.url).content.decode()
        assert client.get(topic.url).status_code == 302


def test_a_removed_restriction_opens_the_page_on_the_next_request(client, section):
    topic = make_topic(section, title="Exits", slug="exits")
    restriction = PageViewRestriction.objects.create(page=topic, restriction_type="login")
    assert client.get(topic.url).status_code == 302

    restriction.delete()

    assert "Exits" in client.get(topic.url).content.decode()


def test_only_the_most_recently_served_pages_are_kept(client, section, monkeypatch):
    monkeypatch.setattr("pages.reading.known_site.MOST_PAGES_KEPT", 2)
    first, second, third = (
        make_topic(section, title=title, slug=title.lower()) for title in ("One", "Two", "Three")
    )
    for page in (first, second, third):
        client.get(page.url)

    _, kept = queries_of(client, third.url)
    _, dropped = queries_of(client, first.url)

    assert not [sql for sql in kept if "wagtailcore_page" in sql]
    assert [sql for sql in dropped if "wagtailcore_page" in sql]


def test_a_missing_page_is_still_a_404(client, section):
    client.get(f"{section.url}nowhere/")

    assert client.get(f"{section.url}nowhere/").status_code == 404
