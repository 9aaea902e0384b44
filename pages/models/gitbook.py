from django.db import models


class GitBookSource(models.Model):
    """
    Where an imported page came from: a file of a GitBook book, and what the import made of it.

    Re-importing a book finds its pages by path, so a page keeps its identity (URL, history, links
    to it) across imports, and `content_hash` lets an unchanged file cost no revision at all.
    """

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="gitbook_source"
    )
    book_root = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The page the book was imported under; paths are unique within it.",
    )
    path = models.CharField(max_length=500, help_text="The file, relative to the book's root.")
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "GitBook source"
        constraints = [
            models.UniqueConstraint(fields=["book_root", "path"], name="unique_gitbook_path")
        ]

    def __str__(self):
        return self.path
