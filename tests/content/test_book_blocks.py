"""
The blocks real GitBook books brought render as readers need them: a hint holding code, steps with
their numbers, formulas, API operations, cards, columns, one tab, reusable content, images left on
the web, highlighted code, and text that is marked, raised or lowered. (tests/content/test_blocks.py
renders the others.)
"""

import pytest
from bs4 import BeautifulSoup

from wagtail.rich_text import RichText

from pages.models import ReusableContent, SectionPage, TopicPage
from tests.conftest import make_topic, publish

pytestmark = pytest.mark.django_db


def raw(block_type, value):
    return {"type": block_type, "value": value}


def code(source, language="bash", title=""):
    return raw("code", {"language": language, "title": title, "code": source})


def text(html):
    return raw("text", html)


def page_soup(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def body_of(client, page):
    return page_soup(client, page).select_one(".page-body")


def words(element):
    return " ".join(element.get_text(" ").split())


@pytest.fixture
def exits(section):
    return make_topic(section, title="Exits", slug="exits", summary="How to leave.")


@pytest.fixture
def book_page(section, exits, diagram):
    draft = TopicPage(title="Unpublished fees", slug="fees", live=False)
    section.add_child(instance=draft)
    body = [
        text(
            "<p>A <mark>marked</mark> word, x<sup>2</sup> and H<sub>2</sub>O.</p>"
            f'<p>See <a linktype="page" id="{exits.pk}">the exits</a>.</p>'
        ),
        raw(
            "hint",
            {
                "style": "warning",
                "text": "<p>Install the CLI first:</p>",
                "content": [code("make install", title="install.sh")],
            },
        ),
        raw(
            "quote",
            {
                "text": f'<p>Plasma is <b>simple</b>: see <a linktype="page" id="{exits.pk}">'
                "the exits</a>.</p>",
                "attribution": "A core developer",
            },
        ),
        raw(
            "steps",
            {
                "steps": [
                    {"title": "Install", "content": [code("make install")]},
                    {"title": "", "content": [text("<p>Start the watcher.</p>")]},
                ]
            },
        ),
        raw("math", {"tex": "E = mc^2"}),
        raw("math", {"tex": r"\frac{1}{"}),
        raw(
            "api_operation",
            {
                "method": "post",
                "path": "/v1/exits/{id}",
                "summary": "Start an exit",
                "spec_url": "https://example.org/openapi.json",
                "details": [text("<p>Returns the exit's id.</p>"), code('{"id": 1}', "json")],
            },
        ),
        raw(
            "cards",
            {
                "cards": [
                    {
                        "title": "Exits",
                        "text": '<p>How to <i>leave</i>, and <a href="https://plasma.io/">why</a>.</p>',
                        "page": exits.pk,
                        "url": "",
                        "image": diagram.pk,
                    },
                    {
                        "title": "The paper",
                        "text": "<p>Where it began.</p>",
                        "page": None,
                        "url": "https://plasma.io/plasma.pdf",
                        "image": None,
                    },
                    {"title": "Fees", "text": "", "page": draft.pk, "url": "", "image": None},
                    {"title": "Soon", "text": "", "page": None, "url": "", "image": None},
                ]
            },
        ),
        raw(
            "columns",
            {
                "columns": [
                    {"content": [text("<p>Users send money.</p>")]},
                    {"content": [code("run-operator")]},
                ]
            },
        ),
        raw("tabs", {"tabs": [{"title": "Only tab", "content": [text("<p>One is enough.</p>")]}]}),
        raw(
            "web_image",
            {
                "url": "https://example.org/map.png",
                "alt_text": "The network map",
                "caption": "Where the nodes are.",
            },
        ),
        code("def exit(utxo):\n    return 'done' if utxo else None", "python"),
        code("<b>not a tag</b> & more", "no-such-language"),
    ]
    return publish(section, TopicPage(title="Tools", slug="tools", body=body))


@pytest.fixture
def soup(client, book_page):
    return body_of(client, book_page)


def test_text_can_be_marked_raised_and_lowered(soup):
    paragraph = soup.select_one("p")
    assert paragraph.select_one("mark").get_text() == "marked"
    assert paragraph.select_one("sup").get_text() == "2"
    assert paragraph.select_one("sub").get_text() == "2"


def test_a_hint_shows_its_text_then_its_code(soup):
    hint = soup.select_one("aside.hint--warning")
    assert hint["role"] == "note"
    assert [element.name for element in hint.find_all(["p", "figure"])] == ["p", "figure"]
    assert hint.select_one("p").get_text() == "Install the CLI first:"
    assert hint.select_one(".code-block__title").get_text() == "install.sh"
    assert hint.select_one("code.language-bash").get_text() == "make install"


def test_a_quote_keeps_its_emphasis_and_page_link(soup, exits):
    quote = soup.select_one(".quote blockquote")
    assert quote.select_one("b").get_text() == "simple"
    assert quote.select_one("a")["href"] == exits.url
    assert soup.select_one(".quote figcaption").get_text() == "— A core developer"


def test_steps_are_numbered_with_their_titles_and_content(soup):
    steps = soup.select("ol.steps > li.steps__step")
    assert len(steps) == 2
    assert steps[0].select_one(".steps__title").get_text() == "Install"
    assert steps[0].select_one("code").get_text() == "make install"
    # A step without a title is its content alone, still numbered by the list.
    assert steps[1].select_one(".steps__title") is None
    assert words(steps[1]) == "Start the watcher."


def test_a_formula_is_mathml_and_an_unreadable_one_its_tex(soup):
    formula, unreadable = soup.select("figure.formula")
    math = formula.select_one("math")
    assert math["display"] == "block"
    assert [mi.get_text() for mi in math.select("mi")][:3] == ["E", "m", "c"]
    assert math.select_one("msup mn").get_text() == "2"
    assert unreadable.select_one("math") is None
    assert unreadable.select_one("pre code").get_text() == r"\frac{1}{"
    assert "shown as written, in TeX" in unreadable.select_one("figcaption").get_text()


def test_markup_in_a_formulas_text_is_shown_as_tex_never_run(client, section):
    # latex2mathml copies \text{…} into <mtext> as it is: a formula holding markup is shown as
    # the TeX it was written in, escaped, rather than as MathML holding that markup.
    tex = r"x = \text{<img src=x onerror=alert(1)>} + \text{price}"
    page = make_topic(section, body=[raw("math", {"tex": tex}), raw("math", {"tex": "a < b"})])

    hostile, plain = body_of(client, page).select("figure.formula")

    assert hostile.select_one("math") is None and hostile.select_one("img") is None
    assert hostile.select_one("pre code").get_text() == tex
    assert plain.select_one("math mo").get_text() == "<"


def test_an_api_operation_shows_its_method_path_summary_and_description(soup):
    operation = soup.select_one(".api-operation")
    assert operation["role"] == "group"
    assert operation["aria-label"] == "POST /v1/exits/{id}"
    line = operation.select_one(".api-operation__line")
    assert words(line) == "POST /v1/exits/{id}"
    assert "api-operation__method--post" in line.select_one(".api-operation__method")["class"]
    assert operation.select_one(".api-operation__summary").get_text() == "Start an exit"
    link = operation.select_one(".api-operation__spec a")
    assert (link.get_text(), link["href"]) == (
        "OpenAPI description",
        "https://example.org/openapi.json",
    )
    details = operation.select_one(".api-operation__details")
    assert "Returns the exit's id." in words(details)
    assert details.select_one("code.language-json") is not None


def test_cards_lead_where_they_say_and_nowhere_else(soup, exits):
    cards = soup.select("ul.cards > li.cards__card")
    assert [words(card.select_one(".cards__title")) for card in cards] == [
        "Exits",
        "The paper",
        "Fees",
        "Soon",
    ]
    links = [card.select_one("a.cards__link") for card in cards]
    assert links[0]["href"] == exits.url
    assert links[1]["href"] == "https://plasma.io/plasma.pdf"
    # A card to a draft, and a card leading nowhere, show their words without a link.
    assert links[2] is None and links[3] is None
    # The card's link is its title, never around the links of its text.
    assert [a["href"] for a in cards[0].select(".cards__text a")] == ["https://plasma.io/"]
    assert cards[0].select_one("a a") is None
    cover = cards[0].select_one("img.cards__cover")
    assert cover["alt"] == ""
    assert cards[1].select_one("img") is None


def test_columns_hold_their_content_side_by_side(soup):
    columns = soup.select_one(".columns")
    assert "columns--2" in columns["class"]
    cells = columns.select(".columns__column")
    assert words(cells[0]) == "Users send money."
    assert cells[1].select_one("code").get_text() == "run-operator"


def test_one_tab_shows_with_its_title(soup):
    panels = soup.select(".tabs .tabs__panel")
    assert len(panels) == 1
    assert panels[0].select_one(".tabs__title").get_text() == "Only tab"
    assert "One is enough." in words(panels[0])


def test_an_image_from_the_web_shows_from_where_it_is(client, book_page):
    response = client.get(book_page.url)
    figure = BeautifulSoup(response.content, "html.parser").select_one(".page-body figure.figure")
    image = figure.select_one("img")
    assert image["src"] == "https://example.org/map.png"
    assert image["alt"] == "The network map"
    assert image["referrerpolicy"] == "no-referrer"
    assert figure.select_one("figcaption").get_text() == "Where the nodes are."
    # The readers' policy lets it load.
    policy = response["Content-Security-Policy"]
    assert "img-src 'self' https:" in policy


def test_an_image_from_the_web_at_a_script_link_is_left_out(client, section):
    page = publish(
        section,
        TopicPage(
            title="Hostile",
            slug="hostile",
            body=[raw("web_image", {"url": "javascript:alert(1)", "alt_text": "x", "caption": ""})],
        ),
    )
    assert body_of(client, page).select("img") == []


def test_code_is_highlighted_where_its_language_is_known(soup):
    python = soup.select_one("code.language-python")
    keywords = [span.get_text() for span in python.select("span.hl-k")]
    assert "def" in keywords and "return" in keywords
    assert python.get_text() == "def exit(utxo):\n    return 'done' if utxo else None"
    # No colours in the page itself: the site's CSP allows none inline.
    assert not python.select("[style]")


def test_code_in_a_language_pygments_does_not_know_is_plain_escaped_text(soup):
    unknown = soup.select_one("code.language-no-such-language")
    assert unknown.select("span") == [] and unknown.select("b") == []
    assert unknown.get_text() == "<b>not a tag</b> & more"


class TestReusableContent:
    @pytest.fixture
    def snippet(self, db):
        return ReusableContent.objects.create(
            title="Getting support",
            body=[
                ("text", RichText("<p>Ask in the <b>forum</b>.</p>")),
                ("hint", {"style": "info", "text": RichText("<p>We answer within a day.</p>")}),
            ],
        )

    @pytest.fixture
    def pages_using_it(self, section, snippet):
        return [
            publish(section, TopicPage(title=title, slug=slug, body=[("reusable", snippet)]))
            for title, slug in (("Exits", "exits"), ("Deposits", "deposits"))
        ]

    def test_every_page_using_it_shows_its_content(self, client, pages_using_it):
        for page in pages_using_it:
            content = body_of(client, page).select_one(".reusable-content")
            assert words(content.select_one("p")) == "Ask in the forum ."
            assert content.select_one("aside.hint--info") is not None

    def test_a_change_to_it_shows_on_every_page_at_once(
        self, client, settings, snippet, pages_using_it, django_capture_on_commit_callbacks
    ):
        settings.KB_PAGE_CACHE_SECONDS = 3600
        for page in pages_using_it:
            assert client.get(page.url)["X-Page-Cache"] == "MISS"
            assert client.get(page.url)["X-Page-Cache"] == "HIT"

        # An editor changes the snippet: every page using it is purged and shows the change.
        with django_capture_on_commit_callbacks(execute=True):
            snippet.body = [("text", RichText("<p>Ask in the chat.</p>"))]
            snippet.save()

        for page in pages_using_it:
            response = client.get(page.url)
            assert response["X-Page-Cache"] == "MISS"
            content = BeautifulSoup(response.content, "html.parser").select_one(".reusable-content")
            assert words(content) == "Ask in the chat."

    def test_a_deleted_one_leaves_nothing_behind(self, client, snippet, pages_using_it):
        snippet.delete()

        soup = body_of(client, pages_using_it[0])
        assert soup.select(".reusable-content") == []
        assert "forum" not in soup.get_text()


class TestPagesThatListOthers:
    """The home page and sections have a body of their own, after their introduction."""

    def test_a_sections_body_follows_its_introduction_and_heads_on_this_page(self, client, home):
        section = publish(
            home,
            SectionPage(
                title="Getting started",
                slug="getting-started",
                introduction="<p>Start here.</p>",
                body=[
                    raw("heading", {"text": "Requirements", "level": "h2", "anchor": ""}),
                    code("make setup"),
                ],
            ),
        )
        make_topic(section, title="Install", slug="install")

        soup = page_soup(client, section)

        main = soup.select_one("main")
        introduction = main.select_one(".introduction")
        body = main.select_one(".page-body")
        assert words(introduction) == "Start here."
        assert body.select_one("h2#requirements").get_text() == "Requirements"
        assert body.select_one("code").get_text() == "make setup"
        assert introduction.find_all_next(class_="page-body")[0] is body
        # Its pages are listed after it, and its headings are in "On this page".
        assert "Install" in words(main.select_one(".child-list"))
        toc = soup.select_one("nav.toc")
        assert [a["href"] for a in toc.select("a")] == ["#requirements"]

    def test_the_home_pages_body_follows_its_introduction(self, client, home):
        home.introduction = "<p>Welcome.</p>"
        home.body = [raw("hint", {"style": "info", "text": "<p>New here?</p>", "content": []})]
        home.save_revision().publish()

        soup = page_soup(client, home)

        assert words(soup.select_one("main .introduction")) == "Welcome."
        assert words(soup.select_one("main .page-body aside.hint")) == "New here?"
