"""
"Last reviewed" apart from "last updated": when a reviewer last confirmed a page is accurate.

A review is approving a workflow task on the page (any task: the reviewer read the change and
the page it lands in) or a reviewer's "Mark as reviewed" on the live page. An editor's save or
publish is not one, so a typo fix leaves the page's review as it was.

A review sets `last_reviewed` and `last_reviewed_by` and moves `review_due` to the review's date
plus the page type's interval (Settings → Review schedule), unless an editor chose a later date
for it (`review_due_set_by_editor`). Readers see the review date, and once `review_due` has
passed, that the page may be out of date.

These fields belong to the page, not to one of its versions: EditorialMixin.with_content_json
keeps them when a revision is published or restored, and a review brings the page's latest draft
along, so that publishing a draft written before the review does not undo it.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_http_methods

from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.log_actions import log
from wagtail.models import Page, Revision

from pages.caching import purging
from pages.models import ReviewSchedule

REVIEWED_ACTION = "pages.reviewed"


def next_review_due(page, reviewed_at):
    """The date a review on `reviewed_at` makes the next one due, by the site's schedule."""
    site = page.get_site()
    schedule = ReviewSchedule.for_site(site) if site else ReviewSchedule()
    return timezone.localdate(reviewed_at) + schedule.interval_for(page)


def editor_date_stands(page, reviewed_at):
    """Whether a review on `reviewed_at` keeps the date an editor chose: while it is ahead."""
    return bool(
        page.review_due_set_by_editor
        and page.review_due
        and page.review_due > timezone.localdate(reviewed_at)
    )


@transaction.atomic
def record_review(page, user, *, when=None, log_entry=True):
    """
    `user` confirmed `page` is accurate at `when` (now). Returns the page as stored: its live
    row updated, its latest draft brought along, readers' caches purged.
    """
    page = type(page.specific).objects.select_for_update().get(pk=page.pk)
    when = when or timezone.now()
    fields = {"last_reviewed": when, "last_reviewed_by": user}
    if not editor_date_stands(page, when):
        fields |= {"review_due": next_review_due(page, when), "review_due_set_by_editor": False}
    for name, value in fields.items():
        setattr(page, name, value)
    page.save(update_fields=list(fields), clean=False)

    draft_id = page.latest_revision_id
    if draft_id and draft_id != page.live_revision_id:
        draft = Revision.objects.select_for_update().get(pk=draft_id)
        draft.content |= {
            "last_reviewed": when.isoformat(),
            "last_reviewed_by": user.pk if user else None,
            "review_due": page.review_due.isoformat() if page.review_due else None,
            "review_due_set_by_editor": page.review_due_set_by_editor,
        }
        draft.save(update_fields=["content"])

    if log_entry:
        log(instance=page, action=REVIEWED_ACTION, user=user, revision=page.live_revision)
    # Readers see the review date and whether the page may be out of date.
    purging.purge_after_commit(page=page)
    return page


def task_approved(sender, instance, user=None, **kwargs):
    """Approving a task on a page is a review of it (Wagtail logs the approval itself)."""
    content_object = instance.workflow_state.content_object
    if isinstance(content_object, Page) and hasattr(content_object.specific, "last_reviewed"):
        record_review(content_object, user, log_entry=False)


# "Mark as reviewed", for whoever may publish the page ------------------------------------------


def can_mark_reviewed(page, user):
    return page.live and page.permissions_for_user(user).can_publish()


@require_http_methods(["GET", "HEAD", "POST"])
def mark_reviewed(request, page_id):
    """Confirm, then record, that the live page was checked and is accurate as it stands."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not hasattr(page, "last_reviewed"):
        raise Http404("This page has no reviews.")
    if not can_mark_reviewed(page, request.user):
        raise PermissionDenied
    next_url = get_valid_next_url_from_request(request)
    if request.method == "POST":
        page = record_review(page, request.user)
        messages.success(
            request,
            f"“{page.get_admin_display_title()}” marked as reviewed. "
            f"Next review due {page.review_due:%-d %B %Y}.",
        )
        return redirect(next_url or reverse("wagtailadmin_pages:edit", args=[page.pk]))
    now = timezone.now()
    return TemplateResponse(
        request,
        "pages/admin/mark_reviewed.html",
        {
            "page": page,
            "next_url": next_url,
            "next_review_due": (
                page.review_due if editor_date_stands(page, now) else next_review_due(page, now)
            ),
            "has_unpublished_changes": page.has_unpublished_changes,
        },
    )


class MarkReviewedMenuItem(PageMenuItem):
    label = "Mark as reviewed"
    icon_name = "calendar-check"
    priority = 66  # after History

    def is_shown(self, user):
        return hasattr(self.page.specific_deferred, "last_reviewed") and can_mark_reviewed(
            self.page, user
        )

    @cached_property
    def url(self):
        url = reverse("mark_page_reviewed", args=[self.page.pk])
        return f"{url}?{urlencode({'next': self.next_url})}" if self.next_url else url


def admin_urls():
    return [path("pages/<int:page_id>/mark-reviewed/", mark_reviewed, name="mark_page_reviewed")]


def register_log_action(actions):
    actions.register_action(REVIEWED_ACTION, "Mark as reviewed", "Marked as reviewed")
