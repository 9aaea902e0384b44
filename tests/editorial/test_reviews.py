"""
"Last reviewed" apart from "last updated": set by approving and by "Mark as reviewed", never by an
editor's save; the review schedule sets the next due date; readers are told when a page may be
out of date, on the page, in search, in its Markdown, in llms.txt and in the API; readers'
"not helpful" answers suggest a review on the dashboard.
"""

import datetime

import pytest
import time_machine
import yaml
from bs4 import BeautifulSoup

from django.urls import reverse
from django.utils import timezone

from wagtail.models import PageLogEntry, Site
from wagtail.rich_text import RichText

from pages.caching.purging import purge_after_commit
from pages.editorial.reviews import REVIEWED_ACTION
from pages.models import FaqPage, PageFeedback, ReviewSchedule, TopicPage
from pages.reading.navigation import markdown_url
from tests.conftest import logged_in, make_faq, make_faq_index, make_topic
from tests.editorial.test_editorial_workflow import submit, topic_form, workflow_action

pytestmark = pytest.mark.django_db

# A fixed day after the fixtures' pages were made (revisions sort by time), in the daytime.
MONDAY = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def exits(section):
    return make_topic(
        section,
        title="Exits",
        slug="exits",
        summary="How exits work.",
        body=[("text", RichText("<p>Exits take seven days.</p>"))],
    )


def mark_reviewed(browser, page):
    return browser.post(reverse("mark_page_reviewed", args=[page.pk]))


def reload(page):
    return type(page).objects.get(pk=page.pk)


# What counts as a review -------------------------------------------------------------------------


def test_approving_a_change_is_a_review_and_sets_the_next_due_date(exits, editor, reviewer):
    with time_machine.travel(MONDAY, tick=False):
        task_state = submit(logged_in(editor), exits, "Exits take seven days, or fourteen.")
        workflow_action(logged_in(reviewer), exits, "approve", task_state, comment="Checked")

    exits = reload(exits)
    assert exits.last_reviewed == MONDAY
    assert exits.last_reviewed_by == reviewer
    # Topics are reviewed every 90 days by default (Settings → Review schedule).
    assert exits.review_due == datetime.date(2027, 5, 30)
    assert exits.live and not exits.has_unpublished_changes


def test_mark_as_reviewed_confirms_then_records_the_live_page(exits, reviewer):
    url = reverse("mark_page_reviewed", args=[exits.pk])

    with time_machine.travel(MONDAY, tick=False):
        browser = logged_in(reviewer)
        confirm = browser.get(url)
        assert confirm.status_code == 200
        text = " ".join(BeautifulSoup(confirm.content, "html.parser").get_text().split())
        assert "This page has not been reviewed yet." in text
        assert "the next review becomes due on 30 May 2027" in text
        assert exits.last_reviewed is None  # a GET changes nothing

        response = mark_reviewed(browser, exits)

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[exits.pk])
    exits = reload(exits)
    assert (exits.last_reviewed, exits.last_reviewed_by) == (MONDAY, reviewer)
    assert exits.review_due == datetime.date(2027, 5, 30)
    entry = PageLogEntry.objects.get(page=exits, action=REVIEWED_ACTION)
    assert (entry.user, entry.revision_id) == (reviewer, exits.live_revision_id)
    history = browser.get(reverse("wagtailadmin_pages:history", args=[exits.pk]))
    assert "Marked as reviewed" in history.content.decode()


def test_an_editors_save_and_publish_are_not_reviews(exits, editor, reviewer, admin_user):
    with time_machine.travel(MONDAY, tick=False):
        mark_reviewed(logged_in(reviewer), exits)
    reviewed = reload(exits)

    # A typo fix: the editor saves a draft, an administrator publishes it directly.
    logged_in(editor).post(
        reverse("wagtailadmin_pages:edit", args=[exits.pk]),
        topic_form(exits, "Exits take seven days. (Typo fixed.)"),
    )
    reload(exits).get_latest_revision().publish(user=admin_user)

    fixed = reload(exits)
    assert "Typo fixed" in fixed.body[0].value.source
    assert (fixed.last_reviewed, fixed.last_reviewed_by, fixed.review_due) == (
        reviewed.last_reviewed,
        reviewer,
        reviewed.review_due,
    )


def test_a_draft_written_before_the_review_keeps_it_when_published(exits, editor, reviewer):
    logged_in(editor).post(
        reverse("wagtailadmin_pages:edit", args=[exits.pk]),
        topic_form(exits, "A draft from before the review."),
    )
    with time_machine.travel(MONDAY, tick=False):
        mark_reviewed(logged_in(reviewer), exits)

    reload(exits).get_latest_revision().publish()

    published = reload(exits)
    assert "before the review" in published.body[0].value.source
    assert published.last_reviewed == MONDAY
    assert published.review_due == datetime.date(2027, 5, 30)
    # Restoring an old revision does not undo the review either.
    published.revisions.order_by("created_at").first().publish()
    assert reload(exits).last_reviewed == MONDAY


def test_the_schedule_sets_each_page_types_interval(home, faq_category, exits, reviewer):
    faq = make_faq(make_faq_index(home), faq_category, title="Can I exit?", slug="can-i-exit")
    schedule = ReviewSchedule.for_site(Site.objects.get(is_default_site=True))
    schedule.topic_page_days = 30
    schedule.save()

    with time_machine.travel(MONDAY, tick=False):
        mark_reviewed(logged_in(reviewer), exits)
        mark_reviewed(logged_in(reviewer), faq)

    assert TopicPage.objects.get(pk=exits.pk).review_due == datetime.date(2027, 3, 31)
    assert FaqPage.objects.get(pk=faq.pk).review_due == datetime.date(2027, 8, 28)  # 180 days


def test_a_date_the_editor_chose_stands_until_it_passes(exits, editor, reviewer):
    chosen = datetime.date(2027, 9, 15)
    with time_machine.travel(MONDAY, tick=False):
        response = logged_in(editor).post(
            reverse("wagtailadmin_pages:edit", args=[exits.pk]),
            topic_form(exits, "Exits.", "submit", review_due=chosen.isoformat()),
        )
        assert response.status_code == 302
        task_state = reload(exits).current_workflow_task_state
        workflow_action(logged_in(reviewer), exits, "approve", task_state)
    assert reload(exits).review_due == chosen
    assert reload(exits).review_due_set_by_editor

    # Reviewed again after the chosen date: the schedule takes over.
    with time_machine.travel(datetime.datetime(2027, 10, 1, 10, tzinfo=datetime.UTC), tick=False):
        mark_reviewed(logged_in(reviewer), exits)
    exits = reload(exits)
    assert exits.review_due == datetime.date(2027, 12, 30)
    assert not exits.review_due_set_by_editor


def refused(response):
    """Wagtail's answer to a permission the user lacks: back to the dashboard, with a message."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def test_only_those_who_may_publish_mark_a_page_reviewed(client, exits, editor, section):
    url = reverse("mark_page_reviewed", args=[exits.pk])

    assert refused(logged_in(editor).get(url))
    assert refused(mark_reviewed(logged_in(editor), exits))
    assert reverse("wagtailadmin_login") in client.post(url)["Location"]
    assert reload(exits).last_reviewed is None
    assert not PageLogEntry.objects.filter(action=REVIEWED_ACTION).exists()


def test_a_page_never_published_cannot_be_marked_reviewed(section, reviewer):
    draft = make_topic(section, title="Draft", slug="draft")
    draft.unpublish()
    assert refused(mark_reviewed(logged_in(reviewer), draft))
    assert reload(draft).last_reviewed is None


def test_the_editor_offers_mark_as_reviewed_to_reviewers_only(exits, editor, reviewer):
    edit = reverse("wagtailadmin_pages:edit", args=[exits.pk])
    mark = reverse("mark_page_reviewed", args=[exits.pk])
    assert mark in logged_in(reviewer).get(edit).content.decode()
    assert mark not in logged_in(editor).get(edit).content.decode()


def test_a_review_purges_the_readers_copy(
    client, exits, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.KB_PAGE_CACHE_SECONDS = 3600
    # The fixtures' pages as if committed (a test runs in one transaction).
    with django_capture_on_commit_callbacks(execute=True):
        purge_after_commit(everything=True)
    client.get(exits.url)
    assert client.get(exits.url)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        mark_reviewed(logged_in(reviewer), exits)

    response = client.get(exits.url)
    assert response["X-Page-Cache"] == "MISS"
    assert "Last reviewed" in response.content.decode()


# What readers see --------------------------------------------------------------------------------


def page_html(client, page):
    return BeautifulSoup(client.get(page.url).content, "html.parser")


def test_readers_see_last_reviewed_beside_last_updated(client, exits, reviewer):
    assert "Last reviewed" not in page_html(client, exits).find(class_="last-updated").get_text()
    with time_machine.travel(MONDAY, tick=False):
        mark_reviewed(logged_in(reviewer), exits)

    line = " ".join(page_html(client, exits).find(class_="last-updated").get_text().split())
    assert line.startswith("Last updated ")
    assert "· Last reviewed 1 March 2027 ·" in line


def test_past_its_review_date_the_page_may_be_out_of_date(client, exits, reviewer):
    with time_machine.travel(MONDAY, tick=False):
        mark_reviewed(logged_in(reviewer), exits)

    with time_machine.travel(datetime.datetime(2027, 5, 30, 12, tzinfo=datetime.UTC)):
        assert page_html(client, exits).find(class_="out-of-date-banner") is None
    with time_machine.travel(datetime.datetime(2027, 5, 31, 12, tzinfo=datetime.UTC)):
        html = page_html(client, exits)
    banner = html.find(class_="out-of-date-banner")
    text = " ".join(banner.get_text().split())
    assert text == (
        "This page may be out of date. Its review was due on 30 May 2027, "
        "and was last reviewed on 1 March 2027."
    )
    # Not the in-development banner: that one is the editors' flag.
    assert html.find(class_="development-banner") is None


def test_both_banners_show_when_both_apply(client, section):
    page = make_topic(
        section,
        title="Fees",
        slug="fees",
        in_development=True,
        review_due=timezone.localdate() - datetime.timedelta(days=1),
    )
    html = page_html(client, page)
    assert html.find(class_="development-banner") and html.find(class_="out-of-date-banner")


@pytest.fixture
def overdue(section):
    return make_topic(
        section,
        title="Plasma exits",
        slug="plasma-exits",
        summary="Exits on plasma.",
        review_due=timezone.localdate() - datetime.timedelta(days=3),
    )


def test_search_results_say_a_page_may_be_out_of_date(client, overdue, exits):
    html = BeautifulSoup(client.get("/search/", {"q": "exits"}).content, "html.parser")
    results = {
        item.find("a").get_text(strip=True): item.find(class_="badge--out-of-date")
        for item in html.select("ol.search-results > li")
    }
    assert results["Plasma exits"].get_text() == "May be out of date"
    assert results["Exits"] is None


def test_the_api_says_so(client, overdue, exits):
    listing = client.get("/api/v2/pages/", {"type": "pages.TopicPage", "fields": "*"}).json()
    by_title = {item["title"]: item for item in listing["items"]}
    assert by_title["Plasma exits"]["may_be_out_of_date"] is True
    assert by_title["Exits"]["may_be_out_of_date"] is False
    assert "last_reviewed" in by_title["Exits"]


def front_matter(markdown):
    _, block, _ = markdown.split("---\n", 2)
    return yaml.safe_load(block)


def test_the_markdown_view_says_so(client, overdue, exits, reviewer):
    with time_machine.travel(MONDAY, tick=False):
        mark_reviewed(logged_in(reviewer), exits)

    overdue_md = front_matter(client.get(markdown_url(overdue.url)).content.decode())
    reviewed_md = front_matter(client.get(markdown_url(exits.url)).content.decode())

    assert overdue_md["may_be_out_of_date"] is True
    assert "may_be_out_of_date" not in reviewed_md
    assert reviewed_md["last_reviewed"] == datetime.date(2027, 3, 1)


def test_llms_txt_says_so(client, overdue, exits):
    lines = client.get("/llms.txt").getvalue().decode().splitlines()
    overdue_line = next(line for line in lines if "[Plasma exits]" in line)
    exits_line = next(line for line in lines if "[Exits]" in line)
    assert "may be out of date" in overdue_line
    assert "may be out of date" not in exits_line


def test_a_reviewed_page_renders_in_the_same_queries(client, exits, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(exits.url)
    with CaptureQueriesContext(connection) as before:
        client.get(exits.url)
    mark_reviewed(logged_in(reviewer), exits)
    client.get(exits.url)
    with CaptureQueriesContext(connection) as after:
        client.get(exits.url)
    assert len(after) == len(before)


# Readers' answers suggest a review ---------------------------------------------------------------


def say_not_helpful(page, times, when=None):
    PageFeedback.objects.bulk_create(
        PageFeedback(page=page, helpful=False, created_at=when or timezone.now())
        for _ in range(times)
    )


def suggested(browser):
    html = BeautifulSoup(browser.get(reverse("wagtailadmin_home")).content, "html.parser")
    section = html.find(id="needs-attention-review-suggested")
    return (
        [" ".join(row.get_text().split()) for row in section.select("tbody tr")]
        if section.find("tbody")
        else []
    )


def test_enough_not_helpful_answers_suggest_a_review_until_it_is_done(
    section, exits, reviewer, editor
):
    quiet = make_topic(section, title="Quiet", slug="quiet")
    say_not_helpful(exits, 5)
    say_not_helpful(quiet, 4)  # under the default threshold of 5
    browser = logged_in(editor)

    assert suggested(browser) == ["Exits 5 “No” answers · Mark as reviewed"]

    mark_reviewed(logged_in(reviewer), exits)
    assert suggested(browser) == []
    # Complaints after the review count again.
    say_not_helpful(exits, 5, when=timezone.now() + datetime.timedelta(seconds=1))
    assert suggested(browser) == ["Exits 5 “No” answers since its review · Mark as reviewed"]


def test_the_threshold_is_a_setting_and_old_answers_do_not_count(section, exits, editor):
    schedule = ReviewSchedule.for_site(Site.objects.get(is_default_site=True))
    schedule.not_helpful_threshold = 2
    schedule.save()
    say_not_helpful(exits, 1)
    say_not_helpful(exits, 3, when=timezone.now() - datetime.timedelta(days=31))

    assert suggested(logged_in(editor)) == []
    say_not_helpful(exits, 1)
    assert suggested(logged_in(editor)) == ["Exits 2 “No” answers · Mark as reviewed"]


def test_a_page_already_in_review_is_not_suggested(exits, editor):
    say_not_helpful(exits, 6)
    submit(logged_in(editor), exits, "Better exits.")
    assert suggested(logged_in(editor)) == []
