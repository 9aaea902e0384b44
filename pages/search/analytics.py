"""
What readers searched for, counted by query and day: how often, how many results the last such
search had, how many of those searches led to a click. Editors read it in Reports → Search terms
and on the dashboard's "Needs attention" panel (pages.editorial.search_terms).

Nothing about the reader is kept: only the normalised query text (pages.search.text), the day
and the counts. A search or a click costs one statement, INSERT ... ON CONFLICT DO UPDATE: the
day's first search of a query makes its row, later ones add to it, and two readers racing for
the first one are settled by the database (PostgreSQL and SQLite alike). An UPDATE, then an
INSERT in a savepoint for the day's first, was four round trips for most searches a site gets
(most queries are asked once a day). On PostgreSQL its commit does not wait for the disk
(_count says why).

We keep our own SearchQueryDay rather than Wagtail's Query daily hits
(wagtail.contrib.search_promotions), which count searches only: the report needs results and
clicks per query and day too.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.timezone import localdate

from pages.models import SearchQueryDay
from pages.search.text import normalise_query

# SearchQueryDay.query's length: a longer query is cut, never refused.
MAX_QUERY_LENGTH = SearchQueryDay._meta.get_field("query").max_length

# The report's window, and the dashboard's.
REPORT_DAYS = 30
ATTENTION_DAYS = 7


def counted_query(text):
    """`text` as it is counted: normalised, cut to MAX_QUERY_LENGTH; "" for nothing to count."""
    return normalise_query(text or "")[:MAX_QUERY_LENGTH].strip()


def _count(query, day, counted, created):
    """Add one to the (query, day) row's `counted` column (and set `created`'s "results", if
    given, as the latest search's), or make the row with `created`'s figures when there is none:
    one statement, whoever else counts the same row at the same moment."""
    quote = connection.ops.quote_name
    table = quote(SearchQueryDay._meta.db_table)
    figures = {"searches": 0, "clicks": 0, "results": 0} | created
    columns = ", ".join(quote(SearchQueryDay._meta.get_field(name).column) for name in figures)
    column = quote(SearchQueryDay._meta.get_field(counted).column)
    changes = [f"{column} = {table}.{column} + 1"]
    if counted == "searches":
        results = quote(SearchQueryDay._meta.get_field("results").column)
        changes.append(f"{results} = excluded.{results}")
    unique = ", ".join(
        quote(SearchQueryDay._meta.get_field(name).column) for name in ("query", "day")
    )
    placeholders = ", ".join(["%s"] * (2 + len(figures)))
    conflict = f"ON CONFLICT ({unique}) DO UPDATE SET {', '.join(changes)}"
    params = [query, connection.ops.adapt_datefield_value(day), *figures.values()]
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # A count need not wait for the disk: its transaction (this statement alone) commits
        # without waiting for the WAL flush, which was most of what counting cost a search
        # (1.2 ms at best, 4-13 ms while the disk was busy, against 0.03 ms). A crash may lose
        # the last moment's counts, never make them wrong. set_config(..., true) lasts until
        # the statement's commit; in a caller's transaction (not autocommit) it would cover
        # that transaction's other writes too, so it is left out there.
        statement = (
            "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)) "
            f"INSERT INTO {table} ({unique}, {columns}) SELECT {placeholders} FROM quick "
            f"{conflict}"
        )
    else:
        statement = f"INSERT INTO {table} ({unique}, {columns}) VALUES ({placeholders}) {conflict}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def record_search(query: str, results: int) -> None:
    """Count one search for `query` today, which found `results` results in all."""
    query = counted_query(query)
    if not query:
        return
    results = max(0, int(results))
    _count(query, localdate(), "searches", {"searches": 1, "results": results})


def record_click(query: str) -> None:
    """
    Count a click on one of `query`'s results today. A query with no search counted today (a
    reader who came from instant search, which is not counted) counts as one search too, which
    found at least the result clicked: counted with one result, it is never among those that
    found nothing.
    """
    query = counted_query(query)
    if not query:
        return
    _count(query, localdate(), "clicks", {"searches": 1, "clicks": 1, "results": 1})


# What the report and the dashboard read ----------------------------------------------------------


def first_day(days, today=None):
    """The first day of a window of `days` days ending with `today` (included)."""
    return (today or localdate()) - timedelta(days=days - 1)


def query_figures(days=REPORT_DAYS, today=None):
    """
    One row per query searched in the last `days` days, as dicts: `query`, `total_searches` and
    `total_clicks` (summed over the window) and `latest_results`, what its latest search in the
    window found.
    """
    window = SearchQueryDay.objects.filter(day__gte=first_day(days, today))
    if today is not None:
        window = window.filter(day__lte=today)
    latest = window.filter(query=OuterRef("query")).order_by("-day").values("results")[:1]
    return (
        window.values("query")
        .annotate(
            total_searches=Coalesce(Sum("searches"), 0),
            total_clicks=Coalesce(Sum("clicks"), 0),
            latest_results=Subquery(latest, output_field=IntegerField()),
        )
        .order_by()
    )


def top_queries(days=REPORT_DAYS, today=None):
    """The queries searched most often in the window, most searched first."""
    return query_figures(days, today).order_by("-total_searches", "query")


def no_result_queries(days=REPORT_DAYS, today=None):
    """The queries whose latest search in the window found nothing, most searched first."""
    return query_figures(days, today).filter(latest_results=0).order_by("-total_searches", "query")


def unclicked_queries(days=REPORT_DAYS, today=None):
    """The queries that found results but whose results nobody clicked in the window, most
    searched first (those that found nothing are no_result_queries)."""
    return (
        query_figures(days, today)
        .filter(total_clicks=0, latest_results__gt=0)
        .order_by("-total_searches", "query")
    )
