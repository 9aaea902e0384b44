"""
"Was this page helpful?": readers answer on every page, with or without JavaScript, and editors
see the answers in the report, on the dashboard and in content_report.

The JavaScript path is the requests kb.js makes (JSON, the CSRF token in a header); the browser
suite (tests/browser/test_reader_feedback.py) clicks through both paths in Chromium.
"""

import io
from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wagtail.models import Page, PageLogEntry, PageViewRestriction, Revision

from pages.caching.http_cache import GENERATION_KEY
from pages.feedback.views import ANSWERED_COOKIE
from pages.models import PageFeedback
from tests.conftest import (
    PAGE_OF_EACH_TYPE,
    editor_of_only,
    logged_in,
    make_section,
    make_topic,
    member_of,
)
from tests.operations.test_settings import production_setting

pytestmark = pytest.mark.django_db

HOSTILE_COMMENT = '<script>alert("x")</script><b onmouseover="steal()">bold</b>'


@pytest.fixture
def topic(section):
    return make_topic(section, title="Exits", slug="exits", summary="How exits work.")


def feedback_url(page):
    return reverse("page_feedback", args=[page.pk])


def reader():
    """A browser of its own that checks CSRF tokens, as a real one is checked."""
    return Client(enforce_csrf_checks=True)


def form_page_token(browser, page, revision=None, helpful="", **meta):
    """The no-JavaScript path's first step: the form page, and the CSRF token it holds."""
    query = {"helpful": helpful, **({"revision": revision} if revision else {})}
    response = browser.get(feedback_url(page), query, **meta)
    assert response.status_code == 200
    field = BeautifulSoup(response.content, "html.parser").find(
        "input", {"name": "csrfmiddlewaretoken"}
    )
    return response, field["value"]


def answer_without_script(browser, page, meta=None, **data):
    """`meta`: the request's headers and address (REMOTE_ADDR, HTTP_X_FORWARDED_FOR)."""
    meta = meta or {}
    _, token = form_page_token(browser, page, helpful=data.get("helpful", ""), **meta)
    return browser.post(feedback_url(page), {"csrfmiddlewaretoken": token, **data}, **meta)


def script_token(browser, page, **meta):
    response = browser.get(feedback_url(page), HTTP_ACCEPT="application/json", **meta)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return response.json()["csrf_token"]


def answer_with_script(browser, page, meta=None, **data):
    """What kb.js sends: the form's fields, the token as a header, JSON back."""
    meta = meta or {}
    return browser.post(
        feedback_url(page),
        data,
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=script_token(browser, page, **meta),
        **meta,
    )


def textarea_text(html):
    # HTML drops a textarea's first newline, which Django writes; html.parser keeps it.
    return html.find("textarea").get_text().removeprefix("\n")


# On the page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PAGE_OF_EACH_TYPE)
def test_every_page_asks_and_stays_cacheable(client, home, faq_category, kind):
    page = PAGE_OF_EACH_TYPE[kind](home, faq_category)
    response = client.get(page.url)

    html = BeautifulSoup(response.content, "html.parser")
    box = html.find("section", class_="page-feedback")
    assert box.find("h2").get_text() == "Was this page helpful?"
    form = box.find("form", class_="page-feedback__ask")
    assert form["action"] == feedback_url(page)
    assert [button["value"] for button in form.find_all("button")] == ["yes", "no"]
    revision = form.find("input", {"name": "revision"})
    # The version the reader sees goes with the answer (the test's home page has none).
    assert (revision["value"] if revision else None) == (
        str(page.live_revision_id) if page.live_revision_id else None
    )
    # Nothing one reader's: no token, no cookie, and a shared cache may keep the page.
    assert not html.find("input", {"name": "csrfmiddlewaretoken"})
    assert not response.cookies
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]


def test_the_apps_page_cache_keeps_a_page_with_the_form(client, topic, settings):
    settings.KB_PAGE_CACHE_SECONDS = 3600
    assert client.get(topic.url)["X-Page-Cache"] == "MISS"
    assert client.get(topic.url)["X-Page-Cache"] == "HIT"


def test_a_page_with_answers_takes_no_more_queries_than_without(client, topic):
    client.get(topic.url)  # the navigation cached, as on any busy site

    with CaptureQueriesContext(connection) as without_answers:
        before = client.get(topic.url)
    for helpful in (True, False, False):
        PageFeedback.objects.create(page=topic, helpful=helpful, comment="More on exits")
    with CaptureQueriesContext(connection) as with_answers:
        after = client.get(topic.url)

    assert before.content == after.content
    assert len(with_answers) == len(without_answers)
    assert not any("pages_pagefeedback" in query["sql"] for query in with_answers)


def test_an_editors_preview_does_not_ask(topic, editor):
    topic.title = "Exits, revised"
    topic.save_revision(user=editor)
    browser = logged_in(editor)
    response = browser.get(reverse("wagtailadmin_pages:preview_on_edit", args=[topic.pk]))
    # The draft preview: either refused to this editor or shown without the question.
    assert b"Was this page helpful?" not in response.content


# Without JavaScript ------------------------------------------------------------------------------


def test_without_script_yes_opens_the_form_page_then_is_saved(topic):
    browser = reader()
    form_page, token = form_page_token(
        browser, topic, helpful="yes", revision=topic.live_revision_id
    )
    assert "private" in form_page["Cache-Control"]
    assert form_page["X-Robots-Tag"] == "noindex"
    html = BeautifulSoup(form_page.content, "html.parser")
    assert html.find("h1").get_text() == "Was “Exits” helpful?"
    assert html.find("input", {"name": "helpful", "value": "yes"}).has_attr("checked")
    # "Yes" needs no comment box.
    assert not html.find("textarea")

    response = browser.post(
        feedback_url(topic),
        {"csrfmiddlewaretoken": token, "helpful": "yes", "revision": topic.live_revision_id},
    )

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    answer = PageFeedback.objects.get()
    assert (answer.page_id, answer.helpful, answer.comment) == (topic.pk, True, "")
    assert answer.revision_id == topic.live_revision_id
    assert response.cookies[ANSWERED_COOKIE]["samesite"] == "Lax"


def test_without_script_no_asks_what_was_missing_on_the_same_form(topic):
    browser = reader()
    form_page, token = form_page_token(browser, topic, helpful="no")
    textarea = BeautifulSoup(form_page.content, "html.parser").find("textarea")
    assert textarea["name"] == "comment"

    response = browser.post(
        feedback_url(topic),
        {"csrfmiddlewaretoken": token, "helpful": "no", "comment": "How long does an exit take?"},
    )

    assert response.status_code == 200
    answer = PageFeedback.objects.get()
    assert (answer.helpful, answer.comment) == (False, "How long does an exit take?")


def test_without_script_no_answer_chosen_re_renders_with_a_message(topic):
    response = answer_without_script(reader(), topic, comment="Kept when the form comes back")

    assert response.status_code == 400
    html = BeautifulSoup(response.content, "html.parser")
    assert "Choose Yes or No." in html.find(class_="form-errors").get_text()
    assert textarea_text(html) == "Kept when the form comes back"
    assert not PageFeedback.objects.exists()


def test_a_revision_that_is_not_the_pages_is_replaced_by_the_live_one(topic, section):
    other = make_topic(section, title="Deposits", slug="deposits")
    answer_without_script(reader(), topic, helpful="yes", revision=str(other.live_revision_id))
    answer_without_script(reader(), topic, helpful="yes", revision="not-a-number")

    assert {answer.revision_id for answer in PageFeedback.objects.all()} == {topic.live_revision_id}


@pytest.mark.parametrize("path", ["with script", "without script"])
def test_a_drafts_revision_is_replaced_by_the_live_one(topic, path):
    # Readers never see a draft: an answer naming one is about the version the page shows.
    topic.title = "Exits, in draft"
    draft = topic.save_revision()
    send = answer_with_script if path == "with script" else answer_without_script

    response = send(reader(), topic, helpful="yes", revision=str(draft.pk))

    # Taken, and thanked for, as the answer it is: about the page readers see.
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    answer = PageFeedback.objects.get()
    assert answer.revision_id == topic.live_revision_id != draft.pk


def test_a_version_that_was_live_before_is_kept(topic):
    # A cached copy of the page may still show the version published before the latest.
    seen = topic.live_revision_id
    topic.title = "Exits, revised"
    topic.save_revision().publish()
    answer_with_script(reader(), topic, helpful="no", revision=str(seen))
    answer_with_script(reader(), topic, helpful="no", revision="9" * 30)

    topic.refresh_from_db()
    assert seen != topic.live_revision_id
    answers = PageFeedback.objects.order_by("pk").values_list("revision_id", flat=True)
    assert list(answers) == [seen, topic.live_revision_id]


# With JavaScript ---------------------------------------------------------------------------------


def test_with_script_yes_is_saved_without_a_page(topic):
    response = answer_with_script(reader(), topic, helpful="yes", revision=topic.live_revision_id)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "recorded", "message": "Thank you for your answer."}
    assert PageFeedback.objects.get().helpful is True
    assert ANSWERED_COOKIE in response.cookies


def test_with_script_no_then_a_comment_on_that_answer(topic):
    browser = reader()
    response = answer_with_script(browser, topic, helpful="no")

    body = response.json()
    assert body["status"] == "ask-comment"
    answer = PageFeedback.objects.get()
    assert (answer.helpful, answer.comment) == (False, "")

    commented = answer_with_script(
        browser, topic, answer=body["answer"], comment="No example of an exit."
    )

    assert commented.json()["status"] == "comment-saved"
    answer.refresh_from_db()
    assert answer.comment == "No example of an exit."
    assert PageFeedback.objects.count() == 1

    # One comment per answer: the key does not work twice.
    again = answer_with_script(browser, topic, answer=body["answer"], comment="And another.")
    assert again.status_code == 400
    answer.refresh_from_db()
    assert answer.comment == "No example of an exit."


def test_a_comment_comes_within_the_hour_and_only_for_its_own_page(topic, section):
    browser = reader()
    key = answer_with_script(browser, topic, helpful="no").json()["answer"]
    other = make_topic(section, title="Deposits", slug="deposits")

    elsewhere = answer_with_script(browser, other, answer=key, comment="Wrong page")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        late = answer_with_script(browser, topic, answer=key, comment="Too late")
    forged = answer_with_script(browser, topic, answer=f"{key}x", comment="Forged")

    for response in (elsewhere, late, forged):
        assert response.status_code == 400
        assert "can no longer take a comment" in response.json()["message"]
    assert PageFeedback.objects.get().comment == ""


# Abuse -------------------------------------------------------------------------------------------


def test_one_answer_per_page_per_browser_per_day(topic, section):
    browser = reader()
    other = make_topic(section, title="Deposits", slug="deposits")

    assert answer_with_script(browser, topic, helpful="yes").json()["status"] == "recorded"
    again = answer_with_script(browser, topic, helpful="no")
    assert again.json()["status"] == "already-answered"
    # Another page, and another browser, still count.
    assert answer_with_script(browser, other, helpful="no").json()["status"] == "ask-comment"
    assert answer_with_script(reader(), topic, helpful="no").json()["status"] == "ask-comment"

    assert sorted(PageFeedback.objects.values_list("page_id", "helpful")) == sorted(
        [(topic.pk, True), (other.pk, False), (topic.pk, False)]
    )
    # The form page says so too, instead of asking again.
    assert "already told us" in browser.get(feedback_url(topic)).content.decode()


def test_the_next_day_the_same_browser_may_answer_again(topic):
    browser = reader()
    with time_machine.travel(timezone.now() - timedelta(days=1)):
        answer_with_script(browser, topic, helpful="no")
    # The cookie lasted until midnight; a browser that kept it anyway is not held to it.
    browser.cookies[ANSWERED_COOKIE] = browser.cookies[ANSWERED_COOKIE].value

    assert answer_with_script(browser, topic, helpful="yes").json()["status"] == "recorded"
    assert PageFeedback.objects.count() == 2


def test_a_forged_cookie_counts_as_none(topic):
    browser = reader()
    browser.cookies[ANSWERED_COOKIE] = "20990101.1.2.3:forged"
    assert answer_with_script(browser, topic, helpful="yes").json()["status"] == "recorded"


def test_answers_are_throttled_per_client_address(section, settings):
    settings.KB_FEEDBACK_ANSWERS_PER_HOUR = 3
    pages = [make_topic(section, title=f"Page {n}", slug=f"page-{n}") for n in range(5)]

    # A new browser each time (no cookie to stop it), all from one address.
    one_address = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [
        answer_with_script(reader(), page, one_address, helpful="no").status_code
        for page in pages[:4]
    ]
    refused = answer_without_script(reader(), pages[4], one_address, helpful="yes")
    elsewhere = answer_with_script(
        reader(), pages[4], {"REMOTE_ADDR": "198.51.100.1"}, helpful="no"
    )

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "try again later" in refused.content.decode()
    assert elsewhere.status_code == 200
    assert PageFeedback.objects.count() == 4


def test_the_throttle_counts_the_address_the_proxy_saw(section, settings):
    settings.KB_FEEDBACK_ANSWERS_PER_HOUR = 1
    settings.KB_TRUSTED_PROXY_COUNT = 1
    first, second = (make_topic(section, title=t, slug=t.lower()) for t in ("One", "Two"))
    # Through the proxy (one address), for two readers; the second one's second answer is refused.
    a = answer_with_script(reader(), first, {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}, helpful="no")
    b = answer_with_script(reader(), first, {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}, helpful="no")
    c = answer_with_script(reader(), second, {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}, helpful="no")

    assert (a.status_code, b.status_code, c.status_code) == (200, 200, 429)


def test_without_a_proxy_a_forged_forwarded_address_is_the_same_client(section, settings):
    """Production as it starts unless told of a proxy: a script reaching the app server directly
    writes a new X-Forwarded-For for every answer, and is still one address."""
    settings.KB_FEEDBACK_ANSWERS_PER_HOUR = 3
    settings.KB_TRUSTED_PROXY_COUNT = production_setting("KB_TRUSTED_PROXY_COUNT")
    pages = [make_topic(section, title=f"Page {n}", slug=f"page-{n}") for n in range(4)]

    statuses = [
        answer_with_script(
            reader(), page, {"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}, helpful="no"
        ).status_code
        for n, page in enumerate(pages)
    ]

    assert statuses == [200, 200, 200, 429]
    assert PageFeedback.objects.count() == 3


@pytest.mark.parametrize("path", ["with script", "without script"])
def test_the_honeypot_thanks_a_bot_and_keeps_nothing(topic, path):
    send = answer_with_script if path == "with script" else answer_without_script
    response = send(reader(), topic, helpful="no", comment="Buy now", website="http://spam.test")

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert not PageFeedback.objects.exists()
    assert ANSWERED_COOKIE not in response.cookies


@pytest.mark.parametrize(
    "token", [None, "wrong-token-wrong-token-wrong-token-00"], ids=["missing", "wrong"]
)
def test_a_post_without_the_csrf_token_is_refused(topic, token):
    browser = reader()
    browser.get(feedback_url(topic))  # the browser holds a csrftoken cookie
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}

    response = browser.post(feedback_url(topic), {"helpful": "yes"}, **headers)

    assert response.status_code == 403
    assert not PageFeedback.objects.exists()


def test_a_post_from_another_site_is_refused(topic):
    browser = reader()
    token = script_token(browser, topic)
    response = browser.post(
        feedback_url(topic),
        {"helpful": "yes"},
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert not PageFeedback.objects.exists()


@pytest.mark.parametrize("path", ["with script", "without script"])
def test_a_10000_character_comment_is_refused_with_a_message(topic, path):
    comment = "x" * 10_000
    if path == "with script":
        response = answer_with_script(reader(), topic, helpful="no", comment=comment)
        assert response.status_code == 400
        assert "1,000 characters" in response.json()["errors"]["comment"][0]
        assert "10000" in response.json()["message"]
    else:
        response = answer_without_script(reader(), topic, helpful="no", comment=comment)
        assert response.status_code == 400
        html = BeautifulSoup(response.content, "html.parser")
        assert "1,000 characters" in html.find(class_="form-errors").get_text()
        assert textarea_text(html) == comment  # nothing the reader wrote is lost
    assert not PageFeedback.objects.exists()


def test_a_10000_character_comment_after_no_is_refused_too(topic):
    browser = reader()
    key = answer_with_script(browser, topic, helpful="no").json()["answer"]

    response = answer_with_script(browser, topic, answer=key, comment="y" * 10_000)

    assert response.status_code == 400
    assert PageFeedback.objects.get().comment == ""


def test_a_comment_is_kept_exactly_as_plain_text(topic):
    answer_without_script(reader(), topic, helpful="no", comment=HOSTILE_COMMENT)
    assert PageFeedback.objects.get().comment == HOSTILE_COMMENT


@pytest.mark.parametrize(
    "where", ["draft", "restricted", "unknown", "root"], ids=lambda where: where
)
def test_no_answers_about_pages_readers_cannot_see(section, where):
    if where == "draft":
        page = make_topic(section, title="Draft", slug="draft")
        page.unpublish()
        page_id = page.pk
    elif where == "restricted":
        page = make_topic(section, title="Private", slug="private")
        PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
        page_id = page.pk
    elif where == "unknown":
        page_id = 999_999
    else:
        page_id = Page.get_first_root_node().pk
    url = reverse("page_feedback", args=[page_id])
    browser = reader()

    assert browser.get(url).status_code == 404
    assert browser.get(url, HTTP_ACCEPT="application/json").status_code == 404
    assert Client().post(url, {"helpful": "yes"}).status_code == 404
    assert not PageFeedback.objects.exists()


def test_answering_leaves_nothing_for_an_editor_to_clean_up(topic, settings):
    settings.KB_PAGE_CACHE_SECONDS = 3600
    counts = (Page.objects.count(), Revision.objects.count(), PageLogEntry.objects.count())
    client = Client()
    client.get(topic.url)
    generation = cache.get(GENERATION_KEY)

    answer_with_script(reader(), topic, helpful="no", comment="Missing fees")

    assert (Page.objects.count(), Revision.objects.count(), PageLogEntry.objects.count()) == counts
    # Nor does it empty the page cache: readers' pages do not change.
    assert cache.get(GENERATION_KEY) == generation
    assert client.get(topic.url)["X-Page-Cache"] == "HIT"


def test_robots_are_told_to_keep_away(client, home):
    assert "Disallow: /feedback/" in client.get("/robots.txt").content.decode()


# Kept with the page ------------------------------------------------------------------------------


def test_answers_stay_when_the_page_is_edited_or_moved_and_go_with_it(home, section, topic):
    seen = topic.live_revision_id
    PageFeedback.objects.create(page=topic, helpful=False, revision_id=seen)
    topic.title = "Exits, revised"
    topic.save_revision().publish()
    elsewhere = make_section(home, title="Elsewhere", slug="elsewhere")
    topic.move(elsewhere, pos="last-child")

    answer = PageFeedback.objects.get()
    assert (answer.page_id, answer.revision_id) == (topic.pk, seen)

    elsewhere.delete()  # the page goes with its section, and its answers with it
    assert not PageFeedback.objects.exists()


# For editors -------------------------------------------------------------------------------------


def answers(page, yes, no, days_ago=0, comment=""):
    when = timezone.now() - timedelta(days=days_ago)
    for helpful, count in ((True, yes), (False, no)):
        for _ in range(count):
            PageFeedback.objects.create(
                page=page, helpful=helpful, created_at=when, comment="" if helpful else comment
            )


@pytest.fixture
def answered(home, section):
    """Four pages readers answered about, one in a section of its own."""
    other_section = make_section(home, title="Wallets", slug="wallets")
    pages = {
        "fees": make_topic(section, title="Fees", slug="fees"),
        "exits": make_topic(section, title="Exits", slug="exits"),
        "deposits": make_topic(section, title="Deposits", slug="deposits"),
        "keys": make_topic(other_section, title="Keys", slug="keys"),
        "quiet": make_topic(section, title="Quiet", slug="quiet"),
    }
    answers(pages["fees"], yes=1, no=3, comment="Which fees?")  # 25%
    answers(pages["exits"], yes=3, no=1, comment="An example, please")  # 75%
    answers(pages["exits"], yes=0, no=9, days_ago=40)  # before the window: not counted
    answers(pages["deposits"], yes=2, no=0)  # 100%: never "least helpful"
    answers(pages["keys"], yes=0, no=2)  # 0%, but too few answers to rank (3 needed)
    pages["other_section"] = other_section
    return pages


def test_the_dashboard_lists_the_least_helpful_pages(
    answered, django_user_model, django_assert_max_num_queries
):
    browser = logged_in(member_of(django_user_model, "Editors", "ed"))
    with django_assert_max_num_queries(60):
        response = browser.get(reverse("wagtailadmin_home"))

    html = BeautifulSoup(response.content, "html.parser")
    panel = html.find(id="needs-attention-least-helpful")
    assert panel.find("h3").get_text(" ", strip=True) == "Least helpful pages (30 days): 2"
    rows = [row.get_text(" ", strip=True) for row in panel.find_all("tr")[1:]]
    assert rows == [
        "Fees 25% helpful of 4 answers",
        "Exits 75% helpful of 4 answers",
    ]
    assert panel.find("h3").find("a")["href"] == reverse("reader_feedback")


def report_rows(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in html.find("table", class_="listing").find("tbody").find_all("tr")
    ]


def test_the_report_shows_each_pages_figures_least_helpful_first(
    answered, editor, django_assert_max_num_queries
):
    browser = logged_in(editor)
    with django_assert_max_num_queries(40):
        response = browser.get(reverse("reader_feedback"))

    assert response.status_code == 200
    rows = report_rows(response)
    assert [row[:4] for row in rows] == [
        ["Keys", "2", "0% (0 of 2)", "2"],
        ["Fees", "4", "25% (1 of 4)", "3"],
        ["Exits", "4", "75% (3 of 4)", "1"],
        ["Deposits", "2", "100% (2 of 2)", "0"],
    ]
    assert rows[1][4] == "Which fees?"
    assert "Quiet" not in response.content.decode()


def test_the_report_sorts_and_filters_by_section(answered, editor):
    browser = logged_in(editor)
    url = reverse("reader_feedback")

    by_answers = report_rows(browser.get(url, {"ordering": "-feedback_answers"}))
    in_section = report_rows(browser.get(url, {"section": answered["other_section"].pk}))
    commented = report_rows(browser.get(url, {"commented": "true"}))
    nonsense = browser.get(url, {"ordering": "password", "section": "nope"})

    assert [row[0] for row in by_answers] == ["Exits", "Fees", "Deposits", "Keys"]
    assert [row[0] for row in in_section] == ["Keys"]
    assert [row[0] for row in commented] == ["Fees", "Exits"]
    assert nonsense.status_code == 200


def test_a_pages_answers_show_comments_as_text(topic, editor):
    answer_without_script(reader(), topic, helpful="no", comment=HOSTILE_COMMENT)
    answers(topic, yes=2, no=0)
    browser = logged_in(editor)

    for url in (reverse("reader_feedback"), reverse("reader_feedback_page", args=[topic.pk])):
        content = browser.get(url).content.decode()
        assert "<script>alert" not in content
        assert "<b onmouseover" not in content
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b onmouseover" in content

    page_view = browser.get(reverse("reader_feedback_page", args=[topic.pk]))
    text = " ".join(BeautifulSoup(page_view.content, "html.parser").get_text().split())
    assert "Last 30 days: 67% helpful, 2 “Yes” and 1 “No” of 3 answers." in text
    assert HOSTILE_COMMENT in text  # the reader's words, as text


def test_editors_see_only_answers_about_pages_they_may_explore(
    django_user_model, answered, section
):
    browser = logged_in(editor_of_only(django_user_model, answered["other_section"]))

    assert [row[0] for row in report_rows(browser.get(reverse("reader_feedback")))] == ["Keys"]
    fees = reverse("reader_feedback_page", args=[answered["fees"].pk])
    assert browser.get(fees).status_code == 404
    keys = reverse("reader_feedback_page", args=[answered["keys"].pk])
    assert browser.get(keys).status_code == 200


def test_readers_cannot_open_the_report(client, answered):
    response = client.get(reverse("reader_feedback"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_content_report_has_the_helpful_ratio(answered):
    fees = answered["fees"]
    fees.in_development = True
    fees.save_revision().publish()
    out = io.StringIO()

    call_command("content_report", stdout=out)

    text = out.getvalue()
    assert "Least helpful (30 days): 2" in text
    in_development = text.split("In development (1)")[1].split("Review overdue")[0]
    assert "Helpful" in in_development
    fees_row = next(line for line in in_development.splitlines() if "Fees" in line)
    assert fees_row.rstrip().endswith("25% of 4")
    least = text.split("Least helpful (30 days) (2)")[1].splitlines()[3:]
    assert [(line.split()[0], " ".join(line.split()[-3:])) for line in least if line] == [
        ("Fees", "25% of 4"),
        ("Exits", "75% of 4"),
    ]


def test_content_report_csv_has_the_helpful_column(answered):
    out = io.StringIO()
    call_command("content_report", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "List,Title,URL path,Type,Review due,Last published,Helpful"
    least = [line for line in lines if line.startswith("Least helpful (30 days),")]
    assert [(line.split(",")[1], line.split(",")[-1]) for line in least] == [
        ("Fees", "25% of 4"),
        ("Exits", "75% of 4"),
    ]
