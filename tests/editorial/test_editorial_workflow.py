"""
The editorial workflow through the real admin: editors draft and submit, reviewers approve or
reject, readers see only what was approved, and every step is in the page's history.
"""

import datetime

import pytest
from bs4 import BeautifulSoup

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.models import EditingSession
from wagtail.models import PageLogEntry, Revision, Workflow, WorkflowPage
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.models import TopicPage
from tests.conftest import logged_in, make_topic, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def exits(section):
    return make_topic(
        section,
        title="Exits",
        in_development=True,
        body=[("text", RichText("<p>Exits take seven days.</p>"))],
    )


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def topic_form(page, text, action=None, **fields):
    data = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        "tags": "",
        "body": streamfield([("text", rich_text(f"<p>{text}</p>"))]),
        **fields,
    }
    if action:
        data[f"action-{action}"] = action
    return nested_form_data(data)


def submit(editor_browser, page, text, note=""):
    response = editor_browser.post(
        edit_url(page), topic_form(page, text, "submit", change_note=note)
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    page.refresh_from_db()
    return page.current_workflow_task_state


def workflow_action(reviewer_browser, page, action, task_state, comment=""):
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    response = reviewer_browser.post(url, {"comment": comment})
    assert response.status_code == 302
    page.refresh_from_db()
    return response


def body_text(revision):
    return BeautifulSoup(revision.as_object().body[0].value.source, "html.parser").get_text()


def reader_sees(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_an_editors_change_goes_live_only_when_a_reviewer_approves(client, exits, editor, reviewer):
    editor_browser, reviewer_browser = logged_in(editor), logged_in(reviewer)

    # The editor clears the development flag, rewrites the body, says why, and submits.
    task_state = submit(editor_browser, exits, "Exits take fourteen days.", "Longer exit window.")

    assert task_state is not None and task_state.task.name == "Reviewer approval"
    page = reader_sees(client, exits)
    assert "Exits take seven days." in page.get_text()
    assert page.select_one(".development-banner") is not None
    assert [message.to for message in mail.outbox] == [[reviewer.email]]
    assert "Exits" in mail.outbox[0].subject

    dashboard = reviewer_browser.get(reverse("wagtailadmin_home")).content.decode()
    assert "Awaiting your review" in dashboard and edit_url(exits) in dashboard
    latest = exits.latest_revision
    compare = reviewer_browser.get(
        reverse(
            "wagtailadmin_pages:revisions_compare",
            args=[exits.pk, exits.live_revision_id, latest.pk],
        )
    )
    assert compare.status_code == 200
    assert "fourteen" in compare.content.decode() and "seven" in compare.content.decode()

    mail.outbox.clear()
    workflow_action(reviewer_browser, exits, "approve", task_state)

    page = reader_sees(client, exits)
    assert "Exits take fourteen days." in page.get_text()
    assert page.select_one(".development-banner") is None
    assert [message.to for message in mail.outbox] == [[editor.email]]
    history = BeautifulSoup(client.get(exits.url + "history/").content, "html.parser")
    assert history.select_one(".change__note").get_text() == "Longer exit window."
    assert "Longer exit window." in client.get("/feed/").content.decode()
    admin_history = reviewer_browser.get(reverse("wagtailadmin_pages:history", args=[exits.pk]))
    assert "Comment: <em>Longer exit window.</em>" in admin_history.content.decode()

    actions = list(
        PageLogEntry.objects.filter(page=exits)
        .order_by("timestamp", "pk")
        .values_list("action", "user__username")
    )
    assert ("wagtail.workflow.start", "eddie") in actions
    assert ("wagtail.workflow.approve", "rita") in actions
    assert actions[-1] == ("wagtail.publish", "rita")


def test_a_rejected_draft_leaves_the_live_page_alone_and_tells_the_editor_why(
    client, exits, editor, reviewer
):
    editor_browser, reviewer_browser = logged_in(editor), logged_in(reviewer)
    live_revision = exits.live_revision_id
    task_state = submit(editor_browser, exits, "Exits take one day.", "Faster exits.")
    mail.outbox.clear()

    workflow_action(
        reviewer_browser, exits, "reject", task_state, comment="Which contract says one day?"
    )

    assert exits.live_revision_id == live_revision
    assert "Exits take seven days." in reader_sees(client, exits).get_text()
    assert "Faster exits." not in client.get("/whats-new/").content.decode()
    assert [message.to for message in mail.outbox] == [[editor.email]]
    assert "Which contract says one day?" in mail.outbox[0].body
    # The draft is kept for the editor, with the reviewer's comment on the edit form.
    editing = editor_browser.get(edit_url(exits)).content.decode()
    assert "Which contract says one day?" in editing
    assert body_text(exits.latest_revision) == "Exits take one day."
    rejection = PageLogEntry.objects.get(page=exits, action="wagtail.workflow.reject")
    assert rejection.user == reviewer and rejection.timestamp is not None


def test_editors_cannot_publish_even_by_asking_the_form_to(client, exits, editor):
    response = logged_in(editor).post(
        edit_url(exits), topic_form(exits, "Exits are instant.", "publish")
    )

    exits.refresh_from_db()
    assert response.status_code in (302, 403)
    assert "Exits take seven days." in reader_sees(client, exits).get_text()
    assert not PageLogEntry.objects.filter(page=exits, action="wagtail.publish", user=editor)


def test_restoring_an_old_revision_makes_a_draft_that_goes_through_review(
    client, exits, editor, reviewer
):
    first = exits.live_revision
    exits.body = [("text", RichText("<p>Exits take ten days.</p>"))]
    exits.save_revision(user=reviewer).publish(user=reviewer)
    editor_browser = logged_in(editor)
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=[exits.pk, first.pk])

    form = editor_browser.get(revert_url)
    assert form.status_code == 200 and "Exits take seven days." in form.content.decode()
    response = editor_browser.post(
        revert_url, topic_form(exits, "Exits take seven days.", "submit")
    )

    assert response.status_code == 302
    exits.refresh_from_db()
    assert "Exits take ten days." in reader_sees(client, exits).get_text()
    assert exits.current_workflow_task_state is not None
    revert = PageLogEntry.objects.get(page=exits, action="wagtail.revert")
    assert revert.user == editor
    assert revert.data["revision"]["id"] == first.pk
    assert Revision.page_revisions.filter(object_id=str(exits.pk)).count() == 3


def test_two_editors_at_once_are_warned_and_neither_save_is_lost(exits, editor, django_user_model):
    second_editor = member_of(django_user_model, "Editors", "emma")
    first_browser, second_browser = logged_in(editor), logged_in(second_editor)
    loaded = exits.latest_revision
    first_browser.get(edit_url(exits))
    second_browser.get(edit_url(exits))
    stale = {
        "loaded_revision_id": str(loaded.pk),
        "loaded_revision_created_at": loaded.created_at.isoformat(),
    }

    first_browser.post(edit_url(exits), {**topic_form(exits, "Version one."), **stale})
    session = EditingSession.objects.filter(user=second_editor).latest("id")
    ping = second_browser.post(
        reverse(
            "wagtailadmin_editing_sessions:ping",
            args=("wagtailcore", "page", exits.pk, session.pk),
        ),
        {"revision_id": loaded.pk, "revision_created_at": loaded.created_at.isoformat()},
    )
    second_browser.post(edit_url(exits), {**topic_form(exits, "Version two."), **stale})

    # The second editor's page is told who saved a newer version before they save over it.
    others = ping.json()["other_sessions"]
    assert others[0]["user"] == "eddie" and others[0]["revision_id"] is not None
    texts = [body_text(revision) for revision in exits.revisions.order_by("created_at", "pk")]
    assert texts[-2:] == ["Version one.", "Version two."]


def test_a_locked_page_refuses_other_editors(exits, editor, django_user_model):
    second_editor = member_of(django_user_model, "Editors", "emma")
    logged_in(editor).post(reverse("wagtailadmin_pages:lock", args=[exits.pk]))
    revisions = exits.revisions.count()

    response = logged_in(second_editor).post(
        edit_url(exits), topic_form(exits, "Sneaky edit.", "submit")
    )

    exits.refresh_from_db()
    assert exits.locked and exits.locked_by == editor
    assert response.status_code in (200, 302, 403)
    assert exits.revisions.count() == revisions
    assert exits.current_workflow_task_state is None


def test_scheduled_changes_go_live_and_expire_when_the_scheduler_runs(client, exits, reviewer):
    exits.body = [("text", RichText("<p>Exits take fourteen days.</p>"))]
    exits.change_note = "From the v2 launch."
    exits.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    exits.save_revision(user=reviewer).publish(user=reviewer)

    call_command("publish_scheduled")
    assert "Exits take seven days." in reader_sees(client, exits).get_text()

    # An hour passes.
    scheduled = Revision.page_revisions.get(
        object_id=str(exits.pk), approved_go_live_at__isnull=False
    )
    scheduled.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    scheduled.content["go_live_at"] = scheduled.approved_go_live_at.isoformat()
    scheduled.save()
    call_command("publish_scheduled")
    assert "Exits take fourteen days." in reader_sees(client, exits).get_text()
    assert "From the v2 launch." in client.get("/whats-new/").content.decode()

    TopicPage.objects.filter(pk=exits.pk).update(
        expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("publish_scheduled")
    assert client.get(exits.url).status_code == 404


def test_a_reviewer_comments_on_the_exact_field_of_a_draft(exits, editor, reviewer):
    task_state = submit(logged_in(editor), exits, "Exits take one day.")
    form = topic_form(exits, "Exits take one day.")
    form.update(
        {
            "comments-TOTAL_FORMS": "1",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
            "comments-0-id": "",
            "comments-0-contentpath": "summary",
            "comments-0-position": "",
            "comments-0-text": "Say which exits: standard or in-flight?",
            "comments-0-replies-TOTAL_FORMS": "0",
            "comments-0-replies-INITIAL_FORMS": "0",
            "comments-0-replies-MIN_NUM_FORMS": "0",
            "comments-0-replies-MAX_NUM_FORMS": "1000",
        }
    )

    reviewer_browser = logged_in(reviewer)
    assert reviewer_browser.get(edit_url(exits)).status_code == 200
    response = reviewer_browser.post(edit_url(exits), form)

    assert response.status_code == 302
    comment = exits.wagtail_admin_comments.get()
    assert (comment.contentpath, comment.user) == ("summary", reviewer)
    assert "standard or in-flight" in logged_in(editor).get(edit_url(exits)).content.decode()
    exits.refresh_from_db()
    assert exits.current_workflow_task_state == task_state  # commenting is not deciding


def submit_button(editor_browser, page):
    response = editor_browser.get(edit_url(page))
    assert response.status_code == 200
    button = BeautifulSoup(response.content, "html.parser").find(
        "button", attrs={"name": "action-submit"}
    )
    return button.get_text(" ", strip=True) if button else None


def test_a_draft_goes_through_the_nearest_active_workflow_above_its_page(exits, section, editor):
    editor_browser = logged_in(editor)
    assert "Editorial review" in submit_button(editor_browser, exits)

    legal = Workflow.objects.create(name="Legal review")
    WorkflowPage.objects.create(page=section, workflow=legal)
    assert "Legal review" in submit_button(editor_browser, exits)

    # A workflow assigned to the page itself but switched off is passed over.
    retired = Workflow.objects.create(name="Retired review", active=False)
    WorkflowPage.objects.create(page=exits, workflow=retired)
    assert "Legal review" in submit_button(editor_browser, exits)

    Workflow.objects.filter(pk=legal.pk).update(active=False)
    assert "Editorial review" in submit_button(editor_browser, exits)

    Workflow.objects.update(active=False)
    assert submit_button(editor_browser, exits) is None
    assert not TopicPage.objects.get(pk=exits.pk).has_workflow


def test_the_edit_view_of_a_deep_page_stays_within_its_query_budget(
    section, editor, django_assert_max_num_queries
):
    page = section
    for depth in range(4):
        page = make_topic(page, title=f"Level {depth}", body=[("text", RichText("<p>x</p>"))])
    editor_browser = logged_in(editor)
    assert submit_button(editor_browser, page)  # the first view also records the editing session
    # 39: Wagtail's edit view and the project's panels, the page's workflow asked for in one
    # query each time (42 when Wagtail's own lookup walked the pages above).
    with django_assert_max_num_queries(40):
        assert "Editorial review" in submit_button(editor_browser, page)
