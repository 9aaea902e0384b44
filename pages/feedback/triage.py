"""
Triage of readers' answers: an editor marks an answer handled, naming the version of the page
that addressed it if one did, and can reopen it.

Handled answers leave the dashboard's "Least helpful pages" and "Suggested for review" (figures.py
counts open answers there); the report keeps counting every answer, since a handled "No" was
still a reader who found the page unhelpful. Anyone who may edit the page may triage its answers:
they are the ones who would write the fix.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.fields.json import KT
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from wagtail.admin.utils import get_user_display_name, get_valid_next_url_from_request
from wagtail.models import Revision

from pages.models import PageFeedback

# An answer to triage: a "No", or a "Yes" that says something.
NEEDS_TRIAGE = Q(helpful=False) | ~Q(comment="")
# The versions offered as "addressed by": the newest, which is where a fix is.
VERSIONS_OFFERED = 30


def may_triage(page, user):
    """Whoever may edit the page may mark its readers' answers handled."""
    return page.permissions_for_user(user).can_edit()


def needs_triage(answer):
    return not answer.helpful or bool(answer.comment)


def version_label(version, page):
    """A version as the revision lists name it: date, author, live, its "What changed" note."""
    when = date_format(localtime(version["created_at"]), "j M Y, H:i")
    label = f"{when} by {version['user__username'] or 'unknown'}"
    marks = ["live"] if version["pk"] == page.live_revision_id else []
    note = (version["change_note"] or "").strip()
    if note:
        marks.append(f"“{note}”")
    return f"{label} ({', '.join(marks)})" if marks else label


def versions_since(page, since):
    """The page's versions saved after `since`, newest first, as dicts: one query, no content."""
    return list(
        Revision.page_revisions.filter(object_id=str(page.pk), created_at__gt=since)
        .annotate(change_note=KT("content__change_note"))
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "user__username", "change_note")[:VERSIONS_OFFERED]
    )


class MarkHandledForm(forms.Form):
    addressed_by = forms.TypedChoiceField(
        label="Addressed by",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The version of the page that answered this, if one did.",
    )

    def __init__(self, *args, answer, page, versions, **kwargs):
        super().__init__(*args, **kwargs)
        offered = [v for v in versions if v["created_at"] > answer.created_at]
        self.fields["addressed_by"].choices = [("", "No version: nothing needed changing")] + [
            (version["pk"], version_label(version, page)) for version in offered
        ]
        live_is_newer = any(v["pk"] == page.live_revision_id for v in offered)
        self.initial.setdefault("addressed_by", page.live_revision_id if live_is_newer else "")
        self.prefix = f"answer-{answer.pk}"


def mark_handled_forms(page, answers):
    """
    A "Mark handled" form for each open answer of `answers` that needs triage, by answer id, the
    versions read once for all of them.
    """
    to_triage = [a for a in answers if a.handled_at is None and needs_triage(a)]
    if not to_triage:
        return {}
    versions = versions_since(page, min(answer.created_at for answer in to_triage))
    return {
        answer.pk: MarkHandledForm(answer=answer, page=page, versions=versions)
        for answer in to_triage
    }


def _answer_for(request, answer_id):
    answer = get_object_or_404(PageFeedback.objects.select_related("page"), pk=answer_id)
    page = answer.page.specific_deferred
    if not may_triage(page, request.user):
        raise PermissionDenied
    return answer, page


def _back(request, answer):
    return redirect(
        get_valid_next_url_from_request(request)
        or reverse("reader_feedback_page", args=[answer.page_id])
    )


@require_POST
def mark_handled(request, answer_id):
    answer, page = _answer_for(request, answer_id)
    form = MarkHandledForm(
        request.POST,
        answer=answer,
        page=page,
        versions=versions_since(page, answer.created_at),
    )
    if not form.is_valid():
        messages.error(
            request,
            "That version is not one of this page’s versions saved after the answer. "
            "Nothing was changed.",
        )
        return _back(request, answer)
    answer.handled_at = timezone.now()
    answer.handled_by = request.user
    answer.addressed_by_id = form.cleaned_data["addressed_by"]
    answer.save(update_fields=["handled_at", "handled_by", "addressed_by"])
    messages.success(
        request, f"Answer of {date_format(localtime(answer.created_at), 'j M Y, H:i')} handled."
    )
    return _back(request, answer)


@require_POST
def mark_unhandled(request, answer_id):
    answer, page = _answer_for(request, answer_id)
    answer.handled_at = answer.handled_by = answer.addressed_by = None
    answer.save(update_fields=["handled_at", "handled_by", "addressed_by"])
    messages.success(
        request,
        f"Answer of {date_format(localtime(answer.created_at), 'j M Y, H:i')} is open again.",
    )
    return _back(request, answer)


def handled_by_name(answer):
    return get_user_display_name(answer.handled_by) if answer.handled_by else "someone"


def compare_with_seen_url(answer):
    """The version the reader saw against the one that addressed the answer, when both are
    known and differ; else the addressing version alone."""
    if answer.addressed_by_id is None:
        return ""
    if answer.revision_id and answer.revision_id != answer.addressed_by_id:
        return reverse(
            "wagtailadmin_pages:revisions_compare",
            args=[answer.page_id, answer.revision_id, answer.addressed_by_id],
        )
    return reverse(
        "wagtailadmin_pages:revisions_view", args=[answer.page_id, answer.addressed_by_id]
    )


def admin_urls():
    return [
        path(
            "reports/reader-feedback/answers/<int:answer_id>/handled/",
            mark_handled,
            name="reader_feedback_mark_handled",
        ),
        path(
            "reports/reader-feedback/answers/<int:answer_id>/unhandled/",
            mark_unhandled,
            name="reader_feedback_mark_unhandled",
        ),
    ]
