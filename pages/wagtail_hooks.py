from dataclasses import dataclass
from urllib.parse import urlencode

import django_filters

from django import forms
from django.conf import settings
from django.db.models import F, QuerySet
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, StatusFlagColumn
from wagtail.admin.ui.tables.pages import PageTitleColumn
from wagtail.admin.views.pages.listing import GenericPageFilterSet, IndexView, PageListingMixin
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.log_actions import LogFormatter
from wagtail.models import Page
from wagtail.permissions import policy_registry

from pages import (
    approvals,  # noqa: F401 - its hooks: the overdue-first "Awaiting your review" panel
    editorial_status,
    feedback_report,
    reviews,
    revision_choices,  # noqa: F401 - its hooks: quick comparisons, minor edits
)
from pages.models import ReviewSchedule
from pages.models.base import is_review_overdue
from pages.rich_text import CONTENTSTATE_LINK_RULE, AnchoredPageLinkHandler


# order=1: after Wagtail's own "page" link type and "link" editor rule, which these replace.
@hooks.register("register_rich_text_features", order=1)
def register_anchored_page_links(features):
    features.register_link_type(AnchoredPageLinkHandler)
    features.register_converter_rule("contentstate", "link", CONTENTSTATE_LINK_RULE)


# Keeping content current: the "Knowledge base pages" listing and the dashboard's "Needs attention"
# panel. Both take their pages from pages.editorial_status, as `manage.py content_report` does.

# The panel names this many pages of each list, and links to the listing for the rest.
NEEDS_ATTENTION_SHOWN = 5


class KnowledgeBasePageFilterSet(GenericPageFilterSet):
    in_development = django_filters.ChoiceFilter(
        label="In development",
        empty_label="Any",
        choices=[("true", "Yes"), ("false", "No")],
        widget=forms.RadioSelect,
        method="filter_in_development",
    )
    review = django_filters.ChoiceFilter(
        label="Review",
        empty_label="Any",
        choices=editorial_status.REVIEW_CHOICES,
        widget=forms.RadioSelect,
        method="filter_review",
    )
    awaiting_review = django_filters.ChoiceFilter(
        label="Draft awaiting review",
        empty_label="All pages",
        choices=[("you", "By you"), ("anyone", "By any reviewer")],
        widget=forms.RadioSelect,
        method="filter_awaiting_review",
    )

    # Each filter narrows by key to pages matched in pages.editorial_status: a search backend can
    # only filter on indexed fields such as `id`, never on the listing's annotations.

    def filter_in_development(self, queryset, name, value):
        matching = editorial_status.knowledge_base_pages().filter(in_development=(value == "true"))
        return queryset.filter(pk__in=matching.values("pk"))

    def filter_review(self, queryset, name, value):
        matching = editorial_status.knowledge_base_pages().filter(editorial_status.review_q(value))
        return queryset.filter(pk__in=matching.values("pk"))

    def filter_awaiting_review(self, queryset, name, value):
        reviewer = self.request.user if value == "you" else None
        matching = editorial_status.pages_awaiting_review(reviewer)
        return queryset.filter(pk__in=matching.values("pk"))


EDITORIAL_ORDERINGS = {"in_development", "-in_development", "review_due", "-review_due"}


class SortableUnlessSearchingMixin:
    # Search results are sorted by the search backend, which knows only indexed fields, not the
    # listing's annotations (Wagtail's own "Type" column does the same).
    def get_header_context_data(self, parent_context):
        context = super().get_header_context_data(parent_context)
        context["is_orderable"] = context["is_orderable"] and not parent_context.get("is_searching")
        return context


class InDevelopmentColumn(SortableUnlessSearchingMixin, StatusFlagColumn):
    pass


class ReviewDueColumn(SortableUnlessSearchingMixin, Column):
    cell_template_name = "pages/admin/review_due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["overdue"] = is_review_overdue(context["raw_value"])
        return context


class KnowledgeBasePageTitleColumn(PageTitleColumn):
    # Wagtail's menu of actions on each row checks Move and Delete with a query per page for anyone
    # who cannot publish, such as editors; here the title opens the editor, and the Pages explorer
    # keeps the menu.
    cell_template_name = "pages/admin/page_title_cell.html"


class KnowledgeBasePagesIndexView(IndexView):
    page_title = "Knowledge base pages"

    def get_base_queryset(self):
        return editorial_status.with_editorial_status(super().get_base_queryset())

    def get_valid_orderings(self):
        orderings = super().get_valid_orderings()
        if self.is_searching:
            orderings = [ordering for ordering in orderings if ordering not in EDITORIAL_ORDERINGS]
        return orderings

    def order_queryset(self, queryset):
        # Pages without a review date come last both ways: sorting by review date is for finding
        # what to check next, or what was checked furthest ahead.
        if self.ordering in ("review_due", "-review_due"):
            review_due = F("review_due")
            if self.ordering == "review_due":
                return queryset.order_by(review_due.asc(nulls_last=True), "title", "pk")
            return queryset.order_by(review_due.desc(nulls_last=True), "title", "pk")
        return super().order_queryset(queryset)


class KnowledgeBasePagesMenuItem(MenuItem):
    def is_shown(self, request):
        return can_list_knowledge_base_pages(request.user)


class KnowledgeBasePagesViewSet(PageListingViewSet):
    """Every knowledge-base page in one list, to find what is in development or due a review."""

    model = Page
    index_view_class = KnowledgeBasePagesIndexView
    filterset_class = KnowledgeBasePageFilterSet
    icon = "list-ul"
    menu_label = "Knowledge base pages"
    menu_item_class = KnowledgeBasePagesMenuItem
    # Straight after Wagtail's "Pages" explorer.
    menu_order = 150
    add_to_admin_menu = True
    url_prefix = "knowledge-base-pages"
    columns = [
        KnowledgeBasePageTitleColumn("title", label="Title", sort_key="title", classname="title")
        if column.name == "title"
        else column
        for column in PageListingMixin.base_columns
    ] + [
        InDevelopmentColumn(
            "in_development",
            label="In development",
            true_label="In development",
            sort_key="in_development",
            width="12%",
        ),
        ReviewDueColumn("review_due", label="Review due", sort_key="review_due", width="14%"),
    ]


knowledge_base_pages_viewset = KnowledgeBasePagesViewSet("knowledge_base_pages")


@hooks.register("register_admin_viewset")
def register_knowledge_base_pages():
    return knowledge_base_pages_viewset


def can_list_knowledge_base_pages(user):
    """The listing's own permission rule: any page permission, such as an editor's or reviewer's."""
    return policy_registry.get_by_type(Page).user_has_any_permission(
        user, KnowledgeBasePagesIndexView.any_permission_required
    )


def knowledge_base_pages_url(**filters):
    url = reverse(knowledge_base_pages_viewset.get_url_name("index"))
    return f"{url}?{urlencode(filters)}" if filters else url


@dataclass
class AttentionList:
    """One kind of page that needs attention, as the panel shows it."""

    name: str
    label: str
    pages: QuerySet
    listing_url: str

    @cached_property
    def count(self):
        return self.pages.count()

    @cached_property
    def shown(self):
        return list(self.pages[:NEEDS_ATTENTION_SHOWN])

    @property
    def more(self):
        return self.count - len(self.shown)


class NeedsAttentionPanel(Component):
    name = "needs_attention"
    template_name = "pages/admin/needs_attention_panel.html"
    # Above Wagtail's own panels, the first of which ("Awaiting your review") is 220.
    order = 100

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        # Only the part of the tree the user may explore, as in the listing the panel links to:
        # an editor of one section is not told about drafts elsewhere.
        explorable = policy_registry.get_by_type(Page).explorable_instances(user).values("pk")
        return {
            "lists": [
                AttentionList(
                    name="awaiting-your-review",
                    label="Drafts awaiting your review",
                    pages=editorial_status.pages_awaiting_review(user).filter(pk__in=explorable),
                    listing_url=knowledge_base_pages_url(awaiting_review="you"),
                ),
                AttentionList(
                    name="in-development",
                    label="Pages in development",
                    pages=editorial_status.pages_in_development().filter(pk__in=explorable),
                    listing_url=knowledge_base_pages_url(in_development="true"),
                ),
                AttentionList(
                    name="review-overdue",
                    label="Pages with an overdue review",
                    pages=editorial_status.pages_with_review_overdue().filter(pk__in=explorable),
                    listing_url=knowledge_base_pages_url(
                        review=editorial_status.REVIEW_OVERDUE, ordering="review_due"
                    ),
                ),
                AttentionList(
                    name="review-suggested",
                    label="Suggested for review: readers said “not helpful”",
                    pages=editorial_status.pages_suggested_for_review(
                        ReviewSchedule.for_request(parent_context["request"]).not_helpful_threshold
                    ).filter(pk__in=explorable),
                    listing_url=reverse("reader_feedback"),
                ),
                AttentionList(
                    name="least-helpful",
                    label=f"Least helpful pages ({settings.KB_FEEDBACK_DAYS} days)",
                    pages=editorial_status.least_helpful_pages().filter(pk__in=explorable),
                    listing_url=reverse("reader_feedback"),
                ),
            ],
        }


@hooks.register("register_admin_urls")
def register_reader_feedback_urls():
    return feedback_report.admin_urls()


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        path("pages/<int:page_id>/mark-reviewed/", reviews.mark_reviewed, name="mark_page_reviewed")
    ]


@hooks.register("register_page_header_buttons")
def mark_reviewed_header_button(page, user, view_name, next_url=None):
    yield reviews.MarkReviewedMenuItem(page=page, next_url=next_url)


@hooks.register("register_page_listing_more_buttons")
def mark_reviewed_listing_button(page, user, next_url=None):
    yield reviews.MarkReviewedMenuItem(page=page, next_url=next_url)


@hooks.register("register_log_actions")
def register_review_log_action(actions):
    actions.register_action(reviews.REVIEWED_ACTION, "Mark as reviewed", "Marked as reviewed")


class ReaderFeedbackMenuItem(MenuItem):
    def is_shown(self, request):
        return can_list_knowledge_base_pages(request.user)


@hooks.register("register_reports_menu_item")
def register_reader_feedback_menu_item():
    return ReaderFeedbackMenuItem(
        "Reader feedback",
        reverse("reader_feedback"),
        name="reader-feedback",
        icon_name="help",
        # First among the reports: what readers say decides what to revise next.
        order=650,
    )


@hooks.register("construct_homepage_panels")
def add_needs_attention_panel(request, panels):
    if can_list_knowledge_base_pages(request.user):
        panels.append(NeedsAttentionPanel())


@hooks.register("register_log_actions", order=100)
def show_change_notes_in_page_history(actions):
    """Wagtail's publish entries, with the editor's change note as their comment: the admin's
    page history then says what each publish changed, as What's new does for readers."""

    class PublishedWithChangeNote(LogFormatter):
        def format_comment(self, log_entry):
            return (log_entry.data or {}).get("change_note", "")

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
