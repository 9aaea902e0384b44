"""What phones and keyboards need from a page's HTML: wide tables in a named, focusable scrolling
region, the tree ready to become a drawer, "On this page" as a box that folds without JavaScript,
and one search landmark. How they look and behave: tests/browser/test_phone_layout.py."""

import pytest
from bs4 import BeautifulSoup

from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


def soup_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def table(caption, headings, *rows):
    return (
        "table",
        {
            "table": {
                "caption": caption,
                "columns": [{"type": "text", "heading": heading} for heading in headings],
                "rows": [{"values": [f"<p>{cell}</p>" for cell in row]} for row in rows],
            }
        },
    )


@pytest.fixture
def compared(section):
    """A page with a captioned table, a table without a caption whose corner cell is empty, and
    two headings."""
    return make_topic(
        section,
        title="Plasma variants",
        body=[
            ("heading", {"text": "Variants", "level": "h2", "anchor": ""}),
            table(
                "Plasma variants compared",
                ["Variant", "Holds", "Watches"],
                ["MVP", "Outputs", "Every block"],
            ),
            ("heading", {"text": "MVP and MoreVP", "level": "h2", "anchor": ""}),
            table("", ["", "Plasma MVP", "Plasma MoreVP"], ["Payment model", "UTXO", "UTXO"]),
        ],
    )


class TestWideTables:
    def test_each_table_scrolls_in_a_named_region_the_keyboard_can_reach(self, client, compared):
        wrappers = soup_of(client, compared.url).select(".table-wrapper")

        assert len(wrappers) == 2
        for wrapper in wrappers:
            # axe's scrollable-region-focusable: a region that scrolls must take keyboard focus.
            assert wrapper["tabindex"] == "0"
            assert wrapper["role"] == "region"
            assert wrapper.find("table") is not None
        # Named by the caption, or by its first column headings, so two tables differ.
        assert [w["aria-label"] for w in wrappers] == [
            "Plasma variants compared",
            "Table: Plasma MVP, Plasma MoreVP",
        ]

    def test_an_empty_corner_heading_is_a_plain_cell(self, client, compared):
        second = soup_of(client, compared.url).select(".table-wrapper")[1]

        header_row = second.select_one("thead tr")
        assert header_row.find().name == "td" and header_row.find().get_text() == ""
        assert [th.get_text() for th in header_row.select("th")] == ["Plasma MVP", "Plasma MoreVP"]

    def test_the_scroll_hint_waits_for_a_table_that_overflows(self, client, compared):
        # Hidden in the HTML: kb.js shows it only above a table wider than its box.
        hints = soup_of(client, compared.url).select(".table-block__hint")

        assert len(hints) == 2
        assert all(hint.has_attr("hidden") for hint in hints)


class TestTreeDrawer:
    def test_the_tree_is_open_in_the_page_with_its_menu_and_close_buttons_hidden(
        self, client, compared
    ):
        soup = soup_of(client, compared.url)
        sidebar = soup.select_one("nav.sidebar")

        # Without JavaScript the buttons would do nothing, so they wait for kb.js.
        menu = sidebar.select_one("button.sidebar__toggle")
        assert menu.has_attr("hidden") and menu["aria-controls"] == "sidebar-tree"
        tree = sidebar.select_one("#sidebar-tree")
        assert tree.select_one("button.sidebar__close").has_attr("hidden")
        assert tree.select_one("a[aria-current=page]").get_text() == "Plasma variants"
        # The tree is not a dialog until kb.js opens it as one.
        assert not tree.has_attr("role") and not tree.has_attr("aria-modal")


class TestOnThisPage:
    def test_it_is_a_details_box_open_by_default_before_the_article(self, client, compared):
        soup = soup_of(client, compared.url)
        toc = soup.select_one("nav.toc")

        box = toc.select_one("details.toc__box")
        # Open without JavaScript (wide screens show it in full); the summary names the landmark.
        assert box.has_attr("open")
        assert toc["aria-labelledby"] == box.summary["id"]
        assert box.summary.get_text() == "On this page"
        assert [a["href"] for a in box.select("a")] == ["#variants", "#mvp-and-morevp"]
        # Before <main> in the page, so on a phone it stands above the article in reading order.
        layout_children = list(soup.select_one(".layout").find_all(recursive=False))
        assert [child.name for child in layout_children] == ["nav", "nav", "main"]
        assert layout_children[1] is toc


class TestSearchLandmarks:
    @pytest.mark.parametrize("url", ["/search/?q=plasma", "/search/"])
    def test_the_search_page_names_its_own_form_as_the_search(self, client, compared, url):
        soup = soup_of(client, url)

        landmarks = soup.select("[role=search]")
        page_form = soup.select_one("main form[role=search]")
        assert page_form is not None
        assert soup.find(id=page_form["aria-labelledby"]).name == "label"
        # The header's box is in the HTML but not shown on this page (kb.css), so axe and
        # screen readers find one search landmark: landmark-unique.
        assert soup.select_one("body.template-search") is not None
        assert len(landmarks) == 2 and landmarks[0].find_parent("header") is not None

    def test_other_pages_have_the_headers_search_alone(self, client, compared):
        soup = soup_of(client, compared.url)

        assert len(soup.select("[role=search]")) == 1
        assert soup.select_one("header [role=search]") is not None
