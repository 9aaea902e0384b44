"""
import_gitbook on hostile and broken books: each is refused with an error naming the file (and
the line where there is one), nothing outside the book is read, and the database is unchanged.

Every test starts from a book imported once (`book`), changes it for the worse and imports it
again, so that an import that went ahead would show: pages, revisions, images, documents, tags
and log entries are counted before and after. Files outside the book hold a marker, and
`files_opened` records every file the process opens, to prove that none of them was. The book,
the files beside it and the ways a test changes the book are in builders.py.
"""

import builtins
import io
import json
import os
from pathlib import Path

import pytest

from django.core.management import CommandError

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import ModelLogEntry, Page, PageLogEntry, Revision

from pages.gitbook.book import MAX_SUMMARY_DEPTH
from pages.models import GitBookSource, HomePage, PageTag, TopicPage
from tests.gitbook.books import import_book, png_bytes
from tests.hardening.builders import (
    BOOK_SUMMARY,
    EXITS_LINE,
    EXITS_PAGE,
    OUTSIDE_MARKER,
    add_to_page,
    add_to_summary,
    nested_summary,
    outside_files,
    small_book,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def outside(tmp_path):
    """A folder beside the book, with files an import must never read."""
    return outside_files(tmp_path / "outside")


@pytest.fixture
def book(home, tmp_path):
    """A small book, already imported once: a front page, a group and a page with an image."""
    root = small_book(tmp_path / "book")
    import_book(root)
    return root


@pytest.fixture
def files_opened(monkeypatch):
    """Every file the process opens from here on, resolved: builtins.open and io.open, which
    Path.read_text, Path.read_bytes and Path.open go through."""
    opened = []
    real_open = io.open

    def recording_open(file, *args, **kwargs):
        if isinstance(file, str | bytes | os.PathLike):
            opened.append(Path(os.fsdecode(file)).resolve())
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(builtins, "open", recording_open)
    return opened


def database_state():
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "tags": PageTag.tag_model().objects.count(),
        "log entries": PageLogEntry.objects.count() + ModelLogEntry.objects.count(),
        "imported files": sorted(GitBookSource.objects.values_list("path", "content_hash")),
    }


def marker_in_database():
    texts = [json.dumps(revision.content) for revision in Revision.objects.all()]
    texts += list(Page.objects.values_list("title", flat=True))
    texts += list(PageTag.tag_model().objects.values_list("name", flat=True))
    return any(OUTSIDE_MARKER in text for text in texts)


def refused(book, files_opened=None):
    """The error the command gives for `book`, after its fixed 'Nothing was imported' prefix;
    asserts that the database is as it was. `files_opened` is emptied first, so that it holds
    only what the import opened."""
    before = database_state()
    if files_opened is not None:
        files_opened.clear()
    with pytest.raises(CommandError) as error:
        import_book(book)
    assert database_state() == before
    message = str(error.value)
    prefix = f"Nothing was imported. {book}: "
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


def imported_without(book, files_opened):
    """The output of an import that went on; `files_opened` then holds what it opened."""
    files_opened.clear()
    return import_book(book)


def read_nothing_outside(opened, outside):
    assert not [path for path in opened if path.is_relative_to(outside.resolve())]
    assert Path("/etc/passwd") not in opened
    assert not marker_in_database()


def test_the_recorder_sees_what_an_import_reads(book, files_opened):
    # The control for every "read nothing outside" below: an import's reads are recorded.
    (book / "guide/exits.md").write_text(EXITS_PAGE + "\n![Again](../.gitbook/assets/chart.png)\n")
    (book / ".gitbook/assets/chart.png").write_bytes(png_bytes("green"))

    import_book(book)

    assert (book / "guide/exits.md").resolve() in files_opened
    assert (book / ".gitbook/assets/chart.png").resolve() in files_opened


def test_a_symbolic_link_that_stays_inside_the_book_is_followed(book):
    # Links between the book's own files are ordinary: only those leading out are refused.
    (book / "guide/chart-link.png").symlink_to(book / ".gitbook/assets/chart.png")
    (book / "guide/exits-link.md").symlink_to(book / "guide/exits.md")
    add_to_summary(book, "* [Exits again](guide/exits-link.md)")
    (book / "guide/exits.md").write_text(EXITS_PAGE + "\n![Linked](chart-link.png)\n")

    output = import_book(book)

    assert "1 created, 1 updated" in output
    assert TopicPage.objects.filter(title="Exits again").exists()


class TestPathsOutOfTheBook:
    """A path that leads out of the book is an error wherever the book names it, before
    anything is read from it, whether or not it exists."""

    @pytest.mark.parametrize("href", ["../outside/secret.md", "guide/../../outside/secret.md"])
    def test_a_summary_entry_out_of_the_book(self, book, outside, files_opened, href):
        href = href.format(outside=outside)
        add_to_summary(book, f"* [Secret]({href})")

        error = refused(book, files_opened)

        normal = os.path.normpath(href)
        assert error == f"SUMMARY.md, line 8: {normal} is outside the book"
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize("href", ["{outside}/secret.md", "/etc/passwd"])
    def test_an_absolute_summary_entry_is_read_from_the_books_root(
        self, book, outside, files_opened, href
    ):
        # GitBook reads `/page.md` from the book's root; the machine's root is never looked at.
        href = href.format(outside=outside)
        add_to_summary(book, f"* [Secret]({href})")

        output = imported_without(book, files_opened)

        assert f"SUMMARY.md, line 8: {href.lstrip('/')} does not exist" in output
        read_nothing_outside(files_opened, outside)

    def test_a_summary_entry_that_is_a_symbolic_link_out(self, book, outside, files_opened):
        (book / "guide/secret.md").symlink_to(outside / "secret.md")
        add_to_summary(book, "* [Secret](guide/secret.md)")

        error = refused(book, files_opened)

        assert error == (
            "SUMMARY.md, line 8: guide/secret.md leads outside the book through a symbolic link"
        )
        read_nothing_outside(files_opened, outside)

    def test_a_summary_entry_in_a_folder_that_is_a_symbolic_link_out(
        self, book, outside, files_opened
    ):
        (book / "guide/elsewhere").symlink_to(outside, target_is_directory=True)
        add_to_summary(book, "* [Secret](guide/elsewhere/secret.md)")

        error = refused(book, files_opened)

        assert error == (
            "SUMMARY.md, line 8: guide/elsewhere/secret.md leads outside the book through a "
            "symbolic link"
        )
        read_nothing_outside(files_opened, outside)

    def test_a_symbolic_link_that_loops(self, book):
        (book / "guide/loop-a.md").symlink_to(book / "guide/loop-b.md")
        (book / "guide/loop-b.md").symlink_to(book / "guide/loop-a.md")
        add_to_summary(book, "* [Loop](guide/loop-a.md)")

        assert refused(book) == "SUMMARY.md, line 8: guide/loop-a.md is a symbolic link that loops"

    @pytest.mark.parametrize(
        "markdown, what",
        [
            ("![Secret]({src})", "image"),
            (
                '<figure><img src="{src}" alt="Secret"><figcaption>A secret</figcaption></figure>',
                "image",
            ),
            ('{{% file src="{src}" %}}\nThe secret\n{{% endfile %}}', "file"),
        ],
        ids=["image", "figure", "file"],
    )
    @pytest.mark.parametrize("src", ["../../outside/secret.{ext}"])
    def test_an_image_or_file_out_of_the_book(
        self, book, outside, files_opened, markdown, what, src
    ):
        src = src.format(outside=outside, ext="png" if what == "image" else "pdf")
        add_to_page(book, "\n" + markdown.format(src=src) + "\n")

        error = refused(book, files_opened)

        assert error == f"guide/exits.md, line {EXITS_LINE}: the {what} {src} is outside the book"
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize(
        "markdown, what",
        [
            ("![Secret]({src})", "image"),
            (
                '<figure><img src="{src}" alt="Secret"><figcaption>A secret</figcaption></figure>',
                "image",
            ),
            ('{{% file src="{src}" %}}\nThe secret\n{{% endfile %}}', "file"),
        ],
        ids=["image", "figure", "file"],
    )
    @pytest.mark.parametrize("src", ["{outside}/secret.{ext}", "/etc/passwd"])
    def test_an_absolute_image_or_file_is_read_from_the_books_root(
        self, book, outside, files_opened, markdown, what, src
    ):
        src = src.format(outside=outside, ext="png" if what == "image" else "pdf")
        add_to_page(book, "\n" + markdown.format(src=src) + "\n")

        output = imported_without(book, files_opened)

        assert f"{src} does not exist, so the" in output
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize(
        "markdown, what, asset",
        [
            ("![Secret](../.gitbook/assets/secret.png)", "image", "secret.png"),
            ('{% file src="../.gitbook/assets/secret.pdf" %}\n{% endfile %}', "file", "secret.pdf"),
        ],
        ids=["image", "file"],
    )
    def test_an_image_or_file_that_is_a_symbolic_link_out(
        self, book, outside, files_opened, markdown, what, asset
    ):
        (book / ".gitbook/assets" / asset).symlink_to(outside / asset)
        add_to_page(book, "\n" + markdown + "\n")

        error = refused(book, files_opened)

        assert error == (
            f"guide/exits.md, line {EXITS_LINE}: the {what} ../.gitbook/assets/{asset} leads "
            "outside the book through a symbolic link"
        )
        read_nothing_outside(files_opened, outside)

    def test_an_absolute_link_to_a_file_is_read_from_the_books_root(
        self, book, outside, files_opened
    ):
        href = f"{outside}/secret.pdf"
        add_to_page(book, f"\nRead [the secret]({href}).\n")

        output = imported_without(book, files_opened)

        assert f"the link to {href!r} leads nowhere in the book; its text was kept" in output
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize("href", ["../../outside/secret.pdf"])
    def test_a_link_to_a_file_out_of_the_book(self, book, outside, files_opened, href):
        # A link to a file of the book becomes a document; one out of the book must not.
        href = href.format(outside=outside)
        add_to_page(book, f"\nRead [the secret]({href}).\n")

        error = refused(book, files_opened)

        # Links are resolved once the pages exist, where the line is no longer known.
        assert error == f"guide/exits.md: the link to {href} is outside the book"
        read_nothing_outside(files_opened, outside)

    def test_a_link_to_a_file_that_is_a_symbolic_link_out(self, book, outside, files_opened):
        (book / ".gitbook/assets/secret.pdf").symlink_to(outside / "secret.pdf")
        add_to_page(book, "\nRead [the secret](../.gitbook/assets/secret.pdf).\n")

        error = refused(book, files_opened)

        assert error == (
            "guide/exits.md: the link to ../.gitbook/assets/secret.pdf leads outside the book "
            "through a symbolic link"
        )
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize("root", ["../outside/", "./docs/../../outside", "{outside}"])
    def test_a_gitbook_yaml_root_out_of_the_book(self, book, outside, files_opened, root):
        root = root.format(outside=outside)
        (book / ".gitbook.yaml").write_text(f"root: {root}\n")

        assert refused(book, files_opened) == f".gitbook.yaml: the root {root} is outside the book"
        read_nothing_outside(files_opened, outside)

    def test_a_gitbook_yaml_root_that_is_a_symbolic_link_out(self, book, outside, files_opened):
        (book / "docs").symlink_to(outside, target_is_directory=True)
        (book / ".gitbook.yaml").write_text("root: ./docs/\n")

        assert refused(book, files_opened) == (
            ".gitbook.yaml: the root ./docs/ leads outside the book through a symbolic link"
        )
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize(
        "setting, what",
        [
            ("summary: ../outside/SUMMARY.md", "the table of contents"),
            ("readme: ../outside/README.md", "the readme"),
        ],
    )
    def test_a_gitbook_yaml_structure_out_of_the_book(
        self, book, outside, files_opened, setting, what
    ):
        (book / ".gitbook.yaml").write_text(f"structure:\n  {setting}\n")

        error = refused(book, files_opened)

        assert error == f".gitbook.yaml: {what} {setting.split(': ')[1]} is outside the book"
        read_nothing_outside(files_opened, outside)

    @pytest.mark.parametrize(
        "name, target, expected",
        [
            (
                ".gitbook.yaml",
                "config.yaml",
                ".gitbook.yaml: leads outside the book through a symbolic link",
            ),
            (
                "SUMMARY.md",
                "SUMMARY.md",
                "SUMMARY.md: the table of contents leads outside the book through a symbolic link",
            ),
            (
                "README.md",
                "README.md",
                "SUMMARY.md, line 3: README.md leads outside the book through a symbolic link",
            ),
        ],
        ids=[".gitbook.yaml", "SUMMARY.md", "README.md"],
    )
    def test_the_books_own_files_as_symbolic_links_out(
        self, book, outside, files_opened, name, target, expected
    ):
        (book / name).unlink(missing_ok=True)
        (book / name).symlink_to(outside / target)

        assert refused(book, files_opened) == expected
        read_nothing_outside(files_opened, outside)


class TestFilesThatAreNotMarkdown:
    """Each file of the book is read whole, so its size is checked first; it must be UTF-8
    text without NUL bytes (which PostgreSQL cannot store). A non-UTF-8 SUMMARY.md or
    .gitbook.yaml was a UnicodeDecodeError traceback."""

    def test_a_binary_page(self, book):
        (book / "guide/exits.md").write_bytes(png_bytes())

        assert refused(book) == (
            "guide/exits.md: cannot be read: byte 0x89 on line 1 is not UTF-8 text; "
            "is it a binary file?"
        )

    def test_a_page_in_another_encoding_names_the_line(self, book):
        (book / "guide/exits.md").write_bytes(EXITS_PAGE.encode() + "\nCafé.\n".encode("latin-1"))

        assert refused(book) == (
            "guide/exits.md: cannot be read: byte 0xe9 on line 8 is not UTF-8 text; "
            "is it a binary file?"
        )

    def test_a_page_with_nul_bytes(self, book):
        # Valid UTF-8, but binary: PostgreSQL could not store it, and it is no page.
        (book / "guide/exits.md").write_bytes(EXITS_PAGE.encode() + b"\nfine\n\x00\x01\x02")

        assert refused(book) == (
            "guide/exits.md: cannot be read: line 9 holds a NUL byte, so it is a binary file, "
            "not text"
        )

    def test_a_binary_table_of_contents(self, book):
        (book / "SUMMARY.md").write_bytes(b"\xff\xfe* [Exits](guide/exits.md)\n")

        assert refused(book) == (
            "SUMMARY.md: cannot be read: byte 0xff on line 1 is not UTF-8 text; "
            "is it a binary file?"
        )

    def test_a_binary_gitbook_yaml(self, book):
        (book / ".gitbook.yaml").write_bytes(b"root: ./\n\xc3\x28\n")

        assert refused(book) == (
            ".gitbook.yaml: cannot be read: byte 0xc3 on line 2 is not UTF-8 text; "
            "is it a binary file?"
        )

    def test_a_20_mb_page_is_refused_without_being_read(self, book, files_opened):
        big = book / "guide/big.md"
        big.write_text("# Big\n\n" + "All work and no play. " * (20 * MB // 22))
        add_to_summary(book, "* [Big](guide/big.md)")

        assert refused(book, files_opened) == (
            "guide/big.md: is 20.0 MB; a file of the book may be at most 5 MB"
        )
        assert big.resolve() not in files_opened

    def test_the_limit_is_on_bytes_and_a_page_at_it_is_imported(self, book, monkeypatch):
        # The boundary, with a limit small enough to test cheaply: at it, imported; a byte
        # over it, refused.
        monkeypatch.setattr("pages.gitbook.book.MAX_FILE_BYTES", 1000)
        page = book / "guide/long.md"
        page.write_text("# Long\n\n" + "é" * 496)  # 8 bytes, then two bytes a character
        assert page.stat().st_size == 1000
        add_to_summary(book, "* [Long](guide/long.md)")

        assert "1 created" in import_book(book)

        page.write_text("# Long\n\n" + "é" * 496 + "!")
        assert refused(book) == (
            "guide/long.md: is 1,001 bytes; a file of the book may be at most 1,000 bytes"
        )

    def test_an_image_larger_than_an_upload_is_refused_without_being_read(self, book, files_opened):
        huge = book / ".gitbook/assets/huge.png"
        with huge.open("wb") as handle:
            handle.truncate(11 * MB)  # sparse: the size is all that matters
        add_to_page(book, "\n![Huge](../.gitbook/assets/huge.png)\n")

        assert refused(book, files_opened) == (
            ".gitbook/assets/huge.png: is 11 MB; an image or file may be at most 10 MB, "
            "as when an editor uploads one"
        )
        assert huge.resolve() not in files_opened


class TestTheTableOfContents:
    def test_a_50_level_deep_summary_names_the_line_past_the_limit(self, book):
        # markdown-it stopped parsing at its nesting limit and dropped every level past the
        # ninth without a word; now the first level past the book's limit is an error.
        for level in range(1, 51):
            (book / f"level-{level}.md").write_text(f"# Level {level}\n")
        (book / "SUMMARY.md").write_text(nested_summary(50))

        # Level 1 is on line 8, so the first level past the limit on line 8 + MAX_SUMMARY_DEPTH.
        assert refused(book) == (
            f"SUMMARY.md, line {8 + MAX_SUMMARY_DEPTH}: pages are nested more than "
            f"{MAX_SUMMARY_DEPTH} levels deep here; the book may nest them at most "
            f"{MAX_SUMMARY_DEPTH} levels deep"
        )

    def test_a_summary_as_deep_as_the_limit_is_imported(self, book):
        # Before, the tenth level was one of those dropped.
        for level in range(1, MAX_SUMMARY_DEPTH + 1):
            (book / f"level-{level}.md").write_text(f"# Level {level}\n")
        (book / "SUMMARY.md").write_text(nested_summary(MAX_SUMMARY_DEPTH))

        import_book(book)

        # Each level is a page under the one before.
        deepest = TopicPage.objects.get(title=f"Level {MAX_SUMMARY_DEPTH}")
        above = [page.title for page in deepest.get_ancestors().specific()]
        assert above[-(MAX_SUMMARY_DEPTH - 1) :] == [
            f"Level {level}" for level in range(1, MAX_SUMMARY_DEPTH)
        ]

    def test_the_same_page_listed_twice(self, book):
        # A file is one page: listed again, it is imported once, where it is listed first.
        add_to_summary(book, "* [Exits again](guide/./exits.md)")

        output = import_book(book)

        assert (
            "SUMMARY.md, line 8: guide/exits.md is listed again (first on line 7); it is "
            "imported once, where it is listed first."
        ) in output
        assert TopicPage.objects.filter(title__startswith="Exits").count() == 1

    def test_a_readme_whose_child_links_back_up_to_it(self, book):
        (book / "guide/plasma").mkdir()
        (book / "guide/plasma/README.md").write_text("# Plasma\n")
        add_to_summary(
            book, "* [Plasma](guide/plasma/README.md)\n  * [Up again](guide/plasma/README.md)"
        )

        output = import_book(book)

        assert "SUMMARY.md, line 9: guide/plasma/README.md is listed again" in output
        assert TopicPage.objects.get(title="Plasma").get_children().count() == 0

    def test_a_page_whose_child_links_back_to_the_front_page(self, book):
        add_to_summary(book, "  * [Home again](README.md)")

        output = import_book(book)

        assert "SUMMARY.md, line 8: README.md is listed again (first on line 3)" in output
        assert not Page.objects.filter(title="Home again").exists()

    def test_the_front_page_listed_only_inside_a_group(self, book):
        # GitBook books often list the readme first under their first group: it is the front
        # page wherever it is listed, and not a page of the group as well.
        (book / "SUMMARY.md").write_text(
            BOOK_SUMMARY.replace("* [Knowledge base](README.md)\n", "") + "* [Home](README.md)\n"
        )

        output = import_book(book)

        assert "0 warnings" in output
        assert [type(page) for page in Page.objects.filter(title="Home").specific()] == [HomePage]


class TestBrokenGitBookYaml:
    # A list where a path belongs was a TypeError or AttributeError traceback.
    @pytest.mark.parametrize(
        "text, error",
        [
            (
                "root: ./\nstructure: [unclosed\n",
                ".gitbook.yaml, line 3: is not valid YAML: expected ',' or ']', but got "
                "'<stream end>'",
            ),
            ("- root\n- ./\n", ".gitbook.yaml: must be a mapping"),
            ("root: [a, b]\n", ".gitbook.yaml: root must be a folder's path, not ['a', 'b']"),
            (
                "structure: [readme]\n",
                ".gitbook.yaml: structure must be a mapping (readme:, summary:)",
            ),
            (
                "structure:\n  summary: 5\n",
                ".gitbook.yaml: structure.summary must be a file's path, not 5",
            ),
        ],
        ids=["invalid YAML", "a list", "root a list", "structure a list", "summary a number"],
    )
    def test_is_an_error_naming_the_file(self, book, text, error):
        (book / ".gitbook.yaml").write_text(text)

        assert refused(book) == error


class TestMalformedFrontMatter:
    # Invalid YAML, a list and an unclosed --- were already errors; an impossible date, deep
    # nesting, a list as the type and keys that are not text were tracebacks.
    @pytest.mark.parametrize(
        "text, expected",
        [
            (
                '---\ndescription: "Quoted" then more\n---\n# Exits\n',
                "guide/exits.md, line 2: front matter is not valid YAML: expected <block end>, "
                "but found '<scalar>'",
            ),
            (
                "---\n- a list\n- not a mapping\n---\n# Exits\n",
                "guide/exits.md, line 2: front matter must be a mapping",
            ),
            (
                "---\ndescription: never closed\n\n# Exits\n",
                "guide/exits.md, line 1: front matter is not closed with ---",
            ),
            (
                # YAML reads it as a date, and there is no such day: a ValueError, not YAMLError.
                "---\nreview_due: 2020-13-45\n---\n# Exits\n",
                "guide/exits.md, line 1: front matter is not valid YAML: month must be in 1..12",
            ),
        ],
        ids=["invalid YAML", "a list", "unterminated", "impossible date"],
    )
    def test_is_an_error_naming_the_file_and_line(self, book, text, expected):
        (book / "guide/exits.md").write_text(text)

        assert refused(book) == expected

    @pytest.mark.parametrize(
        "text, expected",
        [
            (
                "---\ntype: [topic]\n---\n# Exits\n",
                "type must be one of topic, deep-dive, faq-index, faq, video, not ['topic']",
            ),
            (
                "---\ndescription: {a: mapping}\n---\n# Exits\n",
                "description must be text, not a list or mapping",
            ),
            ("---\ntags: [[nested], list]\n---\n# Exits\n", "tags must be a list of words"),
        ],
        ids=["type not text", "description a mapping", "tags nested"],
    )
    def test_a_value_of_the_wrong_kind_is_ignored_and_reported(self, book, text, expected):
        # YAML that parses, with a value the page cannot take: the page is imported without it
        # (and --strict refuses it).
        (book / "guide/exits.md").write_text(text)

        assert f"guide/exits.md, line 2: {expected}" in import_book(book)
        with pytest.raises(CommandError, match=r"--strict"):
            import_book(book, "--strict")

    def test_yaml_nested_thousands_deep(self, book):
        # PyYAML builds nested lists recursively: a RecursionError, not a YAMLError.
        (book / "guide/exits.md").write_text("---\ntags: " + "[" * 5_000 + "]" * 5_000 + "\n---\n")

        assert refused(book).startswith(
            "guide/exits.md, line 1: front matter is not valid YAML: maximum recursion depth "
            "exceeded"
        )

    def test_keys_that_are_not_text_are_a_warning(self, book):
        # YAML reads `1:` as a number and `null:` as None: unknown keys, like any other.
        (book / "guide/exits.md").write_text("---\n1: one\nnull: nothing\n---\n# Exits\n\nNew.\n")

        output = import_book(book)

        assert "guide/exits.md: front matter 1, None has no meaning for a topic page" in output
        assert "1 updated" in output
