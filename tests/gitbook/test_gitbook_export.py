"""export_gitbook: the live tree leaves as a book that imports back into the same site."""

import datetime
import re
from pathlib import Path

import pytest

from django.conf import settings
from django.core.management import CommandError

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.rich_text import RichText, expand_db_html

from pages.models import FaqCategory, GitBookSource, HomePage, SectionPage, TopicPage
from tests.conftest import make_topic
from tests.gitbook.books import (
    export_book,
    import_book,
    without_block_keys,
    write_book,
    write_kitchen_sink,
)

pytestmark = pytest.mark.django_db

CONTENT_FIELDS = (
    "introduction",
    "body",
    "current_state",
    "current_state_as_of",
    "resources",
    "answer",
    "video_url",
    "transcript",
)


def snapshot():
    """Everything a reader or editor sees of the tree, with database ids replaced by what they
    point at, so two imports into different databases can be compared."""
    home = HomePage.objects.get()
    pages = home.get_descendants(inclusive=True).live().specific().order_by("path")
    root = home.url_path
    result = []
    for page in pages:
        entry = {
            "path": page.url_path.removeprefix(root),
            "type": type(page).__name__,
            "title": page.title,
            "summary": page.summary,
            "in_development": page.in_development,
            "development_note": page.development_note,
            "review_due": page.review_due,
            "tags": sorted(page.tags.names()),
        }
        for name in CONTENT_FIELDS:
            if hasattr(page, name):
                value = getattr(page, name)
                raw = getattr(value, "raw_data", None)
                entry[name] = normalise(list(raw) if raw is not None else value)
        if hasattr(page, "category"):
            entry["category"] = (page.category.name, page.answered_on, page.source_url)
        result.append(entry)
    return result


def normalise(value, key=None):
    """`value` with ids replaced by what they point at, and rich text without the editor's block
    keys (`without_block_keys`): the words and markup are compared, not the keys."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if key == "page" and value is not None:
        return Page.objects.get(pk=value).url_path
    if key in ("image", "document") and isinstance(value, int):
        model = get_image_model() if key == "image" else get_document_model()
        return model.objects.get(pk=value).file_hash
    value = without_block_keys(value)
    if isinstance(value, str) and "linktype=" in value:
        return re.sub(r"/documents/\d+/[^\"]+", "/documents/ID/", expand_db_html(value))
    return value


def give_the_home_page_a_review_date(home):
    """As a home page in use has. A bare one (made outside any book) gets its first review date
    from the re-import, which rightly makes the exported README a page of the book; tests that
    compare the site before and after would see that date instead of what they test."""
    home.review_due = datetime.date(2027, 1, 4)
    home.save(update_fields=["review_due"])


def export_and_import_again(out):
    """The site exported to `out` and imported back into a site that has forgotten it."""
    export_book(out)
    forget_everything()
    import_book(out)


def forget_everything():
    """What a fresh database would lack: every imported page, category, image and document."""
    home = HomePage.objects.get()
    for child in home.get_children():
        child.delete()
    GitBookSource.objects.all().delete()
    FaqCategory.objects.all().delete()
    get_image_model().objects.all().delete()
    get_document_model().objects.all().delete()


@pytest.mark.parametrize(
    "book",
    [
        pytest.param(write_kitchen_sink, id="every construct"),
        pytest.param(lambda tmp: Path(settings.BASE_DIR) / "fixtures" / "omg-kb", id="omg-kb"),
    ],
)
def test_import_export_import_gives_the_same_site(home, tmp_path, book):
    import_book(book(tmp_path / "book"))
    before = snapshot()
    out = tmp_path / "exported"

    output = export_book(out)

    assert "0 warnings" in output
    forget_everything()
    report = import_book(out)
    assert ", 0 warnings." in report
    assert snapshot() == before


def test_the_exported_book_is_gitbook_markdown(home, tmp_path):
    import_book(write_kitchen_sink(tmp_path / "book"))

    export_book(tmp_path / "out")

    out = tmp_path / "out"
    assert (out / ".gitbook.yaml").read_text().startswith("root: ./")
    summary = (out / "SUMMARY.md").read_text()
    assert "## Guide\n\n* [Plasma basics](guide/plasma-basics/README.md)\n" in summary
    assert "  * [Exits](guide/plasma-basics/exits.md)" in summary
    basics = (out / "guide/plasma-basics/README.md").read_text()
    assert basics.startswith("---\ndescription: What Plasma is.\n")
    assert "\n# Plasma basics\n" in basics
    assert '{% hint style="danger" %}\nDanger.\n{% endhint %}' in basics
    assert "[the exit game](exits.md#the-exit-game)" in basics
    assert '{% content-ref url="../../deep-dive/plasma.md" %}' in basics
    assert '## How it works <a href="#how" id="how"></a>' in basics
    assert (out / ".gitbook/assets/chart.png").read_bytes()[:4] == b"\x89PNG"
    plasma = (out / "deep-dive/plasma.md").read_text()
    assert "## Current state\n\nThe mainnet runs **MoreVP**[^2]." in plasma
    # Footnotes as GitBook writes them, at the end of the body, ahead of the sections.
    assert (
        "settle on Ethereum[^1].\n\n[^1]: Its [main network](https://ethereum.org).\n\n"
        "[^2]: Since *2020*.\n\n    It was **Plasma MVP** before.\n\n## Current state"
    ) in plasma


def test_drafts_never_leave_the_site(home, tmp_path):
    book = write_book(
        tmp_path / "book",
        {"a.md": ("Alpha", "Published words.\n"), "b.md": ("Beta", "Beta.\n")},
        summary="## Guide\n* [Alpha](a.md)\n* [Beta](b.md)\n",
    )
    import_book(book)
    alpha = TopicPage.objects.get(title="Alpha")
    alpha.body = [("text", "<p>Secret draft words.</p>")]
    alpha.save_revision()
    TopicPage.objects.get(title="Beta").unpublish()

    export_book(tmp_path / "out")

    exported = (tmp_path / "out/guide/a.md").read_text()
    assert "Published words." in exported and "Secret draft" not in exported
    assert not (tmp_path / "out/guide/b.md").exists()
    assert "Beta" not in (tmp_path / "out/SUMMARY.md").read_text()


def test_root_option_exports_one_branch(home, tmp_path):
    import_book(write_kitchen_sink(tmp_path / "book"))

    export_book(tmp_path / "out", "--root", "/guide/")

    summary = (tmp_path / "out/SUMMARY.md").read_text()
    assert "* [Guide](README.md)" in summary
    assert "* [Plasma basics](plasma-basics/README.md)" in summary
    assert "Deep Dive" not in summary


def test_export_refuses_a_folder_with_files_in_it(home, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.md").write_text("mine")

    with pytest.raises(CommandError, match="is not empty"):
        export_book(tmp_path / "out")
    assert (tmp_path / "out" / "keep.md").read_text() == "mine"


def test_a_section_with_words_of_its_own_is_a_page_of_the_book(home, tmp_path):
    # A section with an introduction or a body is written as a file with its pages under it; one
    # with neither is a `## Group` of SUMMARY.md, a title over its pages.
    started = SectionPage(
        title="Getting started",
        slug="getting-started",
        introduction="<p>Start here.</p>",
        body=[("heading", {"text": "Requirements", "level": "h2", "anchor": ""})],
    )
    home.add_child(instance=started)
    started.save_revision().publish()
    make_topic(started, title="Install", slug="install")
    plain = SectionPage(title="Reference", slug="reference")
    home.add_child(instance=plain)
    plain.save_revision().publish()
    make_topic(plain, title="Commands", slug="commands")

    export_book(tmp_path / "out")

    summary = (tmp_path / "out/SUMMARY.md").read_text()
    assert "* [Getting started](getting-started/README.md)\n" in summary
    assert "  * [Install](getting-started/install.md)\n" in summary
    assert "## Reference\n\n* [Commands](reference/commands.md)\n" in summary
    written = (tmp_path / "out/getting-started/README.md").read_text()
    assert written.endswith("# Getting started\n\nStart here.\n\n## Requirements\n")
    assert not (tmp_path / "out/reference/README.md").exists()

    # Read back, it is the same section, its pages under it.
    forget_everything()
    import_book(tmp_path / "out")
    section = SectionPage.objects.get(slug="getting-started")
    assert without_block_keys(section.introduction) == "<p>Start here.</p>"
    assert [block.value["text"] for block in section.body] == ["Requirements"]
    assert [page.title for page in section.get_children()] == ["Install"]
    assert [page.title for page in SectionPage.objects.get(slug="reference").get_children()] == [
        "Commands"
    ]


def test_a_group_before_a_page_of_the_book_keeps_its_place(home, tmp_path):
    # GitBook's unlinked parent "Guidelines" sits between two pages of the book. Written as a
    # `## Group` after them, it would move to the end; it is written where it was.
    write_book(
        tmp_path / "book",
        {
            "README.md": ("Home", "# Home\n"),
            "intro.md": ("Introduction", "# Introduction\n\nHello.\n"),
            "pointers.md": ("Pointers", "# Pointers\n\nSome.\n"),
            "style/README.md": ("Style", "# Style\n\nHow we write.\n"),
            "style/names.md": ("Names", "# Names\n\nShort.\n"),
            "faq.md": ("Answers", "# Answers\n\nAsk.\n"),
        },
        summary="""
        # Table of contents

        * [Home](README.md)
        * [Introduction](intro.md)
        * Guidelines
          * [Pointers](pointers.md)
        * [Style](style/README.md)
          * [Names](style/names.md)

        ## Help

        * [Answers](faq.md)
        """,
    )
    import_book(tmp_path / "book")
    before = snapshot()
    titles = [page.title for page in HomePage.objects.get().get_children()]
    assert titles == ["Introduction", "Guidelines", "Style", "Help"]

    export_book(tmp_path / "out")

    summary = (tmp_path / "out/SUMMARY.md").read_text()
    assert "* [Introduction](intro.md)\n* Guidelines\n  * [Pointers]" in summary
    assert summary.endswith("## Help\n\n* [Answers](help/faq.md)\n")
    forget_everything()
    import_book(tmp_path / "out")
    assert [page.title for page in HomePage.objects.get().get_children()] == titles
    assert snapshot() == before


# The same words as GitBook, markdown or HTML may write them: stored once, the same way, they
# export and import back as themselves.
SAME_TEXT_WRITTEN_TWICE = {
    "loose and tight lists": ("- one\n\n- two\n", "- one\n- two\n"),
    "an HTML list": ("<ul><li><p>one</p></li><li><p>two</p></li></ul>\n", "- one\n- two\n"),
    "text after an HTML list": (
        "<ul>\n<li>one</li>\n</ul>\nTODO: more\n",
        "- one\n\nTODO: more\n",
    ),
    "spaces and line breaks": (
        "Note:  two  spaces\nand a break.\n",
        "Note: two spaces and a break.\n",
    ),
    "spaces at a link's edges": (
        "sorted by[ social](https://x.org) and [Node.js ](https://n.org)app\n",
        "sorted by [social](https://x.org) and [Node.js](https://n.org) app\n",
    ),
    "two lists in a row": ("<ul><li>a</li></ul>\n<ul><li>b</li></ul>\n", "- a\n- b\n"),
    "a link with nothing in it": ("Code scan [](https://devtron.ai/pricing)\n", "Code scan\n"),
    "bold around italic": ("<b><i>NOTE:</i></b> x\n", "***NOTE:*** x\n"),
    "list items outside a list": ("<p>Scans</p><li>V</li><li>L</li>\n", "Scans\n\n- V\n- L\n"),
    "a link around a line break": (
        "12 months prior.[\\\n](https://x.org/roi)\n",
        "12 months prior.\n",
    ),
    "a link to nowhere": ("inactive: <a>Inactive button</a>\n", "inactive: Inactive button\n"),
    "two line breaks in an HTML cell's words": (
        "<div>First.<br><br>Second.</div>\n",
        "First.\n\nSecond.\n",
    ),
    "two line breaks": ("First.<br><br>Second.\n", "First.\n\nSecond.\n"),
    "two line breaks in a list item": (
        "* First \\\n  \\\n  second.\n* Third\n",
        "* First\n\n  second.\n* Third\n",
    ),
    "an item with an empty paragraph": (
        "* `15s`: every 15 seconds.\n\n    &#x20;\n* `1s`: every second.\n",
        "* `15s`: every 15 seconds.\n* `1s`: every second.\n",
    ),
    "struck words": ("<del>old</del> new\n", "~~old~~ new\n"),
    "blocks on one line": ("<p>First.</p><p>Second.</p>\n", "First.\n\nSecond.\n"),
}


@pytest.mark.parametrize(
    "written, plain", SAME_TEXT_WRITTEN_TWICE.values(), ids=SAME_TEXT_WRITTEN_TWICE.keys()
)
def test_the_same_words_written_two_ways_are_stored_one_way(home, tmp_path, written, plain):
    bodies = []
    for name, text in (("written", written), ("plain", plain)):
        write_book(tmp_path / name, {"page.md": ("Page", f"# Page\n\n{text}")})
        import_book(tmp_path / name)
        bodies.append(TopicPage.objects.get(slug="page").body.raw_data[0]["value"])
        forget_everything()

    assert bodies[0] == bodies[1]


def test_table_cells_of_paragraphs_and_lists_come_back_whole(home, tmp_path):
    # GitBook writes a cell of several paragraphs or a list as HTML on the cell's one line.
    give_the_home_page_a_review_date(home)
    write_book(
        tmp_path / "book",
        {
            "page.md": (
                "Page",
                """
                # Page

                | Version | **Notes** |
                | --- | --- |
                | 1.4 | <p>&#x3C;= 1.4.12</p><p>1.5.0 - 1.5.9 and <strong>more</strong></p> |
                | 1.6 | <ul><li>fixed <a href="page.md">this</a></li><li>and that</li></ul> |
                | 1.7 | one line |
                | 1.8 | two<br>lines |
                """,
            )
        },
    )
    import_book(tmp_path / "book")
    before = snapshot()
    rows = TopicPage.objects.get(slug="page").body[0].value["table"].row_data
    notes = [without_block_keys(row["values"][1].source) for row in rows]
    assert notes[0] == "<p>&lt;= 1.4.12</p><p>1.5.0 - 1.5.9 and <b>more</b></p>"
    assert notes[1].startswith("<ul>\n<li>fixed <a ")
    assert notes[2] == "<p>one line</p>"
    assert notes[3] == "<p>two<br/>lines</p>"
    columns = TopicPage.objects.get(slug="page").body[0].value["table"].columns
    assert [column["heading"] for column in columns] == ["Version", "Notes"]

    export_and_import_again(tmp_path / "out")

    assert snapshot() == before


def test_numbered_steps_with_code_come_back_whole(home, tmp_path):
    # A numbered list with code between its items becomes steps; a step's paragraph and the
    # list under it are one text, as they are read back from the export.
    give_the_home_page_a_review_date(home)
    write_book(
        tmp_path / "book",
        {
            "page.md": (
                "Page",
                """
                # Page

                1. Open the file:

                   * `config.yaml`
                   * `values.yaml`

                   ```yaml
                   key: value
                   ```
                2. Save it.
                """,
            )
        },
    )
    import_book(tmp_path / "book")
    before = snapshot()
    steps = TopicPage.objects.get(slug="page").body[0].value["steps"]
    first = [block.block_type for block in steps[0]["content"]]
    assert first == ["text", "code"]

    export_and_import_again(tmp_path / "out")

    assert snapshot() == before


# Rich text whose emphasis sits where markdown's asterisks would not be read as emphasis.
EMPHASIS_AT_EDGES = {
    "bold code before a letter": "<p>see <b><code>/catalog</code></b>and more</p>",
    "italic right after bold": "<p>in <b>Settings &amp; Security</b><i>.</i></p>",
    "a link written as its file's name": '<p>To <a href="https://x.org/a.md">a.md</a> now</p>',
}


@pytest.mark.parametrize("source", EMPHASIS_AT_EDGES.values(), ids=EMPHASIS_AT_EDGES.keys())
def test_emphasis_at_odd_edges_comes_back_as_emphasis(home, tmp_path, source):
    from tests.gitbook.test_export_escaping import topic_with  # noqa: PLC0415

    page = topic_with(home, [("text", RichText(source))])
    before = page.body.raw_data[0]["value"]

    export_and_import_again(tmp_path / "out")

    after = TopicPage.objects.get(slug="literals").body.raw_data[0]["value"]
    assert without_block_keys(after) == without_block_keys(before)
