"""
Instant search (pages/reading/search_api.py): the JSON the header's search box reads while the
reader types, which the proxy may keep, and the beacon that counts a followed result.
"""

import pytest

from django.test import Client
from django.utils.timezone import localdate

from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from pages.models import SearchQueryDay
from pages.reading import search_api
from tests.conftest import make_deep_dive, make_topic

SUGGEST = "/search/suggest/"
CLICKED = "/search/clicked/"
RESULT_KEYS = {"title", "url", "place", "snippet", "type", "in_development"}


def body(text):
    return [("text", RichText(f"<p>{text}</p>"))]


@pytest.fixture
def plasma(section):
    return make_deep_dive(
        section,
        title="Plasma",
        summary="How Plasma chains move value off the root chain.",
        in_development=True,
    )


@pytest.fixture
def exits(plasma):
    return make_topic(
        plasma,
        title="Exits",
        body=body("A plasma exit takes funds back to the root chain after a challenge period."),
    )


def suggest(client, query):
    response = client.get(SUGGEST, {"q": query})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def titles(answer):
    return [result["title"] for result in answer["results"]]


def test_suggestions_match_the_word_being_typed(client, plasma, exits, section):
    make_topic(section, title="Staking", body=body("Validators stake OMG tokens."))

    # "plas" is half a word: the last word typed matches the words it begins.
    answer = suggest(client, "plas")

    assert answer["query"] == "plas"
    assert "Plasma" in titles(answer)
    assert "Exits" in titles(answer)
    assert "Staking" not in titles(answer)
    assert answer["more_url"] == "/search/?q=plas"
    assert "suggestion" in answer
    for result in answer["results"]:
        assert set(result) == RESULT_KEYS


def test_a_result_says_what_and_where_it_is(client, plasma, exits):
    answer = suggest(client, "plas")

    found = {result["title"]: result for result in answer["results"]}
    assert found["Exits"]["url"] == exits.url
    assert found["Exits"]["place"]  # where it sits: under Plasma, in the section
    assert found["Exits"]["type"]
    assert found["Exits"]["in_development"] is False
    assert "<mark>" in found["Exits"]["snippet"]
    assert found["Plasma"]["in_development"] is True


def test_a_snippet_holds_the_page_text_escaped(client, section):
    make_topic(section, title="Markup", body=body("Plasma &lt;script&gt;alert(1)&lt;/script&gt;"))

    (result,) = suggest(client, "plasm")["results"]

    assert "<script>" not in result["snippet"]
    assert "&lt;script&gt;" in result["snippet"]


def test_at_most_six_results(client, section):
    for number in range(8):
        make_topic(section, title=f"Plasma chapter {number}", slug=f"plasma-{number}")

    answer = suggest(client, "plasma")

    assert len(answer["results"]) == search_api.SUGGESTIONS == 6
    assert answer["more_url"] == "/search/?q=plasma"


def test_drafts_and_restricted_pages_never_appear(client, section, plasma):
    # A page never published, and a new title saved as a draft of a live page.
    staking = make_topic(section, title="Staking", body=body("Validators stake tokens."))
    staking.title = "Plasma staking secrets"
    staking.save_revision()
    unpublished = make_topic(section, title="Plasma roadmap")
    unpublished.unpublish()
    # A page behind a password, and a page below it.
    locked = make_topic(section, title="Plasma audit")
    PageViewRestriction.objects.create(
        page=locked, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    make_topic(locked, title="Plasma audit findings")

    answer = suggest(client, "plasm")

    assert titles(answer) == ["Plasma"]
    assert "secret" not in str(answer).lower()


def test_answers_are_public_and_cacheable_by_the_proxy(client, plasma):
    response = client.get(SUGGEST, {"q": "plas"})

    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=60", "s-maxage=300"}
    # Nothing in it is one reader's: no cookie set, no session or CSRF token read.
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "csrftoken" not in response.content.decode()


def test_a_reader_with_a_session_gets_the_same_shareable_answer(client, plasma, editor):
    client.force_login(editor)

    response = client.get(SUGGEST, {"q": "plas"})

    assert "public" in response["Cache-Control"]
    assert not response.cookies
    assert "Plasma" in titles(response.json())


@pytest.mark.parametrize("query", ["", "   ", "\x00", None])
def test_a_blank_query_has_no_results(client, plasma, query):
    response = client.get(SUGGEST, {} if query is None else {"q": query})

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert "public" in response["Cache-Control"]


def test_a_long_query_is_cut_to_255_characters(client, plasma):
    answer = suggest(client, "plasma " * 100)

    assert len(answer["query"]) <= 255
    assert answer["query"].startswith("plasma plasma")
    assert "Plasma" in titles(answer)


def test_only_get_asks_for_suggestions(client, plasma):
    assert client.post(SUGGEST, {"q": "plas"}).status_code == 405
    assert client.head(SUGGEST, {"q": "plas"}).status_code == 200


def test_a_suggestion_costs_few_queries(client, django_assert_max_num_queries, section):
    for number in range(20):
        make_topic(section, title=f"Plasma chapter {number}", slug=f"plasma-{number}")

    # The engine reads the site's vocabulary once per process and index version; the first
    # reader's keystroke pays for it.
    suggest(client, "plas")

    with django_assert_max_num_queries(4):
        answer = suggest(client, "plasma chap")
    assert len(answer["results"]) == 6

    # The same keystroke again (another reader, the proxy missed): the ranking is cached.
    with django_assert_max_num_queries(1):
        suggest(client, "plasma chap")


def test_the_header_search_box_loads_instant_search(client, plasma):
    html = client.get(plasma.url).content.decode()

    assert 'data-suggest-url="/search/suggest/"' in html
    assert 'data-clicked-url="/search/clicked/"' in html
    assert "pages/js/instant-search.js" in html
    # Without the script, the same form still opens /search/.
    assert 'action="/search/" method="get"' in html


# Followed results ----------------------------------------------------------------------------


def clicks(query):
    row = SearchQueryDay.objects.filter(query=query, day=localdate()).first()
    return row.clicks if row else 0


def test_a_followed_result_is_counted_for_its_query(client, exits):
    response = client.post(CLICKED, {"q": "Plasma  Exit", "url": exits.url})

    assert response.status_code == 204
    assert response.content == b""
    assert clicks("plasma exit") == 1

    client.post(CLICKED, {"q": "plasma exit", "url": exits.url})
    assert clicks("plasma exit") == 2


def test_the_beacon_needs_no_csrf_token(db):
    # sendBeacon cannot send the token header, and the pages it leaves from hold none.
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(CLICKED, {"q": "plasma", "url": "/omg-deep-dive/plasma/"})

    assert response.status_code == 204
    assert clicks("plasma") == 1


def test_a_click_needs_a_query(client, db):
    assert client.post(CLICKED, {"url": "/omg-deep-dive/plasma/"}).status_code == 400
    assert client.post(CLICKED, {"q": "   ", "url": "/"}).status_code == 400
    assert not SearchQueryDay.objects.exists()


def test_clicks_are_only_posted(client, db):
    assert client.get(CLICKED, {"q": "plasma"}).status_code == 405
    assert not SearchQueryDay.objects.exists()


def test_a_long_query_is_cut_before_it_is_counted(client, db):
    response = client.post(CLICKED, {"q": "plasma " * 100, "url": "/"})

    assert response.status_code == 204
    (row,) = SearchQueryDay.objects.all()
    assert len(row.query) <= 255 and row.clicks == 1


def test_clicks_from_one_address_are_limited(client, db, monkeypatch):
    monkeypatch.setattr(search_api, "CLICKS_PER_HOUR", 2)

    answers = [client.post(CLICKED, {"q": "plasma", "url": "/"}).status_code for _ in range(3)]

    # The beacon is answered the same way; the third click is not counted.
    assert answers == [204, 204, 204]
    assert clicks("plasma") == 2
