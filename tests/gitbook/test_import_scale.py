"""
A large book imports at the same cost a page as a small one: the queries an import makes for each
page do not grow with the book (a 50,000-page book must import in minutes), and every page it
imports is in readers' search as soon as the import ends.
"""

import pytest

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.generate_book import BookWriter
from pages.models import GitBookSource, SearchEntry
from pages.search.engine import search
from tests.gitbook.books import import_book

pytestmark = pytest.mark.django_db

# Queries a page may cost the larger book beyond the smaller's: the few queries an import makes
# once (its parent, its sites, the index's vocabulary) spread over fewer pages.
SLACK_PER_PAGE = 2


def generated_book(tmp_path, pages):
    """bench/generate_book.py's book: every construct the importer knows, topics under topics,
    FAQ entries, videos, images and files."""
    out = tmp_path / f"book-{pages}"
    BookWriter(out, pages, depth=4, seed=1).write()
    return out


def queries_per_page(book):
    with CaptureQueriesContext(connection) as queries:
        output = import_book(book, "-v0")
    created = GitBookSource.objects.count()
    assert f"Imported: {created} created, 0 updated" in output
    return len(queries) / created


def test_queries_per_page_do_not_grow_with_the_book(tmp_path):
    small, large = generated_book(tmp_path, 20), generated_book(tmp_path, 60)
    with transaction.atomic():
        per_page_small = queries_per_page(small)
        transaction.set_rollback(True)
    per_page_large = queries_per_page(large)

    assert per_page_large <= per_page_small + SLACK_PER_PAGE, (per_page_small, per_page_large)


def test_every_imported_page_is_found_by_search_right_after_the_import(tmp_path):
    import_book(generated_book(tmp_path, 60), "-v0")

    imported = [source.page for source in GitBookSource.objects.select_related("page")]
    assert len(imported) > 60
    indexed = set(SearchEntry.objects.values_list("page_id", flat=True))
    assert {page.pk for page in imported} <= indexed
    for page in imported:
        found = search(page.title, limit=50)
        assert page.pk in [hit.page_id for hit in found.hits], page.title


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_postgresql_plans_with_the_imported_pages_counted(tmp_path):
    import_book(generated_book(tmp_path, 20), "-v0")

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'wagtailcore_page'")
        [(estimated_pages,)] = cursor.fetchall()
    # Without the import's ANALYZE the estimate stays what it was before (-1: never counted).
    assert estimated_pages >= GitBookSource.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory lock")
def test_an_import_takes_its_turn_writing_pages_once_before_its_first_page(tmp_path):
    book = generated_book(tmp_path, 20)
    with CaptureQueriesContext(connection) as queries:
        import_book(book, "-v0")

    statements = [query["sql"] for query in queries]
    turns = [n for n, sql in enumerate(statements) if "pg_advisory_xact_lock" in sql]
    first_page = next(n for n, sql in enumerate(statements) if "INSERT INTO" in sql)
    # Editors' page writes wait for the import's transaction (pages/concurrency.py) from before
    # its first write: asked as the home page is made, then once for the book's pages, not at
    # each of their writes (thousands of queries on a large book).
    assert len(turns) == 2 and turns[0] < first_page, (turns, first_page)


def test_the_images_and_files_pages_show_are_read_once_however_many_pages_show_them(tmp_path):
    """Blocks choosing an image or a file read it the first time, not again for every page
    that shows it, nor for every check of a page's blocks (pages.gitbook.choosers)."""

    def reads_of_images_and_files(book):
        with CaptureQueriesContext(connection) as queries:
            import_book(book, "-v0")
        return [
            query["sql"]
            for query in queries
            if query["sql"].startswith("SELECT")
            and (
                'FROM "wagtailimages_image"' in query["sql"]
                or 'FROM "wagtaildocs_document"' in query["sql"]
            )
        ]

    small, large = generated_book(tmp_path, 20), generated_book(tmp_path, 60)
    with transaction.atomic():
        small_reads = reads_of_images_and_files(small)
        transaction.set_rollback(True)
    large_reads = reads_of_images_and_files(large)

    # Both books show the same image and file, on three times as many pages in the larger.
    assert small_reads
    assert len(large_reads) == len(small_reads), (small_reads, large_reads)
