"""
What readers could not find, for editors: Reports → Search terms (top searches, searches that
found nothing, searches nobody clicked), a page pinned for a query in one step, the count on the
"Needs attention" panel, and Settings → Search synonyms. Reviewers and administrators only.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from django.urls import reverse
from django.utils.timezone import localdate

from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.rich_text import RichText

from pages.models import SearchQueryDay, SearchSynonym
from pages.search.engine import search
from tests.conftest import logged_in, make_topic, member_of

pytestmark = pytest.mark.django_db

REPORT = reverse("search_terms")


def add_day(query, searches, clicks=0, results=0, days_ago=0):
    SearchQueryDay.objects.create(
        query=query,
        day=localdate() - datetime.timedelta(days=days_ago),
        searches=searches,
        clicks=clicks,
        results=results,
    )


@pytest.fixture
def searches():
    add_day("plasma", 40, clicks=12, results=9)
    add_day("plasma", 10, clicks=3, results=9, days_ago=5)
    add_day("morevp", 7, results=0, days_ago=2)
    add_day("staking rewards", 5, results=0, days_ago=20)
    add_day("ico", 4, results=3)
    # Older than the report's 30 days: not shown anywhere.
    add_day("omg token", 90, results=0, days_ago=30)


def html(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def table_rows(page, name):
    """[(query, searches, clicks, results)] of one of the report's tables."""
    section = page.select_one(f"#search-terms-{name}")
    return [
        (
            row.select_one("[data-query]").get_text(strip=True),
            int(row.select_one("[data-searches]").get_text()),
            int(row.select_one("[data-clicks]").get_text()),
            int(row.select_one("[data-results]").get_text()),
        )
        for row in section.select("tbody tr")
    ]


def pin_links(page, name):
    section = page.select_one(f"#search-terms-{name}")
    return {
        row.select_one("[data-query]").get_text(strip=True): row.select_one("[data-pin]")["href"]
        for row in section.select("tbody tr")
        if row.select_one("[data-pin]")
    }


def menu_items(response):
    """The admin's menu items, which the sidebar reads from JSON, as {label: URL}."""
    props = html(response).select_one("#wagtail-sidebar-props")
    return props.get_text()


# The report -------------------------------------------------------------------------------------


def test_the_report_shows_three_tables_for_the_last_30_days(searches, reviewer):
    page = html(logged_in(reviewer).get(REPORT))

    assert page.select_one("#search-terms-top h2").get_text(strip=True) == "Top searches"
    assert table_rows(page, "top") == [
        ("plasma", 50, 15, 9),
        ("morevp", 7, 0, 0),
        ("staking rewards", 5, 0, 0),
        ("ico", 4, 0, 3),
    ]
    assert table_rows(page, "no-results") == [
        ("morevp", 7, 0, 0),
        ("staking rewards", 5, 0, 0),
    ]
    assert table_rows(page, "nobody-clicked") == [("ico", 4, 0, 3)]
    assert "omg token" not in page.get_text()


def test_an_empty_report_says_so(reviewer):
    page = html(logged_in(reviewer).get(REPORT))

    for name in ["top", "no-results", "nobody-clicked"]:
        section = page.select_one(f"#search-terms-{name}")
        assert not section.select("tbody tr")
        assert "None in the last 30 days." in section.get_text()


def test_everyone_in_the_admin_reads_the_report_and_only_reviewers_pin(
    searches, django_user_model, editor, reviewer
):
    administrator = member_of(django_user_model, "Administrators", "ada")
    for user in [reviewer, administrator]:
        page = html(logged_in(user).get(REPORT))
        assert set(pin_links(page, "no-results")) == {"morevp", "staking rewards"}
        assert REPORT in menu_items(logged_in(user).get(reverse("wagtailadmin_home")))

    # An editor reads what readers could not find (and may write the missing page), but a pin
    # reaches readers without a review: no pin is offered, and the pin view sends them back.
    browser = logged_in(editor)
    response = browser.get(REPORT)
    assert response.status_code == 200
    assert table_rows(html(response), "no-results")[0][0] == "morevp"
    assert pin_links(html(response), "no-results") == {}
    assert REPORT in menu_items(browser.get(reverse("wagtailadmin_home")))
    assert browser.get(reverse("search_terms_pin") + "?query=morevp").status_code == 302
    assert not SearchPromotion.objects.exists()


def test_wagtails_own_search_terms_report_is_replaced_in_the_menu(django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")

    menu = menu_items(logged_in(admin).get(reverse("wagtailadmin_home")))

    assert REPORT in menu
    assert reverse("wagtailsearchpromotions:search_terms") not in menu


# Pinning a page in one step ---------------------------------------------------------------------


def test_a_page_is_pinned_for_a_query_that_found_nothing_in_one_step(searches, section, reviewer):
    exits = make_topic(section, title="More Viable Plasma exits", slug="morevp-exits")
    browser = logged_in(reviewer)

    # "Pin a page" on the row opens the form with the query already filled in.
    link = pin_links(html(browser.get(REPORT)), "no-results")["morevp"]
    assert parse_qs(urlsplit(link).query) == {"query": ["morevp"]}
    form_page = html(browser.get(link))
    assert form_page.select_one("[data-query]").get_text(strip=True) == "“morevp”"
    assert form_page.select_one("input[name=query]")["value"] == "morevp"

    # The reviewer picks the page and saves: nothing retyped.
    response = browser.post(
        reverse("search_terms_pin"), {"query": "morevp", "page": exits.pk, "description": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == REPORT
    promotion = SearchPromotion.objects.get()
    assert promotion.query.query_string == "morevp"
    assert promotion.page_id == exits.pk
    # The row now offers the query's pins to edit.
    page = html(browser.get(REPORT))
    row = next(
        row
        for row in page.select("#search-terms-no-results tbody tr")
        if row.select_one("[data-query]").get_text(strip=True) == "morevp"
    )
    assert row.select_one("[data-pinned]")["href"] == reverse(
        "wagtailsearchpromotions:edit", args=[promotion.query_id]
    )


def test_pinning_the_same_page_twice_keeps_one_pin(searches, section, reviewer):
    exits = make_topic(section, title="Exits", slug="exits")
    browser = logged_in(reviewer)
    for _ in range(2):
        browser.post(reverse("search_terms_pin"), {"query": "ico", "page": exits.pk})

    assert SearchPromotion.objects.filter(query=Query.get("ico"), page=exits).count() == 1


def test_the_nobody_clicked_rows_offer_a_pin_too_and_the_top_ones_do_not(searches, reviewer):
    page = html(logged_in(reviewer).get(REPORT))

    assert set(pin_links(page, "nobody-clicked")) == {"ico"}
    assert pin_links(page, "top") == {}


def test_a_pin_without_a_page_is_refused_and_saves_nothing(searches, reviewer):
    response = logged_in(reviewer).post(reverse("search_terms_pin"), {"query": "morevp"})

    assert response.status_code == 200
    assert "This field is required." in html(response).get_text()
    assert not SearchPromotion.objects.exists()


# The "Needs attention" panel --------------------------------------------------------------------


def panel_item(response):
    return html(response).select_one("#needs-attention-searches-found-nothing")


def test_needs_attention_counts_the_searches_that_found_nothing_this_week(searches, home, reviewer):
    item = panel_item(logged_in(reviewer).get(reverse("wagtailadmin_home")))

    # "morevp" (two days ago) found nothing this week; "staking rewards" did 20 days ago.
    link = item.select_one("h3 a")
    assert int(link.select_one("[data-count]").get_text()) == 1
    assert urlsplit(link["href"]).path == REPORT


def test_needs_attention_counts_for_editors_too_with_the_searches_nobody_clicked(
    searches, home, editor
):
    item = panel_item(logged_in(editor).get(reverse("wagtailadmin_home")))

    assert int(item.select_one("[data-count]").get_text()) == 1
    # "ico" found pages this week that nobody opened.
    unclicked = item.select_one("[data-unclicked]")
    assert int(unclicked.get_text()) == 1
    assert unclicked.find_parent("a")["href"].endswith("#search-terms-nobody-clicked")


# Search synonyms --------------------------------------------------------------------------------


SYNONYMS = reverse("wagtailsnippets_pages_searchsynonym:list")
ADD_SYNONYM = reverse("wagtailsnippets_pages_searchsynonym:add")


def test_a_reviewer_lists_searches_and_adds_synonyms(reviewer):
    browser = logged_in(reviewer)

    # The migration's synonyms are listed, words and meaning.
    listing = html(browser.get(SYNONYMS)).get_text(" ", strip=True)
    assert "MoreVP" in listing and "More Viable Plasma" in listing
    assert "PoS" in listing and "proof of stake" in listing

    # The list is searchable by either column.
    found = html(browser.get(SYNONYMS, {"q": "viable"})).get_text(" ", strip=True)
    assert "MoreVP" in found and "PoS" not in found

    response = browser.post(ADD_SYNONYM, {"words": "RootChain", "means": "root chain"})
    assert response.status_code == 302
    assert SearchSynonym.objects.get(words="RootChain").means == "root chain"


def test_a_synonym_saved_or_deleted_in_the_admin_changes_the_next_search(reviewer, section):
    make_topic(
        section,
        title="Root chain",
        body=[("text", RichText("<p>The root chain is Ethereum, where exits settle.</p>"))],
    )
    browser = logged_in(reviewer)
    assert search("l1").total == 0

    browser.post(ADD_SYNONYM, {"words": "L1", "means": "root chain"})
    assert [hit.title for hit in search("l1").hits] == ["Root chain"]

    synonym = SearchSynonym.objects.get(words="L1")
    edit = reverse("wagtailsnippets_pages_searchsynonym:edit", args=[synonym.pk])
    browser.post(edit, {"words": "L1", "means": "watchtower"})
    assert search("l1").total == 0

    browser.post(edit, {"words": "L1", "means": "root chain"})
    assert search("l1").total == 1
    delete = reverse("wagtailsnippets_pages_searchsynonym:delete", args=[synonym.pk])
    browser.post(delete)
    assert search("l1").total == 0
    assert not SearchSynonym.objects.filter(words="L1").exists()


def test_an_editor_may_not_keep_synonyms(editor):
    browser = logged_in(editor)

    assert browser.get(SYNONYMS).status_code == 302
    response = browser.post(ADD_SYNONYM, {"words": "RootChain", "means": "root chain"})
    assert response.status_code == 302
    assert not SearchSynonym.objects.filter(words="RootChain").exists()
