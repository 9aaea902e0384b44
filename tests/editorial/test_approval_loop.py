"""
The approval loop through the real admin (pages/editorial/approvals.py): a submission names a
reviewer and a date, approval tells the author what the reviewer said, a request for changes
tells everyone who took part, nobody hears anything twice, and the dashboard puts overdue reviews
first.
"""

import datetime
import logging

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate

from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.models import GroupApprovalTask, Task, Workflow, WorkflowPage, WorkflowTask
from wagtail.rich_text import RichText

from pages.editorial.dashboard import AwaitingReviewPanel, NeedsAttentionPanel
from pages.models import ReviewAssignment
from tests.conftest import logged_in, make_topic, member_of
from tests.editorial.test_editorial_workflow import edit_url, topic_form, workflow_action

pytestmark = pytest.mark.django_db

TODAY = localdate()
BASE = "http://testserver"


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def exits(section):
    return make_topic(
        section, title="Exits", body=[("text", RichText("<p>Exits take seven days.</p>"))]
    )


@pytest.fixture
def ruth(django_user_model):
    """A second reviewer, who is not named."""
    return member_of(django_user_model, "Reviewers", "ruth")


@pytest.fixture
def ada(django_user_model):
    return member_of(django_user_model, "Administrators", "ada")


def submit(browser, page, text="Exits take fourteen days.", **fields):
    """The editor submits a change through the edit form, optionally naming reviewer and date."""
    if "requested_reviewer" in fields:
        fields["requested_reviewer"] = str(fields["requested_reviewer"].pk)
    if "review_needed_by" in fields:
        fields["review_needed_by"] = fields["review_needed_by"].isoformat()
    response = browser.post(edit_url(page), topic_form(page, text, "submit", **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    return page.current_workflow_task_state


def sent(to):
    """The one message sent to `to`."""
    messages = [message for message in mail.outbox if message.to == [to.email]]
    assert len(messages) == 1, [(m.to, m.subject) for m in mail.outbox]
    return messages[0]


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


# Submission: the named reviewer is asked in person, the rest of the group as before.


def test_a_named_reviewer_is_asked_in_person_and_not_twice(exits, editor, reviewer, ruth):
    task_state = submit(
        logged_in(editor), exits, requested_reviewer=reviewer, review_needed_by=days(3)
    )

    assignment = ReviewAssignment.objects.get(task_state=task_state)
    assert (assignment.reviewer, assignment.due_date) == (reviewer, days(3))
    # Rita hears once, in person; Ruth gets Wagtail's email to the group; the editor nothing.
    assert recipients() == [reviewer.email, ruth.email]
    request = sent(reviewer)
    assert request.subject == f'eddie asked you to review "Exits" by {days(3):%-d %B %Y}'
    assert f'by {days(3):%-d %B %Y} ("Reviewer approval" in the "Editorial review"' in (
        request.body
    )
    assert f"{BASE}/admin/pages/{exits.pk}/edit/" in request.body
    preview = reverse("wagtailadmin_pages:workflow_preview", args=[exits.pk, task_state.task_id])
    assert BASE + preview in request.body
    compare = reverse(
        "wagtailadmin_pages:revisions_compare", args=[exits.pk, "live", task_state.revision_id]
    )
    assert BASE + compare in request.body
    assert sent(ruth).subject == 'Please review "Exits" ("Reviewer approval")'


def test_without_a_named_reviewer_the_whole_group_is_emailed(exits, editor, reviewer, ruth):
    task_state = submit(logged_in(editor), exits)

    assignment = ReviewAssignment.objects.get(task_state=task_state)
    assert (assignment.reviewer, assignment.due_date) == (None, None)
    assert recipients() == [reviewer.email, ruth.email]
    assert all("asked you" not in message.subject for message in mail.outbox)


def test_the_form_refuses_a_reviewer_who_cannot_approve(exits, editor, reviewer, ada):
    # Administrators are taken off the task: Ada is still offered (she is in a review group)
    # but could never approve this page.
    task = GroupApprovalTask.objects.get(name="Reviewer approval")
    task.groups.remove(Group.objects.get(name="Administrators"))

    response = logged_in(editor).post(
        edit_url(exits),
        topic_form(exits, "Exits take one day.", "submit", requested_reviewer=str(ada.pk)),
    )

    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select_one(
        "[data-contentpath=requested_reviewer]"
    )
    assert "ada cannot approve changes to this page. Choose someone in Reviewers" in (
        errors.get_text(" ", strip=True)
    )
    exits.refresh_from_db()
    assert exits.current_workflow_task_state is None
    assert mail.outbox == []


def test_an_editor_cannot_be_named_as_reviewer(exits, editor, django_user_model):
    other_editor = member_of(django_user_model, "Editors", "emma")

    response = logged_in(editor).post(
        edit_url(exits),
        topic_form(exits, "Exits take one day.", "submit", requested_reviewer=str(other_editor.pk)),
    )

    assert response.status_code == 200
    exits.refresh_from_db()
    assert exits.current_workflow_task_state is None
    assert mail.outbox == []


def test_a_submission_outside_the_form_ignores_a_reviewer_who_cannot_approve(
    exits, editor, reviewer, ada, caplog
):
    task = GroupApprovalTask.objects.get(name="Reviewer approval")
    task.groups.remove(Group.objects.get(name="Administrators"))
    exits.requested_reviewer = ada
    exits.save_revision(user=editor)

    with caplog.at_level(logging.WARNING, logger="pages.editorial.approvals"):
        Workflow.objects.get(name="Editorial review").start(exits, user=editor)

    assignment = ReviewAssignment.objects.get(task_state=exits.current_workflow_task_state)
    assert assignment.reviewer is None
    assert "ada was asked to review Exits but cannot act" in caplog.text
    # The task goes to its group as if nobody had been named.
    assert recipients() == [reviewer.email]


# Approval: the author hears what the reviewer said.


def test_approval_with_a_comment_emails_the_author_with_it(exits, editor, reviewer):
    task_state = submit(logged_in(editor), exits, requested_reviewer=reviewer)
    mail.outbox.clear()
    comment = "Checked against the v2 contracts & the FAQ. Don't forget the diagram."

    workflow_action(logged_in(reviewer), exits, "approve", task_state, comment=comment)

    assert exits.live_revision_id == task_state.revision_id
    assert recipients() == [editor.email]
    approval = sent(editor)
    assert approval.subject == '"Exits" was approved by rita, with a comment'
    # Verbatim: a plain-text email escapes nothing.
    assert f"rita's comment:\n\n{comment}\n" in approval.body
    assert f"View the page: {exits.full_url}" in approval.body


def test_approval_without_a_comment_still_tells_the_author_once(exits, editor, reviewer):
    task_state = submit(logged_in(editor), exits)
    mail.outbox.clear()

    workflow_action(logged_in(reviewer), exits, "approve", task_state)

    assert recipients() == [editor.email]
    approval = sent(editor)
    assert approval.subject == '"Exits" was approved by rita'
    assert "comment" not in approval.body
    assert "and is live" in approval.body


def test_approval_tells_the_submitter_and_the_drafts_author_each_once(
    exits, editor, reviewer, django_user_model
):
    # Emma wrote the draft; Eddie submitted it.
    emma = member_of(django_user_model, "Editors", "emma")
    exits.body = [("text", RichText("<p>Exits take two weeks.</p>"))]
    exits.save_revision(user=emma)
    Workflow.objects.get(name="Editorial review").start(exits, user=editor)
    mail.outbox.clear()

    workflow_action(
        logged_in(reviewer), exits, "approve", exits.current_workflow_task_state, comment="Good."
    )

    assert recipients() == sorted([editor.email, emma.email])
    assert "Good." in sent(emma).body and "Good." in sent(editor).body


def test_a_hostile_comment_is_escaped_in_html_and_verbatim_in_text(
    exits, editor, reviewer, settings
):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    task_state = submit(logged_in(editor), exits)
    mail.outbox.clear()
    hostile = '<script>alert("pwned")</script> <a href="https://evil.example">click</a> & more'

    workflow_action(logged_in(reviewer), exits, "approve", task_state, comment=hostile)

    approval = sent(editor)
    html = html_of(approval)
    assert "<script>" not in html and '<a href="https://evil.example">' not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    assert "&amp; more" in html
    assert hostile in approval.body


# Requests for changes: the author and everyone who took part, each once.


@pytest.fixture
def two_step_review(exits):
    """Exits alone goes through a fact check (Reviewers), then a sign-off (Administrators)."""
    workflow = Workflow.objects.create(name="Two-step review")
    for order, (name, group) in enumerate(
        [("Fact check", "Reviewers"), ("Sign-off", "Administrators")]
    ):
        task = GroupApprovalTask.objects.create(name=name)
        task.groups.set([Group.objects.get(name=group)])
        WorkflowTask.objects.create(
            workflow=workflow, task=Task.objects.get(pk=task.pk), sort_order=order
        )
    WorkflowPage.objects.create(page=exits, workflow=workflow)
    return workflow


def test_a_request_for_changes_tells_the_author_and_earlier_reviewers_once(
    exits, editor, reviewer, ada, django_user_model, two_step_review, settings
):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    adam = member_of(django_user_model, "Administrators", "adam")
    editor_browser = logged_in(editor)
    fact_check = submit(editor_browser, exits)
    mail.outbox.clear()

    # Rita passes the fact check with a comment: Eddie hears it, the sign-off group is asked.
    workflow_action(logged_in(reviewer), exits, "approve", fact_check, comment="Facts check out.")
    assert recipients() == sorted([editor.email, ada.email, adam.email])
    step = sent(editor)
    assert step.subject == '"Exits" passed "Fact check" by rita, with a comment'
    assert 'it now waits for "Sign-off"' in step.body and "Facts check out." in step.body
    mail.outbox.clear()

    # Ada sends it back: Eddie and Rita (who approved the fact check) hear it; Ada does not.
    sign_off = exits.current_workflow_task_state
    workflow_action(logged_in(ada), exits, "reject", sign_off, comment="Cite <the> source.")
    assert recipients() == sorted([editor.email, reviewer.email])
    for person in (editor, reviewer):
        rejection = sent(person)
        assert rejection.subject == 'Changes requested on "Exits" by ada'
        assert "ada's comment:\n\nCite <the> source.\n" in rejection.body
        assert "Cite &lt;the&gt; source." in html_of(rejection)
    assert "you acted on an earlier step" not in sent(editor).body
    assert "you acted on an earlier step" in sent(reviewer).body
    mail.outbox.clear()

    # Eddie resubmits; this time Adam sends it back. Ada, who sent it back before, hears it too.
    resubmitted = submit(editor_browser, exits, "Exits take fourteen days (see the contract).")
    assert resubmitted.task.name == "Sign-off"
    mail.outbox.clear()
    workflow_action(logged_in(adam), exits, "reject", resubmitted, comment="Still no source.")

    assert recipients() == sorted([editor.email, reviewer.email, ada.email])
    assert all("Still no source." in message.body for message in mail.outbox)


def test_a_request_for_changes_never_emails_the_reviewer_who_made_it(exits, reviewer):
    # A reviewer submits their own change and then sends it back themselves.
    task_state = submit(logged_in(reviewer), exits)
    mail.outbox.clear()

    workflow_action(logged_in(reviewer), exits, "reject", task_state, comment="Not yet.")

    assert mail.outbox == []


# The dashboard: overdue first, with the due date and the named reviewer.


@pytest.fixture
def queue(section, editor, reviewer):
    """Five drafts awaiting review, submitted in this order."""
    browser = logged_in(editor)
    plan = [
        ("Undated first", {}),
        ("Due later", {"review_needed_by": days(10)}),
        ("Long overdue", {"review_needed_by": days(-5), "requested_reviewer": reviewer}),
        ("Overdue", {"review_needed_by": days(-1)}),
        ("Undated second", {"requested_reviewer": reviewer}),
    ]
    for title, fields in plan:
        submit(browser, make_topic(section, title=title), **fields)
    return ["Long overdue", "Overdue", "Due later", "Undated first", "Undated second"]


def dashboard(user):
    response = logged_in(user).get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def rows(html, selector):
    """{title: row text} of a dashboard list, in its order."""
    return {
        row.select_one("td.title a").get_text(strip=True): row.get_text(" ", strip=True)
        for row in html.select(f"{selector} tbody tr")
    }


@pytest.mark.parametrize(
    "selector", ["#needs-attention-awaiting-your-review", "#awaiting-review-section"]
)
def test_the_dashboard_lists_overdue_reviews_first(queue, reviewer, ruth, selector):
    for_rita = rows(dashboard(reviewer), selector)
    for_ruth = rows(dashboard(ruth), selector)

    assert list(for_rita) == list(for_ruth) == queue
    assert f"Due {days(-5):%-d %B %Y} Overdue" in for_rita["Long overdue"]
    assert "Overdue" in for_rita["Overdue"]
    assert f"Due {days(10):%-d %B %Y}" in for_rita["Due later"]
    assert "Overdue" not in for_rita["Due later"] and "Due" not in for_rita["Undated first"]
    # The named reviewer sees the task as theirs; others see whom it was asked of.
    assert "Assigned to you" in for_rita["Long overdue"]
    assert "Assigned to you" in for_rita["Undated second"]
    assert "Assigned to you" not in for_rita["Overdue"]
    assert "Asked of rita" in for_ruth["Long overdue"]
    assert "Assigned to you" not in for_ruth["Long overdue"]


def test_the_awaiting_review_panel_keeps_wagtails_rows_and_actions(queue, reviewer):
    panel = dashboard(reviewer).select_one("#awaiting-review-section")

    assert panel.select_one("h2").get_text(strip=True) == "Awaiting your review"
    for row in panel.select("tbody tr"):
        assert row.select_one("[data-workflow-action-url]") is not None


def render_needs_attention(user):
    request = RequestFactory().get(reverse("wagtailadmin_home"))
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        NeedsAttentionPanel().render_html({"request": request})
    return len(queries)


def test_due_dates_and_reviewers_cost_no_query_per_draft(section, editor, reviewer):
    browser = logged_in(editor)
    submit(browser, make_topic(section, title="First"), review_needed_by=days(-1))
    render_needs_attention(reviewer)  # Warm the process-wide caches.
    one = render_needs_attention(reviewer)
    for number in range(4):
        submit(
            browser,
            make_topic(section, title=f"Draft {number}"),
            review_needed_by=days(number),
            requested_reviewer=reviewer,
        )

    assert render_needs_attention(reviewer) == one


def test_the_awaiting_review_panel_costs_one_query_more_than_wagtails(queue, reviewer):
    request = RequestFactory().get(reverse("wagtailadmin_home"))
    request.user = reviewer
    context = {"request": request, "csrf_token": "token"}

    def queries(panel):
        with CaptureQueriesContext(connection) as captured:
            states = panel.get_context_data(context)["states"]
        assert len(states) == 5
        return len(captured)

    queries(WorkflowObjectsToModeratePanel())  # Warm the process-wide caches.
    wagtails = queries(WorkflowObjectsToModeratePanel())
    assert queries(AwaitingReviewPanel()) == wagtails + 1
