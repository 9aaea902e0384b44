"""
Triage of readers' answers in Reports → Reader feedback: an editor marks an answer handled, with
the version of the page that addressed it or none, and can open it again; handled answers leave
the dashboard's "Least helpful pages" and "Suggested for review"; only those who may edit the
page may triage its answers, and a refused triage changes nothing.
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail.rich_text import RichText

from pages.models import PageFeedback
from tests.conftest import editor_of_only, logged_in, make_section, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def fees(section):
    return make_topic(section, title="Fees", slug="fees")


def say(page, helpful, comment="", minutes_ago=0):
    """A reader's answer about the page's live version, now unless told."""
    return PageFeedback.objects.create(
        page=page,
        helpful=helpful,
        comment=comment,
        revision_id=page.live_revision_id,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def publish_fix(page, text, note, user=None):
    """A new version of the page, published, with its "What changed" note."""
    page = type(page).objects.get(pk=page.pk)
    page.body = [("text", RichText(f"<p>{text}</p>"))]
    page.change_note = note
    revision = page.save_revision(user=user)
    revision.publish()
    return revision


def answers_page(browser, page, **query):
    response = browser.get(reverse("reader_feedback_page", args=[page.pk]), query)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def answer_rows(html):
    """Each answer row's cells as text, and its triage cell."""
    rows = html.select("table.listing tbody tr")
    return [
        ([" ".join(cell.get_text().split()) for cell in row.find_all("td")], row) for row in rows
    ]


def mark_handled(browser, answer, **data):
    return browser.post(reverse("reader_feedback_mark_handled", args=[answer.pk]), data)


def least_helpful(browser):
    html = BeautifulSoup(browser.get(reverse("wagtailadmin_home")).content, "html.parser")
    section = html.find(id="needs-attention-least-helpful")
    return [link.get_text(strip=True) for link in section.select("td.title a")]


def suggested(browser):
    html = BeautifulSoup(browser.get(reverse("wagtailadmin_home")).content, "html.parser")
    section = html.find(id="needs-attention-review-suggested")
    return [link.get_text(strip=True) for link in section.select("td.title a")]


def test_an_answer_offers_the_versions_saved_after_it_newest_first(fees, editor):
    complaint = say(fees, False, "Which fees?")
    first = publish_fix(fees, "Fees are 0.1 OMG.", "Named the fee")
    second = publish_fix(fees, "Fees are 0.1 OMG, paid in ETH.", "Said how fees are paid")

    html = answers_page(logged_in(editor), fees)

    form = html.select_one(
        f"form[action='{reverse('reader_feedback_mark_handled', args=[complaint.pk])}']"
    )
    options = [(o["value"], o.get_text(" ", strip=True)) for o in form.select("option")]
    assert [value for value, _ in options] == ["", str(second.pk), str(first.pk)]
    assert "“Said how fees are paid”" in options[1][1] and "live" in options[1][1]
    assert "“Named the fee”" in options[2][1]
    # The live version, being newer than the answer, is chosen already.
    assert form.select_one("option[selected]")["value"] == str(second.pk)
    # The version the reader saw is older than the answer: it is not offered.
    assert str(complaint.revision_id) not in [value for value, _ in options]


def test_mark_handled_with_the_version_that_addressed_it(fees, editor):
    complaint = say(fees, False, "Which fees?")
    fix = publish_fix(fees, "Fees are 0.1 OMG.", "Named the fee")
    browser = logged_in(editor)

    response = mark_handled(browser, complaint, **{f"answer-{complaint.pk}-addressed_by": fix.pk})

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.handled_at is not None
    assert complaint.handled_by == editor
    assert complaint.addressed_by == fix
    # Gone from the open answers, shown among the handled ones with a link comparing the
    # version the reader saw with the fix.
    assert answer_rows(answers_page(browser, fees)) == []
    [(cells, row)] = answer_rows(answers_page(browser, fees, status="handled"))
    assert cells[-1].startswith(
        f"Handled by eddie on {timezone.localdate():%-d %B %Y} — addressed by version of"
    )
    compare = reverse(
        "wagtailadmin_pages:revisions_compare", args=[fees.pk, complaint.revision_id, fix.pk]
    )
    assert row.select_one("[data-handled] a")["href"] == compare
    assert browser.get(compare).status_code == 200


def test_mark_handled_without_a_version(fees, editor):
    complaint = say(fees, False, "Seems fine to me now.")

    mark_handled(logged_in(editor), complaint, **{f"answer-{complaint.pk}-addressed_by": ""})

    complaint.refresh_from_db()
    assert complaint.handled_by == editor
    assert complaint.addressed_by is None


def test_a_version_of_another_page_or_from_before_the_answer_is_refused(section, fees, editor):
    other = make_topic(section, title="Deposits", slug="deposits")
    complaint = say(fees, False, "Which fees?")
    browser = logged_in(editor)

    for version in (other.live_revision_id, fees.live_revision_id, "nonsense"):
        response = mark_handled(
            browser, complaint, **{f"answer-{complaint.pk}-addressed_by": version}
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.handled_at is None and complaint.addressed_by is None

    html = answers_page(browser, fees)
    assert "Nothing was changed" in html.get_text()


def test_reopen_a_handled_answer(fees, editor):
    complaint = say(fees, False, "Which fees?")
    browser = logged_in(editor)
    mark_handled(browser, complaint)
    complaint.refresh_from_db()
    assert complaint.handled_at is not None

    response = browser.post(
        reverse("reader_feedback_mark_unhandled", args=[complaint.pk]),
        {"next": reverse("reader_feedback_page", args=[fees.pk]) + "?status=handled"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?status=handled")
    complaint.refresh_from_db()
    assert (complaint.handled_at, complaint.handled_by, complaint.addressed_by) == (None,) * 3
    [(cells, row)] = answer_rows(answers_page(browser, fees))
    assert row.select_one("form[data-mark-handled]") is not None


def test_the_filter_shows_open_handled_or_all_answers(fees, editor):
    handled = say(fees, False, "Which fees?", minutes_ago=30)
    say(fees, False, "An example, please", minutes_ago=20)
    say(fees, True, minutes_ago=10)  # a "Yes" that says nothing: nothing to triage
    say(fees, True, "Clear, thanks", minutes_ago=5)
    browser = logged_in(editor)
    mark_handled(browser, handled)

    def comments(**query):
        return [cells[2] for cells, _ in answer_rows(answers_page(browser, fees, **query))]

    assert comments() == ["Clear, thanks", "An example, please"]
    assert comments(status="open") == comments()
    assert comments(status="handled") == ["Which fees?"]
    assert comments(status="all") == ["Clear, thanks", "", "An example, please", "Which fees?"]


def test_the_next_url_must_be_this_site(fees, editor):
    complaint = say(fees, False)

    response = mark_handled(logged_in(editor), complaint, next="https://evil.example/")

    assert response["Location"] == reverse("reader_feedback_page", args=[fees.pk])


def test_get_is_refused(fees, editor):
    complaint = say(fees, False)
    url = reverse("reader_feedback_mark_handled", args=[complaint.pk])

    assert logged_in(editor).get(url).status_code == 405
    complaint.refresh_from_db()
    assert complaint.handled_at is None


def test_someone_who_may_not_edit_the_page_is_refused(home, fees, django_user_model):
    # A user who may edit only another section sees neither the form nor may post it.
    wallets = make_section(home, title="Wallets", slug="wallets")
    outsider = editor_of_only(django_user_model, wallets)
    complaint = say(fees, False, "Which fees?")
    fix = publish_fix(fees, "Fees are 0.1 OMG.", "Named the fee")

    response = mark_handled(
        logged_in(outsider), complaint, **{f"answer-{complaint.pk}-addressed_by": fix.pk}
    )

    # Refused as the admin refuses: back to the dashboard, with nothing changed.
    assert (response.status_code, response.url) == (302, reverse("wagtailadmin_home"))
    complaint.refresh_from_db()
    assert (complaint.handled_at, complaint.handled_by, complaint.addressed_by) == (None,) * 3


def test_the_forms_carry_the_csrf_token_and_a_post_without_it_is_refused(fees, editor):
    complaint = say(fees, False)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    assert mark_handled(browser, complaint).status_code == 403
    complaint.refresh_from_db()
    assert complaint.handled_at is None

    # The form as the answers list renders it is accepted.
    form = answers_page(browser, fees).select_one("form[data-mark-handled]")
    data = {field["name"]: field.get("value", "") for field in form.select("input")}
    assert data["csrfmiddlewaretoken"]
    assert browser.post(form["action"], data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.handled_by == editor

    form = answers_page(browser, fees, status="handled").select_one("[data-triage] form")
    data = {field["name"]: field.get("value", "") for field in form.select("input")}
    assert browser.post(form["action"], data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.handled_at is None


def test_handled_answers_leave_least_helpful_and_suggested_for_review(fees, editor):
    complaints = [say(fees, False, f"Complaint {n}") for n in range(5)]
    say(fees, True)
    browser = logged_in(editor)
    assert least_helpful(browser) == ["Fees"]
    assert suggested(browser) == ["Fees"]

    for complaint in complaints[:2]:
        mark_handled(browser, complaint)
    # Three open "No" answers: still least helpful, but under the five that suggest a review.
    assert least_helpful(browser) == ["Fees"]
    assert suggested(browser) == []

    for complaint in complaints[2:]:
        mark_handled(browser, complaint)
    assert least_helpful(browser) == []
    # New "No" answers bring it back once there are enough open answers to rank.
    say(fees, False, minutes_ago=1)
    say(fees, False, minutes_ago=1)
    assert least_helpful(browser) == ["Fees"]


def test_the_report_still_counts_every_answer(fees, editor):
    complaint = say(fees, False, "Which fees?")
    say(fees, True)
    browser = logged_in(editor)
    mark_handled(browser, complaint)

    html = BeautifulSoup(browser.get(reverse("reader_feedback")).content, "html.parser")
    row = [cell.get_text(" ", strip=True) for cell in html.select("table.listing tbody td")]
    assert row[:4] == ["Fees", "2", "50% (1 of 2)", "1"]


def test_the_answers_list_takes_the_same_queries_for_many_answers(
    fees, editor, django_assert_max_num_queries
):
    for number in range(3):
        publish_fix(fees, f"Version {number}", f"Change {number}")
    browser = logged_in(editor)
    for _ in range(3):
        say(fees, False, "Which fees?", minutes_ago=120)
    browser.get(reverse("reader_feedback_page", args=[fees.pk]))

    with django_assert_max_num_queries(30) as few:
        answers_page(browser, fees)
    for _ in range(30):
        say(fees, False, "Which fees?", minutes_ago=120)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = answers_page(browser, fees)
    assert len(html.select("form[data-mark-handled]")) == 33


def test_readers_never_see_triage(client, fees, editor):
    complaint = say(fees, False, "Which fees?")
    mark_handled(logged_in(editor), complaint)

    assert "Handled" not in client.get(fees.url).content.decode()
    response = client.post(reverse("reader_feedback_mark_unhandled", args=[complaint.pk]))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]
    complaint.refresh_from_db()
    assert complaint.handled_at is not None
