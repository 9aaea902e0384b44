from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import strip_tags

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from pages.blocks import TEXT_FEATURES, ArticleBlock, ResourcesBlock

from .base import EditorialMixin, SafeRichTextField


class DeepDivePage(EditorialMixin, Page):
    """
    Technical long-form writing. Its 'current state' is dated on its own, because the design text
    ages slowly while the state of the network changes month to month.
    """

    body = StreamField(ArticleBlock(), blank=True, help_text="The design and explanation.")
    current_state = SafeRichTextField(
        features=TEXT_FEATURES,
        blank=True,
        help_text="Where the work stands today: what runs, what is being built, what is planned.",
    )
    current_state_as_of = models.DateField(
        "Current state as of",
        null=True,
        blank=True,
        help_text="The date the current state was true. Required with a current state.",
    )
    resources = StreamField(
        ResourcesBlock(),
        blank=True,
        help_text="Specifications, papers and repositories for further reading.",
    )

    content_panels = (
        Page.content_panels
        + EditorialMixin.panels
        + [
            FieldPanel("body"),
            MultiFieldPanel(
                [FieldPanel("current_state"), FieldPanel("current_state_as_of")],
                heading="Current state",
            ),
            FieldPanel("resources"),
        ]
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + [
        APIField("body"),
        APIField("current_state"),
        APIField("current_state_as_of"),
        APIField("resources"),
    ]
    search_fields = (
        Page.search_fields
        + EditorialMixin.search_fields
        + [
            index.SearchField("body"),
            index.SearchField("current_state"),
        ]
    )

    @property
    def closing_sections(self):
        """The headings the page adds after its body, as (anchor, text) for "On this page"."""
        sections = []
        if self.current_state:
            sections.append(("current-state", "Current state"))
        if self.resources:
            sections.append(("resources", "Resources"))
        return sections

    parent_page_types = ["pages.SectionPage", "pages.DeepDivePage"]
    subpage_types = ["pages.DeepDivePage"]

    class Meta:
        verbose_name = "deep dive"

    def clean(self):
        super().clean()
        # The editor can leave empty paragraphs behind: that is no current state to date.
        if not strip_tags(self.current_state or "").strip():
            self.current_state = ""
        if self.current_state and not self.current_state_as_of:
            raise ValidationError({"current_state_as_of": "Say when this current state was true."})
        if self.current_state_as_of and not self.current_state:
            raise ValidationError(
                {"current_state": "Describe the current state, or clear its date."}
            )
