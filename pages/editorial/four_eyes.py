"""
The four-eyes rule in the admin: a second person approves every change (Settings → Review
rules, on unless an administrator turns it off for the site; pages.models.reviews holds the rule
and the approval task that applies it).

- Whoever submitted a change, or wrote the version submitted or the latest draft, is not offered
  "Approve" (ReviewerApprovalTask); the edit form says why.
- "Publish" always publishes a new version by whoever presses it, with no second look, so while
  the rule is on it is left out of the editor's menu (it is also how a go-live date is
  scheduled), and a Publish posted anyway saves the changes as a draft instead, with a message:
  nothing typed is lost. The page listing's bulk Publish is refused.
- Unpublishing, moving, deleting and "Mark as reviewed" publish nothing, and are left alone.
"""

from django.shortcuts import redirect

from wagtail.admin import messages
from wagtail.models import Page

from pages.models import ReviewerApprovalTask
from pages.models.reviews import four_eyes_applies

PUBLISH = "action-publish"

NOT_PUBLISHED = (
    "Not published: under the four-eyes rule another reviewer approves your changes. Your "
    "changes are saved as a draft; submit them for review."
)
NOT_APPROVED = (
    "Not approved: you edited this change, so another reviewer approves it (four-eyes rule). "
    "Your edits are saved as a draft."
)
BULK_NOT_PUBLISHED = (
    "Nothing was published: under the four-eyes rule a change goes live only once another "
    "reviewer approves it. Submit each page for review instead."
)
YOU_SUBMITTED = "You submitted this change: another reviewer approves it (four-eyes rule)."
YOU_EDITED = "You edited this change: another reviewer approves it (four-eyes rule)."

# Set on the request when its Publish was turned into a save, for the message after the save.
KEPT_AS_DRAFT = "_four_eyes_kept_as_draft"


def keep_as_draft(request):
    """Turn the Publish of this POST into a plain save (Wagtail's views pick their action from
    the action-* keys of request.POST), to be explained once the save succeeds."""
    form = request.POST.copy()
    del form[PUBLISH]
    request.POST = form
    setattr(request, KEPT_AS_DRAFT, True)


def publish_edits_as_draft(request, page):
    """before_edit_page (the edit form and "Review this version"): a Publish becomes a draft."""
    if (
        request.method == "POST"
        and request.POST.get(PUBLISH)
        and page.permissions_for_user(request.user).can_publish()
        and four_eyes_applies(page)
    ):
        keep_as_draft(request)


def publish_new_page_as_draft(request, parent_page):
    """before_create_page: a new page's Publish becomes a draft, as an edit's does."""
    if (
        request.method == "POST"
        and request.POST.get(PUBLISH)
        and parent_page.permissions_for_user(request.user).can_publish_subpage()
        and four_eyes_applies(parent_page)
    ):
        keep_as_draft(request)


def say_why_not_published(request, page):
    """after_edit_page and after_create_page: why the page saved is a draft and not live, or why
    the approval asked for from the editor did not happen (it saved the reviewer's edits, which
    made them an author of the change)."""
    if getattr(request, KEPT_AS_DRAFT, False):
        messages.warning(request, NOT_PUBLISHED)
    elif (
        request.POST.get("action-workflow-action")
        and request.POST.get("workflow-action-name") == "approve"
        and approval_withheld(page, request.user)
    ):
        messages.warning(request, NOT_APPROVED)


def approval_withheld(page, user):
    """Whether `page` waits for a ReviewerApprovalTask that `user` could act on but may not
    approve under the four-eyes rule."""
    task_state = page.current_workflow_task_state
    if task_state is None:
        return False
    task = task_state.task.specific
    return isinstance(task, ReviewerApprovalTask) and task.approval_withheld(page, user, task_state)


def note_why_approve_is_missing(request, page):
    """before_edit_page, on opening the edit form: tell a reviewer why they have no Approve."""
    if request.method != "GET" or not approval_withheld(page, request.user):
        return
    workflow_state = page.current_workflow_state
    submitted = workflow_state is not None and workflow_state.requested_by_id == request.user.pk
    messages.info(request, YOU_SUBMITTED if submitted else YOU_EDITED)


def remove_publish(menu_items, request, context):
    """construct_page_action_menu: no Publish (nor "Schedule to publish") under the rule."""
    page = context["parent_page"] if context.get("view") == "create" else context.get("page")
    if (
        page is not None
        and any(item.name == PUBLISH for item in menu_items)
        and four_eyes_applies(page)
    ):
        menu_items[:] = [item for item in menu_items if item.name != PUBLISH]


def refuse_bulk_publish(request, action_type, objects, action):
    """before_bulk_action: the listing's bulk Publish publishes nothing under the rule."""
    if action_type != "publish":
        return None
    if any(isinstance(page, Page) and four_eyes_applies(page) for page in objects):
        messages.error(request, BULK_NOT_PUBLISHED)
        return redirect(action.next_url)
    return None
