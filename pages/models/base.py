"""Fields and behaviour every knowledge-base page shares, declared once."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.compare import FieldComparison, TextDiff
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction, WorkflowPage
from wagtail.search import index

from pages.blocks import ArticleBlock
from pages.concurrency import page_writes_in_turn
from pages.indexing import indexing_is_deferred
from pages.sanitising import WebURLFormField, sanitise_rich_text, validate_web_url

from .reviews import requested_reviewer_error
from .visibility import visible_pages

INTRODUCTION_FEATURES = ["bold", "italic", "link", "ol", "ul"]

# Addresses the site adds under every page, which no page may take as its own.
RESERVED_SLUGS = {"history": "Readers find every page's history at its address + history/."}

# What the banner on an in-development page opens with (components/development_banner.html).
DEVELOPMENT_LABEL = "Still in development"

# Readers see it after the banner's own "Still in development.", so it says what that means
# without saying it again.
DEFAULT_DEVELOPMENT_NOTICE = "Some details are missing, and the page will be revised."


def is_review_overdue(review_due, today=None):
    """Past its review date: a review due today is not overdue yet (today: the site's date)."""
    return review_due is not None and review_due < (today or timezone.localdate())


def content_date_display(date, precision):
    """A content date at the precision it is known to: "June 2020" by month, else "4 June 2020"."""
    if date is None:
        return ""
    return date_format(date, "F Y" if precision == "month" else "j F Y")


class SafeRichTextField(RichTextField):
    """
    A rich text field sanitised (pages.sanitising) when it is validated, as the admin's form and
    every page save do, and again whenever it is written: to the database or into a revision
    (modelcluster serialises a revision through pre_save), so no path stores raw markup.
    """

    def to_python(self, value):
        return sanitise_rich_text(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = sanitise_rich_text(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class WebURLField(models.URLField):
    """A link elsewhere: http:// or https:// only, refused with a message saying so."""

    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})


class PageTag(TaggedItemBase):
    """One tag table for every page type, so a tag page can list topics, FAQs and videos alike."""

    content_object = ParentalKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = "page tag"


class EditorialPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        if kwargs.get("instance") is not None:
            read_tags_at_once(kwargs["instance"])
        super().__init__(*args, **kwargs)
        # A page opened at its published version starts a new change: last time's note would
        # otherwise be published again under the next, unrelated edit.
        if self.instance.pk and self.instance.live and not self.instance.has_unpublished_changes:
            for name in FIELDS_OF_ONE_CHANGE:
                self.initial[name] = self.fields[name].initial if name in self.fields else None
        # Only says how a content date reads: a form that leaves it out (an older client, a
        # script) keeps the page's own, the month for a new page.
        if "describes_as_of_precision" in self.fields:
            self.fields["describes_as_of_precision"].required = False

    def clean(self):
        cleaned_data = super().clean()
        # The editor chose the next review date in this draft (pages/editorial/reviews.py keeps
        # it; a date left as it was follows the page's reviews instead).
        if "review_due" in self.changed_data:
            self.instance.review_due_set_by_editor = cleaned_data.get("review_due") is not None
        # The banner opens with "Still in development.": a note that says it again makes
        # readers meet the phrase twice in one banner.
        note = cleaned_data.get("development_note") or ""
        if DEVELOPMENT_LABEL.lower() in note.lower():
            self.add_error(
                "development_note",
                "The banner already says “Still in development.”: say only what is unfinished.",
            )
        reviewer = cleaned_data.get("requested_reviewer")
        if reviewer is not None:
            error = requested_reviewer_error(self.instance, reviewer, self.parent_page)
            if error:
                self.add_error("requested_reviewer", error)
        return cleaned_data


def read_tags_at_once(page):
    """
    The tags of `page` read with its tagged items, in one query: modelcluster's tag field, which
    the edit form shows, reads each tagged item's tag on its own, a query per tag. A page held
    in memory (a draft's revision) has its items already, and gets their tags in one query.
    """
    held = getattr(page, "_cluster_related_objects", {}).get("tagged_items")
    if held is None:
        if page.pk is not None:
            prefetch_related_objects(
                [page], Prefetch("tagged_items", PageTag.objects.select_related("tag"))
            )
        return
    tags = PageTag.tag.field.related_model.objects.in_bulk({item.tag_id for item in held})
    for item in held:
        if item.tag_id in tags:
            item.tag = tags[item.tag_id]


# Fields that describe one change (its note, whether it is minor, whom it asks to review it and
# by when): each new draft of a published page starts them afresh.
FIELDS_OF_ONE_CHANGE = ["change_note", "minor_edit", "requested_reviewer", "review_needed_by"]


# What an empty value reads as in a comparison, in place of "None" or nothing at all.
EMPTY = "—"


def readable(value):
    """A field's value as the admin shows it elsewhere: Yes / No, "4 December 2026", "—"."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "j F Y, H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    return str(value)


class ReadableFieldComparison(FieldComparison):
    """The value before and after, whole and apart ("No → Yes", never "NoYes" or
    "None2026-12-08"): a yes/no, a date or a change note has no words to mark one by one.
    pages.editorial.compare registers it for every yes/no, date and date-time field."""

    def htmldiff(self):
        if not self.has_changed():
            return escape(readable(self.val_a))
        return TextDiff(
            [("deletion", readable(self.val_a)), ("addition", readable(self.val_b))],
            separator=" → ",
        ).to_html()


class WorkflowFieldPanel(FieldPanel):
    """A field about how one change is reviewed (minor or not, the reviewer asked for, the date
    it is needed by), not about the page: left out of revision comparisons, which show what
    changed in the page."""

    class BoundPanel(FieldPanel.BoundPanel):
        def get_comparison(self):
            return []


class ChangeNotePanel(FieldPanel):
    """The editor's "What changed" note: compared whole, the earlier note and this one apart,
    rather than word by word into one run of text."""

    def get_comparison_class(self):
        return ReadableFieldComparison


class EditorialMixin(models.Model):
    in_development = models.BooleanField(
        "Still in development",
        default=False,
        db_index=True,
        help_text=(
            "Tick while the subject is unfinished or the text is incomplete. Readers see a "
            "'still in development' banner; editors can filter the page list on it."
        ),
    )
    development_note = models.CharField(
        max_length=300,
        blank=True,
        help_text=(
            "Optional: what is unfinished, shown in the banner. For example "
            "'Staking rewards are not final yet.'"
        ),
    )
    describes_as_of = models.DateField(
        "Describes the network as of",
        null=True,
        blank=True,
        help_text=(
            "Optional: when what the page says was true, such as 1 June 2020 for a page written "
            "about the network in mid-2020. Readers see 'Describes the network as of June "
            "2020' under the title, apart from 'Last updated'. Leave empty for a page that is "
            "not tied to a date."
        ),
    )
    describes_as_of_precision = models.CharField(
        "Shown as",
        max_length=5,
        choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
        default="month",
        help_text="How much of the date readers see: most pages know the month, not the day.",
    )
    review_due = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text=(
            "When someone should next check this page is still accurate. Set by each review "
            "from the review schedule (Settings → Review schedule); choose a date to override it."
        ),
    )
    # When a reviewer last confirmed the page is accurate (approving it, or "Mark as reviewed"),
    # apart from when it was last edited: pages/editorial/reviews.py sets these, never an
    # editor's save.
    last_reviewed = models.DateTimeField(null=True, blank=True, editable=False)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_due_set_by_editor = models.BooleanField(default=False, editable=False)
    summary = models.TextField(
        max_length=300,
        blank=True,
        help_text=(
            "One or two sentences on what the page answers. Shown in listings, search results "
            "and to search engines."
        ),
    )
    change_note = models.CharField(
        "What changed",
        max_length=200,
        blank=True,
        help_text=(
            "Optional: one line for readers on what this version changes, such as 'Exit bonds "
            "updated for the v2 contracts.' Shown in What's new and its feed once published; "
            "starts empty after each publish."
        ),
    )
    minor_edit = models.BooleanField(
        "Minor edit",
        default=False,
        help_text=(
            "Tick for a typo or formatting fix that changes nothing a reader relies on. The "
            "history can hide minor edits."
        ),
    )
    requested_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Reviewer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"groups__name__in": ["Reviewers", "Administrators"], "is_active": True},
        help_text="Optional: the reviewer you ask to review this change. They are emailed.",
    )
    review_needed_by = models.DateField(
        "Review needed by",
        null=True,
        blank=True,
        help_text="Optional: when the review should be done. Overdue reviews come first.",
    )
    tags = ClusterTaggableManager(
        through=PageTag,
        blank=True,
        help_text="Subjects readers might browse by, such as 'plasma' or 'staking'.",
    )

    panels = [
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("in_development"), FieldPanel("development_note")],
            heading="Development status",
        ),
        MultiFieldPanel(
            [FieldPanel("describes_as_of"), FieldPanel("describes_as_of_precision")],
            heading="Content date",
        ),
        FieldPanel("review_due"),
        FieldPanel("tags"),
    ]
    # Last in the editor, beside the save and submit buttons, where a change is summed up.
    change_note_panels = [
        MultiFieldPanel(
            [
                ChangeNotePanel("change_note"),
                WorkflowFieldPanel("minor_edit"),
                WorkflowFieldPanel("requested_reviewer"),
                WorkflowFieldPanel("review_needed_by"),
            ],
            heading="This change",
        )
    ]

    api_fields = [
        APIField("summary"),
        APIField("in_development"),
        APIField("development_note"),
        APIField("describes_as_of"),
        APIField("describes_as_of_precision"),
        APIField("describes_as_of_display"),
        APIField("review_due"),
        APIField("last_reviewed"),
        APIField("may_be_out_of_date"),
        APIField("tags"),
    ]

    search_fields = [
        index.SearchField("summary", boost=2),
        index.RelatedFields("tags", [index.SearchField("name", boost=2)]),
        index.FilterField("in_development"),
        index.FilterField("review_due"),
    ]

    base_form_class = EditorialPageForm

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with page_writes_in_turn():
            result = super().save(*args, **kwargs)
        # The search index is written on post_save, but modelcluster only commits the tags after
        # that signal, so the entry just written would hold the previous tags.
        update_fields = kwargs.get("update_fields")
        if (update_fields is None or "tags" in update_fields) and not indexing_is_deferred():
            index.insert_or_update_object(self)
        return result

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            reason = RESERVED_SLUGS[self.slug]
            raise ValidationError({"slug": f"“{self.slug}” is taken by the site. {reason}"})

    def get_meta_description(self):
        return self.search_description or self.summary

    # Reviews belong to the page, not to one version of it (pages/editorial/reviews.py).
    PAGE_WIDE_REVIEW_FIELDS = ["last_reviewed", "last_reviewed_by"]

    def with_content_json(self, content):
        page = super().with_content_json(content)
        for name in self.PAGE_WIDE_REVIEW_FIELDS:
            setattr(page, name, getattr(self, name))
        if not content.get("review_due_set_by_editor"):
            # Not chosen in this version: the date the reviews set stands.
            page.review_due = self.review_due
            page.review_due_set_by_editor = self.review_due_set_by_editor
        return page

    @property
    def describes_as_of_display(self):
        """The content date as readers read it ("June 2020", "4 June 2020"), or "" if none."""
        return content_date_display(self.describes_as_of, self.describes_as_of_precision)

    @property
    def may_be_out_of_date(self):
        """Past its review date: readers are told the page may be out of date."""
        return is_review_overdue(self.review_due)

    # The restrictions found with this page when a process kept it between requests
    # (pages/reading/known_site.py): the same answer, without asking again.
    kept_view_restrictions = None

    def paths_from_the_root(self):
        """The tree paths of the root, of every page down to this one, and of this one: what a
        question about "this page or any above it" filters on, without reading the pages."""
        return [self.path[:end] for end in range(Page.steplen, len(self.path) + 1, Page.steplen)]

    def get_view_restrictions(self):
        """Wagtail's answer (the restrictions on this page and the pages above it, an alias
        answering for the page it copies) in one query rather than two: the pages above are
        the prefixes of this page's path. Asked on every request that serves the page."""
        if self.kept_view_restrictions is not None:
            return self.kept_view_restrictions
        paths = self.paths_from_the_root()
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths, page__alias_of__isnull=True) | Q(page__aliases__path__in=paths)
        ).distinct()

    def get_workflow(self):
        """Wagtail's answer (the active workflow of this page or of the nearest page above it)
        in one query rather than up to four: the edit view's action menu asks for it, and for
        has_workflow twice more, every time an editor opens a page."""
        if not getattr(settings, "WAGTAIL_WORKFLOW_ENABLED", True):
            return None
        if not self.path:  # not in the tree yet: nothing above it to ask
            return super().get_workflow()
        paths = self.paths_from_the_root()
        assignment = (
            WorkflowPage.objects.select_related("workflow")
            .filter(page__path__in=paths, workflow__active=True)
            .order_by("-page__depth")
            .first()
        )
        return assignment.workflow if assignment else None

    @property
    def has_workflow(self):
        if not self.path:
            return super().has_workflow
        return self.get_workflow() is not None

    def get_listed_children(self):
        """Children a reader may see, in the editors' order, as their own page types."""
        return visible_pages(self.get_children()).specific()

    # Editors writing at the same moment take turns (pages/concurrency.py).

    def save_revision(self, *args, **kwargs):
        with page_writes_in_turn():
            return super().save_revision(*args, **kwargs)

    def add_child(self, **kwargs):
        with page_writes_in_turn():
            # Another editor may have added a child since this page was read: treebeard picks
            # the new child's path from the count of children.
            self.numchild = type(self).objects.filter(pk=self.pk).values_list("numchild").get()[0]
            return super().add_child(**kwargs)


class IntroductionMixin(models.Model):
    """Pages that mostly list other pages (home, sections, the FAQ) open with a paragraph."""

    introduction = SafeRichTextField(
        features=INTRODUCTION_FEATURES,
        blank=True,
        help_text="Optional: a paragraph above the list of pages: what they cover, where to start.",
    )

    panels = [FieldPanel("introduction")]
    search_fields = [index.SearchField("introduction")]
    api_fields = [APIField("introduction")]

    class Meta:
        abstract = True


class ListingPageMixin(IntroductionMixin, EditorialMixin):
    """Pages that open with an introduction and list other pages: home, sections, the FAQ index."""

    content_panels = (
        Page.content_panels
        + EditorialMixin.panels
        + IntroductionMixin.panels
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + IntroductionMixin.api_fields
    search_fields = (
        Page.search_fields + EditorialMixin.search_fields + IntroductionMixin.search_fields
    )

    class Meta:
        abstract = True


class BookPageMixin(ListingPageMixin):
    """
    A page that lists others and may have content of its own: the home page and sections. In a
    GitBook book any page can have pages under it, so a book's README and a top-level page with
    children keep all of their blocks here.
    """

    body = StreamField(
        ArticleBlock(),
        blank=True,
        help_text="Optional: the page's own content, between its introduction and its pages.",
    )

    content_panels = (
        Page.content_panels
        + EditorialMixin.panels
        + IntroductionMixin.panels
        + [FieldPanel("body")]
        + EditorialMixin.change_note_panels
    )
    api_fields = ListingPageMixin.api_fields + [APIField("body")]
    search_fields = ListingPageMixin.search_fields + [index.SearchField("body")]

    class Meta:
        abstract = True
