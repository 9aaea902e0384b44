from rest_framework.fields import CharField

from django.db import models
from django.db.models import Q

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from pages.blocks import AnswerBlock

from .base import EditorialMixin, ListingPageMixin, WebURLField
from .visibility import visible_pages


@register_snippet
class FaqCategory(models.Model):
    """A group of questions on the FAQ index, such as 'Community Q&A' or 'Official AMAs'."""

    name = models.CharField(max_length=100, unique=True, help_text="As readers see it.")
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Used in the FAQ index's #links to this group."
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first on the FAQ index."
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "FAQ category"
        verbose_name_plural = "FAQ categories"

    def __str__(self):
        return self.name


class FaqIndexPage(ListingPageMixin, Page):
    """Holds the FAQ entries and lists them grouped by category."""

    parent_page_types = ["pages.HomePage", "pages.SectionPage"]
    subpage_types = ["pages.FaqPage"]

    class Meta:
        verbose_name = "FAQ index"
        verbose_name_plural = "FAQ indexes"

    def get_questions_by_category(self):
        """[(category or None, [FaqPage, ...]), ...] in category order, in two queries."""
        questions = (
            visible_pages(FaqPage.objects.child_of(self))
            .select_related("category")
            .order_by("category__sort_order", "category__name", "path")
        )
        groups = {}
        for question in questions:
            groups.setdefault(question.category, []).append(question)
        return list(groups.items())


def attach_questions(pages):
    """Give each FAQ index among `pages` its visible questions, as `listed_questions` in the
    editors' order, in one query for them all: a landing page lists an index's questions under
    it. Other pages are left as they are."""
    indexes = {page.path: page for page in pages if isinstance(page, FaqIndexPage)}
    if not indexes:
        return pages
    for index_page in indexes.values():
        index_page.listed_questions = []
    under_an_index = Q()
    for path, index_page in indexes.items():
        under_an_index |= Q(path__startswith=path, depth=index_page.depth + 1)
    questions = visible_pages(FaqPage.objects.filter(under_an_index)).order_by("path")
    for question in questions:
        index_page = indexes.get(question.path[: -FaqPage.steplen])
        if index_page is not None:
            index_page.listed_questions.append(question)
    return pages


class FaqPage(EditorialMixin, Page):
    """One question and its answer. The page title is the question."""

    answer = StreamField(AnswerBlock(), help_text="The answer, starting with the short version.")
    category = models.ForeignKey(
        FaqCategory,
        null=True,
        blank=False,
        on_delete=models.PROTECT,
        related_name="questions",
        help_text="The group this question is listed under on the FAQ index.",
    )
    answered_on = models.DateField(
        null=True,
        blank=True,
        help_text="For AMA answers: the date of the AMA.",
    )
    source_url = WebURLField(
        "Source link",
        blank=True,
        help_text="For AMA answers: a link to the recording or transcript.",
    )

    content_panels = (
        Page.content_panels
        + [FieldPanel("category"), FieldPanel("answer")]
        + EditorialMixin.panels
        + [
            MultiFieldPanel(
                [FieldPanel("answered_on"), FieldPanel("source_url")],
                heading="AMA details",
            )
        ]
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + [
        APIField("answer"),
        APIField("category", serializer=CharField(source="category.name", read_only=True)),
        APIField("answered_on"),
        APIField("source_url"),
    ]
    search_fields = (
        Page.search_fields
        + EditorialMixin.search_fields
        + [
            index.SearchField("answer"),
            index.FilterField("category"),
        ]
    )

    parent_page_types = ["pages.FaqIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
