"""
Writes the readers' search index (pages.models.search): one SearchEntry per live, public page,
its weighted terms and the site's vocabulary.

The index is written in the same transaction as the change that calls for it: a page saved
(published, unpublished), deleted or moved, a view restriction added or removed, a site changed.
Pages are read back from the database rather than taken from the saving code, so that a draft's
content held in memory can never reach the index. Bulk writes (an import) index everything once
at the end (pages.indexing.deferred_indexing).

Weights: a term in the title counts 10, in a heading 4, in the summary or tags 4, and in the
body up to about 6, saturating as BM25 does (the tenth mention adds little to the ninth).
"""

import itertools
from collections import Counter, defaultdict
from html.parser import HTMLParser

from django.core.cache import cache
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.db.models import F
from django.utils.crypto import get_random_string

from wagtail.fields import StreamField
from wagtail.models import Page, Site

from pages.gitbook.types import PAGE_TYPES
from pages.indexing import indexing_is_deferred
from pages.models import FaqPage, PageTag, SearchEntry, SearchTerm, SearchWord
from pages.models.visibility import visible_pages

from . import text

TITLE_WEIGHT = 10.0
HEADING_WEIGHT = 4.0
SUMMARY_WEIGHT = 4.0
BODY_WEIGHT = 3.0
BM25_K1, BM25_B, AVERAGE_WORDS = 1.2, 0.75, 300
PLACE_SEPARATOR = " › "
MAX_PASSAGE_LENGTH = 2_000
INDEX_VERSION_KEY = "pages:search:index-version"
BATCH_SIZE = 200
# A save of only other fields (a revision noted, a lock) leaves the index as it is.
FIELDS_READERS_FIND = {"title", "live", "slug", "url_path", "path", "in_development", "review_due"}

SEARCH_TYPES = {page_type.model: page_type.search or "" for page_type in PAGE_TYPES}
STREAM_FIELDS = ("introduction", "body", "answer")
TEXT_FIELDS = ("current_state", "transcript")


# What a page says ---------------------------------------------------------------------------------


class Passages(HTMLParser):
    """Rich text as passages a reader would read as one: a paragraph, a list item, a table row
    (its cells apart, with " · "). Headings inside rich text start a new heading."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "div"}
    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
    CELLS = {"td", "th"}

    def __init__(self, heading):
        super().__init__(convert_charrefs=True)
        self.heading = heading
        self.passages = []
        self.current = []
        self.in_heading = False

    def flush(self):
        words = " ".join("".join(self.current).split())
        self.current = []
        if not words:
            return
        if self.in_heading:
            self.heading = words
            self.passages.append(("heading", words))
        else:
            self.passages.append((self.heading, words))

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.flush()
            self.in_heading = tag in self.HEADINGS
        elif tag in self.CELLS and "".join(self.current).strip():
            self.current.append(" · ")
        elif tag == "br":
            self.current.append(" ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.flush()
            self.in_heading = False

    def handle_data(self, data):
        self.current.append(data)


class PageText:
    """A page's words by where they stand: headings, and passages under each heading."""

    def __init__(self):
        self.heading = ""
        self.headings = []
        self.passages = []  # [heading, text]

    def add_heading(self, words):
        words = " ".join(words.split())
        if words:
            self.heading = words
            self.headings.append(words)

    def add_text(self, value):
        if not value or value.startswith(("http://", "https://")):
            return
        if "<" in value:
            parser = Passages(self.heading)
            parser.feed(value)
            parser.close()
            parser.flush()
            for heading, words in parser.passages:
                if heading == "heading":
                    self.add_heading(words)
                else:
                    self.passages.append([heading, words[:MAX_PASSAGE_LENGTH]])
            return
        words = " ".join(value.split())
        if words:
            self.passages.append([self.heading, words[:MAX_PASSAGE_LENGTH]])

    def add_blocks(self, value):
        """A StreamField's stored blocks, nested ones included. Ids, types, numbers and web
        addresses are no words of the page."""
        if isinstance(value, str):
            self.add_text(value)
        elif isinstance(value, list):
            for item in value:
                self.add_blocks(item)
        elif isinstance(value, dict):
            if "type" in value and "value" in value:  # a block in a stream
                if value["type"] == "heading" and isinstance(value["value"], dict):
                    self.add_heading(str(value["value"].get("text", "")))
                else:
                    self.add_blocks(value["value"])
            elif "rows" in value and "columns" in value:  # a table: one passage a row
                self.add_table(value)
            else:
                # A diagram's Mermaid source is syntax; its words are in its text alternative.
                for key, item in value.items():
                    if key not in ("type", "id", "anchor", "level", "style", "language", "source"):
                        self.add_blocks(item)

    def add_table(self, table):
        headings = [str(column.get("heading", "")) for column in table.get("columns", [])]
        if any(headings):
            self.passages.append([self.heading, " · ".join(h for h in headings if h)])
        for row in table.get("rows", []):
            cells = []
            for cell in row.get("values", []) if isinstance(row, dict) else []:
                holder = PageText()
                holder.add_blocks(cell if isinstance(cell, str | list | dict) else str(cell))
                cells += [words for _, words in holder.passages]
            if cells:
                self.passages.append([self.heading, " · ".join(cells)[:MAX_PASSAGE_LENGTH]])


def page_text(page):
    found = PageText()
    for name in STREAM_FIELDS:
        if hasattr(page, name):
            value = getattr(page, name)
            field = page._meta.get_field(name)
            if isinstance(field, StreamField):
                found.add_blocks(list(value.raw_data))
            else:
                found.add_text(str(value))
    for name in TEXT_FIELDS:
        if getattr(page, name, ""):
            found.heading = ""
            found.add_text(str(getattr(page, name)))
    return found


# Weights --------------------------------------------------------------------------------------


def term_counts(words):
    """Each term's count among a text's folded words (text.index_words), stop words left out."""
    return Counter(text.term(word) for word in words if not text.is_stop_word(word))


def weighted_terms(title, headings, summary, body_passages):
    """term -> (weight, in_title) for one page, from the folded words of each of its parts: the
    title's, each heading's, the summary's and each body passage's."""
    weights = defaultdict(float)
    title_terms = set(term_counts(title))
    for term in title_terms:
        weights[term] += TITLE_WEIGHT
    for term in set(itertools.chain.from_iterable(term_counts(h) for h in headings)):
        weights[term] += HEADING_WEIGHT
    for term in term_counts(summary):
        weights[term] += SUMMARY_WEIGHT
    body = term_counts(itertools.chain.from_iterable(body_passages))
    length = sum(body.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / AVERAGE_WORDS)
    for term, count in body.items():
        weights[term] += BODY_WEIGHT * count * (BM25_K1 + 1) / (count + norm)
    return {term: (weight, term in title_terms) for term, weight in weights.items() if term}


def vocabulary(*texts_words):
    """The written words of a page, for typos and suggestions, from the folded words of each of
    its texts: no stop words, no one-letter words, no bare numbers."""
    return {
        word
        for words in texts_words
        for word in words
        if len(word) > 1 and not word.isdigit() and not text.is_stop_word(word)
    }


def folded_words(value):
    """A text's folded words, read once for both the weights and the vocabulary."""
    return list(text.index_words(value))


# Where a page is -----------------------------------------------------------------------------


def site_root_paths():
    """(root url_path, root url) of each site, most specific first. Read here rather than through
    Site.get_site_root_paths(), whose cache a bulk change of sites (a queryset update) leaves
    stale."""
    sites = Site.objects.select_related("root_page").order_by(
        "-root_page__url_path", "-is_default_site", "hostname"
    )
    default = next((site for site in sites if site.is_default_site), None)
    return [(site.root_page.url_path, "" if site == default else site.root_url) for site in sites]


def reader_url(page, roots):
    for root_path, root_url in roots:
        if page.url_path.startswith(root_path):
            return f"{root_url}/{page.url_path[len(root_path) :]}"
    return None


def places(pages, roots):
    """page id -> "Section › Parent": the ancestors below the site's home page."""
    root_paths = {path for path, _ in roots}
    ancestor_paths = {
        page.path[: depth * Page.steplen] for page in pages for depth in range(1, page.depth)
    }
    ancestors = {
        row["path"]: row
        for row in Page.objects.filter(path__in=ancestor_paths).values("path", "title", "url_path")
    }
    found = {}
    for page in pages:
        titles = []
        for depth in range(page.depth - 1, 0, -1):
            ancestor = ancestors.get(page.path[: depth * Page.steplen])
            if ancestor is None or ancestor["url_path"] in root_paths:
                break
            titles.append(ancestor["title"])
        found[page.pk] = PLACE_SEPARATOR.join(reversed(titles))
    return found


# Writing the index ---------------------------------------------------------------------------


def index_changed():
    """A new index version: cached rankings, filters and vocabularies are stale."""
    cache.set(INDEX_VERSION_KEY, get_random_string(12), None)


def index_version():
    version = cache.get(INDEX_VERSION_KEY)
    if version is None:
        version = get_random_string(12)
        # Another process may have set one meanwhile: theirs wins.
        cache.add(INDEX_VERSION_KEY, version, None)
        version = cache.get(INDEX_VERSION_KEY) or version
    return version


def readable_pages(ids):
    """The pages among `ids` a reader may find: live, outside any restriction."""
    return visible_pages().filter(pk__in=ids).specific()


@transaction.atomic
def index_pages(ids):
    """(Re)write the index for these pages; those no reader may find leave it."""
    ids = set(ids)
    if not ids:
        return
    roots = site_root_paths()
    ordered = sorted(ids)
    changed = False
    for batch in (ordered[i : i + BATCH_SIZE] for i in range(0, len(ordered), BATCH_SIZE)):
        pages = [page for page in readable_pages(batch) if reader_url(page, roots)]
        changed |= remove_pages(set(batch) - {page.pk for page in pages}, changed=False)
        if pages:
            write_entries(pages, roots)
            changed = True
    # A draft saved, say, changes nothing readers find: caches keep their version.
    if changed:
        index_changed()


def write_entries(pages, roots):
    where = places(pages, roots)
    # The words each page had, to count the vocabulary's pages: not the entries' passages.
    previous = {
        page_id: set(words)
        for page_id, words in SearchEntry.objects.filter(page__in=pages).values_list(
            "page_id", "words"
        )
    }
    tags_of = defaultdict(list)
    rows = PageTag.objects.filter(content_object__in=pages).order_by("tag__name")
    for page_id, name, slug in rows.values_list("content_object_id", "tag__name", "tag__slug"):
        tags_of[page_id].append((name, slug))
    entries, terms, added, removed = [], [], Counter(), Counter()
    for page in pages:
        found = page_text(page)
        summary = getattr(page, "summary", "") or ""
        tags = [name for name, _ in tags_of[page.pk]]
        body = [words for _, words in found.passages]
        passages = ([["", summary]] if summary else []) + found.passages
        word_count = sum(len(words.split()) for words in body) + len(summary.split())
        title, summary_words = folded_words(page.title), folded_words(summary)
        tag_words = folded_words(" ".join(tags))
        headings = [folded_words(heading) for heading in found.headings]
        body_words = [folded_words(passage) for passage in body]
        entry = SearchEntry(
            page_id=page.pk,
            title=page.title,
            url=reader_url(page, roots),
            place=where[page.pk],
            path=page.path,
            page_type=SEARCH_TYPES.get(type(page), ""),
            kind=str(page.specific_class.get_verbose_name()),
            in_development=bool(getattr(page, "in_development", False)),
            review_due=getattr(page, "review_due", None),
            is_question=isinstance(page, FaqPage),
            word_count=word_count,
            tags=f" {' '.join(slug for _, slug in tags_of[page.pk])} " if tags else "",
            headings=found.headings,
            passages=passages,
            words=sorted(vocabulary(title, summary_words, tag_words, *headings, *body_words)),
        )
        entries.append(entry)
        weights = weighted_terms(title, headings, summary_words + tag_words, body_words)
        terms += [(page.pk, term, weight, in_title) for term, (weight, in_title) in weights.items()]
        words = set(entry.words)
        before = previous.get(page.pk, set())
        added.update(words - before)
        removed.update(before - words)
    # A page new to the index (all of a first import) has nothing to delete.
    if previous:
        delete_terms(SearchTerm.objects.filter(entry__in=list(previous)))
        SearchEntry.objects.filter(page__in=list(previous)).delete()
    SearchEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    insert_terms(terms)
    count_words(added, removed)


def insert_terms(rows):
    """SearchTerm rows, (entry id, term, weight, in title): dozens a page. On PostgreSQL copied in
    (COPY), without a model object and a prepared value for each, which cost as much as
    working out the page's terms."""
    if connection.vendor != "postgresql":
        SearchTerm.objects.bulk_create(
            [
                SearchTerm(entry_id=entry_id, term=term, weight=weight, in_title=in_title)
                for entry_id, term, weight, in_title in rows
            ],
            batch_size=1_000,
        )
        return
    columns = ", ".join(
        connection.ops.quote_name(SearchTerm._meta.get_field(name).column)
        for name in ("entry", "term", "weight", "in_title")
    )
    table = connection.ops.quote_name(SearchTerm._meta.db_table)
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def count_words(added, removed):
    """Keep each vocabulary word's page count; a word no page uses any more leaves it."""
    for count, words in group_by_count(removed).items():
        SearchWord.objects.filter(word__in=words).update(pages=F("pages") - count)
    if removed:
        SearchWord.objects.filter(word__in=list(removed), pages__lte=0).delete()
    if not added:
        return
    existing = set(SearchWord.objects.filter(word__in=list(added)).values_list("word", flat=True))
    for count, words in group_by_count({w: added[w] for w in existing}).items():
        SearchWord.objects.filter(word__in=words).update(pages=F("pages") + count)
    SearchWord.objects.bulk_create(
        [
            SearchWord(word=word, term=text.term(word), pages=count)
            for word, count in added.items()
            if word not in existing
        ],
        batch_size=1_000,
        ignore_conflicts=True,
    )


def delete_terms(terms):
    """Delete these SearchTerm rows in one statement. A queryset's delete() reads every row first,
    to send post_delete for each (the site has receivers for every model: pages.signal_handlers),
    and a page has dozens of terms; no receiver cares about a term."""
    terms._raw_delete(terms.db)


def group_by_count(counter):
    groups = defaultdict(list)
    for word, count in counter.items():
        groups[count].append(word)
    return groups


def remove_pages(ids, changed=True):
    """Take these pages out of the index; whether any was in it."""
    ids = list(ids)
    if not ids:
        return False
    found = dict(SearchEntry.objects.filter(page__in=ids).values_list("page_id", "words"))
    if not found:
        return False
    removed = Counter()
    for words in found.values():
        removed.update(words)
    delete_terms(SearchTerm.objects.filter(entry__in=list(found)))
    SearchEntry.objects.filter(page__in=list(found)).delete()
    count_words(Counter(), removed)
    if changed:
        index_changed()
    return True


def index_subtree(page):
    index_pages(Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True))


@transaction.atomic
def index_all():
    """Rebuild the whole index from the live site (`manage.py index_search`)."""
    delete_terms(SearchTerm.objects.all())
    SearchEntry.objects.all().delete()
    SearchWord.objects.all().delete()
    index_pages(visible_pages().values_list("pk", flat=True))
    index_changed()
    return SearchEntry.objects.count()


def settle_index():
    """After the index is written in bulk (`manage.py index_search`, an import), on PostgreSQL
    and outside a transaction (VACUUM cannot run in one): vacuum and analyse its tables.

    A search reads a term's rows (page, weight) from the term's index alone, but only for rows
    PostgreSQL knows every transaction sees, which VACUUM records. Until autovacuum comes by
    (or never, where it is off) every row is checked in the table itself: at 5,000 pages, where
    a common word has a row on nearly every page of the table, a three-word search read 2,400
    table blocks and took 25 ms in the database instead of 4. It takes a few tenths of a second
    at that size. Whether it ran."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (SearchTerm, SearchEntry, SearchWord)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
    return True


# Receivers (connected in pages.signal_handlers) ------------------------------------------------


def page_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """A page saved: created live, unpublished, its review date changed. A save of a few other
    fields (a draft's revision, a lock) changes nothing readers find."""
    if raw or indexing_is_deferred() or not isinstance(instance, Page):
        return
    if update_fields and not set(update_fields) & FIELDS_READERS_FIND:
        return
    index_pages([instance.pk])


def page_published(sender, instance, **kwargs):
    """Published: indexed again once its tags and other related rows are saved too (they are
    saved after the page's own row, so after post_save)."""
    if not indexing_is_deferred():
        index_pages([instance.pk])


def page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        remove_pages([instance.pk])


def deferred_saves_indexed(sender, saved, **kwargs):
    ids = set()
    for model, pks in saved.items():
        if issubclass(model, Page):
            ids |= set(pks)
    index_pages(ids)


def page_moved(sender, instance, **kwargs):
    """A page and everything under it have new addresses and places."""
    index_subtree(instance)


def restriction_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        index_subtree(page)


def sites_changed(sender, instance=None, raw=False, **kwargs):
    """A site's root or hostname changed: every page's address may have."""
    if not raw:
        index_all()


def search_settings_changed(sender, **kwargs):
    """A synonym or a pin saved or deleted."""
    index_changed()


def fill_empty_index(sender, **kwargs):
    """After migrate: an index that was never built (a new deployment, or the first migrate
    after search came in) is built from the live site."""
    try:
        if SearchEntry.objects.exists() or not Page.objects.live().filter(depth__gt=1).exists():
            return
    except (ProgrammingError, OperationalError):  # the tables are not there yet
        return
    index_all()
