"""Every block an editor can add renders as readers should see it."""

import pytest
from bs4 import BeautifulSoup

from django.core.exceptions import ValidationError

from pages.blocks import ArticleBlock, ResourceBlock, TabsBlock
from pages.models import ReusableContent, TopicPage
from tests.conftest import make_topic, publish


def raw(block_type, value):
    return {"type": block_type, "value": value}


@pytest.fixture
def every_block_page(section, diagram, white_paper):
    linked = make_topic(section, title="Scalability with Plasma", summary="Child chains.")
    reusable = ReusableContent.objects.create(
        title="Getting support", body=[("text", "<p>Ask in the forum.</p>")]
    )
    draft = TopicPage(title="Secret draft", summary="Not yet reviewed.", live=False)
    section.add_child(instance=draft)
    text = "<p>Plasma moves payments <b>off</b> the main chain.</p>"
    body = [
        raw("heading", {"text": "How exits work", "level": "h2", "anchor": ""}),
        raw("heading", {"text": "Renamed", "level": "h3", "anchor": "exit-game"}),
        raw("text", text),
        *(
            raw("hint", {"style": style, "text": f"<p>A {style} hint.</p>"})
            for style in ["info", "success", "warning", "danger"]
        ),
        raw("quote", {"text": "Scaling is a journey.", "attribution": "A core developer"}),
        raw(
            "image",
            {
                "image": {"image": diagram.pk, "decorative": False, "alt_text": "Blocks committed"},
                "caption": "Blocks are committed to Ethereum.",
            },
        ),
        raw("embed", {"url": "https://www.youtube.com/watch?v=aaaaaaaaaaa", "caption": "A talk"}),
        raw("code", {"language": "bash", "title": "install.sh", "code": "echo <ready> && exit"}),
        raw(
            "table",
            {
                "table": {
                    "caption": "Plasma variants",
                    "columns": [
                        {"type": "text", "heading": "Variant"},
                        {"type": "number", "heading": "Year"},
                    ],
                    "rows": [
                        {"values": ["<p>MVP</p>", "2018"]},
                        {"values": ["<p>MoreVP</p>", "2018"]},
                    ],
                }
            },
        ),
        raw(
            "expandable",
            {
                "summary": "Why a challenge period?",
                "content": [
                    raw("text", "<p>So fraud can be proven in time.</p>"),
                ],
            },
        ),
        raw(
            "tabs",
            {
                "tabs": [
                    {"title": "Users", "content": [raw("text", "<p>Exit with your funds.</p>")]},
                    {
                        "title": "Operators",
                        "content": [
                            raw("code", {"language": "text", "title": "", "code": "submit-block"})
                        ],
                    },
                ]
            },
        ),
        raw("card", {"page": linked.pk, "title": "", "description": ""}),
        raw("card", {"page": draft.pk, "title": "A card to a draft", "description": ""}),
        raw("file", {"document": white_paper.pk, "caption": ""}),
        raw(
            "in_development",
            {
                "note": "Bond sizes are not final.",
                "content": [raw("text", "<p>Exit bonds are being measured.</p>")],
            },
        ),
        # The blocks books brought: what readers see of each is in test_book_blocks.py.
        raw(
            "web_image", {"url": "https://example.org/map.png", "alt_text": "A map", "caption": ""}
        ),
        raw("math", {"tex": "E = mc^2"}),
        raw(
            "diagram",
            {
                "source": "flowchart LR\n  A[Deposit] --> B[Exit]",
                "text_alternative": "A deposit leads to an exit.",
                "caption": "",
            },
        ),
        raw(
            "api_operation",
            {"method": "get", "path": "/v1/exits", "summary": "", "spec_url": "", "details": []},
        ),
        raw(
            "cards",
            {
                "cards": [
                    {"title": "Exits", "text": "", "page": linked.pk, "url": "", "image": None}
                ]
            },
        ),
        raw("steps", {"steps": [{"title": "Install", "content": [raw("text", "<p>Run it.</p>")]}]}),
        raw("columns", {"columns": [{"content": [raw("text", "<p>Left.</p>")]}]}),
        raw("reusable", reusable.pk),
    ]
    return publish(section, TopicPage(title="Every block", body=body))


@pytest.fixture
def soup(client, every_block_page):
    response = client.get(every_block_page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(".page-body")


def test_headings_carry_anchor_ids(soup):
    assert soup.select_one("h2#how-exits-work").get_text() == "How exits work"
    # An explicit anchor keeps old #links working after the heading is renamed.
    assert soup.select_one("h3#exit-game").get_text() == "Renamed"


def test_rich_text_keeps_its_formatting(soup):
    assert soup.select_one("p b").get_text() == "off"


def test_hints_render_in_all_four_styles(soup):
    styles = [hint["class"][1] for hint in soup.select("aside.hint")]
    assert styles == ["hint--info", "hint--success", "hint--warning", "hint--danger"]
    assert soup.select_one(".hint--danger").get_text(strip=True) == "A danger hint."
    assert all(hint["role"] == "note" for hint in soup.select("aside.hint"))


def test_quote_shows_attribution(soup):
    assert soup.select_one(".quote blockquote").get_text(strip=True) == "Scaling is a journey."
    assert soup.select_one(".quote figcaption").get_text() == "— A core developer"


def test_image_has_alt_text_and_caption(soup):
    image = soup.select_one(".figure img")
    assert image["alt"] == "Blocks committed"
    assert soup.select_one(".figure figcaption").get_text() == "Blocks are committed to Ethereum."


def test_code_is_escaped_and_labelled(soup):
    assert soup.select_one(".code-block__title").get_text() == "install.sh"
    code = soup.select_one("code.language-bash")
    assert code.get_text() == "echo <ready> && exit"
    assert "<ready>" not in str(code)


def test_table_has_caption_header_and_cells(soup):
    assert soup.select_one("table caption").get_text() == "Plasma variants"
    assert [th.get_text() for th in soup.select("thead th")] == ["Variant", "Year"]
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in soup.select("tbody tr")]
    assert rows == [["MVP", "2018"], ["MoreVP", "2018"]]


def test_expandable_is_a_native_disclosure(soup):
    details = soup.select_one("details.expandable")
    assert details.summary.get_text() == "Why a challenge period?"
    assert "So fraud can be proven in time." in details.get_text()


def test_tabs_show_every_tab_with_its_title(soup):
    titles = [title.get_text() for title in soup.select(".tabs__title")]
    assert titles == ["Users", "Operators"]
    assert "submit-block" in soup.select(".tabs__panel")[1].get_text()


def test_embed_without_provider_is_a_plain_link(soup):
    link = soup.select_one(".embed-fallback a")
    assert link["href"] == "https://www.youtube.com/watch?v=aaaaaaaaaaa"
    assert link.get_text() == "A talk"
    assert soup.select("iframe") == []


def test_page_card_uses_page_title_and_summary_and_hides_drafts(soup):
    cards = soup.select("a.page-card")
    assert len(cards) == 1
    assert cards[0].select_one(".page-card__title").get_text() == "Scalability with Plasma"
    assert cards[0].select_one(".page-card__description").get_text() == "Child chains."
    assert "Secret draft" not in soup.get_text() and "A card to a draft" not in soup.get_text()


def test_file_is_a_download_link_named_after_the_document(soup, white_paper):
    link = soup.select_one(".file-download a")
    assert link["href"] == white_paper.url
    assert link.get_text() == "OmiseGO white paper"
    assert "PDF" in soup.select_one(".file-download__meta").get_text()


def test_a_section_in_development_shows_its_content_under_a_notice(soup):
    part = soup.select_one(".development-part")
    assert part.select_one(".development-part__notice")["role"] == "note"
    assert part.select_one(".development-part__note").get_text() == "Bond sizes are not final."
    assert (
        "Exit bonds are being measured." in part.select_one(".development-part__content").get_text()
    )


def test_every_block_type_is_exercised(every_block_page):
    # Guards this file: a new block type must get a rendering test here (or, for the blocks
    # GitBook books brought, in test_book_blocks.py).
    used = {block.block_type for block in every_block_page.body}
    assert used == set(ArticleBlock().child_blocks)


class TestBlockValidation:
    def test_heading_anchor_must_be_a_slug(self):
        block = ArticleBlock().child_blocks["heading"]
        with pytest.raises(ValidationError) as error:
            block.clean(block.to_python({"text": "Exits", "level": "h2", "anchor": "Exit Game!"}))
        assert "exit-game" in str(error.value.as_json_data())

    def test_embed_url_must_be_http(self):
        block = ArticleBlock().child_blocks["embed"]
        with pytest.raises(ValidationError):
            block.clean(block.to_python({"url": "ftp://example.org/video", "caption": ""}))

    def test_tabs_need_distinct_titles(self):
        block = TabsBlock()
        value = block.to_python(
            {
                "tabs": [
                    {"title": "Users", "content": [raw("text", "<p>a</p>")]},
                    {"title": "users", "content": [raw("text", "<p>b</p>")]},
                ]
            }
        )
        with pytest.raises(ValidationError) as error:
            block.clean(value)
        assert "different title" in str(error.value.as_json_data())

    @pytest.mark.parametrize(
        "value, message",
        [
            ({"title": "", "page": None, "url": "", "note": ""}, "Link a page or a URL."),
            ({"title": "Paper", "page": None, "url": "", "note": ""}, "Link a page or a URL."),
            (
                {"title": "", "page": None, "url": "https://plasma.io/", "note": ""},
                "Give a link elsewhere a title.",
            ),
        ],
    )
    def test_resource_links_one_target_with_a_title(self, value, message):
        block = ResourceBlock()
        with pytest.raises(ValidationError) as error:
            block.clean(block.to_python(value))
        assert message in str(error.value.as_json_data())

    @pytest.mark.django_db
    def test_resource_cannot_link_both_a_page_and_a_url(self, section):
        page = make_topic(section)
        block = ResourceBlock()
        value = block.to_python({"title": "", "page": page.pk, "url": "https://x.org", "note": ""})
        with pytest.raises(ValidationError) as error:
            block.clean(value)
        assert "not both" in str(error.value.as_json_data())
