"""What readers answered to "Was this page helpful?" (pages/feedback/views.py takes the answers)."""

from django.db import models
from django.utils import timezone

# A comment says what was missing, in a sentence or two; longer text is refused, not cut.
COMMENT_MAX_LENGTH = 1000


class PageFeedback(models.Model):
    """
    One reader's answer about one page. Not a page, revision or log entry: a vote leaves nothing
    in the tree or its history for an editor to clean up, and it goes when its page is deleted.
    """

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="reader_feedback"
    )
    helpful = models.BooleanField()
    comment = models.TextField(
        blank=True,
        max_length=COMMENT_MAX_LENGTH,
        help_text="What the reader said was missing, as plain text: never shown as HTML.",
    )
    # The version the reader saw, so an editor can tell whether a complaint predates a fix. A
    # purged revision leaves the vote without one rather than taking it away.
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "reader feedback"
        verbose_name_plural = "reader feedback"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["page", "created_at"], name="feedback_page_time")]

    def __str__(self):
        answer = "helpful" if self.helpful else "not helpful"
        return f"{answer} ({self.created_at:%Y-%m-%d %H:%M})"
