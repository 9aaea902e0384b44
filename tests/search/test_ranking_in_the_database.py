"""
The ranking is worked out by the database in one statement (pages.search.engine.ranking_sql):
pages holding every word first, then, for a longer query few pages hold whole, pages missing
one; a page of results asked again is read back whole from the cache; and a rebuilt index is
left vacuumed on PostgreSQL, so searches read it from its indexes. Words on very many pages are
ranked from their best rows, the same first results, and the page says "1000+ results".
"""

import pytest
from bs4 import BeautifulSoup

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.rich_text import RichText

from pages.search import engine
from pages.search.engine import search
from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


def body(html):
    return [("text", RichText(html))]


def titles(results):
    return [hit.title for hit in results.hits]


def test_pages_missing_one_word_follow_when_fewer_than_three_hold_them_all(section):
    make_topic(section, title="Everything", body=body("<p>Watchers guard deposits at exits.</p>"))
    make_topic(section, title="Two of them", body=body("<p>Watchers guard exits.</p>"))
    make_topic(section, title="Two others", body=body("<p>Deposits and exits.</p>"))
    make_topic(section, title="One of them", body=body("<p>Only watchers here.</p>"))

    results = search("watchers deposits exits")

    assert titles(results)[0] == "Everything"
    assert sorted(titles(results)[1:]) == ["Two of them", "Two others"]
    assert results.total == 3
    assert not results.widened


def test_a_short_query_keeps_to_the_pages_holding_every_word(section):
    make_topic(section, title="Both", body=body("<p>Watchers guard exits.</p>"))
    make_topic(section, title="Exits alone", body=body("<p>Exits take a week.</p>"))

    results = search("watchers exits")

    assert titles(results) == ["Both"]
    assert results.total == 1


def test_a_page_of_results_asked_again_is_read_from_the_cache(section):
    for number in range(12):
        make_topic(
            section,
            title=f"Exit {number}",
            body=body(f"<p>An exit takes {number} days; watchers check it.</p>"),
        )
    first = search("exit watchers", offset=10, limit=10)

    with CaptureQueriesContext(connection) as queries:
        again = search("exit watchers", offset=10, limit=10)

    assert len(queries) == 0
    assert again == first
    assert len(again.hits) == 2 and again.total == 12
    assert "<mark>" in again.hits[0].snippet


def exit_pages(section, watched=()):
    """Ten pages saying "exit" once, twice, ... ten times: ranked, one order, most first. The
    numbers in `watched` mention watchers too."""
    for number in range(1, 11):
        watchers = " Watchers check it." if number in watched else ""
        make_topic(
            section, title=f"Page {number}", body=body(f"<p>{'An exit. ' * number}{watchers}</p>")
        )


def few_are_many(monkeypatch):
    """What a common word is on a 50,000-page site, on ten pages: a query whose words have more
    than 4 rows is ranked from each word's best rows, 6 for a word alone."""
    monkeypatch.setattr(engine, "EXACT_ROWS", 4)
    monkeypatch.setattr(engine, "FEWEST_BEST_ROWS", 2)
    monkeypatch.setattr(engine, "MOST_RANKED", 6)
    cache.clear()  # rankings made before


def test_a_word_on_very_many_pages_shows_its_best_pages_first_and_says_there_are_more(
    client, section, monkeypatch
):
    exit_pages(section)
    every_page = titles(search("exit"))
    few_are_many(monkeypatch)

    results = search("exit")
    soup = BeautifulSoup(client.get("/search/", {"q": "exit"}).content, "html.parser")

    assert titles(results) == every_page[:6] == [f"Page {n}" for n in range(10, 4, -1)]
    assert (results.total, results.more) == (6, True)
    assert "6+ results for “exit”" in soup.select_one(".search-summary").get_text()


def test_a_rare_word_beside_a_common_one_is_found_and_counted_whole(section, monkeypatch):
    # The two pages with watchers are the common word's weakest: not among its best rows.
    exit_pages(section, watched=(1, 2))
    every_page = search("exits watchers")
    few_are_many(monkeypatch)

    results = search("exits watchers")

    assert titles(results) == titles(every_page) == ["Page 2", "Page 1"]
    assert (results.total, results.more) == (2, False)


def test_a_page_with_both_common_words_is_found_though_neither_ranks_it_best(section, monkeypatch):
    # "exit" and "lantern" are each on ten pages, together only on the page that says each once:
    # among neither word's best rows.
    exit_pages(section)
    for number in range(1, 11):
        make_topic(section, title=f"Lamp {number}", body=body(f"<p>{'A lantern. ' * number}</p>"))
    make_topic(section, title="Both", body=body("<p>An exit. A lantern.</p>"))
    few_are_many(monkeypatch)

    results = search("exit lantern")

    assert titles(results) == ["Both"]
    assert not results.widened


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuilt_index_is_vacuumed_so_searches_read_only_its_indexes(section):
    for number in range(30):
        make_topic(section, title=f"Exit {number}", body=body("<p>Watchers check exits.</p>"))

    call_command("index_search")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'pages_searchterm'"
        )
        [(pages, all_visible)] = cursor.fetchall()
    # Every block marked as seen by every transaction: a term's rows come from the index alone.
    assert pages > 0 and all_visible == pages
