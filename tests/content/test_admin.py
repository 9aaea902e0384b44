"""Editors build and revise every page type through the Wagtail admin's own forms."""

import json
from datetime import date

import pytest
from bs4 import BeautifulSoup

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.urls import reverse

from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.models import Page
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.models import (
    DeepDivePage,
    FaqPage,
    ReaderNotices,
    SectionPage,
    TopicPage,
    VideoPage,
)
from tests.conftest import (
    PAGE_OF_EACH_TYPE,
    logged_in,
    make_deep_dive,
    make_faq_index,
    make_section,
)


def add_url(model, parent):
    return reverse(
        "wagtailadmin_pages:add",
        args=(model._meta.app_label, model._meta.model_name, parent.pk),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PAGE_OF_EACH_TYPE)
def test_edit_and_create_views_load_for_every_page_type(admin_client, home, faq_category, kind):
    page = PAGE_OF_EACH_TYPE[kind](home, faq_category).specific

    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert edit.status_code == 200
    assert page.title in edit.content.decode()
    # Every page type offers the editorial fields of the shared mixin.
    form = BeautifulSoup(edit.content, "html.parser")
    for name in ["in_development", "development_note", "review_due", "summary", "tags"]:
        assert form.select_one(f'[name="{name}"]') is not None, name

    # Every script and stylesheet the editor loads exists: a missing one (an app left out of
    # INSTALLED_APPS) stops the body's blocks from rendering at all.
    assets = [tag.get("src") or tag.get("href") for tag in form.select("script[src], link[href]")]
    static_assets = [url.split("?")[0] for url in assets if url.startswith(settings.STATIC_URL)]
    for url in static_assets:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not served"

    parent = page.get_parent().specific
    if type(page).can_create_at(parent):
        assert admin_client.get(add_url(type(page), parent)).status_code == 200


CREATE_CASES = {
    "section": (
        SectionPage,
        "home",
        {"introduction": rich_text("<p>Everything about Plasma.</p>"), "body": streamfield([])},
    ),
    "topic": (
        TopicPage,
        "section",
        {
            "body": streamfield(
                [
                    ("heading", {"text": "Why Plasma", "level": "h2", "anchor": ""}),
                    (
                        "hint",
                        {
                            "style": "warning",
                            "text": rich_text("<p>Exits take 7 days.</p>"),
                            "content": streamfield([]),
                        },
                    ),
                    ("text", rich_text("<p>Plasma chains commit to Ethereum.</p>")),
                ]
            )
        },
    ),
    "deep dive": (
        DeepDivePage,
        "section",
        {
            "body": streamfield([("text", rich_text("<p>The exit game.</p>"))]),
            "current_state": rich_text("<p>Running on mainnet.</p>"),
            "current_state_as_of": "2020-06-01",
            "resources": streamfield(
                [
                    (
                        "resource",
                        {
                            "title": "Plasma paper",
                            "page": "",
                            "url": "https://plasma.io/plasma.pdf",
                            "note": "",
                        },
                    )
                ]
            ),
        },
    ),
    "FAQ entry": (
        FaqPage,
        "faq index",
        {"answer": streamfield([("text", rich_text("<p>For staking.</p>"))])},
    ),
    "video": (VideoPage, "section", {"video_url": "https://www.youtube.com/watch?v=bbbbbbbbbbb"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CREATE_CASES)
def test_creating_a_page_through_the_admin_form_publishes_it(
    admin_client, home, faq_category, kind, four_eyes_off
):
    model, parent_kind, fields = CREATE_CASES[kind]
    parents = {
        "home": lambda: home,
        "section": lambda: make_section(home),
        "faq index": lambda: make_faq_index(home),
    }
    parent = parents[parent_kind]()
    if model is FaqPage:
        fields = {**fields, "category": str(faq_category.pk)}
    data = nested_form_data(
        {
            "title": f"A new {kind}",
            "slug": "a-new-page",
            "summary": "Made in the admin.",
            "in_development": "on",
            "development_note": "Being written.",
            "tags": "plasma, exits",
            **fields,
            "action-publish": "action-publish",
        }
    )

    response = admin_client.post(add_url(model, parent), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    page = model.objects.get(slug="a-new-page")
    assert page.live and page.get_parent().pk == parent.pk
    assert page.in_development and page.development_note == "Being written."
    assert sorted(page.tags.names()) == ["exits", "plasma"]
    assert page.revisions.count() == 1
    if model is TopicPage:
        assert [block.block_type for block in page.body] == ["heading", "hint", "text"]
        assert page.body[1].value["style"] == "warning"
    if model is DeepDivePage:
        assert str(page.current_state_as_of) == "2020-06-01"
        assert page.resources[0].value["url"] == "https://plasma.io/plasma.pdf"


@pytest.mark.django_db
def test_an_invalid_deep_dive_rerenders_with_messages_and_saves_nothing(
    admin_client, section, four_eyes_off
):
    before = Page.objects.count()
    data = nested_form_data(
        {
            "title": "Plasma Cash",
            "slug": "plasma-cash",
            # A current state without the date it was true.
            "current_state": rich_text("<p>Research only.</p>"),
            "current_state_as_of": "",
            "body": streamfield([("heading", {"text": "Coins", "level": "h2", "anchor": "Bad!"})]),
            "resources": streamfield([]),
            "action-publish": "action-publish",
        }
    )

    response = admin_client.post(add_url(DeepDivePage, section), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Say when this current state was true." in html
    assert "Use lowercase letters, digits, hyphens, dots and underscores only" in html
    assert Page.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"), [("Editors", False), ("Reviewers", True), ("Administrators", True)]
)
def test_reviewers_word_the_site_notices_and_pin_search_results(
    client, home, django_user_model, role, allowed
):
    user = django_user_model.objects.create_user(username=role.lower(), password="x")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    site = home.get_site()

    settings_url = reverse("wagtailsettings:edit", args=["pages", "readernotices", site.pk])
    pins_url = reverse("wagtailsearchpromotions:index")
    for url in (settings_url, pins_url):
        response = client.get(url)
        assert (response.status_code == 200) is allowed, (url, response.status_code)

    response = client.post(settings_url, {"development_banner": "Being built; will change."})
    notices = ReaderNotices.for_site(site)
    assert (notices.development_banner == "Being built; will change.") is allowed


# The admin's edit view is what editors wait on all day (docs/deploy.md, make bench).
EDIT_VIEW_QUERIES = 45


@pytest.mark.django_db
def test_the_edit_view_of_a_full_deep_dive_stays_within_its_query_budget(
    client, home, editor, django_assert_max_num_queries
):
    section = make_section(home)
    page = make_deep_dive(
        section,
        title="Plasma exits",
        summary="How funds leave the chain.",
        in_development=True,
        current_state="Exits are live on the testnet.",
        current_state_as_of=date(2026, 11, 1),
        body=[("text", RichText(f"<h2>Part {n}</h2><p>Text {n}.</p>")) for n in range(20)],
    )
    page.tags.add("plasma", "exits", "security")
    page.save_revision().publish()
    browser = logged_in(editor)
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    # The first visit fills caches every later one finds (the site, content types).
    browser.get(url)

    with django_assert_max_num_queries(EDIT_VIEW_QUERIES):
        response = browser.get(url)

    assert response.status_code == 200
    assert "Plasma exits" in response.text


@pytest.mark.django_db
def test_the_edit_view_reads_tags_and_page_links_without_a_query_per_tag(
    home, editor, django_assert_max_num_queries
):
    section = make_section(home)
    exits = make_deep_dive(section, title="Exits")

    def page_with(tags, links):
        text = "".join(
            f'<p>See <a linktype="page" id="{exits.pk}" anchor="part-{n}">part {n}</a>.</p>'
            for n in range(links)
        )
        page = make_deep_dive(section, title=f"{tags} tags", body=[("text", RichText(text))])
        page.tags.add(*[f"tag {n}" for n in range(tags)])
        page.save_revision().publish()
        return reverse("wagtailadmin_pages:edit", args=(page.pk,))

    def queries_of(url):
        browser.get(url)  # The first visit fills caches every later one finds.
        with django_assert_max_num_queries(EDIT_VIEW_QUERIES) as captured:
            response = browser.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    browser = logged_in(editor)
    one = queries_of(page_with(tags=1, links=1))
    # Six tags are read with their page's tagged items, in the same one query as one tag, and
    # each page link in the text costs one query (Wagtail's own handler: three).
    assert queries_of(page_with(tags=6, links=1)) == one
    assert queries_of(page_with(tags=1, links=3)) == one + 2


@pytest.mark.django_db
def test_the_editor_keeps_a_page_links_address_parent_and_anchor(home, django_assert_num_queries):
    section = make_section(home)
    exits = make_deep_dive(section, title="Exits")
    converter = ContentstateConverter(features=["link"])

    def link_data(html):
        return next(iter(json.loads(converter.from_database_format(html))["entityMap"].values()))[
            "data"
        ]

    html = f'<p><a linktype="page" id="{exits.pk}" anchor="bonds">Exits</a></p>'
    link_data(html)  # The first fills the caches every later one finds (the sites' root paths).

    with django_assert_num_queries(1):
        data = link_data(html)
    assert data == {"id": exits.pk, "url": exits.url, "parentId": section.pk, "anchor": "bonds"}

    # A link to a page deleted since stays a page link, without an address, as in Wagtail.
    missing = exits.pk + 1000
    assert link_data(f'<p><a linktype="page" id="{missing}">Gone</a></p>') == {
        "id": missing,
        "url": None,
        "parentId": None,
    }
