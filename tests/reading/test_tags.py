"""Tag pages: every published page with a tag, and an index of the tags readers can follow."""

import pytest
from bs4 import BeautifulSoup

from wagtail.models import PageViewRestriction

from pages.models import TopicPage
from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


def tagged(section, title, *tags, **fields):
    page = make_topic(section, title=title, **fields)
    page.tags.set(list(tags))
    page.save_revision().publish()
    return page


def soup_of(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def test_a_page_links_its_tags_to_their_pages(client, section):
    page = tagged(section, "Exits", "plasma", "Exit game")

    links = soup_of(client.get(page.url)).select(".page-tags a[rel=tag]")

    assert [(a.get_text(), a["href"]) for a in links] == [
        ("plasma", "/tags/plasma/"),
        ("Exit game", "/tags/exit-game/"),
    ]


def test_a_tag_page_lists_the_published_pages_with_summaries_and_markers(client, section):
    tagged(section, "Exits", "plasma", summary="How to leave the chain.")
    tagged(section, "Blocks", "plasma", in_development=True)
    tagged(section, "Tokens", "token")

    soup = soup_of(client.get("/tags/plasma/"))

    items = soup.select(".child-list__item")
    assert [item.select_one("a").get_text() for item in items] == ["Blocks", "Exits"]
    assert "In development" in items[0].get_text()
    assert "How to leave the chain." in items[1].get_text()
    assert soup.h1.get_text() == "Pages tagged “plasma”"
    assert soup.select_one("nav.sidebar") is not None


def test_drafts_and_restricted_pages_stay_off_tag_pages(client, section):
    tagged(section, "Exits", "plasma")
    draft = TopicPage(title="DRAFT-MARKER", live=False)
    section.add_child(instance=draft)
    draft.tags.set(["plasma", "secret-draft"])
    draft.save()
    private = tagged(section, "PRIVATE-MARKER", "plasma", "secret-private")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    live = tagged(section, "Blocks", "plasma")
    live.title = "UNPUBLISHED-TITLE-MARKER"
    live.tags.add("secret-revision")
    live.save_revision()

    html = client.get("/tags/plasma/").content.decode() + client.get("/tags/").content.decode()

    for marker in ("DRAFT-MARKER", "PRIVATE-MARKER", "UNPUBLISHED-TITLE", "secret-"):
        assert marker not in html
    for slug in ("secret-draft", "secret-private", "secret-revision"):
        assert client.get(f"/tags/{slug}/").status_code == 404


def test_the_tag_index_counts_published_pages(client, section):
    tagged(section, "Exits", "plasma")
    tagged(section, "Blocks", "plasma", "blocks")

    soup = soup_of(client.get("/tags/"))

    entries = [" ".join(li.get_text().split()) for li in soup.select(".tag-index li")]
    assert entries == ["blocks 1 page", "plasma 2 pages"]
    assert soup.select_one('.tag-index a[href="/tags/plasma/"]') is not None


def test_an_unknown_tag_or_page_number_is_handled(client, section):
    tagged(section, "Exits", "plasma")

    assert client.get("/tags/nothing-here/").status_code == 404
    assert client.get("/tags/plasma/?page=99").status_code == 200
    assert client.get("/tags/plasma/?page=abc").status_code == 200


def test_tag_pages_paginate_in_a_fixed_number_of_queries(
    client, section, django_assert_max_num_queries
):
    for number in range(3):
        tagged(section, f"Topic {number}", "plasma")
    with django_assert_max_num_queries(20) as few:
        client.get("/tags/plasma/")
    for number in range(3, 25):
        tagged(section, f"Topic {number}", "plasma")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/tags/plasma/")

    soup = soup_of(response)
    assert len(soup.select(".child-list__item")) == 20
    assert soup.select_one(".pagination a[rel=next]")["href"] == "?page=2"
