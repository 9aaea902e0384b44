"""
"Needs change": an internal note on a page that it needs changing, with who noticed, why and
when (Kitsune's "needs change" for its wiki documents). Readers never see it.

- Anyone who may edit the page flags it from the editor's "…" menu ("Flag as needing change"),
  giving a reason.
- Open notes show at the top of the page's edit form, on the dashboard's "Needs attention" and in
  "Knowledge base pages" (pages.editorial.attention reads them for both).
- The next version of the page to be published clears them: a version saved after the note, so a
  draft written before someone noticed the problem does not clear it. Approval in the review
  workflow publishes, and so does a direct publish where the four-eyes rule is off; either way it
  is the publish that counts, never a draft save. Whoever may publish the page may also clear a
  note by hand ("Clear" on the edit form), when the page needs no change after all.

Each flag and clearing is in the page's history (Wagtail's audit log), with who did it.
"""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods

from wagtail.admin import messages
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.utils import get_user_display_name, get_valid_next_url_from_request
from wagtail.log_actions import log
from wagtail.models import Page

from pages.editorial.attention import open_needs_change_notes
from pages.models import NeedsChangeNote
from pages.models.feedback import COMMENT_MAX_LENGTH

FLAGGED_ACTION = "pages.needs_change"
CLEARED_ACTION = "pages.needs_change_cleared"
# In the editor's "…" menu, after "Mark as reviewed" (66) and the comparisons (67 to 69).
MENU_PRIORITY = 70


def may_flag(page, user):
    return page.permissions_for_user(user).can_edit()


def may_clear(page, user):
    return page.permissions_for_user(user).can_publish()


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


class NeedsChangeForm(forms.Form):
    reason = forms.CharField(
        label="What needs changing, and why",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Seen by editors and reviewers only, never by readers.",
        error_messages={"required": "Say what needs changing, so whoever picks it up knows."},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def flag_needs_change(request, page_id):
    page = get_object_or_404(Page, pk=page_id).specific_deferred
    if not may_flag(page, request.user):
        raise PermissionDenied
    next_url = get_valid_next_url_from_request(request)
    form = NeedsChangeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        with transaction.atomic():
            NeedsChangeNote.objects.create(
                page=page, reason=form.cleaned_data["reason"], noted_by=request.user
            )
            log(
                instance=page,
                action=FLAGGED_ACTION,
                user=request.user,
                data={"reason": form.cleaned_data["reason"]},
            )
        messages.success(
            request,
            f"“{page.get_admin_display_title()}” flagged as needing change. "
            "The next published version clears it.",
        )
        return redirect(next_url or edit_url(page))
    return TemplateResponse(
        request,
        "pages/admin/needs_change_flag.html",
        {"page": page, "form": form, "next_url": next_url},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def clear_needs_change(request, page_id, note_id):
    """A publisher's "the page needs no change after all": confirm, then clear the note."""
    page = get_object_or_404(Page, pk=page_id).specific_deferred
    if not may_clear(page, request.user):
        raise PermissionDenied
    note = get_object_or_404(open_needs_change_notes(), pk=note_id, page=page)
    next_url = get_valid_next_url_from_request(request)
    if request.method == "POST":
        with transaction.atomic():
            note.cleared_at = timezone.now()
            note.save(update_fields=["cleared_at"])
            log(
                instance=page,
                action=CLEARED_ACTION,
                user=request.user,
                data={"reason": note.reason},
            )
        messages.success(request, "Needs-change note cleared.")
        return redirect(next_url or edit_url(page))
    return TemplateResponse(
        request,
        "pages/admin/needs_change_clear.html",
        {"page": page, "note": note, "noted": note_summary(note), "next_url": next_url},
    )


def note_summary(note):
    who = get_user_display_name(note.noted_by) if note.noted_by else "someone"
    return f"noted by {who} on {date_format(localtime(note.noted_at), 'j M')}"


def show_open_notes(request, page):
    """
    The edit form, before it renders: each open note as a warning at the top, with "Clear" for
    whoever may publish. Only when the form is opened (GET), so a save does not repeat them.
    """
    if request.method != "GET":
        return
    notes = list(open_needs_change_notes().filter(page=page).select_related("noted_by"))
    if not notes:
        return
    clearable = may_clear(page, request.user)
    back = urlencode({"next": edit_url(page)})
    for note in reversed(notes):  # oldest first, as they were noted
        clear_url = reverse("clear_needs_change", args=[page.pk, note.pk])
        buttons = [(f"{clear_url}?{back}", "Clear", False)] if clearable else None
        messages.warning(request, f"Needs change — {note_summary(note)}: {note.reason}", buttons)


def clear_on_publish(sender, instance, revision=None, **kwargs):
    """
    page_published: a published version saved after a note answers it. Covers approval in the
    review workflow (which publishes) and a direct publish alike; a draft save sends no signal.
    """
    if revision is None:
        return
    open_needs_change_notes().filter(page_id=instance.pk, noted_at__lt=revision.created_at).update(
        cleared_at=timezone.now(), cleared_by=revision
    )


class FlagNeedsChangeMenuItem(PageMenuItem):
    label = "Flag as needing change"
    icon_name = "warning"
    priority = MENU_PRIORITY

    def is_shown(self, user):
        return may_flag(self.page, user)

    @cached_property
    def url(self):
        url = reverse("flag_needs_change", args=[self.page.pk])
        return f"{url}?{urlencode({'next': self.next_url})}" if self.next_url else url


def header_buttons(page, user, view_name, next_url=None):
    """The editor's "…" menu: "Flag as needing change"."""
    if view_name == "edit":
        yield FlagNeedsChangeMenuItem(page=page, next_url=next_url)


def admin_urls():
    return [
        path("pages/<int:page_id>/needs-change/", flag_needs_change, name="flag_needs_change"),
        path(
            "pages/<int:page_id>/needs-change/<int:note_id>/clear/",
            clear_needs_change,
            name="clear_needs_change",
        ),
    ]


def register_log_actions(actions):
    actions.register_action(FLAGGED_ACTION, "Flag as needing change", "Flagged as needing change")
    actions.register_action(CLEARED_ACTION, "Clear needs-change note", "Needs-change note cleared")
