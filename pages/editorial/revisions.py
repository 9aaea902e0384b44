"""
Quick revision comparisons, a choice of any two versions, and minor edits in the page history.

Wagtail's page history compares each version with the one before it or with the current draft.
Here an editor also gets, in the editor's "…" menu and at the top of the page's history:

- "Changes since last published": the live revision against the latest draft, while the page has
  unpublished changes;
- "Changes since the version you last reviewed", for whoever reviewed the page: the revision they
  last approved in a workflow or marked as reviewed (pages/editorial/reviews.py), against the
  latest draft, or against the live version when there is no draft;
- "Compare two versions": any two revisions of the page, chosen from two lists.

Each opens Wagtail's own compare view, which checks the user may edit the page (as these do
before offering anything): nothing here shows a version to anyone who could not already see it.

The admin's page history marks the saves and publishes of revisions saved as a minor edit (the
"Minor edit" box in "This change") and filters them out with "Hide minor edits"; it is Wagtail's
history view with that filter and mark, routed to for every page type by the page viewsets below.
Each publish in it shows the editor's "What changed" note as its comment.
"""

from dataclasses import dataclass

import django_filters

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from wagtail.admin.auth import user_has_any_page_permission, user_passes_test
from wagtail.admin.utils import get_latest_str
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import ActionColumn
from wagtail.admin.views.pages.history import PageHistoryFilterSet, PageHistoryView
from wagtail.admin.views.pages.utils import get_breadcrumbs_items_for_page
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.models import Page, PageLogEntry, get_page_models

from pages.editorial.reviews import REVIEWED_ACTION
from pages.reading.changes import PUBLISH_ACTIONS, not_minor_edit

# A reviewer's review of a page: approving its workflow task (logged by Wagtail), or "Mark as
# reviewed" (pages/editorial/reviews.py). Both log the revision reviewed.
REVIEW_ACTIONS = ("wagtail.workflow.approve", REVIEWED_ACTION)
# In the editor's "…" menu, after History (65) and "Mark as reviewed" (66).
MENU_PRIORITY = 67


def compare_url(page, revision_a, revision_b):
    return reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, revision_a, revision_b])


def choose_url(page):
    return reverse("page_revisions_choose", args=[page.pk])


def may_compare(page, user):
    """Wagtail's own rule for its compare and history views."""
    permissions = page.permissions_for_user(user)
    return permissions.can_edit() or permissions.can_publish()


def last_reviewed_revision_id(page, user):
    """The revision of `page` that `user` last reviewed, or None."""
    if not user.is_authenticated:
        return None
    return (
        PageLogEntry.objects.filter(
            page_id=page.pk, user=user, action__in=REVIEW_ACTIONS, revision__isnull=False
        )
        .order_by("-timestamp", "-pk")
        .values_list("revision_id", flat=True)
        .first()
    )


@dataclass
class QuickComparison:
    name: str
    label: str
    revision_a: int | str
    revision_b: int | str
    url: str


def quick_comparisons(page, user):
    """The comparisons worth one click for `user` on `page`, for someone who may edit it."""
    if not page.latest_revision_id or not may_compare(page, user):
        return []
    latest = page.latest_revision_id
    # A page made live without a revision (none of ours are) is compared by its live content.
    live = page.live_revision_id or "live"
    has_draft = not page.live or (page.has_unpublished_changes and latest != live)
    comparisons = []
    if page.live and has_draft:
        comparisons.append(
            QuickComparison(
                "since-published",
                "Changes since last published",
                live,
                latest,
                compare_url(page, live, latest),
            )
        )
    reviewed = last_reviewed_revision_id(page, user)
    current = latest if has_draft else live
    if reviewed and reviewed != current:
        comparisons.append(
            QuickComparison(
                "since-reviewed",
                "Changes since the version you last reviewed",
                reviewed,
                current,
                compare_url(page, reviewed, current),
            )
        )
    return comparisons


# The editor's "…" menu ------------------------------------------------------------------------


def revision_comparison_buttons(page, user, view_name, next_url=None):
    """The editor's "…" menu: the quick comparisons, then "Compare two versions"."""
    if view_name != "edit" or not page.latest_revision_id or not may_compare(page, user):
        return
    for offset, comparison in enumerate(quick_comparisons(page, user)):
        yield Button(
            comparison.label,
            comparison.url,
            icon_name="history",
            attrs={"data-revision-comparison": comparison.name},
            priority=MENU_PRIORITY + offset,
        )
    yield Button(
        "Compare two versions",
        choose_url(page),
        icon_name="history",
        attrs={"data-revision-comparison": "choose"},
        priority=MENU_PRIORITY + 2,
    )


# Any two versions -----------------------------------------------------------------------------


def revision_label(revision, page):
    when = date_format(localtime(revision.created_at), "DATETIME_FORMAT")
    label = f"{when} by {revision.user.get_username() if revision.user else 'unknown'}"
    marks = []
    if revision.pk == page.live_revision_id:
        marks.append("live")
    if revision.pk == page.latest_revision_id and page.has_unpublished_changes:
        marks.append("current draft")
    if revision.content.get("minor_edit"):
        marks.append("minor edit")
    note = (revision.content.get("change_note") or "").strip()
    if note:
        marks.append(f"“{note}”")
    return f"{label} ({', '.join(marks)})" if marks else label


class ChooseRevisionsForm(forms.Form):
    a = forms.TypedChoiceField(label="From (the older version)", coerce=int)
    b = forms.TypedChoiceField(label="To (the newer version)", coerce=int)

    def __init__(self, *args, revisions, page, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(revision.pk, revision_label(revision, page)) for revision in revisions]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices
        self.order = {revision.pk: index for index, revision in enumerate(reversed(revisions))}

    def clean(self):
        cleaned_data = super().clean()
        a, b = cleaned_data.get("a"), cleaned_data.get("b")
        if a is not None and a == b:
            raise forms.ValidationError("Choose two different versions.")
        if a is not None and b is not None and self.order[a] > self.order[b]:
            # Compared oldest first, so what was added reads as added.
            cleaned_data["a"], cleaned_data["b"] = b, a
        return cleaned_data


class ChooseRevisionsView(WagtailAdminTemplateMixin, TemplateView):
    """Two lists of the page's versions; choosing opens Wagtail's compare view for them."""

    template_name = "pages/admin/revision_choose.html"
    page_title = "Compare two versions"
    header_icon = "history"

    @cached_property
    def page(self):
        page = get_object_or_404(Page, pk=self.kwargs["page_id"]).specific
        if not may_compare(page, self.request.user):
            raise PermissionDenied
        return page

    @cached_property
    def revisions(self):
        return list(self.page.revisions.select_related("user").order_by("-created_at", "-id"))

    def get_page_subtitle(self):
        return get_latest_str(self.page)

    def get_breadcrumbs_items(self):
        items = get_breadcrumbs_items_for_page(self.page, self.request.user)
        items.append(
            {"url": reverse("wagtailadmin_pages:history", args=[self.page.pk]), "label": "History"}
        )
        items.append({"url": "", "label": self.page_title, "sublabel": self.get_page_subtitle()})
        return self.breadcrumbs_items + items

    @cached_property
    def header_buttons(self):
        edit_url = reverse("wagtailadmin_pages:edit", args=[self.page.pk])
        return [HeaderButton("Edit", url=edit_url, icon_name="edit")]

    def get(self, request, *args, **kwargs):
        chosen = "a" in request.GET or "b" in request.GET
        self.form = ChooseRevisionsForm(
            request.GET if chosen else None,
            revisions=self.revisions,
            page=self.page,
            initial=self.initial_choice(),
        )
        if chosen and self.form.is_valid():
            data = self.form.cleaned_data
            return redirect(compare_url(self.page, data["a"], data["b"]))
        return super().get(request, *args, **kwargs)

    def initial_choice(self):
        # The two newest versions, the usual question being "what did the last save change?".
        ids = [revision.pk for revision in self.revisions[:2]]
        return {"a": ids[-1], "b": ids[0]} if ids else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            page=self.page,
            form=self.form,
            revision_count=len(self.revisions),
            comparisons=quick_comparisons(self.page, self.request.user),
        )


def admin_urls():
    view = user_passes_test(user_has_any_page_permission)(ChooseRevisionsView.as_view())
    return [path("pages/<int:page_id>/compare-revisions/", view, name="page_revisions_choose")]


# Minor edits in the admin's page history ------------------------------------------------------


class MinorEditsHistoryFilterSet(PageHistoryFilterSet):
    # initial=False: an unticked box is no filter, so no "Hide minor edits: False" chip.
    hide_minor_edits = django_filters.BooleanFilter(
        label="Hide minor edits",
        widget=forms.CheckboxInput,
        method="filter_hide_minor_edits",
        initial=False,
    )

    def filter_hide_minor_edits(self, queryset, name, value):
        if not value:
            return queryset
        # Only the saves and publishes of a minor edit: a review of it is still worth seeing.
        return queryset.filter(Q(content_changed=False) | not_minor_edit())


class MinorEditActionColumn(ActionColumn):
    cell_template_name = "pages/admin/revision_action_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        # The history selects each entry's revision with it: no query per row.
        context["minor_edit"] = bool(
            instance.content_changed
            and instance.revision_id
            and instance.revision.content.get("minor_edit")
        )
        return context


class MinorEditsPageHistoryView(PageHistoryView):
    filterset_class = MinorEditsHistoryFilterSet

    @cached_property
    def active_filters(self):
        # The ticked box's chip says what it does ("Minor edits: Hidden"), not "… : True".
        hide_minor = self.filters.form["hide_minor_edits"].auto_id if self.filters else None
        return [
            active._replace(field_label="Minor edits", value="Hidden")
            if active.auto_id == hide_minor
            else active
            for active in super().active_filters
        ]

    @cached_property
    def columns(self):
        return [
            MinorEditActionColumn(
                column.name,
                label=column.label,
                object=column.object,
                url_names=column.url_names,
                user_can_unschedule=column.user_can_unschedule,
            )
            if isinstance(column, ActionColumn)
            else column
            for column in super().columns
        ]

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        for comparison in quick_comparisons(self.object, self.request.user):
            buttons.append(
                HeaderButton(
                    comparison.label,
                    url=comparison.url,
                    icon_name="history",
                    attrs={"data-revision-comparison": comparison.name},
                )
            )
        if self.object.latest_revision_id:
            buttons.append(
                HeaderButton(
                    "Compare two versions",
                    url=choose_url(self.object),
                    icon_name="history",
                    attrs={"data-revision-comparison": "choose"},
                )
            )
        return buttons


class RevisionChoicesPageViewSet(PageViewSet):
    """Wagtail's page views, with the history above. One per page type: the page views are
    routed by the page's type, and the base Page keeps Wagtail's own viewset."""

    history_view_class = MinorEditsPageHistoryView
    # The explorer keeps Wagtail's listings of these pages' parents.
    parent_models = []


def page_viewsets():
    """Wagtail's page views with the history above, for every page type but the base Page."""
    return [
        RevisionChoicesPageViewSet(f"{model._meta.label_lower}_pages", model=model)
        for model in get_page_models()
        if model is not Page
    ]


# Change notes in the admin's page history ----------------------------------------------------


def keep_change_note_with_publish(sender, instance, **kwargs):
    """pre_save of a PageLogEntry: the editor's "What changed" note, copied onto the log entry of
    the publish that made it public, where the admin's page history shows it."""
    if instance._state.adding and instance.action in PUBLISH_ACTIONS and instance.revision:
        note = (instance.revision.content.get("change_note") or "").strip()
        if note:
            instance.data = {**(instance.data or {}), "change_note": note}


class PublishedWithChangeNote(LogFormatter):
    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("change_note", "")


def show_change_notes_in_page_history(actions):
    """Wagtail's publish entries, with the editor's change note as their comment: the admin's
    page history then says what each publish changed, as What's new does for readers."""
    for action, label, message in (
        ("wagtail.publish", _("Publish"), _("Published")),
        ("wagtail.publish.scheduled", _("Publish scheduled draft"), _("Published scheduled draft")),
    ):
        formatter = type(
            "PublishedWithChangeNote",
            (PublishedWithChangeNote,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)
    # Registering again appends a second choice for the action to the history's filter.
    actions.choices = list(dict(actions.choices).items())
