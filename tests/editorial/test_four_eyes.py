"""
The four-eyes rule (Settings → Review rules, on by default): whoever submitted or last edited a
change cannot approve it, and nobody publishes or schedules their own edits directly; with the
rule off for the site, reviewers publish as before. Everything goes through the real admin.
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from wagtail.models import PageLogEntry, Site, Task, TaskState
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.editorial.four_eyes import (
    BULK_NOT_PUBLISHED,
    NOT_APPROVED,
    NOT_PUBLISHED,
    YOU_EDITED,
    YOU_SUBMITTED,
)
from pages.models import ReviewerApprovalTask, ReviewRules, TopicPage
from tests.conftest import logged_in, make_topic, member_of
from tests.editorial.test_editorial_workflow import edit_url, topic_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def exits(section):
    return make_topic(
        section, title="Exits", body=[("text", RichText("<p>Exits take seven days.</p>"))]
    )


@pytest.fixture
def second_reviewer(django_user_model):
    return member_of(django_user_model, "Reviewers", "ralph")


@pytest.fixture
def administrator(django_user_model):
    return member_of(django_user_model, "Administrators", "ada")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "x")


def submit(browser, page, text):
    response = browser.post(edit_url(page), topic_form(page, text, "submit"))
    assert response.status_code == 302, response.content.decode()[:1000]
    page.refresh_from_db()
    return page.current_workflow_task_state


def approve(browser, page, task_state):
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    return browser.post(url, {"comment": "Looks right."})


def messages_of(response):
    # Wagtail's messages end with the room for their buttons.
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def live_text(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").get_text()


def workflow_buttons(html):
    """The workflow actions the edit form's action menu offers, by name."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        button["data-workflow-action-name"] for button in soup.select("[data-workflow-action-name]")
    }


def publish_buttons(html):
    return BeautifulSoup(html, "html.parser").select('button[name="action-publish"]')


def dashboard_actions(browser, page):
    """The action URLs "Awaiting your review" offers on `page`."""
    soup = BeautifulSoup(browser.get(reverse("wagtailadmin_home")).content, "html.parser")
    # /admin/pages/workflow/action/<page>/<action>/<task state>/
    prefix = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "a", 1]).removesuffix(
        "a/1/"
    )
    return [
        button["data-workflow-action-url"].removeprefix(prefix).split("/")[0]
        for button in soup.select("[data-workflow-action-url]")
        if button["data-workflow-action-url"].startswith(prefix)
    ]


def set_four_eyes(on):
    rules = ReviewRules.for_site(Site.objects.get(is_default_site=True))
    rules.four_eyes = on
    rules.save()


# Approving -----------------------------------------------------------------------------------


def test_the_editorial_review_task_keeps_four_eyes():
    task = Task.objects.get(name="Reviewer approval").specific
    assert isinstance(task, ReviewerApprovalTask)
    assert [group.name for group in task.groups.order_by("name")] == ["Administrators", "Reviewers"]
    # A new task of the type, made in Settings → Workflows, is of the type too.
    new_task = ReviewerApprovalTask.objects.create(name="Second look")
    assert new_task.content_type == ContentType.objects.get_for_model(
        ReviewerApprovalTask, for_concrete_model=False
    )
    assert isinstance(Task.objects.get(pk=new_task.pk).specific, ReviewerApprovalTask)


def test_a_reviewer_cannot_approve_their_own_submission(client, exits, reviewer):
    browser = logged_in(reviewer)
    task_state = submit(browser, exits, "Exits take one day.")

    # The dashboard offers to request changes, never to approve; the edit form says why.
    assert dashboard_actions(browser, exits) == ["reject"]
    editing = browser.get(edit_url(exits))
    assert workflow_buttons(editing.content.decode()) == {"reject"}
    assert YOU_SUBMITTED in messages_of(editing)

    # Posting the approval anyway is refused, and nothing goes live.
    response = approve(browser, exits, task_state)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert "Exits take seven days." in live_text(client, exits)
    assert not PageLogEntry.objects.filter(page=exits, action="wagtail.workflow.approve")


@pytest.mark.parametrize("approver", ["second_reviewer", "administrator", "superuser"])
def test_another_reviewer_or_an_administrator_approves_it(
    client, exits, reviewer, approver, request
):
    task_state = submit(logged_in(reviewer), exits, "Exits take one day.")
    browser = logged_in(request.getfixturevalue(approver))

    assert dashboard_actions(browser, exits) == ["reject", "approve", "approve"]
    response = approve(browser, exits, task_state)

    assert response.status_code == 302
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_APPROVED
    assert "Exits take one day." in live_text(client, exits)


def test_an_editors_submission_is_approved_by_a_reviewer(client, exits, editor, reviewer):
    task_state = submit(logged_in(editor), exits, "Exits take two days.")
    browser = logged_in(reviewer)

    editing = browser.get(edit_url(exits))
    assert workflow_buttons(editing.content.decode()) == {"reject", "approve"}
    assert YOU_SUBMITTED not in messages_of(editing) and YOU_EDITED not in messages_of(editing)
    approve(browser, exits, task_state)

    assert "Exits take two days." in live_text(client, exits)


def test_a_reviewer_who_edited_a_submitted_draft_cannot_approve_it(
    client, exits, editor, reviewer, second_reviewer
):
    task_state = submit(logged_in(editor), exits, "Exits take two days.")
    browser = logged_in(reviewer)

    # The reviewer improves the draft in review: they are now its latest author.
    response = browser.post(edit_url(exits), topic_form(exits, "Exits take two to three days."))
    assert response.status_code == 302

    assert dashboard_actions(browser, exits) == ["reject"]
    editing = browser.get(edit_url(exits))
    assert workflow_buttons(editing.content.decode()) == {"reject"}
    assert YOU_EDITED in messages_of(editing)
    assert approve(browser, exits, task_state)["Location"] == reverse("wagtailadmin_home")
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS

    # Another reviewer approves, and readers get the edited draft.
    approve(logged_in(second_reviewer), exits, task_state)
    assert "Exits take two to three days." in live_text(client, exits)


def test_approving_from_the_edit_form_with_edits_keeps_the_edits_as_a_draft(
    client, exits, editor, reviewer
):
    task_state = submit(logged_in(editor), exits, "Exits take two days.")
    browser = logged_in(reviewer)
    form = topic_form(exits, "Exits take two to three days.", **{"workflow-action-name": "approve"})
    form["action-workflow-action"] = "true"

    response = browser.post(edit_url(exits), form, follow=True)

    # The edits make the reviewer an author: the approval is refused, and they are told why.
    assert NOT_APPROVED in messages_of(response)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    exits.refresh_from_db()
    assert "two to three" in exits.get_latest_revision_as_object().body[0].value.source
    assert "Exits take seven days." in live_text(client, exits)


# Publishing directly ---------------------------------------------------------------------------


@pytest.mark.parametrize("publisher", ["reviewer", "administrator", "superuser"])
def test_publish_saves_a_draft_and_says_why(client, exits, publisher, request):
    browser = logged_in(request.getfixturevalue(publisher))
    live_revision = exits.live_revision_id

    # No Publish button on the form...
    assert publish_buttons(browser.get(edit_url(exits)).content.decode()) == []
    # ...and a Publish posted anyway is a draft, with everything typed kept.
    response = browser.post(edit_url(exits), topic_form(exits, "Exits are instant.", "publish"))

    assert response.status_code == 302
    assert NOT_PUBLISHED in messages_of(response)
    exits.refresh_from_db()
    assert exits.live_revision_id == live_revision and exits.has_unpublished_changes
    assert "Exits are instant." in exits.get_latest_revision_as_object().body[0].value.source
    assert "Exits take seven days." in live_text(client, exits)
    assert not PageLogEntry.objects.filter(page=exits, action="wagtail.publish").exclude(
        revision_id=live_revision
    )


def test_scheduling_a_publish_is_refused_too(exits, reviewer):
    go_live_at = timezone.localtime() + timedelta(days=2)
    form = topic_form(
        exits,
        "Exits are instant.",
        "publish",
        go_live_at=go_live_at.strftime("%Y-%m-%d %H:%M"),
    )

    response = logged_in(reviewer).post(edit_url(exits), form)

    assert NOT_PUBLISHED in messages_of(response)
    exits.refresh_from_db()
    assert exits.scheduled_revision is None
    # The date waits in the draft: it takes effect when another reviewer approves the change.
    assert exits.get_latest_revision_as_object().go_live_at is not None


def test_restoring_an_old_version_and_publishing_it_is_a_draft(exits, reviewer):
    first = exits.live_revision
    exits.body = [("text", RichText("<p>Exits take ten days.</p>"))]
    exits.save_revision(user=reviewer).publish(user=reviewer)
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=[exits.pk, first.pk])

    response = logged_in(reviewer).post(
        revert_url, topic_form(exits, "Exits take seven days.", "publish")
    )

    assert NOT_PUBLISHED in messages_of(response)
    exits.refresh_from_db()
    assert "ten days" in exits.specific.body[0].value.source


def test_a_new_page_published_directly_is_a_draft(section, reviewer):
    add_url = reverse("wagtailadmin_pages:add", args=["pages", "topicpage", section.pk])
    browser = logged_in(reviewer)
    assert publish_buttons(browser.get(add_url).content.decode()) == []
    form = nested_form_data(
        {
            "title": "Deposits",
            "slug": "deposits",
            "summary": "",
            "tags": "",
            "body": streamfield([("text", rich_text("<p>Deposits are instant.</p>"))]),
            "action-publish": "action-publish",
        }
    )

    response = browser.post(add_url, form)

    assert response.status_code == 302
    assert NOT_PUBLISHED in messages_of(response)
    page = TopicPage.objects.get(slug="deposits")
    assert not page.live


def test_bulk_publish_is_refused(section, reviewer):
    draft = make_topic(section, title="Fees", slug="fees")
    draft.unpublish()
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])

    response = logged_in(reviewer).post(f"{url}?id={draft.pk}", {"include_descendants": ""})

    assert response.status_code == 302
    assert BULK_NOT_PUBLISHED in messages_of(response)
    draft.refresh_from_db()
    assert not draft.live


def test_unpublishing_is_not_a_publish(exits, reviewer):
    response = logged_in(reviewer).post(reverse("wagtailadmin_pages:unpublish", args=[exits.pk]))

    assert response.status_code == 302
    exits.refresh_from_db()
    assert not exits.live


# The rule off ---------------------------------------------------------------------------------


def test_with_the_rule_off_reviewers_publish_and_approve_their_own(client, section, reviewer):
    set_four_eyes(False)
    exits = make_topic(section, title="Exits")
    browser = logged_in(reviewer)

    assert publish_buttons(browser.get(edit_url(exits)).content.decode())
    response = browser.post(edit_url(exits), topic_form(exits, "Exits are instant.", "publish"))
    assert NOT_PUBLISHED not in messages_of(response)
    assert "Exits are instant." in live_text(client, exits)

    task_state = submit(browser, exits, "Exits take a week again.")
    assert dashboard_actions(browser, exits) == ["reject", "approve", "approve"]
    approve(browser, exits, task_state)
    assert "Exits take a week again." in live_text(client, exits)


def test_bulk_publish_works_with_the_rule_off(section, reviewer):
    set_four_eyes(False)
    draft = make_topic(section, title="Fees", slug="fees")
    draft.unpublish()
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])

    logged_in(reviewer).post(f"{url}?id={draft.pk}", {"include_descendants": ""})

    draft.refresh_from_db()
    assert draft.live


# Who may turn it off --------------------------------------------------------------------------


def rules_url():
    site = Site.objects.get(is_default_site=True)
    return reverse("wagtailsettings:edit", args=["pages", "reviewrules", site.pk])


def test_administrators_turn_the_rule_off(home, administrator):
    browser = logged_in(administrator)
    assert browser.get(rules_url()).status_code == 200

    response = browser.post(rules_url(), {})  # the box unticked

    assert response.status_code == 302
    assert ReviewRules.for_site(Site.objects.get(is_default_site=True)).four_eyes is False


@pytest.mark.parametrize("role", ["reviewer", "editor"])
def test_reviewers_and_editors_cannot_turn_it_off(home, role, request):
    browser = logged_in(request.getfixturevalue(role))

    response = browser.post(rules_url(), {})

    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not ReviewRules.objects.filter(four_eyes=False).exists()
    menu = browser.get(reverse("wagtailadmin_home")).content.decode()
    assert rules_url() not in menu
