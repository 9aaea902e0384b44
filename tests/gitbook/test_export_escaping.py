"""
Text that looks like markup leaves in an export as the text it is: imported back, it is the same
text, and the book exported again is the same book, byte for byte. (Before, every round of export
and import added a layer of backslashes: `\\*\\*`.)
"""

import pytest

from wagtail.rich_text import RichText

from pages.models import TopicPage
from tests.conftest import make_section, publish
from tests.gitbook.books import export_book, import_book, without_block_keys
from tests.gitbook.test_gitbook_export import forget_everything

pytestmark = pytest.mark.django_db

PAGE = "guide/literals.md"

# Rich text an editor can store whose words a markdown reader would take for markup.
LITERAL_TEXTS = {
    "asterisks": "<p>Multiply 2 * 3 * 4, or **not bold**.</p>",
    "underscores": "<p>Set MAX_FILE_BYTES, not _italic_ or __bold__.</p>",
    "a link's syntax": "<p>Write [the paper](/plasma.pdf) to link it.</p>",
    "an image's syntax": "<p>Write ![a chart](chart.png) for an image.</p>",
    "a placeholder": "<p>Replace &lt;placeholder&gt; with your key.</p>",
    "a tag's name": "<p>The &lt;b&gt; and &lt;/b&gt; tags, and &lt;!-- a comment --&gt;.</p>",
    "a quote's marker": "<p>&gt; not a quote</p>",
    "a heading's marker": "<p># not a heading</p>",
    "a numbered item's marker": "<p>1. not a list, nor 2) this</p>",
    "a bullet's marker": "<p>- not a list</p><p>+ nor this</p>",
    "a rule": "<p>---</p>",
    "markers after a line break": "<p>First line<br/># second<br/>&gt; third<br/>1. fourth</p>",
    "backticks and tildes": "<p>Not `code`, not ~~struck~~, not ```fenced```.</p>",
    "backslashes": "<p>C:\\Users, a literal \\* and \\_ and a trailing \\</p>",
    "character references": "<p>Write &amp;amp; for &amp;, and &amp;#123; for {.</p>",
    "GitBook's tags": "<p>Templates write {% raw %} and {% hint %} and {%endhint%}.</p>",
    "a formula's fence": "<p>$$ x^2 $$ is TeX, $5 is money.</p>",
    "code around literals": "<p>Run <code>make *</code> then <code>{% raw %}</code>.</p>",
    "a link whose words are literal": '<p><a href="https://example.org/a_b">a *star* [1]</a></p>',
}


def topic_with(home, body, title="Literals"):
    section = make_section(home, title="Guide", slug="guide")
    return publish(section, TopicPage(title=title, slug="literals", body=body))


def export_import_export(tmp_path):
    """The book exported, imported into a site that has forgotten it, and exported again: the
    two exports of the page."""
    export_book(tmp_path / "first")
    forget_everything()
    import_book(tmp_path / "first")
    export_book(tmp_path / "second")
    return (tmp_path / "first" / PAGE).read_text(), (tmp_path / "second" / PAGE).read_text()


@pytest.mark.parametrize("source", LITERAL_TEXTS.values(), ids=LITERAL_TEXTS.keys())
def test_literal_text_comes_back_as_the_same_text(home, tmp_path, source):
    topic_with(home, [("text", RichText(source))])

    first, second = export_import_export(tmp_path)

    assert second == first
    [block] = TopicPage.objects.get(slug="literals").body
    assert block.block_type == "text"
    # The same HTML, but for the block keys the importer stores as the admin's editor does.
    assert without_block_keys(block.value.source) == source


@pytest.mark.parametrize(
    "block_type, value",
    [
        ("hint", {"style": "info", "text": "<p>Use **kwargs and [x](/y).</p>", "content": []}),
        ("quote", {"text": "<p># Not a heading, *not* emphasis.</p>", "attribution": ""}),
    ],
    ids=["hint", "quote"],
)
def test_literal_text_in_a_hint_or_quote_comes_back(home, tmp_path, block_type, value):
    topic_with(home, [(block_type, value)])

    first, second = export_import_export(tmp_path)

    assert second == first
    [block] = TopicPage.objects.get(slug="literals").body
    assert without_block_keys(block.value["text"].source) == value["text"]


def test_a_heading_and_a_title_that_look_like_markup_come_back(home, tmp_path):
    heading = {"text": "Use *args, [x](/y) and {% raw %}", "level": "h2", "anchor": ""}
    topic_with(home, [("heading", heading)], title="Literals: a_b * c & d &amp; e")

    first, second = export_import_export(tmp_path)

    assert second == first
    page = TopicPage.objects.get(slug="literals")
    assert page.title == "Literals: a_b * c & d &amp; e"
    assert [block.value["text"] for block in page.body] == [heading["text"]]


# Plain-text fields: the importer reads them as text (markdown's escapes, HTML's references).
PLAIN_TEXT_FIELDS = [
    pytest.param(
        "code",
        {"language": "text", "title": 'a "b" <c>', "code": "x"},
        id="code title",
    ),
    pytest.param(
        "tabs",
        {"tabs": [{"title": 'Say "hi" <b>', "content": [("text", "<p>x</p>")]}]},
        id="tab title",
    ),
    pytest.param(
        "embed",
        {"url": "https://www.youtube.com/watch?v=x&t=1", "caption": "A *talk* [1]"},
        id="embed caption",
    ),
    pytest.param(
        "quote",
        {"text": "<p>Words.</p>", "attribution": "A_B *C*"},
        id="quote attribution",
    ),
    pytest.param(
        "web_image",
        {"url": "https://example.org/a.png", "alt_text": "a_b [1]", "caption": ""},
        id="image alt text",
    ),
    pytest.param(
        "web_image",
        {"url": "https://example.org/a.png", "alt_text": 'a "b" <c>', "caption": "& <d> {% e %}"},
        id="figure alt text and caption",
    ),
    pytest.param(
        "expandable",
        {"summary": 'Why "<b>" & {% raw %}?', "content": [("text", "<p>x</p>")]},
        id="expandable summary",
    ),
    pytest.param(
        "steps",
        {"steps": [{"title": "Run *make* & {% raw %}", "content": [("text", "<p>x</p>")]}]},
        id="step title",
    ),
    pytest.param(
        "api_operation",
        {
            "method": "get",
            "path": "/pets/{id}",
            "summary": 'List "pets" <all>',
            "spec_url": "",
            "details": [],
        },
        id="API operation summary",
    ),
]


@pytest.mark.parametrize("block_type, value", PLAIN_TEXT_FIELDS)
def test_plain_text_fields_come_back_as_the_same_text(home, tmp_path, block_type, value):
    topic_with(home, [(block_type, value)])

    first, second = export_import_export(tmp_path)

    assert second == first
