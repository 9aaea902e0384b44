"""
The readers' search index (pages/search/): one entry for each page a reader may find, its terms
with their weights, the site's vocabulary for "Did you mean", and the synonyms editors keep.

It holds published, public pages only, so a search can never surface a draft or a restricted
page; the index is rebuilt for a page whenever it is published, unpublished, moved or
restricted (pages/search/indexer.py).
"""

from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from .base import is_review_overdue


class SearchEntry(models.Model):
    """A page as search shows and filters it, written when the page is published."""

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=2048)
    # Where the page sits, for telling apart two pages of the same title: "Plasma › Exits".
    place = models.CharField(max_length=512, blank=True)
    # The page's tree path, so a section filter is a prefix match on one table.
    path = models.CharField(max_length=255, db_index=True)
    page_type = models.CharField(max_length=40, blank=True, db_index=True)
    kind = models.CharField(max_length=100, blank=True, help_text="The page type's name.")
    in_development = models.BooleanField(default=False)
    review_due = models.DateField(null=True, blank=True)
    is_question = models.BooleanField(default=False)
    word_count = models.PositiveIntegerField(default=0)
    # The page's tag slugs between spaces (" exits fees "), so that a tag filter is one
    # substring match on both databases.
    tags = models.TextField(blank=True)
    headings = models.JSONField(default=list, blank=True)
    # The page's text as readers read it, block by block: snippets are cut from one of these.
    passages = models.JSONField(default=list, blank=True)
    # The page's written words (pages.models.SearchWord counts the pages using each).
    words = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.title

    @property
    def may_be_out_of_date(self):
        return is_review_overdue(self.review_due)


class SearchTerm(models.Model):
    """One normalised term of one page, weighted by where it appears (title, headings, body)."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=64)
    weight = models.FloatField()
    # Where the term appears, for the phrase and title boosts: see pages/search/indexer.py.
    in_title = models.BooleanField(default=False)

    class Meta:
        # A term's rows come from the index alone, best weight first: a common word's best rows
        # (pages/search/engine.py best_rows_sql) are read without sorting all of them.
        indexes = [models.Index(fields=["term", "-weight", "entry"], name="pages_searchterm_best")]
        constraints = [
            models.UniqueConstraint(fields=["entry", "term"], name="pages_searchterm_once")
        ]

    def __str__(self):
        return f"{self.term} ({self.weight:.1f})"


class SearchWord(models.Model):
    """A word as written on the site, with the term it stands for: the vocabulary that typos,
    prefixes and "Did you mean …?" are matched against, so suggestions are always real words."""

    word = models.CharField(max_length=64, unique=True)
    term = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(default=0, help_text="How many pages use the word.")

    def __str__(self):
        return self.word


class SearchSynonym(index.Indexed, models.Model):
    """Words readers use for what the pages call something else: "MoreVP" for "More Viable
    Plasma". A search for either finds both."""

    words = models.CharField(
        max_length=100,
        unique=True,
        help_text="What readers type, such as MoreVP or PoS.",
    )
    means = models.CharField(
        max_length=200,
        help_text="What the pages call it, such as More Viable Plasma or proof of stake.",
    )

    panels = [FieldPanel("words"), FieldPanel("means")]
    search_fields = [index.SearchField("words"), index.SearchField("means")]

    class Meta:
        verbose_name = "search synonym"
        ordering = ["words"]

    def __str__(self):
        return f"{self.words} = {self.means}"


class SearchQueryDay(models.Model):
    """How often readers searched for a query on one day, how many results the last such search
    had and how many of those searches led to a click. The query is normalised (folded case,
    single spaces); nothing about the reader is kept."""

    query = models.CharField(max_length=255)
    day = models.DateField(db_index=True)
    searches = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    results = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["query", "day"], name="pages_searchqueryday_once")
        ]

    def __str__(self):
        return f"{self.query} ({self.day})"
