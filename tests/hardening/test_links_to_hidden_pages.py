"""
A live page that links to pages readers must not see, in every way a page can link to another:
a page card, a card of a cards block, a link in rich text, a deep dive's resource. On every
surface that shows the linking page (its HTML, its Markdown, the API, the feed, the listings)
no hidden page's title or address appears, while the same links to a live page still work.

The hidden pages (a draft, a withdrawn page, login-, password- and group-restricted pages) are
built in conftest.py; each carries HIDDEN_MARKER in its title.
"""

import pytest

from wagtail.rich_text import RichText

from pages.reading.rendered import forget_rendered
from tests.conftest import make_deep_dive, make_topic
from tests.hardening.builders import HIDDEN_MARKER

pytestmark = pytest.mark.django_db


def links_to(page):
    """One link of each kind to `page`, as a deep dive's body and resources hold them."""
    body = [
        ("card", {"page": page, "title": "", "description": ""}),
        (
            "cards",
            {"cards": [{"title": f"Card to {page.slug}", "text": None, "page": page, "url": ""}]},
        ),
        ("text", RichText(f'<p><a linktype="page" id="{page.pk}">Words to {page.slug}</a></p>')),
    ]
    resources = [("resource", {"title": "", "page": page, "url": "", "note": ""})]
    return body, resources


@pytest.fixture
def linking_page(section, hidden_pages):
    visible, hidden = hidden_pages
    body, resources = [], []
    for target in (visible, *hidden):
        target_body, target_resources = links_to(target)
        body += target_body
        resources += target_resources
    page = make_deep_dive(section, title="Further reading", body=body, resources=resources)
    return page, visible, hidden


def hidden_addresses(hidden):
    return [page.url for page in hidden] + [page.url.rstrip("/") + ".md" for page in hidden]


SURFACES = {
    "page": lambda page: page.url,
    "markdown": lambda page: page.url.rstrip("/") + ".md",
    "api": lambda page: f"/api/v2/pages/{page.pk}/",
    "api listing": lambda page: "/api/v2/pages/?type=pages.DeepDivePage&fields=body,resources",
    "feed": lambda page: "/feed/",
    "what's new": lambda page: "/whats-new/",
    "section": lambda page: page.get_parent().url,
    "search": lambda page: "/search/?q=further+reading",
    "llms.txt": lambda page: "/llms.txt",
}


@pytest.mark.parametrize("surface", SURFACES)
def test_no_surface_shows_a_hidden_page_s_title_or_address(client, linking_page, surface):
    page, _visible, hidden = linking_page

    response = client.get(SURFACES[surface](page))
    assert response.status_code == 200
    text = response.getvalue().decode()  # llms.txt is streamed
    assert HIDDEN_MARKER not in text.lower()
    for address in hidden_addresses(hidden):
        assert address not in text, address


def test_the_links_to_the_live_page_still_lead_there(client, linking_page):
    page, visible, _hidden = linking_page

    html = client.get(page.url).content.decode()
    assert f'class="page-card" href="{visible.url}"' in html
    assert f'class="cards__link" href="{visible.url}"' in html
    assert f'<a href="{visible.url}">Words to {visible.slug}</a>' in html
    assert f'<li class="resource">\n    <a href="{visible.url}">{visible.title}</a>' in html

    markdown = client.get(page.url.rstrip("/") + ".md").content.decode()
    visible_markdown = visible.url.rstrip("/") + ".md"
    assert f"[{visible.title}]({visible_markdown})" in markdown
    assert f"[Words to {visible.slug}]({visible_markdown})" in markdown


def test_hidden_links_keep_only_their_own_words(client, linking_page):
    """A card or a link in text that an editor worded stays, as text, without its address."""
    page, _visible, hidden = linking_page

    html = client.get(page.url).content.decode()
    for target in hidden:
        assert f'<p class="cards__title">Card to {target.slug}</p>' in html
        assert f"<a>Words to {target.slug}</a>" in html


def test_the_api_names_no_hidden_page(client, linking_page):
    page, visible, hidden = linking_page

    data = client.get(f"/api/v2/pages/{page.pk}/").json()
    linked = [block["value"]["page"] for block in data["resources"]]
    linked += [block["value"]["page"] for block in data["body"] if block["type"] == "card"]
    linked += [
        card["page"]
        for block in data["body"]
        if block["type"] == "cards"
        for card in block["value"]["cards"]
    ]
    assert linked.count(visible.pk) == 3
    assert not {target.pk for target in hidden} & set(linked)
    assert linked.count(None) == 3 * len(hidden)


def test_a_reader_signed_in_sees_the_same_links(client, django_user_model, linking_page):
    """The page's HTML is one for everyone (the caches share it): a restricted page a signed-in
    reader could open is still not linked from a public page."""
    page, _visible, hidden = linking_page
    client.force_login(django_user_model.objects.create_user("reader"))

    text = client.get(page.url).content.decode()
    assert HIDDEN_MARKER not in text.lower()
    for address in hidden_addresses(hidden):
        assert address not in text


def test_links_cost_no_query_each(client, section, django_assert_max_num_queries):
    """Resources and cards are looked up in the navigation tree the sidebar already read."""
    targets = [make_topic(section, title=f"Topic {number}") for number in range(12)]

    def deep_dive_linking(pages, slug):
        resources = [("resource", {"title": "", "page": p, "url": "", "note": ""}) for p in pages]
        cards = [{"title": p.title, "text": None, "page": p, "url": ""} for p in pages]
        return make_deep_dive(
            section, title=slug, slug=slug, body=[("cards", {"cards": cards})], resources=resources
        )

    one = deep_dive_linking(targets[:1], "one-link")
    many = deep_dive_linking(targets, "twelve-links")
    # Each page's piece of the navigation (its branch, with the pages it links to nearby), cached.
    client.get(one.url)
    client.get(many.url)
    # Each page's parts rendered again, as after a publish (pages/reading/rendered.py keeps them).
    forget_rendered()
    with django_assert_max_num_queries(100) as counted:
        client.get(one.url)
    queries_for_one = len(counted.captured_queries)
    forget_rendered()
    with django_assert_max_num_queries(queries_for_one):
        response = client.get(many.url)
    assert response.content.decode().count('class="resource"') == 12
