from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import RevisionMixin
from wagtail.search import index

from pages.blocks import InnerContentBlock


class ReusableContent(RevisionMixin, index.Indexed, models.Model):
    """
    Content written once and shown on every page that uses it (a "Reusable content" block), as
    GitBook's reusable content and its `{% include %}` of `.gitbook/includes/` files: a change
    here changes every one of those pages. Its history is kept, as a page's is.
    """

    title = models.CharField(max_length=255, help_text="What it is, as editors choose it.")
    body = StreamField(InnerContentBlock(), help_text="The content every page using it shows.")
    gitbook_path = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The GitBook include it was imported from, such as .gitbook/includes/intro.md.",
    )

    panels = [FieldPanel("title"), FieldPanel("body")]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = "reusable content"
        verbose_name_plural = "reusable content"
        ordering = ["title"]

    def __str__(self):
        return self.title
