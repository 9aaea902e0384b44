"""
The reader's tools on a page, as the server writes them: heading anchor links (in heading blocks
and in rich text), the code block the Copy button is added to, and the theme toggle with the
scripts and colours behind it. What the scripts do is tested in a browser
(tests/browser/test_reading_tools.py).
"""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from django.contrib.staticfiles import finders

from wagtail.rich_text import RichText

from pages.models import FaqCategory
from tests.conftest import make_faq, make_faq_index, make_topic


def read(client, page):
    response = client.get(page.url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def anchor_links(soup):
    """{href: accessible name} of the page's heading anchor links."""
    return {link["href"]: link["aria-label"] for link in soup.select("main a.heading-anchor")}


@pytest.fixture
def exits_page(section):
    return make_topic(
        section,
        title="Exits",
        body=[
            ("heading", {"text": "How exits work", "level": "h2", "anchor": ""}),
            ("heading", {"text": "Renamed", "level": "h3", "anchor": "exit-game"}),
            (
                "text",
                RichText(
                    '<h3 id="deposits-and-exits">Deposits &amp; <b>exits</b></h3>'
                    "<p>Funds go in and come out.</p>"
                    "<h4>A heading without an id</h4>"
                ),
            ),
        ],
    )


@pytest.mark.django_db
def test_heading_blocks_get_an_anchor_link_named_after_them(client, exits_page):
    soup = read(client, exits_page)

    links = anchor_links(soup)
    assert links["#how-exits-work"] == "Link to section: How exits work"
    # An editor's own anchor is the one linked, so old links keep working.
    assert links["#exit-game"] == "Link to section: Renamed"
    # The link sits beside the heading: the heading's own name is still just its words.
    heading = soup.select_one("h2#how-exits-work")
    assert heading.get_text() == "How exits work"
    assert heading.find_next_sibling("a")["href"] == "#how-exits-work"


@pytest.mark.django_db
def test_rich_text_headings_with_an_id_get_one_and_the_others_none(client, exits_page):
    soup = read(client, exits_page)

    links = anchor_links(soup)
    # Escaped once, not twice; markup inside the heading is left out of the name.
    assert links["#deposits-and-exits"] == "Link to section: Deposits & exits"
    assert " ".join(soup.select_one("h3#deposits-and-exits").get_text().split()) == (
        "Deposits & exits"
    )
    # A heading with no id has nothing to link to.
    untitled = soup.find("h4", string="A heading without an id")
    assert "anchored-heading" not in untitled.parent.get("class", [])
    assert len(links) == 3


@pytest.mark.django_db
def test_every_anchor_link_points_at_a_heading_on_the_page(client, exits_page):
    soup = read(client, exits_page)

    for link in soup.select("a.heading-anchor"):
        target = soup.find(id=link["href"].removeprefix("#"))
        assert target is not None, link["href"]
        assert target.name in {"h2", "h3", "h4"}
        assert link.get_text() == "#"


@pytest.mark.django_db
def test_faq_answers_headings_get_anchor_links_too(client, home):
    category = FaqCategory.objects.create(name="Staking", slug="staking", sort_order=0)
    question = make_faq(
        make_faq_index(home),
        category,
        answer=[("text", RichText('<h3 id="rewards">Rewards</h3><p>Paid per epoch.</p>'))],
    )

    assert anchor_links(read(client, question)) == {"#rewards": "Link to section: Rewards"}


@pytest.mark.django_db
def test_code_blocks_are_served_without_a_copy_button(client, section):
    page = make_topic(
        section,
        title="Running a watcher",
        body=[("code", {"language": "bash", "code": "make watcher", "title": ""})],
    )
    soup = read(client, page)

    # reading-tools.js adds the button into the body: without JavaScript it would do nothing.
    body = soup.select_one("figure.code-block .code-block__body")
    assert body.select_one("pre code").get_text().strip() == "make watcher"
    assert not soup.select("button.code-block__copy")


@pytest.mark.django_db
def test_theme_toggle_is_hidden_until_its_script_shows_it(client, exits_page):
    soup = read(client, exits_page)

    toggle = soup.select_one('header [role="group"][aria-label="Colour theme"]')
    assert toggle.has_attr("hidden")
    buttons = {button.get_text(): button for button in toggle.select("button")}
    assert list(buttons) == ["Light", "Dark", "System"]
    assert all(button["type"] == "button" for button in buttons.values())
    # The default is the system's setting.
    assert [name for name, button in buttons.items() if button["aria-pressed"] == "true"] == [
        "System"
    ]


@pytest.mark.django_db
def test_the_theme_is_applied_before_first_paint_without_inline_script(client, exits_page):
    soup = read(client, exits_page)

    scripts = soup.select("script")
    # Only the JSON-LD kind of script may be inline; no script to run is (the CSP refuses it).
    assert all(s.has_attr("src") or s.get("type") == "application/ld+json" for s in scripts)
    theme = soup.select_one('head script[src$="pages/js/theme.js"]')
    assert not theme.has_attr("defer") and not theme.has_attr("async")
    tools = soup.select_one('script[src$="pages/js/reading-tools.js"]')
    assert tools.has_attr("defer")


def declarations(css, selector):
    """Every declaration of the rules for exactly `selector` in `css`, whitespace folded."""
    pattern = re.escape(selector) + r"\s*\{([^{}]*)\}"
    return {
        " ".join(declaration.split())
        for body in re.findall(pattern, css)
        for declaration in body.split(";")
        if declaration.strip()
    }


def test_a_chosen_dark_theme_and_the_systems_dark_use_the_same_colours():
    css = Path(finders.find("pages/css/kb.css")).read_text(encoding="utf-8")

    # Every colour variable set for a chosen dark theme is set alike for the system's dark
    # (wherever in the stylesheet a part adds its own), and the other way round.
    chosen = declarations(css, ':root[data-theme="dark"]')
    system = declarations(css, ':root:not([data-theme="light"])')
    assert chosen - system == {"color-scheme: dark"}
    assert system <= chosen
    assert "--bg: #0d1117" in system
    # The system's dark applies only when the reader has not chosen light.
    media = css[css.index("@media (prefers-color-scheme: dark)") :]
    assert media.index(':root:not([data-theme="light"])') < media.index("}")

    # The code colours follow the same choice, token for token.
    chosen_code = re.findall(r':root\[data-theme="dark"\] (\.code-block [^{]+\{[^}]*\})', css)
    system_code = re.findall(
        r':root:not\(\[data-theme="light"\]\) (\.code-block [^{]+\{[^}]*\})', css
    )
    assert len(chosen_code) > 40
    assert chosen_code == system_code
