from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from pages.embeds import player_html

from .base import EditorialMixin, WebURLField


class VideoPage(EditorialMixin, Page):
    """A talk or explainer video with its summary and, ideally, a transcript."""

    video_url = WebURLField(
        "Video link",
        help_text="The video's page on YouTube, Vimeo or another oEmbed provider.",
    )
    transcript = models.TextField(
        blank=True,
        help_text="What is said in the video, so it can be read, searched and translated.",
    )

    content_panels = (
        Page.content_panels
        + [FieldPanel("video_url")]
        + EditorialMixin.panels
        + [FieldPanel("transcript")]
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + [APIField("video_url"), APIField("transcript")]
    search_fields = (
        Page.search_fields
        + EditorialMixin.search_fields
        + [
            index.SearchField("transcript"),
        ]
    )

    parent_page_types = ["pages.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = "video"

    def get_embed_html(self):
        """The provider's player, or None when the provider cannot be reached."""
        return player_html(self.video_url)
