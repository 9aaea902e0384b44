"""`as_of:` in a book's front matter is the page's content date, read by the import and written
back by the export at the precision the book gave it."""

import datetime

import pytest
from bs4 import BeautifulSoup

from pages.models import GitBookSource, TopicPage
from tests.gitbook.books import export_book, import_book, write_book

pytestmark = pytest.mark.django_db


def a_book(root):
    return write_book(
        root,
        {
            "README.md": ("Knowledge base", "---\nas_of: 2020-06\n---\n# Knowledge base\n\nHi.\n"),
            "plasma.md": ("Plasma", "---\nas_of: 2020-06\n---\n# Plasma\n\nChild chains.\n"),
            "launch.md": ("Launch", "---\nas_of: 2020-06-04\n---\n# Launch\n\nMainnet.\n"),
            "glossary.md": ("Glossary", "# Glossary\n\nWords.\n"),
        },
    )


def content_dates():
    return {
        page.title: (page.describes_as_of, page.describes_as_of_precision)
        for page in TopicPage.objects.all()
    }


def front_matter(path):
    text = path.read_text(encoding="utf-8")
    return text.split("---")[1] if text.startswith("---") else ""


def test_the_import_reads_a_month_or_a_day(home, tmp_path, client):
    import_book(a_book(tmp_path / "book"))

    assert content_dates() == {
        "Plasma": (datetime.date(2020, 6, 1), "month"),
        "Launch": (datetime.date(2020, 6, 4), "day"),
        "Glossary": (None, "month"),
    }
    home.refresh_from_db()
    assert home.describes_as_of == datetime.date(2020, 6, 1)
    plasma = TopicPage.objects.get(title="Plasma")
    line = BeautifulSoup(client.get(plasma.url).content, "html.parser").select_one(".content-date")
    assert " ".join(line.get_text().split()) == "Describes the network as of June 2020"


def test_a_value_that_is_no_date_is_reported_and_left_out(home, tmp_path):
    book = a_book(tmp_path / "book")
    (book / "plasma.md").write_text("---\nas_of: mid-2020\n---\n# Plasma\n\nChild chains.\n")

    output = import_book(book)

    assert "as_of must be a month like 2020-06 or a day like 2020-06-04" in output
    assert content_dates()["Plasma"] == (None, "month")


def test_the_export_writes_it_as_the_book_gave_it_and_it_imports_back(home, tmp_path):
    import_book(a_book(tmp_path / "book"))
    out = tmp_path / "out"

    export_book(out)

    assert "as_of: 2020-06\n" in front_matter(out / "plasma.md")
    assert "as_of: 2020-06-04\n" in front_matter(out / "launch.md")
    assert "as_of" not in front_matter(out / "glossary.md")
    assert "as_of: 2020-06\n" in front_matter(out / "README.md")
    before = content_dates()
    # Into a site that has forgotten the book.
    for page in home.get_children():
        page.delete()
    GitBookSource.objects.all().delete()
    import_book(out)
    assert content_dates() == before
