"""The search page readers use: ranked results with snippets, filters, pages, and editors' picks."""

import pytest
from bs4 import BeautifulSoup

from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from pages.models import TopicPage
from tests.conftest import make_deep_dive, make_section, make_topic, make_video

pytestmark = pytest.mark.django_db


def body(text):
    return [("text", RichText(f"<p>{text}</p>"))]


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def titles(soup):
    return [a.get_text() for a in soup.select(".search-result__title")]


def test_results_are_ranked_with_the_words_marked_in_a_snippet(client, section):
    make_topic(section, title="Fees", body=body("Paying for a watchtower costs a little."))
    make_topic(
        section,
        title="Watchtower",
        summary="Who watches the chain.",
        body=body("A watchtower watches the operator and raises the alarm."),
    )

    soup = search(client, q="watchtower")

    assert titles(soup) == ["Watchtower", "Fees"]  # a page named after the word comes first
    snippets = soup.select(".search-result__snippet")
    assert [mark.get_text() for mark in snippets[0].select("mark")] == ["watchtower"]
    # The block that holds the word, whole: not the summary, which does not.
    assert snippets[0].get_text() == "A watchtower watches the operator and raises the alarm."
    assert "2 results for “watchtower”" in soup.select_one(".search-summary").get_text()


def test_snippets_escape_what_they_show(client, section):
    make_topic(section, title="Markup", summary="Use <b>bold</b> & <script>x</script> carefully.")

    soup = search(client, q="carefully")

    snippet = soup.select_one(".search-result__snippet")
    assert snippet.select("b, script") == []
    assert "<script>x</script>" in snippet.get_text()


def test_drafts_unpublished_changes_and_restricted_pages_never_appear(client, section):
    draft = TopicPage(title="Draft", body=body("zebrafish DRAFT-MARKER"), live=False)
    section.add_child(instance=draft)
    draft.save_revision()
    private = make_topic(section, title="PRIVATE-MARKER", body=body("zebrafish"))
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    live = make_topic(section, title="Live", body=body("zebrafish"))
    live.title = "UNPUBLISHED-TITLE-MARKER"
    live.body = body("zebrafish UNPUBLISHED-BODY-MARKER")
    live.save_revision()

    soup = search(client, q="zebrafish")

    assert titles(soup) == ["Live"]
    assert "MARKER" not in str(soup)


def test_filters_by_section_type_tag_and_status(client, home):
    guide = make_section(home, title="Guide")
    deep_dive = make_section(home, title="Deep Dive")
    make_topic(guide, title="Guide topic", body=body("plasma"))
    make_topic(deep_dive, title="Dive topic", body=body("plasma"), in_development=True)
    make_deep_dive(deep_dive, title="Dive", body=body("plasma"))
    tagged = make_topic(guide, title="Tagged topic", body=body("plasma"))
    tagged.tags.set(["exits"])
    tagged.save_revision().publish()

    def found(**filters):
        return sorted(titles(search(client, q="plasma", **filters)))

    assert found(section=deep_dive.pk) == ["Dive", "Dive topic"]
    assert found(type="deep-dive") == ["Dive"]
    assert found(tag="exits") == ["Tagged topic"]
    assert found(development="yes") == ["Dive topic"]
    assert found(development="no") == ["Dive", "Guide topic", "Tagged topic"]
    assert found(section=guide.pk, type="topic", development="no") == [
        "Guide topic",
        "Tagged topic",
    ]


def test_a_filter_that_no_longer_exists_is_reported_and_left_out(client, section):
    make_topic(section, title="Exits", body=body("plasma"))

    soup = search(client, q="plasma", tag="gone", type="nonsense")

    assert titles(soup) == ["Exits"]
    errors = soup.select_one(".form-errors").get_text()
    assert "The tag filter was left out." in errors
    assert "The type filter was left out." in errors


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "*",
        "(",
        "plasma AND OR NOT",
        "NEAR(",
        "x:y",
        "100%",
        "'; DROP TABLE wagtailcore_page; --",
        "\\",
        "🙂",
        "ünïcödé",
        "<script>alert(1)</script>",
    ],
)
def test_strange_queries_answer_with_a_page(client, section, query):
    make_topic(section, title="Exits", body=body("plasma"))

    soup = search(client, q=query)

    assert soup.select_one("form.search-form") is not None
    assert soup.select("script:not([src])") == []


def test_a_very_long_query_is_cut_and_says_so(client, section):
    make_topic(section, title="Exits", body=body("plasma"))

    soup = search(client, q="plasma " * 2000)

    assert "only its first" in soup.select_one(".search-note").get_text()
    assert titles(soup) == ["Exits"]


def test_when_no_page_has_every_word_the_search_widens(client, section):
    make_topic(section, title="Exits", body=body("plasma exits"))

    soup = search(client, q="plasma narwhal")

    assert titles(soup) == ["Exits"]
    assert "no page has all of these words" in soup.select_one(".search-summary").get_text()
    assert "No pages match" in search(client, q="narwhal").select_one(".search-summary").text


def test_results_come_in_pages_of_ten_keeping_the_filters(client, section):
    for number in range(25):
        make_topic(section, title=f"Topic {number}", body=body("plasma"))

    first = search(client, q="plasma", type="topic")
    third = search(client, q="plasma", type="topic", page=3)

    assert len(titles(first)) == 10
    assert len(titles(third)) == 5
    next_link = first.select_one(".pagination a[rel=next]")["href"]
    assert "type=topic" in next_link and "page=2" in next_link
    assert len(titles(search(client, q="plasma", page="abc"))) == 10


def test_a_results_page_costs_the_same_queries_for_few_or_many_results(
    client, section, django_assert_max_num_queries
):
    for number in range(2):
        make_topic(section, title=f"Topic {number}", body=body("plasma"))
    with django_assert_max_num_queries(30) as few:
        search(client, q="plasma")
    for number in range(2, 10):
        make_video(section, title=f"Video {number}", transcript="plasma")

    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # one more page type
        soup = search(client, q="plasma")

    assert len(titles(soup)) == 10


def test_editors_pins_lead_the_results_but_only_if_readers_may_see_them(client, section):
    pinned = make_topic(section, title="Staking guide", body=body("nothing about it"))
    hidden = make_topic(section, title="HIDDEN-PIN-MARKER")
    hidden.unpublish()
    query = Query.get("Staking")
    for number, page in enumerate([pinned, hidden]):
        SearchPromotion.objects.create(query=query, page=page, sort_order=number)
    SearchPromotion.objects.create(
        query=query,
        external_link_url="https://example.org/staking",
        external_link_text="Staking elsewhere",
        sort_order=2,
    )

    soup = search(client, q="  STAKING ")

    picks = [a.get_text() for a in soup.select(".search-promotions a")]
    assert picks == ["Staking guide", "Staking elsewhere"]
    assert "HIDDEN-PIN-MARKER" not in str(soup)


def test_pages_of_results_run_on_from_title_matches_to_the_rest(client, section):
    for number in range(12):
        make_topic(section, title=f"Plasma {number}", body=body("chains"))
    for number in range(5):
        make_topic(section, title=f"Other {number}", body=body("plasma chains"))

    first = titles(search(client, q="plasma"))
    second = titles(search(client, q="plasma", page=2))

    assert len(first) == 10 and all(title.startswith("Plasma") for title in first)
    assert len(second) == 7
    assert sorted(second[:2]) == sorted({f"Plasma {n}" for n in range(12)} - set(first))
    assert sorted(second[2:]) == [f"Other {n}" for n in range(5)]


@pytest.mark.parametrize("count", [2, 10])
def test_a_page_of_results_costs_the_same_queries_however_many_it_shows(
    client, section, count, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile

    from wagtail.documents import get_document_model

    white_paper = get_document_model().objects.create(
        title="White paper", file=ContentFile(b"%PDF-1.4", name="white-paper.pdf")
    )
    for number in range(count):
        make_topic(
            section,
            title=f"Watchers {number}",
            slug=f"watchers-{number}",
            body=[
                ("text", RichText("<p>Watchers check the chain.</p>")),
                ("file", {"document": white_paper, "caption": ""}),
            ],
        )
    client.get("/search/", {"q": "watchers"})  # the sidebar tree, cached as on a running site

    # Each result's snippet comes from its stored blocks: no query for its document.
    with django_assert_max_num_queries(16):
        soup = search(client, q="watchers")

    assert len(soup.select(".search-result")) == count
