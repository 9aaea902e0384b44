"""
import_gitbook's report: what it prints after the import, what `--report FILE.json` gives
scripts (on a failure too), and what `--strict` refuses.
"""

import json

import pytest

from django.core.management import CommandError

from wagtail.models import Page, Revision

from pages.models import GitBookSource, TopicPage
from tests.gitbook.books import import_book, write_book

pytestmark = pytest.mark.django_db


def book_with_gaps(tmp_path):
    """A book that imports, with one of each kind of note: a page type the tree cannot take
    where it is listed (degraded), an entry whose file is missing (left out), a link to
    nowhere and a link to an anchor the page does not have."""
    return write_book(
        tmp_path / "book",
        {
            "README.md": ("Home", "Welcome.\n"),
            "a.md": ("Alpha", "See [nowhere](missing.md) and [beta](b.md#no-such-heading).\n"),
            "b.md": ("Beta", "---\ntype: video\nvideo_url: https://vimeo.com/1\n---\nB.\n"),
        },
        summary="""
        * [Home](README.md)
        * [Alpha](a.md)
        * [Beta](b.md)
        * [Gone](gone.md)
        """,
    )


class TestTheOutput:
    def test_it_ends_with_the_reports_table(self, home, tmp_path):
        output = import_book(book_with_gaps(tmp_path))

        lines = output.splitlines()
        summary = lines.index("Imported: 2 created, 1 updated, 0 unchanged, 5 warnings.")
        assert [line.split()[:-1] for line in lines[summary + 1 :]] == [
            ["Pages", "created"],
            ["Pages", "updated"],
            ["Pages", "unchanged"],
            ["Redirects", "added"],
            ["Degraded:", "video", "page"],
            ["Left", "out"],
            ["Links", "unresolved"],
            ["Anchors", "unresolved"],
        ]
        assert [line.split()[-1] for line in lines[summary + 1 :]] == list("21001111")

    def test_each_note_names_its_file_and_line(self, home, tmp_path):
        output = import_book(book_with_gaps(tmp_path))

        assert "Warning: b.md: a video cannot go under a home page; imported as a topic." in output
        assert "Warning: SUMMARY.md, line 4: gone.md does not exist, so 'Gone' was skipped." in (
            output
        )
        assert "Warning: a.md: the link to 'missing.md' leads nowhere in the book" in output
        assert "Warning: a.md: the link to 'b.md#no-such-heading' leads to the page" in output
        # Read as a topic, the video's own key has no meaning.
        assert "Warning: b.md: front matter video_url has no meaning for a topic page" in output

    def test_quiet_prints_only_the_summary(self, home, tmp_path):
        output = import_book(book_with_gaps(tmp_path), "--verbosity", "0")

        assert output == "Imported: 2 created, 1 updated, 0 unchanged, 5 warnings.\n"


class TestTheJsonReport:
    def test_it_counts_and_lists_every_note(self, home, tmp_path):
        report = tmp_path / "report.json"

        import_book(book_with_gaps(tmp_path), "--report", str(report))

        data = json.loads(report.read_text())
        assert data["fatal"] is None and data["strict"] is False
        assert data["pages"] == {"created": 2, "updated": 1, "unchanged": 0}
        assert data["degraded"] == {"video page": 1}
        assert (data["left_out"], data["unresolved_links"], data["unresolved_anchors"]) == (1, 1, 1)
        assert data["redirects"] == 0
        assert {
            "path": "SUMMARY.md",
            "line": 4,
            "kind": "left out",
            "construct": "",
            "message": "gone.md does not exist, so 'Gone' was skipped",
        } in data["notes"]
        assert {(note["path"], note["kind"]) for note in data["notes"]} == {
            ("SUMMARY.md", "left out"),
            ("b.md", "degraded"),
            ("b.md", "note"),
            ("a.md", "link"),
            ("a.md", "anchor"),
        }

    def test_a_strict_refusal_says_why_and_imports_nothing(self, home, tmp_path):
        report = tmp_path / "report.json"
        counts = (Page.objects.count(), Revision.objects.count())

        with pytest.raises(CommandError, match=r"b.md: a video cannot go under .* \(--strict\)"):
            import_book(book_with_gaps(tmp_path), "--strict", "--report", str(report))

        assert (Page.objects.count(), Revision.objects.count()) == counts
        assert not GitBookSource.objects.exists()
        data = json.loads(report.read_text())
        assert data["strict"] is True
        assert (
            "b.md: a video cannot go under a home page; imported as a topic (--strict)"
            in (data["fatal"])
        )
        # Nothing was written, whatever the import had got to.
        assert data["pages"] == {"created": 0, "updated": 0, "unchanged": 0}
        assert ("SUMMARY.md", 4) in {(note["path"], note["line"]) for note in data["notes"]}

    def test_an_error_that_stops_any_import_is_reported(self, home, tmp_path):
        book = book_with_gaps(tmp_path)
        (book / "a.md").write_text("---\ndescription: [unclosed\n---\nA.\n")
        report = tmp_path / "report.json"

        with pytest.raises(CommandError, match="a.md, line .*: front matter is not valid YAML"):
            import_book(book, "--report", str(report))

        data = json.loads(report.read_text())
        assert (data["strict"], data["pages"]["created"]) == (False, 0)
        assert "a.md, line 2: front matter is not valid YAML" in data["fatal"]
        assert not TopicPage.objects.exists()

    def test_a_dry_run_reports_what_it_would_do(self, home, tmp_path):
        report = tmp_path / "report.json"

        import_book(book_with_gaps(tmp_path), "--dry-run", "--report", str(report))

        assert json.loads(report.read_text())["pages"]["created"] == 2
        assert not TopicPage.objects.exists()

    @pytest.mark.parametrize("where", ["no-such-folder/report.json", "."])
    def test_a_report_that_cannot_be_written_is_refused_before_importing(
        self, home, tmp_path, where
    ):
        with pytest.raises(CommandError, match="--report: "):
            import_book(book_with_gaps(tmp_path), "--report", str(tmp_path / where))

        assert not TopicPage.objects.exists()


def test_strict_imports_a_book_that_needs_nothing_degraded(home, tmp_path):
    book = write_book(tmp_path / "book", {"a.md": ("Alpha", "A.\n")}, summary="* [Alpha](a.md)\n")

    output = import_book(book, "--strict")

    assert "Imported: 1 created" in output
    assert TopicPage.objects.get().title == "Alpha"
