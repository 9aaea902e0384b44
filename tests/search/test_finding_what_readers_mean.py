"""
Search finds what readers mean: typos, unfinished words, spelling variants, hyphens, synonyms
editors keep, and questions; results say where each page is, with the words marked in one
block of it. Only what a reader may open is ever found.
"""

import pytest
from bs4 import BeautifulSoup

from django.core.management import call_command

from wagtail.models import Page, PageViewRestriction
from wagtail.rich_text import RichText

from pages.models import FaqPage, SearchEntry, SearchSynonym
from pages.search.engine import search as find
from tests.conftest import (
    make_deep_dive,
    make_faq,
    make_faq_index,
    make_section,
    make_topic,
    make_video,
)

pytestmark = pytest.mark.django_db

SUBSTANCE = (
    "Plasma lets users move funds off the root chain and back with an exit game that keeps them "
    "safe even when the operator misbehaves, and every block is committed to Ethereum. "
)


def body(html):
    return [("text", RichText(html))]


def titles(query, **options):
    return [hit.title for hit in find(query, **options).hits]


def search_page(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response, BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def plasma(section):
    plasma = make_deep_dive(section, title="Plasma", body=body(f"<p>{SUBSTANCE * 3}</p>"))
    make_topic(
        section,
        title="Tokens",
        body=body("<p>The OMG token is an ERC-20 token that holders can stake.</p>"),
    )
    make_topic(
        section,
        title="Wallets",
        body=body("<p>The eWallet suite is a decentralised e-wallet server for businesses.</p>"),
    )
    return plasma


@pytest.mark.parametrize("typed", ["plasma", "Plasma", "plasmaa", "plazma", "plasm", "PLASM"])
def test_typos_and_unfinished_words_find_the_page(plasma, typed):
    assert titles(typed)[0] == "Plasma"


def test_a_typo_is_offered_as_the_word_the_site_uses(client, plasma):
    _, soup = search_page(client, q="plazma exits")

    suggestion = soup.select_one(".search-suggestion a")
    assert suggestion.get_text() == "plasma exits"
    assert suggestion["href"] == "?q=plasma+exits"
    assert "Plasma" in [a.get_text() for a in soup.select(".search-result__title")]


def test_short_words_are_not_guessed_at(plasma):
    # One edit from "eth" is too many words; three letters must be typed right.
    assert find("plx").total == 0


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ERC20", "ERC-20"),
        ("erc 20", "ERC-20"),
        ("e-wallet", "ewallet"),
        ("decentralised", "decentralized"),
        ("decentralization", "decentralised"),
    ],
)
def test_spelling_variants_find_the_same_pages(plasma, one, other):
    assert titles(one) == titles(other) != []


def test_an_editors_synonym_finds_both_ways_and_takes_effect_at_once(section):
    make_deep_dive(
        section,
        title="More Viable Plasma",
        body=body(f"<p>More Viable Plasma changes how exits are ordered. {SUBSTANCE}</p>"),
    )
    assert titles("mvpx") == []

    SearchSynonym.objects.create(words="MVPX", means="More Viable Plasma")

    assert titles("mvpx") == ["More Viable Plasma"]
    assert titles("MVPX exits") == ["More Viable Plasma"]


def test_seeded_synonyms_cover_the_networks_abbreviations(section):
    make_topic(section, title="Proof of stake", body=body(f"<p>Validators stake. {SUBSTANCE}</p>"))

    assert titles("PoS") == ["Proof of stake"]


def test_a_title_beats_a_mention_and_a_stub_ranks_below_substance(section):
    videos = make_section(section.get_parent().specific, title="Videos", slug="videos")
    make_video(videos, title="The Path to a More Viable Plasma", transcript="")
    make_deep_dive(
        section,
        title="Plasma MoreVP (More Viable Plasma)",
        body=body(f"<p>{SUBSTANCE * 4}</p>"),
    )
    make_topic(
        section, title="Scaling", body=body(f"<p>More viable plasma designs. {SUBSTANCE}</p>")
    )

    assert titles("more viable plasma")[:2] == [
        "Plasma MoreVP (More Viable Plasma)",
        "The Path to a More Viable Plasma",
    ]


def test_a_question_finds_the_faq_answer_first(home, faq_category, section):
    make_topic(
        section,
        title="Exit game",
        body=body(f"<p>Users withdraw with an exit. {SUBSTANCE}</p>"),
    )
    faqs = make_faq_index(home)
    make_faq(
        faqs,
        faq_category,
        title="What happens to my funds if the operator stops?",
        answer=[("text", RichText(f"<p>You withdraw them with an exit. {SUBSTANCE}</p>"))],
    )

    assert titles("how do I withdraw")[0] == "What happens to my funds if the operator stops?"
    assert FaqPage.objects.get().title in titles("withdraw")


def test_two_pages_of_the_same_title_are_told_apart_by_their_place(client, home):
    for name in ("Plasma", "eWallet"):
        make_topic(make_section(home, title=name), title="Current state", body=body(SUBSTANCE))

    _, soup = search_page(client, q="current state")

    places = [p.get_text() for p in soup.select(".search-result__place")]
    assert sorted(places) == ["Plasma", "eWallet"]


def test_a_snippet_is_one_block_and_a_table_row_keeps_its_cells_apart(client, section):
    table = {
        "caption": "",
        "columns": [{"type": "text", "heading": "Stage"}, {"type": "text", "heading": "Days"}],
        "rows": [
            {"values": ["Deposit", "one"]},
            {"values": ["Challenge period", "fourteen"]},
        ],
    }
    make_topic(
        section,
        title="Timings",
        body=[
            ("text", RichText(f"<p>{SUBSTANCE}</p><ul><li>Deposits are quick.</li></ul>")),
            ("table", {"table": table}),
        ],
    )

    hit = find("challenge period").hits[0]

    assert hit.snippet == "<mark>Challenge</mark> <mark>period</mark> · fourteen"
    assert "Deposits" not in find("fourteen").hits[0].snippet


def test_snippets_escape_what_pages_say(section):
    make_topic(section, title="Markup", body=body("<p>Use &lt;script&gt; plasma tags.</p>"))

    assert find("plasma").hits[0].snippet == "Use &lt;script&gt; <mark>plasma</mark> tags."


def test_only_what_a_reader_may_open_is_found(section):
    live = make_topic(section, title="Exits", body=body(f"<p>{SUBSTANCE}</p>"))
    secret = make_topic(section, title="Secret exits", body=body(f"<p>{SUBSTANCE}</p>"))
    PageViewRestriction.objects.create(page=secret, restriction_type="login")
    # A draft's words are not found until it is published.
    live.title = "Exits renamed"
    live.body = body("<p>A draft that mentions watchtowers.</p>")
    live.save_revision()

    assert titles("exits") == ["Exits"]
    assert titles("watchtowers") == []

    live.get_latest_revision().publish()
    assert titles("watchtowers") == ["Exits renamed"]

    Page.objects.get(pk=live.pk).specific.unpublish()
    assert titles("watchtowers") == []
    assert not SearchEntry.objects.filter(page=live).exists()


def test_a_moved_page_is_found_at_its_new_address_and_place(home, section):
    page = make_topic(section, title="Exits", body=body(f"<p>{SUBSTANCE}</p>"))
    other = make_section(home, title="Guide", slug="guide")

    page.move(other, pos="last-child")

    hit = find("exits").hits[0]
    assert hit.url == "/guide/exits/"
    assert hit.place == "Guide"


def test_deleting_a_page_takes_it_and_its_words_out(section):
    page = make_topic(section, title="Watchtowers", body=body(f"<p>{SUBSTANCE}</p>"))
    assert titles("watchtowrs") == ["Watchtowers"]

    page.delete()

    assert titles("watchtowers") == []
    assert find("watchtowrs").suggestion is None


def test_index_search_rebuilds_the_same_index(plasma, capsys):
    before = titles("plasma")

    call_command("index_search")

    assert titles("plasma") == before
    assert "Indexed " in capsys.readouterr().out


def test_the_search_page_is_private_and_counts_its_queries_in_a_fixed_budget(
    client, section, django_assert_max_num_queries
):
    for number in range(12):
        make_topic(section, title=f"Exit {number}", body=body(f"<p>{SUBSTANCE}</p>"))
    search_page(client, q="exit")  # the vocabulary and the filters, once per index version

    with django_assert_max_num_queries(7):
        response, soup = search_page(client, q="exit", page=2)

    assert "private" in response["Cache-Control"]
    assert len(soup.select(".search-result")) == 2


def test_hyphenated_and_run_together_words_find_the_words_apart(section):
    make_topic(
        section,
        title="Proof of stake",
        body=body(f"<p>Read the white paper before you cash out. {SUBSTANCE}</p>"),
    )

    assert titles("proof-of-stake") == ["Proof of stake"]
    assert titles("cash-out") == ["Proof of stake"]
    results = find("whitepaper")
    assert [hit.title for hit in results.hits] == ["Proof of stake"]
    assert results.suggestion == "white paper"


def test_when_no_page_holds_every_word_the_best_match_leads(section):
    make_topic(section, title="Operator offline", body=body(f"<p>{SUBSTANCE}</p>"))
    make_topic(section, title="Fees", body=body(f"<p>It goes and goes. {SUBSTANCE}</p>"))

    results = find("what happens if the operator goes offline")

    assert results.widened
    assert results.hits[0].title == "Operator offline"
