"""
An editor whose rights stop at one section of the tree gets nothing from the rest of it, through
the admin views that have had Wagtail security advisories: preview, revisions (compare, view,
revert), history, workflow history, copy, the page chooser, workflow actions and previews, the
admin API; and the admin's search, listings and reports. Every refused attempt leaves the database
as it was.

The case: "Plasma editors" may add and change pages in the Plasma section only (a
GroupPagePermission on that section, as 0002_editorial_roles.py grants the roles theirs on the
root). The Treasury section is someone else's: a member of Editors keeps a draft there and has
submitted another page for review. Each action is tried on the Plasma editor's own section, where
it must work (so the refusal next door is the tree's doing, not a broken test), and on Treasury.

What Wagtail 8 lets every admin user see, by design: the page chooser browses and searches the
whole tree, for linking to any page, showing each page's admin title (its latest draft's title),
its status and its parent, and nothing of its content; choosing a destination for a copy
lists other sections too, but not as choosable. Those rows say LISTED.

How Wagtail says no here: a refused view redirects to the dashboard with "Sorry, you do not have
permission to access this area." (DENY); a page or object outside what the user may explore is
not found (NOT_FOUND: the admin API, and a revision, task or workflow of another page asked for
through one's own page's URL); the copy form refuses a destination with a form error (REFUSED);
the explorer sends the editor back to their own section (ELSEWHERE).

The dashboard's Needs attention panel once named pages in development and overdue anywhere in
the tree; it now keeps to the part the user may explore (test below).

The accounts, the forms posted and the matrix's cells as test cases come from builders.py; what a
refused action must leave alone starts from database_state in conftest.py.
"""

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from wagtail.models import (
    GroupPagePermission,
    Page,
    Revision,
    TaskState,
    Workflow,
)
from wagtail.rich_text import RichText

from pages.indexing import deferred_indexing
from pages.models import TopicPage
from tests.conftest import make_section, make_topic
from tests.hardening.builders import account, edit_form, matrix_cases, new_topic_form
from tests.hardening.conftest import (
    NO_PERMISSION,
    database_state,
    edit_url,
    fresh,
    latest_title,
)

ALLOW = "allow"  # the action takes effect, or the view shows the page
DENY = "deny"  # to the dashboard with "Sorry, you do not have permission..."; nothing changes
NOT_FOUND = "not found"  # 404; nothing changes
REFUSED = "refused"  # the form comes back with an error; nothing changes
LISTED = "listed"  # title, status and place shown, by Wagtail's design; nothing else, no change
HIDDEN = "hidden"  # the view answers, without a trace of the page; nothing changes
ELSEWHERE = "elsewhere"  # sent to the part of the tree the editor has; nothing changes

# fmt: off
EXPECTED = {
    #                                              own section  other section
    "open the editor":                            (ALLOW,       DENY),
    "save a draft":                               (ALLOW,       DENY),
    "add a page":                                 (ALLOW,       DENY),
    "preview an edit":                            (ALLOW,       DENY),
    "preview a new page":                         (ALLOW,       DENY),
    "view the draft":                             (ALLOW,       DENY),
    "compare revisions":                          (ALLOW,       DENY),
    "view a revision":                            (ALLOW,       DENY),
    "revert to a revision":                       (ALLOW,       DENY),
    "page history":                               (ALLOW,       DENY),
    "page history results":                       (ALLOW,       DENY),
    "workflow history":                           (ALLOW,       DENY),
    "workflow history detail":                    (ALLOW,       DENY),
    "copy a page":                                (ALLOW,       DENY),
    "copy one's page into the section":           (ALLOW,       REFUSED),
    # Only 'Reviewer approval's groups act on the task, whoever submitted the page.
    "approve":                                    (DENY,        DENY),
    "reject":                                     (DENY,        DENY),
    "approve with a comment (the modal)":         (DENY,        DENY),
    "preview the draft under review":             (DENY,        DENY),
    # Another page's objects, asked for through the editor's own page's URL.
    "approve its task through one's own page":    (DENY,        DENY),
    "compare with its revision":                  (ALLOW,       NOT_FOUND),
    "view its revision under one's own page":     (ALLOW,       NOT_FOUND),
    "revert one's own page to its revision":      (ALLOW,       NOT_FOUND),
    "its workflow under one's own page":          (ALLOW,       NOT_FOUND),
    "explore the section":                        (ALLOW,       ELSEWHERE),
    "search the admin's pages":                   (ALLOW,       HIDDEN),
    "list knowledge base pages":                  (ALLOW,       HIDDEN),
    "report: site history":                       (ALLOW,       HIDDEN),
    "report: pages in a workflow":                (ALLOW,       HIDDEN),
    "report: workflow tasks":                     (ALLOW,       HIDDEN),
    # Pages the user may publish, which Plasma editors may not anywhere.
    "report: aging pages":                        (HIDDEN,      HIDDEN),
    "choose a page: browse the section":          (LISTED,      LISTED),
    "choose a page: search":                      (LISTED,      LISTED),
    "choose a copy's destination":                (ALLOW,       LISTED),
    "admin API: list the section":                (ALLOW,       NOT_FOUND),
    "admin API: search":                          (ALLOW,       HIDDEN),
    "admin API: the page":                        (ALLOW,       NOT_FOUND),
    "admin API: copy the page":                   (ALLOW,       NOT_FOUND),
}
# fmt: on


@pytest.fixture
def tree(home):
    """The Plasma editor, their section and someone else's."""
    plasma_editors = Group.objects.create(name="Plasma editors")
    plasma_editors.permissions.add(Permission.objects.get(codename="access_admin"))
    review = Workflow.objects.get(name="Editorial review")

    with deferred_indexing():
        plasma = make_section(home, title="Plasma", slug="plasma")
        treasury = make_section(home, title="Treasury", slug="treasury")
        for codename in ("add_page", "change_page"):
            GroupPagePermission.objects.create(
                group=plasma_editors,
                page=plasma,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
        plasma_editor = account("plasma-editor", "Plasma editors")
        treasurer = account("treasurer", "Editors")

        def side(section, author, name):
            drafted = make_topic(section, title=name, slug=name.lower(), in_development=True)
            drafted.title = f"{name}, in draft"
            drafted.body = [("text", RichText(f"<p>{name}: the unpublished figures.</p>"))]
            drafted.save_revision(user=author)

            in_review = make_topic(section, title=f"{name} fees", slug=f"{name.lower()}-fees")
            in_review.title = f"{name} fees, revised"
            in_review.save_revision(user=author)
            workflow_state = review.start(in_review, user=author)

            return SimpleNamespace(
                section=section,
                name=name,
                drafted=fresh(drafted),
                in_review=fresh(in_review),
                workflow_state=workflow_state,
                task_state=workflow_state.current_task_state,
                secret=f"{name}: the unpublished figures.",
            )

        return SimpleNamespace(
            editor=plasma_editor,
            own=side(plasma, plasma_editor, "Exits"),
            other=side(treasury, treasurer, "Reserves"),
        )


def everything():
    """database_state() (conftest.py), and the rest a refused action must not touch."""
    return {
        **database_state(),
        "revisions": sorted(Revision.objects.values_list("pk", "object_id", "created_at")),
        "draft titles": sorted(Page.objects.values_list("pk", "draft_title")),
        "page permissions": sorted(
            GroupPagePermission.objects.values_list("group_id", "page_id", "permission_id")
        ),
    }


# One function per action, on `side` (tree.own or tree.other): it returns the response and what
# came of it: "done", "listed" (the page's title and no more), "leaked" (more) or "nothing".


def shows(client, url, text, secret=None):
    response = client.get(url)
    body = response.content.decode()
    if secret and secret in body:
        return response, "leaked"
    done = response.status_code == 200 and text in body
    return response, "done" if done else "nothing"


def chooser_html(response):
    """The chooser answers its modal with JSON around the HTML; its search, with the HTML."""
    if response.status_code != 200:
        return ""
    if response["Content-Type"] == "application/json":
        return response.json()["html"]
    return response.content.decode()


def lists(client, url, side):
    """A chooser, which may name the page, by design, and must reveal nothing of its content."""
    response = client.get(url)
    body = chooser_html(response)
    if side.secret in body:
        return response, "leaked"
    if response.status_code == 200 and side.drafted.draft_title in body:
        return response, "listed"
    return response, "nothing"


def open_the_editor(client, tree, side):
    return shows(client, edit_url(side.drafted), f'value="{side.drafted.draft_title}"')


def save_a_draft(client, tree, side):
    page = side.drafted
    response = client.post(edit_url(page), edit_form(page, title=f"{side.name}, overwritten"))
    return response, "done" if latest_title(page) == f"{side.name}, overwritten" else "nothing"


def add_url(parent, view="add"):
    return reverse(f"wagtailadmin_pages:{view}", args=["pages", "topicpage", parent.pk])


def add_a_page(client, tree, side):
    response = client.post(add_url(side.section), new_topic_form("Planted"))
    planted = TopicPage.objects.filter(title="Planted").first()
    done = planted is not None and planted.get_parent().pk == side.section.pk
    return response, "done" if done else "nothing"


def preview(client, url, form, title):
    """The live preview: the form posted (stored in the session), then the preview shown."""
    posted = client.post(url, form)
    if posted.status_code != 200:
        return posted, "nothing"
    return shows(client, url, title)


def preview_an_edit(client, tree, side):
    page = side.drafted
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    return preview(client, url, edit_form(page, title=f"{side.name}, previewed"), "previewed")


def preview_a_new_page(client, tree, side):
    url = add_url(side.section, "preview_on_add")
    return preview(client, url, new_topic_form("Planted, previewed"), "Planted, previewed")


def view_the_draft(client, tree, side):
    url = reverse("wagtailadmin_pages:view_draft", args=[side.drafted.pk])
    return shows(client, url, side.secret)


def compare(client, page, revision_a, revision_b, text):
    url = reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, revision_a, revision_b])
    return shows(client, url, text)


def compare_revisions(client, tree, side):
    page = side.drafted
    return compare(client, page, page.live_revision_id, page.latest_revision_id, side.secret)


def view_a_revision(client, tree, side, page=None):
    page = page or side.drafted
    url = reverse(
        "wagtailadmin_pages:revisions_view", args=[page.pk, side.drafted.live_revision_id]
    )
    # The live version's body, as the revision has it.
    return shows(client, url, "OmiseGO builds payment software.")


def revert(client, page, revision_id, title):
    url = reverse("wagtailadmin_pages:revisions_revert", args=[page.pk, revision_id])
    response = client.post(url, edit_form(page, title=title))
    return response, "done" if latest_title(page) == title else "nothing"


def revert_to_a_revision(client, tree, side):
    page = side.drafted
    return revert(client, page, page.live_revision_id, f"{side.name}, reverted")


def page_history(client, tree, side):
    url = reverse("wagtailadmin_pages:history", args=[side.drafted.pk])
    return shows(client, url, side.drafted.draft_title)


def page_history_results(client, tree, side):
    # The listing alone, which the history page's filters fetch.
    url = reverse("wagtailadmin_pages:history_results", args=[side.drafted.pk])
    return shows(client, url, "Live version")


def workflow_history(client, tree, side):
    url = reverse("wagtailadmin_pages:workflow_history", args=[side.in_review.pk])
    return shows(client, url, "Reviewer approval")


def workflow_history_detail(client, tree, side, page=None):
    page = page or side.in_review
    url = reverse(
        "wagtailadmin_pages:workflow_history_detail", args=[page.pk, side.workflow_state.pk]
    )
    return shows(client, url, "Reviewer approval")


def copy(client, page, destination, slug):
    response = client.post(
        reverse("wagtailadmin_pages:copy", args=[page.pk]),
        {"new_title": "A copy", "new_slug": slug, "new_parent_page": str(destination.pk)},
    )
    copied = TopicPage.objects.filter(slug=slug).first()
    done = copied is not None and copied.get_parent().pk == destination.pk
    return response, "done" if done else "nothing"


def copy_a_page(client, tree, side):
    return copy(client, side.drafted, side.section, "a-copy")


def copy_ones_page_into_the_section(client, tree, side):
    return copy(client, tree.own.drafted, side.section, "a-copy")


def act_on_task(client, page, task_state, action, view="workflow_action"):
    url = reverse(f"wagtailadmin_pages:{view}", args=[page.pk, action, task_state.pk])
    response = client.post(url, {"comment": "Looks fine to me."})
    task_state.refresh_from_db()
    done = task_state.status != TaskState.STATUS_IN_PROGRESS
    return response, "done" if done else "nothing"


def approve(client, tree, side):
    return act_on_task(client, side.in_review, side.task_state, "approve")


def reject(client, tree, side):
    return act_on_task(client, side.in_review, side.task_state, "reject")


def approve_with_a_comment(client, tree, side):
    # The modal's view validates the comment, then the edit form approves with it.
    response, _ = act_on_task(
        client, side.in_review, side.task_state, "approve", "collect_workflow_action_data"
    )
    done = response.status_code == 200 and b"cleaned_data" in response.content
    return response, "done" if done else "nothing"


def preview_the_draft_under_review(client, tree, side):
    url = reverse(
        "wagtailadmin_pages:workflow_preview", args=[side.in_review.pk, side.task_state.task_id]
    )
    return shows(client, url, side.in_review.draft_title)


def approve_its_task_through_ones_own_page(client, tree, side):
    return act_on_task(client, tree.own.in_review, side.task_state, "approve")


def compare_with_its_revision(client, tree, side):
    page = tree.own.drafted
    return compare(client, page, page.live_revision_id, side.drafted.latest_revision_id, "Exits")


def view_its_revision_under_ones_own_page(client, tree, side):
    return view_a_revision(client, tree, side, page=tree.own.drafted)


def revert_ones_own_page_to_its_revision(client, tree, side):
    return revert(client, tree.own.drafted, side.drafted.live_revision_id, "Exits, reverted")


def its_workflow_under_ones_own_page(client, tree, side):
    return workflow_history_detail(client, tree, side, page=tree.own.in_review)


def explore_the_section(client, tree, side):
    url = reverse("wagtailadmin_explore", args=[side.section.pk])
    return shows(client, url, side.drafted.draft_title)


def search_the_admins_pages(client, tree, side):
    url = reverse("wagtailadmin_pages:search") + f"?q={side.name}"
    return shows(client, url, side.drafted.draft_title, secret=side.secret)


def list_knowledge_base_pages(client, tree, side):
    return shows(
        client, reverse("knowledge_base_pages:index"), side.drafted.draft_title, side.secret
    )


def report(name, page):
    """One of the admin's reports, which must name the side's `page` (by its live title)."""

    def see_report(client, tree, side):
        url = reverse(f"wagtailadmin_reports:{name}")
        return shows(client, url, getattr(side, page).title, side.secret)

    return see_report


def choose_a_page_browse_the_section(client, tree, side):
    return lists(client, reverse("wagtailadmin_choose_page_child", args=[side.section.pk]), side)


def choose_a_page_search(client, tree, side):
    return lists(client, reverse("wagtailadmin_choose_page_search") + f"?q={side.name}", side)


def choose_a_copys_destination(client, tree, side):
    """The copy form's chooser, from the home page: may the section be chosen?"""
    home = side.section.get_parent()
    url = reverse("wagtailadmin_choose_page_child", args=[home.pk]) + "?user_perms=copy_to"
    response = client.get(url)
    row = next(
        (
            tr
            for tr in BeautifulSoup(chooser_html(response), "html.parser").select("tbody tr")
            if side.section.title in tr.get_text()
        ),
        None,
    )
    if row is None:
        return response, "nothing"
    return response, "listed" if "disabled" in row.get("class", []) else "done"


def api(name, *args):
    return reverse(f"wagtailadmin_api:pages:{name}", args=args)


def admin_api_list_the_section(client, tree, side):
    response = client.get(api("listing") + f"?child_of={side.section.pk}")
    titles = [item["title"] for item in response.json().get("items", [])]
    return response, "done" if side.drafted.title in titles else "nothing"


def admin_api_search(client, tree, side):
    response = client.get(api("listing") + f"?search={side.name}")
    ids = [item["id"] for item in response.json().get("items", [])]
    return response, "done" if side.drafted.pk in ids else "nothing"


def admin_api_the_page(client, tree, side):
    response = client.get(api("detail", side.drafted.pk))
    done = response.status_code == 200 and response.json()["id"] == side.drafted.pk
    return response, "done" if done else "nothing"


def admin_api_copy_the_page(client, tree, side):
    response = client.post(
        api("action", side.drafted.pk, "copy"),
        # Not kept live: Plasma editors cannot publish.
        {"destination_page_id": side.section.pk, "slug": "an-api-copy", "keep_live": False},
        content_type="application/json",
    )
    return response, "done" if TopicPage.objects.filter(slug="an-api-copy").exists() else "nothing"


ACTIONS = {
    "open the editor": open_the_editor,
    "save a draft": save_a_draft,
    "add a page": add_a_page,
    "preview an edit": preview_an_edit,
    "preview a new page": preview_a_new_page,
    "view the draft": view_the_draft,
    "compare revisions": compare_revisions,
    "view a revision": view_a_revision,
    "revert to a revision": revert_to_a_revision,
    "page history": page_history,
    "page history results": page_history_results,
    "workflow history": workflow_history,
    "workflow history detail": workflow_history_detail,
    "copy a page": copy_a_page,
    "copy one's page into the section": copy_ones_page_into_the_section,
    "approve": approve,
    "reject": reject,
    "approve with a comment (the modal)": approve_with_a_comment,
    "preview the draft under review": preview_the_draft_under_review,
    "approve its task through one's own page": approve_its_task_through_ones_own_page,
    "compare with its revision": compare_with_its_revision,
    "view its revision under one's own page": view_its_revision_under_ones_own_page,
    "revert one's own page to its revision": revert_ones_own_page_to_its_revision,
    "its workflow under one's own page": its_workflow_under_ones_own_page,
    "explore the section": explore_the_section,
    "search the admin's pages": search_the_admins_pages,
    "list knowledge base pages": list_knowledge_base_pages,
    "report: site history": report("site_history", "drafted"),
    "report: pages in a workflow": report("workflow", "in_review"),
    "report: workflow tasks": report("workflow_tasks", "in_review"),
    "report: aging pages": report("aging_pages", "drafted"),
    "choose a page: browse the section": choose_a_page_browse_the_section,
    "choose a page: search": choose_a_page_search,
    "choose a copy's destination": choose_a_copys_destination,
    "admin API: list the section": admin_api_list_the_section,
    "admin API: search": admin_api_search,
    "admin API: the page": admin_api_the_page,
    "admin API: copy the page": admin_api_copy_the_page,
}


def test_every_action_has_a_row():
    assert list(EXPECTED) == list(ACTIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "where", "expected"),
    matrix_cases(EXPECTED, ("own", "other")),
)
def test_an_editor_gets_nothing_from_another_part_of_the_tree(
    client, tree, action, where, expected
):
    client.force_login(tree.editor)
    before = everything()

    response, happened = ACTIONS[action](client, tree, getattr(tree, where))

    status, location = response.status_code, response.headers.get("Location", "")
    errors = [str(m).strip() for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    seen = (status, location, errors, happened)
    dashboard = reverse("wagtailadmin_home")
    if expected == ALLOW:
        assert happened == "done", seen
        assert status in (200, 201, 302) and not errors and location != dashboard, seen
        return
    assert happened == ("listed" if expected == LISTED else "nothing"), seen
    if expected == DENY:
        assert (status, location, errors) == (302, dashboard, [NO_PERMISSION]), seen
    elif expected == NOT_FOUND:
        # The API's child_of filter says so with a 400.
        parent_unknown = status == 400 and response.json() == {
            "message": "parent page doesn't exist"
        }
        assert status == 404 or parent_unknown, (seen, response.content)
    elif expected == ELSEWHERE:
        own = reverse("wagtailadmin_explore", args=[tree.own.section.pk])
        assert (status, location, errors) == (302, own, []), seen
    elif expected == REFUSED:
        assert (
            status == 200 and "You do not have permission to copy to" in response.content.decode()
        )
    elif expected in (LISTED, HIDDEN):
        assert status == 200, seen
    else:
        raise AssertionError(f"no such expectation: {expected!r}")
    assert everything() == before


@pytest.mark.django_db
def test_the_dashboard_names_no_page_of_another_section(client, tree):
    client.force_login(tree.editor)
    before = everything()

    response = client.get(reverse("wagtailadmin_home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert everything() == before
    # Both drafted pages are in development; only the editor's own is theirs to know of.
    assert tree.own.drafted.draft_title in body
    assert tree.other.drafted.draft_title not in body
