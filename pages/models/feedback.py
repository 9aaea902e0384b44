"""What readers answered to "Was this page helpful?" (pages/feedback/views.py takes the answers)."""

from django.conf import settings
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
    # Triage: an editor marks an answer handled, with the version that addressed it if one did.
    handled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    addressed_by = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="addressed by version",
        help_text="The version of the page that answered this feedback, if one did.",
    )

    class Meta:
        verbose_name = "reader feedback"
        verbose_name_plural = "reader feedback"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["page", "created_at"], name="feedback_page_time")]

    def __str__(self):
        answer = "helpful" if self.helpful else "not helpful"
        return f"{answer} ({self.created_at:%Y-%m-%d %H:%M})"


class NeedsChangeNote(models.Model):
    """
    An internal note that a page needs changing: who noticed, why and when (Kitsune's "needs
    change"). Editors see it on the dashboard and the knowledge-base listing; readers never do.
    The next approved version of the page clears it.
    """

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="needs_change_notes"
    )
    reason = models.TextField(
        max_length=COMMENT_MAX_LENGTH, help_text="What needs changing, and why."
    )
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    noted_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The approved version that cleared the note.",
    )

    class Meta:
        verbose_name = "needs-change note"
        ordering = ["-noted_at", "-pk"]
        indexes = [models.Index(fields=["page", "cleared_at"], name="needs_change_open")]

    def __str__(self):
        return f"needs change: {self.reason[:60]}"
