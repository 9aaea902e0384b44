"""
The diagram block: a Mermaid source an editor must start with a diagram type and describe in
words; readers get a figure that shows the source without JavaScript and the description always,
the Markdown view and the API give both, and the knowledge base has its three diagrams.
(tests/gitbook/test_mermaid.py covers GitBook's ```mermaid; tests/browser/test_diagrams.py the
drawing.)
"""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from django.conf import settings
from django.contrib.staticfiles import finders

from wagtail.blocks.struct_block import StructBlockValidationError

from pages.blocks import MERMAID_MAX_LENGTH, DiagramBlock, mermaid_diagram_type
from pages.models import DeepDivePage, TopicPage
from tests.conftest import make_topic
from tests.gitbook.books import import_book

pytestmark = pytest.mark.django_db

EXIT_FLOW = "flowchart TD\n  deposit[Deposit] --> exit[Exit]\n  exit --> wait{Challenge period}"
DESCRIBED = "A deposit leads to an exit, which waits out a challenge period."


def diagram(source=EXIT_FLOW, text_alternative=DESCRIBED, caption="How an exit goes"):
    return {"source": source, "text_alternative": text_alternative, "caption": caption}


def cleaned(**fields):
    block = DiagramBlock()
    return block.clean(block.to_python(diagram(**fields)))


def errors_of(**fields):
    with pytest.raises(StructBlockValidationError) as raised:
        cleaned(**fields)
    return {name: " ".join(error.messages) for name, error in raised.value.block_errors.items()}


class TestValidation:
    def test_a_described_diagram_of_a_known_type_is_accepted(self):
        assert cleaned()["source"] == EXIT_FLOW

    def test_an_unknown_diagram_type_is_refused_with_the_types_to_use(self):
        errors = errors_of(source="flowchat TD\n  a --> b")
        assert set(errors) == {"source"}
        assert "Mermaid has no diagram type 'flowchat'" in errors["source"]
        assert "'flowchart LR'" in errors["source"]

    def test_a_missing_text_alternative_is_refused_with_what_to_write(self):
        errors = errors_of(text_alternative="   ")
        assert set(errors) == {"text_alternative"}
        assert "Describe what the diagram shows, in sentences" in errors["text_alternative"]

    def test_both_mistakes_are_reported_at_once(self):
        assert set(errors_of(source="hello", text_alternative="")) == {
            "source",
            "text_alternative",
        }

    def test_a_source_over_the_size_limit_is_refused(self):
        too_long = "flowchart TD\n" + "  a --> b\n" * (MERMAID_MAX_LENGTH // 10)
        assert "up to 10,000 characters" in errors_of(source=too_long)["source"]

    def test_the_type_is_read_after_front_matter_and_comments(self):
        source = "---\ntitle: Exits\n---\n%% the exit game\n\nsequenceDiagram\n  A->>B: exit"
        assert mermaid_diagram_type(source) == "sequenceDiagram"
        assert cleaned(source=source)["source"] == source


@pytest.fixture
def diagram_page(section):
    return make_topic(
        section,
        title="Exits",
        body=[
            ("diagram", diagram()),
            ("diagram", diagram(source='pie\n  "Sale" : 65', caption="", text_alternative="Sale.")),
        ],
    )


def figures_of(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select("figure.diagram")


class TestWhatReadersGet:
    def test_a_figure_with_the_source_as_its_fallback_and_the_description(
        self, client, diagram_page
    ):
        figure = figures_of(client, diagram_page)[0]
        # Without JavaScript: the Mermaid source in a <pre>, in a canvas that scrolls and can
        # be focused to scroll it.
        assert figure.select_one("pre[data-diagram-source] code").get_text() == EXIT_FLOW
        assert figure.select_one("[data-diagram-canvas]")["tabindex"] == "0"
        # The description, which the drawn SVG points at (aria-describedby), for everyone.
        details = figure.select_one("details.diagram__description")
        assert details.summary.get_text(strip=True) == "Describe this diagram"
        description = details.select_one("[data-diagram-description]")
        assert description.get_text(strip=True) == DESCRIBED
        assert description["id"].startswith("diagram-")
        caption = figure.select_one("figcaption")
        assert caption.get_text(strip=True) == "How an exit goes"
        assert figure["aria-labelledby"] == caption["id"]

    def test_the_figure_names_the_scripts_that_draw_it(self, client, diagram_page):
        figure = figures_of(client, diagram_page)[0]
        assert figure.has_attr("data-diagram")
        library = figure["data-diagram-library"]
        assert library == "/static/pages/vendor/mermaid/mermaid.min.js"
        assert figure["data-diagram-renderer"] == "/static/pages/js/diagrams.js"
        # Both are served from the site itself (script-src 'self'), no CDN.
        assert finders.find("pages/vendor/mermaid/mermaid.min.js")
        assert finders.find("pages/js/diagrams.js")

    def test_two_diagrams_have_their_own_ids_and_a_figure_without_caption_has_no_label(
        self, client, diagram_page
    ):
        first, second = figures_of(client, diagram_page)
        ids = [f.select_one("[data-diagram-description]")["id"] for f in (first, second)]
        assert len(set(ids)) == 2
        assert second.select_one("figcaption") is None
        assert not second.has_attr("aria-labelledby")

    def test_only_pages_with_a_diagram_ask_for_mermaid(self, client, diagram_page, section):
        plain = make_topic(section, title="No diagram here")
        assert b"mermaid" in client.get(diagram_page.url).content
        response = client.get(plain.url)
        assert b"data-diagram" not in response.content
        assert b"mermaid" not in response.content

    def test_the_markdown_view_gives_the_mermaid_block_and_its_description(
        self, client, diagram_page
    ):
        response = client.get(diagram_page.url.rstrip("/") + ".md")
        assert response.status_code == 200
        markdown = response.content.decode()
        assert (
            '{% code title="How an exit goes" %}\n```mermaid\n' + EXIT_FLOW + "\n```\n{% endcode %}"
        ) in markdown
        assert f"**What this diagram shows:** {DESCRIBED}" in markdown

    def test_the_api_gives_the_block_value(self, client, diagram_page):
        response = client.get(f"/api/v2/pages/{diagram_page.pk}/")
        assert response.status_code == 200
        first = response.json()["body"][0]
        assert first["type"] == "diagram"
        assert first["value"] == diagram()


BOOK = Path(settings.BASE_DIR) / "fixtures" / "omg-kb"


def test_the_knowledge_base_has_its_three_diagrams(home, client):
    import_book(BOOK)
    wanted = {
        (DeepDivePage, "Plasma MVP (Minimum Viable Plasma)"): ["Deposit", "Transfer", "Exit"],
        (DeepDivePage, "Plasma MoreVP (More Viable Plasma)"): ["youngest", "block 250"],
        (TopicPage, "What is the OMG Network?"): ["Operator", "Watchers", "Ethereum root chain"],
    }
    for (model, title), words in wanted.items():
        page = model.objects.get(title=title)
        diagrams = [block.value for block in page.body if block.block_type == "diagram"]
        assert len(diagrams) == 1, title
        value = diagrams[0]
        # Each is a diagram the block accepts, described in sentences of its own.
        DiagramBlock().clean(value)
        assert all(word in value["source"] for word in words), title
        assert value["text_alternative"].count(". ") >= 2, title
        assert value["caption"], title
        figure = figures_of(client, page)[0]
        assert figure.select_one("[data-diagram-description]").get_text(" ", strip=True)
