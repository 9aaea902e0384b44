"""
Comparing two revisions in the admin reads as an editor would describe the change: each changed
block headed by what happened to it, its words marked where they changed, moves as moves,
blocks inside tabs and expandables by their path, and never a dump of the stored data.
"""

import datetime

import pytest
from bs4 import BeautifulSoup

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from pages.editorial import compare
from pages.models import DeepDivePage, ReusableContent
from tests.conftest import logged_in, make_topic, publish
from tests.content.test_block_checklist import blocks_within, stream_blocks_of_ours

pytestmark = pytest.mark.django_db

# What a comparison must never show an editor: Python's and JSON's spelling of stored data.
DATA_DUMPS = ["{'", '"type":', "'type':", "StructValue", "StreamValue", "ListValue", "<Image"]


def block(block_type, value, block_id):
    return {"type": block_type, "value": value, "id": block_id}


def item(value, item_id):
    return {"type": "item", "value": value, "id": item_id}


def text(words, block_id="text-1"):
    return block("text", f"<p>{words}</p>", block_id)


def hint(style, words, block_id="hint-1"):
    return block("hint", {"style": style, "text": f"<p>{words}</p>"}, block_id)


def code(source, language="python", block_id="code-1", title=""):
    return block("code", {"language": language, "title": title, "code": source}, block_id)


def tabs(*tab_items, block_id="tabs-1"):
    return block("tabs", {"tabs": list(tab_items)}, block_id)


def tab(title, content, item_id):
    return item({"title": title, "content": content}, item_id)


def expandable(summary, content, block_id="expandable-1"):
    return block("expandable", {"summary": summary, "content": content}, block_id)


def table(rows, block_id="table-1", caption="Plasma variants"):
    return block(
        "table",
        {
            "table": {
                "caption": caption,
                "columns": [
                    {"type": "text", "heading": "Variant"},
                    {"type": "number", "heading": "Year"},
                ],
                "rows": [{"values": [f"<p>{name}</p>", year]} for name, year in rows],
            }
        },
        block_id,
    )


def resource(title, url, block_id="resource-1", note=""):
    return block("resource", {"title": title, "page": None, "url": url, "note": note}, block_id)


def web_image(url, alt_text, block_id="web-image-1"):
    return block("web_image", {"url": url, "alt_text": alt_text, "caption": ""}, block_id)


def api_operation(summary, block_id="api-1"):
    value = {"method": "get", "path": "/pets", "summary": summary, "spec_url": "", "details": []}
    return block("api_operation", value, block_id)


def cards(*titles_and_texts, block_id="cards-1"):
    items = [
        item(
            {"title": title, "text": f"<p>{words}</p>", "page": None, "url": "", "image": None},
            f"card-{number}",
        )
        for number, (title, words) in enumerate(titles_and_texts, 1)
    ]
    return block("cards", {"cards": items}, block_id)


def steps(*titles_and_contents, block_id="steps-1"):
    items = [
        item({"title": title, "content": content}, f"step-{number}")
        for number, (title, content) in enumerate(titles_and_contents, 1)
    ]
    return block("steps", {"steps": items}, block_id)


def columns(*contents, block_id="columns-1"):
    items = [
        item({"content": content}, f"column-{number}") for number, content in enumerate(contents, 1)
    ]
    return block("columns", {"columns": items}, block_id)


def hint_with_content(words, content, block_id="hint-1"):
    value = {"style": "info", "text": f"<p>{words}</p>", "content": content}
    return block("hint", value, block_id)


@pytest.fixture
def deep_dive(section):
    return publish(section, DeepDivePage(title="Plasma", summary="Child chains."))


@pytest.fixture
def reviewer_browser(reviewer):
    return logged_in(reviewer)


def compare_url(page, revision_a, revision_b):
    return reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, revision_a, revision_b])


def save(page, body, resources=None):
    """A revision of `page` with this body (and further reading), saved as the editor's Save
    draft saves it."""
    page = page.specific
    page.body = body
    if resources is not None:
        page.resources = resources
    return page.save_revision()


def comparison(browser, page, body_a, body_b, resources_a=None, resources_b=None):
    """The admin's comparison of two revisions of `page`: the whole HTML answer."""
    revision_a = save(page, body_a, resources_a)
    revision_b = save(page, body_b, resources_b)
    response = browser.get(compare_url(page, revision_a.pk, revision_b.pk))
    assert response.status_code == 200
    return response.content.decode()


def headings(html):
    """The block headings of a comparison, in order."""
    soup = BeautifulSoup(html, "html.parser")
    return [heading.get_text() for heading in soup.select(".kb-diff__heading")]


def changed_blocks(html):
    """Each changed block of a comparison: its heading and the HTML beneath it."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        section.select_one(".kb-diff__heading").get_text(): section
        for section in soup.select("section.kb-diff__block")
    }


def assert_readable(html):
    cell_text = " ".join(
        str(cell) for cell in BeautifulSoup(html, "html.parser").select("td.comparison")
    )
    assert cell_text, "no comparison shown"
    for dump in DATA_DUMPS:
        assert dump not in cell_text, f"{dump!r} in the comparison"


# One edit of each kind of block: (the block before, the block after, its heading, a word
# marked as removed, a word marked as added).
EDITS = {
    "text": (
        text("Exits take seven days."),
        text("Exits take fourteen days."),
        "Text changed",
        "seven",
        "fourteen",
    ),
    "heading": (
        block("heading", {"text": "Exit game", "level": "h2", "anchor": ""}, "heading-1"),
        block("heading", {"text": "Exit game rules", "level": "h3", "anchor": ""}, "heading-1"),
        "Heading “Exit game rules” changed",
        "Heading 2",
        "rules",
    ),
    "hint": (
        hint("info", "Watch the chain."),
        hint("warning", "Watch the root chain."),
        "Hint (warning) changed",
        "Info",
        "root",
    ),
    "quote": (
        block("quote", {"text": "Scaling is hard.", "attribution": "Joseph"}, "quote-1"),
        block("quote", {"text": "Scaling is a journey.", "attribution": "Joseph"}, "quote-1"),
        "Quote changed",
        "hard",
        "a journey",
    ),
    "embed": (
        block("embed", {"url": "https://www.youtube.com/watch?v=a", "caption": "A talk"}, "e-1"),
        block("embed", {"url": "https://www.youtube.com/watch?v=a", "caption": "The talk"}, "e-1"),
        "Embed (youtube.com) changed",
        "A",
        "The",
    ),
    "code": (
        code("make build\nmake test", language="bash"),
        code("make build\nmake check", language="bash"),
        "Code (Shell) changed",
        "test",
        "check",
    ),
    "table": (
        table([("MVP", "2018"), ("MoreVP", "2018")]),
        table([("MVP", "2018"), ("MoreVP", "2019")]),
        "Table “Plasma variants” changed",
        "2018",
        "2019",
    ),
    "expandable": (
        expandable("Why wait?", [text("So fraud can be proven.", "inner-1")]),
        expandable("Why wait a week?", [text("So fraud can be proven.", "inner-1")]),
        "Expandable “Why wait a week?” changed",
        None,
        "a week",
    ),
    "tabs": (
        tabs(tab("Mac", [], "tab-1"), tab("Linux", [], "tab-2")),
        tabs(tab("macOS", [], "tab-1"), tab("Linux", [], "tab-2")),
        "Tabs “macOS, Linux” changed",
        "Mac",
        "macOS",
    ),
    "web_image": (
        web_image("https://www.example.org/plasma.png", "Plasma blocks"),
        web_image("https://www.example.org/plasma.png", "Plasma child blocks"),
        "Image from the web (example.org) changed",
        None,
        "child",
    ),
    "math": (
        block("math", {"tex": "E = mc^2"}, "math-1"),
        block("math", {"tex": "E = mc^3"}, "math-1"),
        "Formula changed",
        "2",
        "3",
    ),
    "api_operation": (
        api_operation("List pets"),
        api_operation("List every pet"),
        "API operation (GET /pets) changed",
        "pets",
        "every pet",
    ),
    "cards": (
        cards(("Exits", "Leave the chain."), ("Fees", "What it costs.")),
        cards(("Exits", "Leave the child chain."), ("Fees", "What it costs.")),
        "Cards (2) › Card “Exits” changed",
        None,
        "child",
    ),
    "steps": (
        steps(("Install", [code("brew install plasma", "bash", "code-1")])),
        steps(("Install", [code("brew install plasma-cli", "bash", "code-1")])),
        "Steps (1) › Step “Install” › Code (Shell) changed",
        "plasma",
        "plasma-cli",
    ),
    "columns": (
        columns([text("Left.", "text-1")], [text("Right.", "text-2")]),
        columns([text("Left.", "text-1")], [text("Right side.", "text-2")]),
        "Columns (2) › Column › Text changed",
        None,
        "side",
    ),
    "hint with content": (
        hint_with_content("Before you start:", [code("make build", "bash", "code-1")]),
        hint_with_content("Before you start:", [code("make check", "bash", "code-1")]),
        "Hint (info) › Code (Shell) changed",
        "build",
        "check",
    ),
}


@pytest.mark.parametrize("block_type", EDITS)
def test_a_changed_block_is_named_and_its_words_marked(reviewer_browser, deep_dive, block_type):
    before, after, heading, removed, added = EDITS[block_type]

    html = comparison(reviewer_browser, deep_dive, [before], [after])

    sections = changed_blocks(html)
    assert heading in sections, headings(html)
    changed = sections[heading]
    if removed:
        assert removed in [d.get_text() for d in changed.select("del.deletion")]
    assert added in [i.get_text() for i in changed.select("ins.addition")]
    assert_readable(html)


def test_a_change_inside_a_hint_names_the_hint_and_the_block(reviewer_browser, deep_dive):
    html = comparison(
        reviewer_browser,
        deep_dive,
        [hint_with_content("Before you start:", [code("make build", "bash", "code-1")])],
        [
            hint_with_content(
                "Before you start:",
                [code("make build", "bash", "code-1"), text("Then test it.", "text-1")],
            )
        ],
    )

    assert headings(html) == [
        "Hint (info) changed",
        "Hint (info) › Text added",
    ]
    added = changed_blocks(html)["Hint (info) › Text added"]
    assert [i.get_text() for i in added.select("ins")] == ["Then test it."]
    assert "1 unchanged block" in html
    assert_readable(html)


def test_choosing_other_reusable_content_names_both(reviewer_browser, deep_dive):
    install = ReusableContent.objects.create(title="Installing the CLI", body=[])
    support = ReusableContent.objects.create(title="Getting support", body=[])

    html = comparison(
        reviewer_browser,
        deep_dive,
        [block("reusable", install.pk, "reusable-1")],
        [block("reusable", support.pk, "reusable-1")],
    )

    changed = changed_blocks(html)["Reusable content “Getting support” changed"]
    assert [d.get_text() for d in changed.select("del")] == ["Installing the CLI"]
    assert [i.get_text() for i in changed.select("ins")] == ["Getting support"]
    assert_readable(html)


def test_an_image_page_card_and_file_that_change_are_named_by_what_they_show(
    reviewer_browser, deep_dive, diagram, white_paper, section
):
    other_image = Image.objects.create(title="Exit queue", file=get_test_image_file())
    exits = make_topic(section, title="Exits")
    fees = make_topic(section, title="Fees")
    other_paper = Document.objects.create(
        title="MoreVP paper", file=ContentFile(b"%PDF-1.4\n", name="more-vp.pdf")
    )

    def figure(image, alt_text):
        value = {"image": {"image": image.pk, "decorative": False, "alt_text": alt_text}}
        return block("image", {**value, "caption": ""}, "image-1")

    def card(page):
        return block("card", {"page": page.pk, "title": "", "description": ""}, "card-1")

    def file(document):
        return block("file", {"document": document.pk, "caption": ""}, "file-1")

    html = comparison(
        reviewer_browser,
        deep_dive,
        [figure(diagram, "Blocks committed"), card(exits), file(white_paper)],
        [figure(other_image, "Exits queued"), card(fees), file(other_paper)],
    )

    sections = changed_blocks(html)
    assert set(sections) == {
        "Image “Exit queue” changed",
        "Page link card “Fees” changed",
        "File “MoreVP paper” changed",
    }
    image_change = sections["Image “Exit queue” changed"]
    assert "Exit queue" in image_change.select_one("ins").get_text()
    assert "Plasma chain diagram" in image_change.select_one("del").get_text()
    assert "Fees" in sections["Page link card “Fees” changed"].select_one("ins").get_text()
    assert "MoreVP" in sections["File “MoreVP paper” changed"].select_one("ins").get_text()
    assert_readable(html)


def test_a_changed_resource_in_further_reading(reviewer_browser, deep_dive):
    html = comparison(
        reviewer_browser,
        deep_dive,
        [],
        [],
        resources_a=[resource("Plasma paper", "https://plasma.io/plasma.pdf")],
        resources_b=[resource("Plasma paper", "https://plasma.io/plasma-2019.pdf")],
    )

    changed = changed_blocks(html)["Resource “Plasma paper” changed"]
    assert changed.select_one("dt").get_text() == "URL"
    assert "plasma-2019" in changed.select_one("ins").get_text()
    assert_readable(html)


def test_added_and_removed_blocks_are_said_to_be(reviewer_browser, deep_dive):
    kept = text("Plasma moves payments off the main chain.", "text-1")
    video = block(
        "embed", {"url": "https://vimeo.com/123", "caption": "The path to Plasma"}, "embed-1"
    )

    html = comparison(
        reviewer_browser,
        deep_dive,
        [kept],
        [kept, video],
        resources_a=[resource("Plasma paper", "https://plasma.io/plasma.pdf")],
        resources_b=[],
    )

    sections = changed_blocks(html)
    added = sections["Embed (vimeo.com) added"]
    assert "addition" in added["class"]
    assert "The path to Plasma" in [i.get_text() for i in added.select("ins")]
    removed = sections["Resource “Plasma paper” removed"]
    assert "deletion" in removed["class"]
    assert "https://plasma.io/plasma.pdf" in [d.get_text() for d in removed.select("del")]
    assert_readable(html)


def test_a_reordered_block_is_shown_as_a_move_not_as_removed_and_added(reviewer_browser, deep_dive):
    first, second = text("First.", "text-1"), text("Second.", "text-2")
    snippet = code("print('exit')", block_id="code-1")
    third, fourth = text("Third.", "text-3"), text("Fourth.", "text-4")

    html = comparison(
        reviewer_browser,
        deep_dive,
        [first, second, snippet, third, fourth],
        [first, second, third, fourth, snippet],
    )

    assert headings(html) == ["Code (Python) moved from position 3 to 5"]
    assert not [h for h in headings(html) if "added" in h or "removed" in h]
    assert "4 unchanged blocks" in html
    assert_readable(html)


def test_a_block_moved_and_changed_says_both(reviewer_browser, deep_dive):
    intro, outro = text("Intro.", "text-1"), text("Outro.", "text-2")
    html = comparison(
        reviewer_browser,
        deep_dive,
        [hint("info", "Exits are slow.", "hint-1"), intro, outro],
        [intro, outro, hint("info", "Exits are very slow.", "hint-1")],
    )

    assert headings(html) == ["Hint (info) moved from position 1 to 3 and changed"]
    changed = changed_blocks(html)["Hint (info) moved from position 1 to 3 and changed"]
    assert [i.get_text() for i in changed.select("ins")] == ["very"]


def test_rich_text_changes_are_marked_word_by_word(reviewer_browser, deep_dive):
    html = comparison(
        reviewer_browser,
        deep_dive,
        [text("Exits take <b>seven</b> days on the root chain.")],
        [text("Exits take fourteen days on the root chain.")],
    )

    changed = changed_blocks(html)["Text changed"]
    assert [d.get_text() for d in changed.select("del.deletion")] == ["seven"]
    assert [i.get_text() for i in changed.select("ins.addition")] == ["fourteen"]
    # The unchanged words are there, unmarked.
    assert "Exits take " in changed.get_text() and " days on the root chain." in changed.get_text()


def test_a_change_of_formatting_alone_is_said_to_be_one(reviewer_browser, deep_dive):
    html = comparison(
        reviewer_browser,
        deep_dive,
        [text("Exits take seven days.")],
        [text("Exits take <b>seven</b> days.")],
    )

    changed = changed_blocks(html)["Text changed"]
    assert "Formatting or links changed" in changed.get_text()


def test_a_change_inside_a_tab_is_named_by_its_path(reviewer_browser, deep_dive):
    def install_tabs(mac_command):
        return tabs(
            tab("Install", [code(mac_command, "bash", "code-1")], "tab-1"),
            tab("Use", [text("Run it.", "text-1")], "tab-2"),
        )

    html = comparison(
        reviewer_browser,
        deep_dive,
        [install_tabs("brew install plasma")],
        [install_tabs("brew install plasma-cli")],
    )

    assert headings(html) == [
        "Tabs “Install, Use” changed",
        "Tabs “Install, Use” › Tab “Install” changed",
        "Tabs “Install, Use” › Tab “Install” › Code (Shell) changed",
    ]
    nested = changed_blocks(html)["Tabs “Install, Use” › Tab “Install” › Code (Shell) changed"]
    assert nested.select_one("pre ins").get_text() == "plasma-cli"
    assert_readable(html)


def test_blocks_added_removed_and_moved_inside_an_expandable(reviewer_browser, deep_dive):
    html = comparison(
        reviewer_browser,
        deep_dive,
        [
            expandable(
                "Why a challenge period?",
                [
                    text("So fraud can be proven.", "inner-1"),
                    hint("info", "Seven days.", "inner-2"),
                    text("Then the exit is final.", "inner-3"),
                ],
            )
        ],
        [
            expandable(
                "Why a challenge period?",
                [
                    text("Then the exit is final.", "inner-3"),
                    text("So fraud can be proven.", "inner-1"),
                    hint("danger", "Do not exit early.", "inner-4"),
                ],
            )
        ],
    )

    path = "Expandable “Why a challenge period?” › "
    assert set(headings(html)) == {
        "Expandable “Why a challenge period?” changed",
        f"{path}Text moved from position 3 to 1",
        f"{path}Hint (info) removed",
        f"{path}Hint (danger) added",
    }
    assert_readable(html)


def test_unchanged_blocks_fold_into_one_line(reviewer_browser, deep_dive):
    unchanged = [text(f"Paragraph {number}.", f"text-{number}") for number in range(1, 4)]

    html = comparison(
        reviewer_browser,
        deep_dive,
        [*unchanged, hint("info", "Old.")],
        [*unchanged, hint("info", "New.")],
    )

    soup = BeautifulSoup(html, "html.parser")
    folded = soup.select_one("details.kb-diff__unchanged")
    assert folded.select_one("summary").get_text() == "3 unchanged blocks"
    assert [li.get_text() for li in folded.select("li")] == [
        "Text: Paragraph 1.",
        "Text: Paragraph 2.",
        "Text: Paragraph 3.",
    ]


def test_no_block_is_ever_shown_as_stored_data(
    reviewer_browser, deep_dive, diagram, white_paper, section
):
    linked = make_topic(section, title="Exits")
    every_block = [
        block("heading", {"text": "How exits work", "level": "h2", "anchor": ""}, "b-1"),
        text("Plasma moves payments.", "b-2"),
        hint("warning", "Careful.", "b-3"),
        block("quote", {"text": "Scaling is a journey.", "attribution": "A dev"}, "b-4"),
        block(
            "image",
            {
                "image": {"image": diagram.pk, "decorative": False, "alt_text": "Blocks"},
                "caption": "Committed.",
            },
            "b-5",
        ),
        block("embed", {"url": "https://www.youtube.com/watch?v=a", "caption": ""}, "b-6"),
        code("echo ready", "bash", "b-7", title="install.sh"),
        table([("MVP", "2018")], "b-8"),
        block("card", {"page": linked.pk, "title": "", "description": ""}, "b-9"),
        block("file", {"document": white_paper.pk, "caption": ""}, "b-10"),
        expandable("Why?", [text("Because.", "b-11-1"), hint("info", "Aside.", "b-11-2")], "b-11"),
        tabs(
            tab("One", [code("a = 1", "python", "b-12-1")], "b-12-a"),
            tab("Two", [table([("X", "1")], "b-12-2")], "b-12-b"),
            block_id="b-12",
        ),
    ]
    further_reading = [resource("Plasma paper", "https://plasma.io/plasma.pdf")]

    # Everything added, then everything removed, then everything changed in place.
    added = comparison(reviewer_browser, deep_dive, [], every_block, [], further_reading)
    removed = comparison(reviewer_browser, deep_dive, every_block, [], further_reading, [])

    assert len(changed_blocks(added)) == 13 and len(changed_blocks(removed)) == 13
    for html in (added, removed):
        assert_readable(html)
    assert "Blocks" in added and "install.sh" in added and "OmiseGO white paper" in added


def test_no_book_block_is_ever_shown_as_stored_data(reviewer_browser, deep_dive, section):
    """The blocks books brought (formulas, API operations, cards, steps, columns, reusable
    content), added, removed and left unchanged, read as words."""
    linked = make_topic(section, title="Exits")
    snippet = ReusableContent.objects.create(
        title="Installing the CLI", body=[("text", "<p>Run the installer.</p>")]
    )
    linked_cards = cards(("Exits", "Leave the chain."))
    linked_cards["value"]["cards"][0]["value"]["page"] = linked.pk
    book_blocks = [
        web_image("https://example.org/plasma.png", "Plasma blocks", "b-1"),
        block("math", {"tex": r"\sum_{i=1}^{n} x_i"}, "b-2"),
        api_operation("List pets", "b-3"),
        {**linked_cards, "id": "b-4"},
        steps(("Install", [code("make", "bash", "b-5-1")]), block_id="b-5"),
        columns([text("Left.", "b-6-1")], [text("Right.", "b-6-2")], block_id="b-6"),
        block("reusable", snippet.pk, "b-7"),
    ]

    added = comparison(reviewer_browser, deep_dive, [], book_blocks)
    removed = comparison(reviewer_browser, deep_dive, book_blocks, [])
    unchanged = comparison(
        reviewer_browser, deep_dive, book_blocks, [*book_blocks, text("New.", "b-8")]
    )

    assert set(changed_blocks(added)) == {
        "Image from the web (example.org) added",
        "Formula added",
        "API operation (GET /pets) added",
        "Cards (1) added",
        "Steps (1) added",
        "Columns (2) added",
        "Reusable content “Installing the CLI” added",
    }
    assert len(changed_blocks(removed)) == 7
    for html in (added, removed, unchanged):
        assert_readable(html)
    assert "Exits" in added and "Installing the CLI" in added and "x_i" in added
    assert "7 unchanged blocks" in unchanged


def test_hostile_markup_in_a_block_is_shown_as_text(reviewer_browser, deep_dive):
    script = "<script>alert('owned')</script>"
    html = comparison(
        reviewer_browser,
        deep_dive,
        [code("echo ready", "html", "code-1", title="page.html")],
        [
            code(f"echo ready {script}", "html", "code-1", title="<img src=x onerror=alert(1)>"),
            block("quote", {"text": script, "attribution": "<b>Mallory</b>"}, "quote-1"),
        ],
    )

    soup = BeautifulSoup(html, "html.parser")
    cell = soup.select_one("td.comparison")
    assert cell.select("script") == [] and cell.select("img") == [] and cell.select("b") == []
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert script in cell.get_text()


def test_comparing_a_revision_with_itself_shows_no_block_changes(reviewer_browser, deep_dive):
    body = [text("Plasma."), hint("info", "Careful.")]
    revision = save(deep_dive, body)

    response = reviewer_browser.get(compare_url(deep_dive, revision.pk, revision.pk))

    assert "There are no differences between these two versions" in response.content.decode()


def test_the_compare_view_stays_within_its_query_budget(
    reviewer_browser, deep_dive, white_paper, section, django_assert_max_num_queries
):
    linked = make_topic(section, title="Exits")

    def body(blocks_of_each_kind):
        return [
            *(text(f"Paragraph {n}.", f"text-{n}") for n in range(blocks_of_each_kind)),
            *(
                block("card", {"page": linked.pk, "title": "", "description": ""}, f"card-{n}")
                for n in range(blocks_of_each_kind)
            ),
            *(
                block("file", {"document": white_paper.pk, "caption": ""}, f"file-{n}")
                for n in range(blocks_of_each_kind)
            ),
            expandable("Why?", [text("Because.", "inner-1")]),
            tabs(tab("One", [], "tab-1"), tab("Two", [], "tab-2")),
        ]

    def compare_with_an_edit(blocks_of_each_kind):
        before = body(blocks_of_each_kind)
        after = [*before[1:], text("A new paragraph.", "text-new")]
        revision_a, revision_b = save(deep_dive, before), save(deep_dive, after)
        with CaptureQueriesContext(connection) as queries:
            response = reviewer_browser.get(compare_url(deep_dive, revision_a.pk, revision_b.pk))
        assert "Text added" in response.content.decode()
        return len(queries)

    # Choosers are fetched a kind at a time, not a block at a time: five times the cards and
    # files cost not one query more.
    assert compare_with_an_edit(25) == compare_with_an_edit(5)
    revision_a, revision_b = save(deep_dive, body(10)), save(deep_dive, body(12))
    with django_assert_max_num_queries(35):
        response = reviewer_browser.get(compare_url(deep_dive, revision_a.pk, revision_b.pk))
    assert response.status_code == 200


# That every block has a readable name (BLOCK_DETAILS) is checked with the other places a new
# block must be taught, in tests/content/test_block_checklist.py.


def test_every_value_in_our_blocks_reads_as_text():
    # Every single value an editor fills in (not a struct, stream or list) is read by one of
    # pages.editorial.compare.LEAF_TEXTS: a new kind of field gets words, not a repr of its data.
    unread = {
        type(child).__name__
        for stream in stream_blocks_of_ours()
        for child in blocks_within(stream)
        if compare.is_leaf(child) and compare.leaf_text_reader(child) is None
    }
    assert not unread, f"no text reading in pages/editorial/compare.py for {sorted(unread)}"


def test_yes_no_dates_and_notes_read_as_words_and_the_reviewers_fields_stay_out(
    reviewer_browser, deep_dive, reviewer
):
    page = deep_dive.specific
    page.change_note = "First draft of the exits."
    revision_a = page.save_revision()
    page.in_development = True
    page.current_state = "<p>Live on mainnet.</p>"
    page.current_state_as_of = datetime.date(2026, 12, 8)
    page.change_note = "Marked as in development."
    page.requested_reviewer = reviewer
    page.review_needed_by = datetime.date(2026, 12, 10)
    revision_b = page.save_revision()

    response = reviewer_browser.get(compare_url(page, revision_a.pk, revision_b.pk))
    soup = BeautifulSoup(response.content, "html.parser")
    text = " ".join(soup.get_text(" ").split())

    assert "No → Yes" in text
    assert "— → 8 December 2026" in text
    assert "First draft of the exits. → Marked as in development." in text
    for raw in ("TrueFalse", "FalseTrue", "None2026", "None"):
        assert raw not in text
    # How the change is reviewed is no change to the page.
    assert "10 December 2026" not in text
    for label in ("Reviewer:", "Review needed by:", "Minor edit:"):
        assert label not in text


def test_the_comparison_names_both_versions_who_saved_them_and_which_is_live(
    reviewer_browser, deep_dive, reviewer
):
    page = deep_dive.specific
    page.summary = "A newer summary."
    draft = page.save_revision(user=reviewer)

    response = reviewer_browser.get(compare_url(page, "live", draft.pk))

    soup = BeautifulSoup(response.content, "html.parser")
    sides = [" ".join(dd.get_text().split()) for dd in soup.select(".kb-compared-versions dd")]
    saved = date_format(localtime(draft.created_at), "j F Y, H:i")
    assert len(sides) == 2
    assert sides[0].endswith("live")
    assert sides[1] == f"Version of {saved}, by {reviewer.get_full_name() or reviewer.username}"
