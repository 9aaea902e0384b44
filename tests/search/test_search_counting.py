"""
Searches are counted by normalised query and day, with their results and clicks, and nothing
about the reader: what Reports → Search terms reads (pages.search.analytics).
"""

import datetime

import pytest
import time_machine

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pages.models import SearchQueryDay
from pages.search import analytics
from pages.search.analytics import record_click, record_search

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=datetime.UTC)
TUESDAY = MONDAY + datetime.timedelta(days=1)


def counts():
    """{(query, day): (searches, clicks, results)} of every row."""
    return {
        (row.query, row.day.isoformat()): (row.searches, row.clicks, row.results)
        for row in SearchQueryDay.objects.all()
    }


def add_day(query, day, searches, clicks=0, results=0):
    SearchQueryDay.objects.create(
        query=query, day=day, searches=searches, clicks=clicks, results=results
    )


# Counting a search ------------------------------------------------------------------------------


def test_searches_for_one_query_on_one_day_add_up_on_one_row():
    with time_machine.travel(MONDAY, tick=False):
        record_search("MoreVP", 3)
        record_search("  morevp ", 3)
        record_search("MOREVP", 2)

    # One row: the query folded and trimmed, three searches, the last one's results.
    assert counts() == {("morevp", "2027-03-01"): (3, 0, 2)}


def test_the_query_is_normalised_before_it_is_counted():
    with time_machine.travel(MONDAY, tick=False):
        record_search("How   do\tPlasma\nEXITS work", 4)
        record_search("how do plasma exits work", 4)

    assert counts() == {("how do plasma exits work", "2027-03-01"): (2, 0, 4)}


def test_each_day_has_its_own_row():
    with time_machine.travel(MONDAY, tick=False):
        record_search("staking", 5)
    with time_machine.travel(TUESDAY, tick=False):
        record_search("staking", 0)

    assert counts() == {
        ("staking", "2027-03-01"): (1, 0, 5),
        ("staking", "2027-03-02"): (1, 0, 0),
    }


def test_an_empty_query_is_not_counted():
    record_search("", 0)
    record_search("   \t\n ", 0)
    record_click("")

    assert not SearchQueryDay.objects.exists()


def test_a_long_query_is_cut_to_the_column_not_refused():
    long_query = "plasma " * 100  # 700 characters

    record_search(long_query, 1)
    record_search(long_query.upper(), 1)

    row = SearchQueryDay.objects.get()
    assert len(row.query) <= 255
    assert row.query == row.query.strip()
    assert "plasma plasma".startswith(row.query[:13])
    assert row.searches == 2


def test_nothing_about_the_reader_is_stored():
    # Only the query, the day and the counts: no user, no address, no session, no agent.
    fields = {field.name for field in SearchQueryDay._meta.get_fields()}
    assert fields == {"id", "query", "day", "searches", "clicks", "results"}


def test_every_search_costs_one_statement_the_days_first_too():
    # Most queries a site gets are asked once a day: the first search of the day, which makes
    # the row, is the one that matters for a search's time.
    with time_machine.travel(MONDAY, tick=False):
        with CaptureQueriesContext(connection) as first:
            record_search("exit game", 2)
        with CaptureQueriesContext(connection) as again:
            record_search("exit game", 5)

    assert len(first) == 1
    assert len(again) == 1
    assert counts() == {("exit game", "2027-03-01"): (2, 0, 5)}


def test_a_search_counts_on_the_row_another_worker_made_and_spoils_no_transaction():
    # Another worker made the day's row first: this search adds to it, with its results, and
    # the surrounding transaction is still usable (PostgreSQL refuses anything after a failed
    # statement outside a savepoint, so a broken unique constraint would show here).
    add_day("watchers", MONDAY.date(), 1, clicks=1, results=7)
    with time_machine.travel(MONDAY, tick=False), transaction.atomic():
        record_search("watchers", 6)
        record_click("watchers")
        assert SearchQueryDay.objects.count() == 1

    assert counts() == {("watchers", "2027-03-01"): (2, 2, 6)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit setting")
def test_outside_a_transaction_a_count_commits_without_waiting_for_the_disk_and_only_it():
    # Served in autocommit, as production serves a search: the count is its own transaction,
    # which alone may skip the wait for the WAL flush; the connection's own setting, which the
    # next request's writes (an editor's publish) commit under, stays as it was.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
    with time_machine.travel(MONDAY, tick=False), CaptureQueriesContext(connection) as queries:
        record_search("exit game", 2)
        record_search("exit game", 3)
        record_click("exit game")

    assert len(queries) == 3
    assert all("synchronous_commit" in query["sql"] for query in queries)
    assert counts() == {("exit game", "2027-03-01"): (2, 1, 3)}
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == before == "on"


# Counting a click -------------------------------------------------------------------------------


def test_a_click_counts_on_the_days_row_of_its_query():
    with time_machine.travel(MONDAY, tick=False):
        record_search("Proof of Stake", 6)
        record_click("proof of  stake")
        record_click("PROOF OF STAKE")

    assert counts() == {("proof of stake", "2027-03-01"): (1, 2, 6)}


def test_a_click_without_a_search_counted_today_counts_as_a_search_too():
    # A reader who came from instant search: no search was counted, but one was made, and it
    # found at least the page clicked.
    with time_machine.travel(MONDAY, tick=False):
        record_search("fees", 3)
    with time_machine.travel(TUESDAY, tick=False):
        record_click("Fees")

    assert counts() == {
        ("fees", "2027-03-01"): (1, 0, 3),
        ("fees", "2027-03-02"): (1, 1, 1),
    }
    with time_machine.travel(TUESDAY, tick=False):
        assert not list(analytics.no_result_queries())


# What the report reads --------------------------------------------------------------------------


def test_the_reports_figures_sum_the_window_and_take_the_latest_results():
    today = datetime.date(2027, 3, 31)
    add_day("plasma", today, 5, clicks=2, results=9)
    add_day("plasma", today - datetime.timedelta(days=3), 4, clicks=1, results=8)
    # Outside the 30 days (today and the 29 before): not counted.
    add_day("plasma", today - datetime.timedelta(days=30), 100, results=9)
    add_day("morevp", today - datetime.timedelta(days=29), 3, results=0)
    add_day("ico", today, 2, results=4)
    # Found nothing at first, then (a synonym later) found pages: no longer "no results".
    add_day("pos", today - datetime.timedelta(days=2), 6, results=0)
    add_day("pos", today, 1, results=3)

    top = list(analytics.top_queries(today=today))
    assert [(row["query"], row["total_searches"], row["total_clicks"]) for row in top] == [
        ("plasma", 9, 3),
        ("pos", 7, 0),
        ("morevp", 3, 0),
        ("ico", 2, 0),
    ]
    assert {row["query"]: row["latest_results"] for row in top} == {
        "plasma": 9,
        "pos": 3,
        "morevp": 0,
        "ico": 4,
    }
    assert [row["query"] for row in analytics.no_result_queries(today=today)] == ["morevp"]
    assert [row["query"] for row in analytics.unclicked_queries(today=today)] == ["pos", "ico"]
    # A shorter window: this week only.
    assert [row["query"] for row in analytics.top_queries(7, today=today)] == [
        "plasma",
        "pos",
        "ico",
    ]
