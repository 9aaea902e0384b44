"""
Who may do what in the admin: each role against each editorial action, through the real admin
URLs, with the database checked after every attempt.

The roles are the groups of pages/migrations/0002_editorial_roles.py, granted on the tree's root:
Editors add/change/lock pages; Reviewers add/change/lock/unlock/publish; Administrators the same
plus bulk_delete and the users and groups models. Every page is under the 'Editorial review'
workflow (0008): one task, 'Reviewer approval', for Reviewers and Administrators. What each
permission allows is Wagtail 8's PagePermissionTester (wagtail/models/pages.py) and the task's
rules (AbstractGroupApprovalTask, wagtail/models/workflows.py).

How Wagtail says no, as checked below:
- anonymous: every admin URL redirects to the admin login, ?next= the URL asked for;
- signed in without the right: the view raises PermissionDenied, which the admin's
  require_admin_access turns into a redirect to the dashboard with the error "Sorry, you do not
  have permission to access this area." (a redirect, not a 403);
- a page waiting for review is locked for anyone outside the task's group: the edit form comes
  back (200) with "The page could not be saved as it is locked.";
- Publish pressed without publish_page: the edit view saves a draft instead, says "Page '...' has
  been updated." and goes back to the edit form;
- the four-eyes rule (Settings → Review rules, on by default; pages/editorial/four_eyes.py): a
  Publish (or a scheduled one) by anyone who may publish is saved as a draft too, with a warning,
  and nobody is offered the approval of a change they submitted or edited, so the workflow
  action view refuses it as it refuses anyone outside the task.

The accounts, the forms posted and the matrix's cells as test cases come from builders.py; what a
refused action must leave alone (database_state) from conftest.py.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from wagtail.models import Page, Site, TaskState, Workflow, WorkflowState

from pages.indexing import deferred_indexing
from pages.models import ReviewRules, TopicPage
from tests.conftest import make_section, make_topic
from tests.hardening.builders import (
    account,
    edit_form,
    matrix_cases,
    new_user_form,
    own_submission,
)
from tests.hardening.conftest import (
    NO_PERMISSION,
    database_state,
    edit_url,
    fresh,
    latest_title,
    live_state,
)

ALLOW = "allow"  # the action takes effect
LOGIN = "login"  # anonymous: sent to the admin login; nothing changes
DENY = "deny"  # sent to the dashboard with "Sorry, you do not have permission..."; nothing changes
LOCKED = "locked"  # the edit form comes back with "...could not be saved as it is locked."
DRAFT = "draft"  # done only as a draft: every live page stays exactly as it was
PLAIN = "plain"  # the account is created without the superuser status asked for

ROLES = ["anonymous", "editor", "reviewer", "administrator", "superuser"]

# "administrator" is a plain member of the Administrators group: what the group grants.
# "superuser" is shaped like the demo admin (a superuser in Administrators); Wagtail skips every
# check for superusers, so that column only differs where the group alone falls short.
# fmt: off
EXPECTED = {
    #                            anonymous editor  reviewer administrator superuser
    "view live page":           (ALLOW,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    "preview a draft":          (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    "view the edit form":       (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    "save a draft":             (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    "submit for review":        (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    # Only the task's groups (Reviewers, Administrators) may act on 'Reviewer approval'.
    "approve":                  (LOGIN,    DENY,   ALLOW,   ALLOW,        ALLOW),
    # Four eyes: nobody approves what they submitted, superusers included.
    "approve own submission":   (LOGIN,    DENY,   DENY,    DENY,         DENY),
    "reject (request changes)": (LOGIN,    DENY,   ALLOW,   ALLOW,        ALLOW),
    # Editors lack publish_page: their Publish saves a draft. So does everyone else's, under
    # the four-eyes rule: a change goes live only once someone else approves it.
    "publish directly":         (LOGIN,    DRAFT,  DRAFT,   DRAFT,        DRAFT),
    "schedule a publish":       (LOGIN,    DRAFT,  DRAFT,   DRAFT,        DRAFT),
    # The workflow locks the page for everyone outside the task's groups.
    "publish a page in review": (LOGIN,    LOCKED, DRAFT,   DRAFT,        DRAFT),
    "unpublish":                (LOGIN,    DENY,   ALLOW,   ALLOW,        ALLOW),
    # change_page without publish_page deletes only pages that were never published.
    "delete a live page":       (LOGIN,    DENY,   ALLOW,   ALLOW,        ALLOW),
    # can_move() is can_delete(): a live page is not the editors' to move.
    "move":                     (LOGIN,    DENY,   ALLOW,   ALLOW,        ALLOW),
    # Copying needs change + add only; "publish the copy" is not offered without publish_page.
    "copy, asking to publish":  (LOGIN,    DRAFT,  ALLOW,   ALLOW,        ALLOW),
    "compare revisions":        (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    "view history":             (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    "lock":                     (LOGIN,    ALLOW,  ALLOW,   ALLOW,        ALLOW),
    # Lifting someone else's lock needs unlock_page (anyone may lift their own).
    "unlock another's lock":    (LOGIN,    DENY,   ALLOW,   ALLOW,        ALLOW),
    "list users":               (LOGIN,    DENY,   DENY,    ALLOW,        ALLOW),
    "create a user":            (LOGIN,    DENY,   DENY,    ALLOW,        ALLOW),
    # Wagtail offers the "Administrator" (superuser) box to anyone who may add users
    # (wagtail/wagtail#14100); pages/editorial/users.py keeps it for superusers: an
    # administrator's new account is made, as an ordinary one.
    "create a superuser":       (LOGIN,    DENY,   DENY,    PLAIN,        ALLOW),
    # Nor may an administrator take over a superuser's account (its password, its email).
    "edit a superuser":         (LOGIN,    DENY,   DENY,    DENY,         ALLOW),
    # Settings → Review rules is the Administrators' (0016): the rule binds reviewers.
    "turn off the four-eyes rule": (LOGIN, DENY,   DENY,    ALLOW,        ALLOW),
}
# fmt: on

PAGE_LOCKED = "The page could not be saved as it is locked."


@pytest.fixture
def kb(home, django_user_model):
    """The pages and people every cell starts from."""
    # The project's bulk-write helper: each page is indexed once, not at every save.
    with deferred_indexing():
        editor = account("editor", "Editors")
        colleague = account("colleague", "Editors")
        section = make_section(home, title="Plasma", slug="plasma")

        # Live, with a newer draft.
        drafted = make_topic(section, title="Bonds", slug="bonds")
        drafted.title = "Bonds, in draft"
        drafted.save_revision(user=editor)

        # Live, revised by an editor and submitted: waiting for 'Reviewer approval'.
        in_review = make_topic(section, title="Fees", slug="fees")
        in_review.title = "Fees, revised"
        in_review.save_revision(user=editor)
        Workflow.objects.get(name="Editorial review").start(in_review, user=editor)

        # Live, locked by another editor.
        locked = make_topic(section, title="Watchers", slug="watchers")
        locked.locked, locked.locked_by, locked.locked_at = True, colleague, timezone.now()
        locked.save(update_fields=["locked", "locked_by", "locked_at"])

        users = {
            "anonymous": None,
            "editor": editor,
            "reviewer": account("reviewer", "Reviewers"),
            "administrator": account("administrator", "Administrators"),
            "superuser": account("superuser", "Administrators", is_superuser=True),
        }
        return SimpleNamespace(
            users=users,
            # Live, revised and submitted by each signed-in role: waiting for someone else.
            own_submissions={
                user.pk: own_submission(section, user, f"Own {role}")
                for role, user in users.items()
                if user is not None
            },
            section=section,
            destination=make_section(home, title="Archive", slug="archive"),
            # Live, a leaf, nothing pending: the subject of most actions.
            topic=make_topic(section, title="Exits", slug="exits"),
            drafted=fresh(drafted),
            in_review=fresh(in_review),
            locked=fresh(locked),
            other_superuser=django_user_model.objects.create_superuser(
                "founder", "founder@example.com", "x"
            ),
        )


# One function per action. Each performs the action as `client` and returns the response and
# what came of it: "done", "draft" (only a draft) or "nothing".


def shows(client, url, text):
    """GET `url`: done if it answers 200 with `text` in it."""
    response = client.get(url)
    done = response.status_code == 200 and text in response.content.decode()
    return response, "done" if done else "nothing"


def view_live_page(client, kb):
    return shows(client, kb.topic.url, "Exits")


def preview_a_draft(client, kb):
    return shows(
        client, reverse("wagtailadmin_pages:view_draft", args=[kb.drafted.pk]), "Bonds, in draft"
    )


def view_the_edit_form(client, kb):
    return shows(client, edit_url(kb.topic), 'value="Exits"')


def save_a_draft(client, kb):
    response = client.post(edit_url(kb.topic), edit_form(kb.topic, title="Exits, revised"))
    # Readers still see the live title; the new one waits in the latest revision.
    done = latest_title(kb.topic) == "Exits, revised" and fresh(kb.topic).title == "Exits"
    return response, "done" if done else "nothing"


def submit_for_review(client, kb):
    form = edit_form(kb.topic, title="Exits, revised", **{"action-submit": "action-submit"})
    response = client.post(edit_url(kb.topic), form)
    page = fresh(kb.topic)
    done = page.workflow_in_progress and latest_title(page) == "Exits, revised"
    return response, "done" if done else "nothing"


def act_on_task(client, kb, action_name, comment, page=None):
    page = page or kb.in_review
    task_state = TaskState.objects.get(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS
    )
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action_name, task_state.pk])
    response = client.post(url, {"comment": comment})
    task_state.refresh_from_db()
    return response, task_state


def approve(client, kb):
    response, task_state = act_on_task(client, kb, "approve", "Clear and sourced.")
    # Approving the only task ends the workflow and publishes the submitted revision.
    page = fresh(kb.in_review)
    done = (
        task_state.status == TaskState.STATUS_APPROVED
        and task_state.comment == "Clear and sourced."
        and page.live
        and page.title == "Fees, revised"
        and not page.workflow_in_progress
    )
    return response, "done" if done else "nothing"


def approve_own_submission(client, kb):
    # The page the signed-in user submitted (anonymous: any one).
    user_id = client.session.get(SESSION_KEY)
    page = kb.own_submissions.get(int(user_id) if user_id else None)
    page = page or next(iter(kb.own_submissions.values()))
    response, task_state = act_on_task(client, kb, "approve", "My own, approved.", page)
    return response, "done" if task_state.status == TaskState.STATUS_APPROVED else "nothing"


def reject(client, kb):
    response, task_state = act_on_task(client, kb, "reject", "Cite the fee schedule.")
    # The workflow goes back to the editor; nothing is published.
    workflow = WorkflowState.objects.get(object_id=str(kb.in_review.pk))
    done = (
        task_state.status == TaskState.STATUS_REJECTED
        and task_state.comment == "Cite the fee schedule."
        and workflow.status == WorkflowState.STATUS_NEEDS_CHANGES
        and fresh(kb.in_review).title == "Fees"
    )
    return response, "done" if done else "nothing"


def publish(client, page, title, **fields):
    response = client.post(
        edit_url(page),
        edit_form(page, title=title, **{"action-publish": "action-publish"}, **fields),
    )
    page = fresh(page)
    if page.live and page.title == title and not page.has_unpublished_changes:
        return response, "done"
    if page.scheduled_revision is not None:
        return response, "done"
    return response, "draft" if latest_title(page) == title else "nothing"


def publish_directly(client, kb):
    return publish(client, kb.topic, "Exits, revised")


def schedule_a_publish(client, kb):
    go_live_at = timezone.localtime() + timedelta(days=2)
    return publish(
        client, kb.topic, "Exits, revised", go_live_at=go_live_at.strftime("%Y-%m-%d %H:%M")
    )


def publish_a_page_in_review(client, kb):
    response, happened = publish(client, kb.in_review, "Fees, published")
    # Publishing over a review also ends it (WAGTAIL_WORKFLOW_CANCEL_ON_PUBLISH).
    if happened == "done" and fresh(kb.in_review).workflow_in_progress:
        happened = "published, but still in review"
    return response, happened


def unpublish(client, kb):
    response = client.post(reverse("wagtailadmin_pages:unpublish", args=[kb.topic.pk]))
    return response, "nothing" if fresh(kb.topic).live else "done"


def delete_a_live_page(client, kb):
    response = client.post(reverse("wagtailadmin_pages:delete", args=[kb.topic.pk]))
    return response, "nothing" if Page.objects.filter(pk=kb.topic.pk).exists() else "done"


def move(client, kb):
    # The destination chooser posts to this confirmation, which performs the move.
    response = client.post(
        reverse("wagtailadmin_pages:move_confirm", args=[kb.topic.pk, kb.destination.pk])
    )
    moved = fresh(kb.topic).get_parent().pk == kb.destination.pk
    return response, "done" if moved else "nothing"


def copy_asking_to_publish(client, kb):
    response = client.post(
        reverse("wagtailadmin_pages:copy", args=[kb.topic.pk]),
        {
            "new_title": "Exits (copy)",
            "new_slug": "exits-copy",
            "new_parent_page": str(kb.destination.pk),
            "publish_copies": "on",
        },
    )
    copy = TopicPage.objects.filter(slug="exits-copy").first()
    if copy is None:
        return response, "nothing"
    return response, "done" if copy.live else "draft"


def compare_revisions(client, kb):
    page = kb.drafted
    url = reverse(
        "wagtailadmin_pages:revisions_compare",
        args=[page.pk, page.live_revision_id, page.latest_revision_id],
    )
    return shows(client, url, "Bonds, in draft")


def view_history(client, kb):
    return shows(
        client, reverse("wagtailadmin_pages:history", args=[kb.drafted.pk]), "Bonds, in draft"
    )


def lock(client, kb):
    response = client.post(reverse("wagtailadmin_pages:lock", args=[kb.topic.pk]))
    page = fresh(kb.topic)
    done = page.locked and page.locked_by_id == response.wsgi_request.user.pk
    return response, "done" if done else "nothing"


def unlock_anothers_lock(client, kb):
    response = client.post(reverse("wagtailadmin_pages:unlock", args=[kb.locked.pk]))
    return response, "nothing" if fresh(kb.locked).locked else "done"


def list_users(client, kb):
    return shows(client, reverse("wagtailusers_users:index"), "colleague")


def create_a_user(client, kb):
    response = client.post(reverse("wagtailusers_users:add"), new_user_form())
    users = get_user_model().objects.filter(username="newcomer", groups__name="Editors")
    return response, "done" if users.exists() else "nothing"


def create_a_superuser(client, kb):
    response = client.post(reverse("wagtailusers_users:add"), new_user_form(is_superuser="on"))
    users = get_user_model().objects.filter(username="newcomer", is_superuser=True)
    return response, "done" if users.exists() else "nothing"


def edit_a_superuser(client, kb):
    target = kb.other_superuser
    response = client.post(
        reverse("wagtailusers_users:edit", args=[target.pk]),
        {
            "username": target.username,
            "email": "taken-over@example.com",
            "first_name": "Found",
            "last_name": "Er",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "is_superuser": "on",
            "groups": [],
        },
    )
    target.refresh_from_db()
    return response, "done" if target.email == "taken-over@example.com" else "nothing"


def turn_off_the_four_eyes_rule(client, kb):
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["pages", "reviewrules", site.pk])
    response = client.post(url, {})  # the box unticked
    turned_off = ReviewRules.objects.filter(site=site, four_eyes=False).exists()
    return response, "done" if turned_off else "nothing"


ACTIONS = {
    "view live page": view_live_page,
    "preview a draft": preview_a_draft,
    "view the edit form": view_the_edit_form,
    "save a draft": save_a_draft,
    "submit for review": submit_for_review,
    "approve": approve,
    "approve own submission": approve_own_submission,
    "reject (request changes)": reject,
    "publish directly": publish_directly,
    "schedule a publish": schedule_a_publish,
    "publish a page in review": publish_a_page_in_review,
    "unpublish": unpublish,
    "delete a live page": delete_a_live_page,
    "move": move,
    "copy, asking to publish": copy_asking_to_publish,
    "compare revisions": compare_revisions,
    "view history": view_history,
    "lock": lock,
    "unlock another's lock": unlock_anothers_lock,
    "list users": list_users,
    "create a user": create_a_user,
    "create a superuser": create_a_superuser,
    "edit a superuser": edit_a_superuser,
    "turn off the four-eyes rule": turn_off_the_four_eyes_rule,
}


def test_every_action_has_a_row():
    assert list(EXPECTED) == list(ACTIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "role", "expected"),
    matrix_cases(EXPECTED, ROLES),
)
def test_permission_matrix(client, kb, action, role, expected):
    if kb.users[role] is not None:
        client.force_login(kb.users[role])
    before = database_state()

    response, happened = ACTIONS[action](client, kb)

    status, location = response.status_code, response.headers.get("Location", "")
    errors = [str(m).strip() for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    seen = (status, location, errors, happened)
    login, dashboard = reverse("wagtailadmin_login"), reverse("wagtailadmin_home")
    if expected == ALLOW:
        assert happened == "done", seen
        assert status in (200, 302) and not errors, seen
        assert location != dashboard and not location.startswith(login), seen
    elif expected == LOGIN:
        assert (status, location) == (302, f"{login}?next={response.wsgi_request.path}"), seen
        assert happened == "nothing"
        assert database_state() == before
    elif expected == DENY:
        assert (status, location, errors) == (302, dashboard, [NO_PERMISSION]), seen
        assert happened == "nothing"
        assert database_state() == before
    elif expected == LOCKED:
        assert (status, errors) == (200, [PAGE_LOCKED]), seen
        assert happened == "nothing"
        assert database_state() == before
    elif expected == PLAIN:
        assert (status, location, errors) == (302, reverse("wagtailusers_users:index"), []), seen
        assert happened == "nothing", seen
        assert get_user_model().objects.filter(username="newcomer", is_superuser=False).exists()
    elif expected == DRAFT:
        # A new revision or a copy that is not live, and nothing else: every live page, its
        # place, its title and its published revision are as they were.
        assert status == 302 and not errors, seen
        assert location != dashboard and not location.startswith(login), seen
        assert happened == "draft", seen
        assert live_state() == {key: before[key] for key in live_state()}
    else:
        raise AssertionError(f"no such expectation: {expected!r}")
