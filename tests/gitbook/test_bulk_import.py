"""
A first import writes its new pages in bulk (pages.gitbook.bulk), and the site it leaves is the
one the page-by-page path leaves: the same rows in every table the import writes, the same
history, indexes and pages for readers. Both imports run on the same database one after the
other, each rolled back, with the ids the first used given out again to the second.
"""

import difflib
import re
from datetime import date, datetime

import pytest

from django.db import connection, transaction

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision

from pages.gitbook import importer
from pages.models import GitBookSource, PageTag, ReusableContent, SearchEntry
from pages.search.engine import search
from tests.gitbook.books import import_book, write_book, write_kitchen_sink

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")
# A stored file's name: storage adds a suffix when the name is taken (by the first import).
STORED_FILE = re.compile(r"(original_images|images|documents)/[^\"'\s<>]+")
FEEDBACK_REVISION = re.compile(r'(name="revision" value=")\d+')
# A page's extra table, per page type the kitchen sink makes.
PAGE_TYPES = {
    "home": "pages.HomePage",
    "section": "pages.SectionPage",
    "topic": "pages.TopicPage",
    "deep dive": "pages.DeepDivePage",
    "faq index": "pages.FaqIndexPage",
    "faq": "pages.FaqPage",
    "video": "pages.VideoPage",
}
READERS_PAGES = ["/guide/plasma-basics/", "/guide/plasma-basics/exits/", "/deep-dive/plasma/"]


def normalised(value):
    """A value as both paths must agree on: without block ids, translation keys and log uuids
    (random each time), the times things happened, and stored files' suffixes."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalised(item) for item in value]
    if hasattr(value, "raw_data"):  # a StreamField's value
        return normalised(list(value.raw_data))
    if isinstance(value, datetime):
        return "<time>"
    if isinstance(value, str):
        value = TIMESTAMP.sub("<time>", UUID.sub("<uuid>", value))
        return STORED_FILE.sub(r"\1/<file>", value)
    if hasattr(value, "hex") and not isinstance(value, date | int | float):
        return "<uuid>"  # a UUID
    return value


def rows(queryset, *order, leave_out=()):
    return [
        normalised({key: item for key, item in row.items() if key not in leave_out})
        for row in queryset.order_by(*(order or ["pk"])).values()
    ]


def site_state(client):
    """Everything the import writes, and what readers then get."""
    from django.apps import apps

    # A revision's id depends on when it was written (a snippet's, made as a page including it
    # is resolved, comes before the bulk pages' revisions): known by what it is a revision of.
    revision_of = {
        pk: (content_type, object_id)
        for pk, content_type, object_id in Revision.objects.values_list(
            "pk", "content_type_id", "object_id"
        )
    }

    def with_revisions_named(state_rows, *names):
        for row in state_rows:
            for name in names:
                row[name] = revision_of.get(row[name])
        return state_rows

    state = {
        "pages": with_revisions_named(
            rows(Page.objects.all(), "path"), "latest_revision_id", "live_revision_id"
        ),
        "revisions": rows(
            Revision.objects.all(), "content_type_id", "object_id", "pk", leave_out={"id"}
        ),
        # The log's ids depend on when each entry was written: compared page by page, in order.
        "log": with_revisions_named(
            rows(PageLogEntry.objects.all(), "page_id", "timestamp", "pk", leave_out={"id"}),
            "revision_id",
        ),
        "tags": rows(PageTag.objects.all()),
        "tag names": rows(PageTag.tag_model().objects.all()),
        "sources": rows(GitBookSource.objects.all()),
        "snippets": with_revisions_named(rows(ReusableContent.objects.all()), "latest_revision_id"),
        "images": rows(get_image_model().objects.all()),
        "documents": rows(get_document_model().objects.all()),
        "references": sorted(
            map(
                repr,
                rows(ReferenceIndex.objects.all(), leave_out={"id"}),
            )
        ),
        "search entries": rows(SearchEntry.objects.all()),
        "search": [
            (hit.page_id, round(hit.score, 6) if hasattr(hit, "score") else None)
            for query in ("plasma", "exit game", "stake")
            for hit in search(query, limit=20).hits
        ],
        "readers": {path: readers_page(client, path) for path in READERS_PAGES},
    }
    for label in sorted(set(PAGE_TYPES.values())):
        model = apps.get_model(label)
        state[label] = with_revisions_named(
            rows(model.objects.all(), "path"), "latest_revision_id", "live_revision_id"
        )
    return state


def differences(bulk, by_page):
    """Where two states' lists of rows differ, field by field: what a failure says."""
    if isinstance(bulk, list) and isinstance(by_page, list) and len(bulk) == len(by_page):
        return [
            (
                index,
                {key: (row.get(key), other.get(key)) for key in row if row[key] != other.get(key)},
            )
            if isinstance(row, dict) and isinstance(other, dict)
            else (index, row, other)
            for index, (row, other) in enumerate(zip(bulk, by_page, strict=True))
            if row != other
        ][:5]
    if isinstance(bulk, dict) and isinstance(by_page, dict):
        return {
            key: "\n".join(
                difflib.unified_diff(
                    str(by_page.get(key)).splitlines(), str(item).splitlines(), lineterm="", n=0
                )
            )
            for key, item in bulk.items()
            if item != by_page.get(key)
        }
    return bulk, by_page


def readers_page(client, path):
    response = client.get(path)
    # The version a reader's feedback is about: its id, as every revision's, is when it was made.
    html = FEEDBACK_REVISION.sub(r"\1<revision>", response.content.decode())
    return f"{response.status_code}\n{normalised(html)}"


def sequences():
    """PostgreSQL's sequences (not rolled back with a transaction), to be set back; SQLite's
    AUTOINCREMENT counters roll back with the savepoint."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences")
        return cursor.fetchall()


def set_back(saved):
    with connection.cursor() as cursor:
        for schema, name, last_value in saved:
            if last_value is None:
                cursor.execute("SELECT setval(%s, 1, false)", [f'"{schema}"."{name}"'])
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [f'"{schema}"."{name}"', last_value])


def imported_state(book, client, monkeypatch, bulk, *args):
    """Import the book (in bulk or page by page), take the site's state, roll it all back."""
    monkeypatch.setattr(importer, "WRITE_FRESH_IMPORTS_IN_BULK", bulk)
    saved = sequences()
    with transaction.atomic():
        output = import_book(book, "-v0", *args)
        state = site_state(client)
        transaction.set_rollback(True)
    set_back(saved)
    return output, state


def test_a_bulk_first_import_leaves_the_site_a_page_by_page_one_does(
    home, client, tmp_path, monkeypatch, django_user_model
):
    django_user_model.objects.create_superuser("importer", password="x")
    book = write_kitchen_sink(tmp_path / "book")
    args = ("--user", "importer", "--change-note", "From the book.")

    by_page_output, by_page = imported_state(book, client, monkeypatch, False, *args)
    bulk_output, bulk = imported_state(book, client, monkeypatch, True, *args)

    assert bulk_output == by_page_output
    assert "created" in bulk_output
    for key in by_page:
        assert bulk[key] == by_page[key], (key, differences(bulk[key], by_page[key]))
    # The book's every kind of page, with tags, links and a review date, took the bulk path.
    assert len(by_page["pages"]) > 10
    assert any(row["review_due"] == date(2021, 1, 31) for row in by_page["pages.TopicPage"])
    assert by_page["tags"] and by_page["references"] and by_page["search"]
    assert all(page.startswith("200\n") for page in by_page["readers"].values())


def test_the_bulk_path_writes_pages_in_a_few_queries_each(home, tmp_path, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    book = write_kitchen_sink(tmp_path / "book")
    monkeypatch.setattr(importer, "WRITE_FRESH_IMPORTS_IN_BULK", False)
    with transaction.atomic(), CaptureQueriesContext(connection) as by_page:
        import_book(book, "-v0")
        transaction.set_rollback(True)
    monkeypatch.setattr(importer, "WRITE_FRESH_IMPORTS_IN_BULK", True)
    with CaptureQueriesContext(connection) as bulk:
        import_book(book, "-v0")
    assert len(bulk) < len(by_page) * 0.7, (len(bulk), len(by_page))


def refusals_both_ways(book, monkeypatch, nothing_was_written):
    """The messages of a refused import of `book`, page by page and then in bulk; after each,
    `nothing_was_written()` checks the rollback."""
    messages = []
    for bulk in (False, True):
        monkeypatch.setattr(importer, "WRITE_FRESH_IMPORTS_IN_BULK", bulk)
        with pytest.raises(Exception) as raised:
            import_book(book, "-v0")
        messages.append(str(raised.value))
        nothing_was_written()
    return messages


def test_a_bad_page_in_a_first_import_rolls_everything_back_with_the_same_message(
    home, tmp_path, monkeypatch
):
    pages = {f"p{n}.md": (f"Page {n}", f"Text {n}.\n") for n in range(6)}
    # Longer than the page's field takes: refused as the page is checked, before it is written.
    pages["p3.md"] = ("Page 3", f"---\ndevelopment_note: {'x' * 400}\n---\nText 3.\n")
    book = write_book(tmp_path / "book", pages)
    before = Page.objects.count()

    def nothing_was_written():
        assert Page.objects.count() == before
        assert not GitBookSource.objects.exists()
        assert not Revision.objects.exists()

    messages = refusals_both_ways(book, monkeypatch, nothing_was_written)
    assert messages[0] == messages[1]
    assert "p3.md" in messages[1] and "development_note" in messages[1]


def test_a_page_the_site_refuses_stops_a_bulk_import_as_it_stops_one_page_by_page(
    home, tmp_path, monkeypatch
):
    # A title longer than a page's title may be: refused where the page is made.
    pages = {"a.md": ("A", "A.\n"), "b.md": ("B" * 300, "B.\n"), "c.md": ("C", "C.\n")}
    book = write_book(tmp_path / "book", pages)

    def nothing_was_written():
        assert not GitBookSource.objects.exists()
        assert Page.objects.filter(title="A").count() == 0

    messages = refusals_both_ways(book, monkeypatch, nothing_was_written)
    assert messages[0] == messages[1]


def test_importing_the_book_again_after_a_bulk_import_changes_nothing(home, tmp_path):
    book = write_kitchen_sink(tmp_path / "book")
    first = import_book(book, "-v0")
    again = import_book(book, "-v0")

    created = GitBookSource.objects.exclude(page=home).count()
    assert f"{created} created" in first
    assert "0 created, 0 updated" in again
    # Every page stays as the first import left it: one revision, live.
    for source in GitBookSource.objects.exclude(page=home).select_related("page"):
        page = source.page
        assert page.live and not page.has_unpublished_changes
        assert page.latest_revision_id == page.live_revision_id
        assert Revision.objects.filter(object_id=str(page.pk)).count() == 1
