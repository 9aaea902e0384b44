"""
A fresh import's new pages written in bulk.

A book imported for the first time (no page of it imported before, not as drafts) creates every
page it has. Created one by one, each page costs about fifty queries: treebeard's add_child, the
page's save, its revision, the save that publishes it, the signals of each. Here the same rows are
computed in Python and inserted a batch at a time: the tree's paths, the pages (wagtailcore_page,
then each page type's own table), their first revisions with the content save_revision stores,
their tags and GitBookSource rows. The importer still reads, resolves and validates each page as
on the page-by-page path, so a bad page stops the import with the same message.

What a page's save would set off is done once for the import instead: the pages are noted for the
end-of-import indexing (pages.indexing), and page_published is sent once, which drops the readers'
caches and navigation as it would for every page.
"""

from collections import defaultdict

from django.db import connections, router
from django.db.models import F
from django.utils import timezone

from modelcluster.models import get_all_child_relations
from wagtail.models import Page, Revision
from wagtail.signals import page_published

from pages.indexing import remember_saved_objects
from pages.models import GitBookSource, PageTag

# Rows a batch inserts or updates: large enough that a query serves many pages, small enough to
# keep each statement's parameters under every database's limit.
BATCH_SIZE = 500

# Page's columns a new page's publish changes after its row is inserted (by the place pass, so
# that links between pages have ids to point at).
PUBLISHED_FIELDS = [
    "live",
    "has_unpublished_changes",
    "expired",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "latest_revision",
    "live_revision",
    "draft_title",
]


class BulkPages:
    """New pages placed under existing ones, written together (insert_tree, then publish_later
    for each, then write)."""

    def __init__(self, book_root, user, log_later):
        self.book_root = book_root
        self.user = user
        self.log_later = log_later
        self.children = defaultdict(list)  # a parent page (existing or new) -> its new children
        self.pages = []  # new pages, in the order the page-by-page path creates them
        self.published = []  # (page, revision, GitBookSource) of each page written
        self.now = timezone.now()

    def add(self, page, parent):
        """A new page, last under `parent`: the tree's fields are set by insert_tree."""
        # A new page has no tags or comments yet: modelcluster need not ask the database (its
        # revision's content lists every child relation).
        page._cluster_related_objects = {
            relation.get_accessor_name(): [] for relation in get_all_child_relations(type(page))
        }
        page._is_site_root = False
        page._cached_parent_obj = parent
        page.draft_title = page.title
        self.children[id(parent)].append(page)
        self.pages.append(page)

    def insert_tree(self, parents):
        """Give every new page its path, depth, numchild and URL path as treebeard's add_child
        and Page.save would, then insert their wagtailcore_page rows. `parents`: the existing
        pages new ones went under."""
        for parent in parents:
            new = self.children.get(id(parent))
            if not new:
                continue
            last = parent.get_last_child()
            step = Page._str2int(last.path[-Page.steplen :]) if last is not None else 0
            self.place_children(parent, new, step)
            Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(new))
            parent.numchild += len(new)
        base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
        rows = [
            Page(**{f.attname: getattr(page, f.attname) for f in base_fields})
            for page in self.pages
        ]
        Page.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        for page, row in zip(self.pages, rows, strict=True):
            page.pk = page.id = row.pk
            page._state.adding = False
            page._state.db = row._state.db
        for page in self.pages:
            self.log_later(page, "wagtail.create", None, content_changed=True)

    def place_children(self, parent, new, step):
        for number, page in enumerate(new, start=step + 1):
            page.depth = parent.depth + 1
            page.path = Page._get_path(parent.path, page.depth, number)
            page.set_url_path(parent)
            grandchildren = self.children.get(id(page), [])
            page.numchild = len(grandchildren)
            self.place_children(page, grandchildren, 0)

    def publish_later(self, page, path, digest):
        """The page as publish_new_page leaves it, its revision holding what save_revision
        stores; written by write. The page is validated by the caller."""
        page.live, page.has_unpublished_changes, page.expired = True, False, False
        revision = Revision(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            user=self.user,
            approved_go_live_at=None,
            content=page.serializable_data(),
            object_str=str(page),
            created_at=self.now,
        )
        page.latest_revision_created_at = revision.created_at
        page.first_published_at = page.last_published_at = revision.created_at
        source = GitBookSource(page=page, book_root=self.book_root, path=path, content_hash=digest)
        self.published.append((page, revision, source))

    def write(self):
        """Insert the pages' own tables, revisions, tags and sources; point the pages at their
        revisions; note them for indexing; send page_published once."""
        if not self.published:
            return
        pages = [page for page, _revision, _source in self.published]
        by_model = defaultdict(list)
        for page in pages:
            by_model[type(page)].append(page)
        for model, objects in by_model.items():
            insert_specific_rows(model, objects)
        revisions = Revision.objects.bulk_create(
            [revision for _page, revision, _source in self.published], batch_size=BATCH_SIZE
        )
        for page, revision in zip(pages, revisions, strict=True):
            page.latest_revision = page.live_revision = revision
        update_published_fields(pages)
        tagged = [
            PageTag(content_object_id=page.pk, tag_id=item.tag_id)
            for page in pages
            for item in page._cluster_related_objects.get("tagged_items", [])
        ]
        tagged = PageTag.objects.bulk_create(tagged, batch_size=BATCH_SIZE)
        for page in pages:
            # Any other child relation the import filled (none today) is committed as save does;
            # an empty one has nothing to write, or to remove from a page just inserted.
            for relation in get_all_child_relations(type(page)):
                name = relation.get_accessor_name()
                if name != "tagged_items" and page._cluster_related_objects.get(name):
                    getattr(page, name).commit()
                page._cluster_related_objects.pop(name, None)
        sources = GitBookSource.objects.bulk_create(
            [source for _page, _revision, source in self.published], batch_size=BATCH_SIZE
        )
        # What each save's post_save would have noted for the end-of-import indexing.
        for model, objects in by_model.items():
            remember_saved_objects(model, [page.pk for page in objects])
        remember_saved_objects(Revision, [revision.pk for revision in revisions])
        remember_saved_objects(PageTag, [item.pk for item in tagged])
        remember_saved_objects(GitBookSource, [source.pk for source in sources])
        for page, revision in zip(pages, revisions, strict=True):
            self.log_later(page, "wagtail.edit", revision, content_changed=True)
            self.log_later(page, "wagtail.publish", revision)
        # Its receivers drop every cached page and the navigation (a new page is in no cached
        # tree), and look for notes a new page cannot have: once serves every page.
        page, revision = pages[0], revisions[0]
        page_published.send(sender=page.specific_class, instance=page, revision=revision)


def update_published_fields(pages):
    """Page.objects.bulk_update(pages, PUBLISHED_FIELDS), the same values written, as one
    UPDATE a page sent together (executemany): bulk_update's CASE WHEN of nine columns for
    hundreds of pages took Django longer to build than the database to run."""
    using = router.db_for_write(Page)
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = [Page._meta.get_field(name) for name in PUBLISHED_FIELDS]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Page._meta.db_table)} SET {assignments} "
        f"WHERE {quote(Page._meta.pk.column)} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(page, field.attname), connection) for field in fields]
        + [page.pk]
        for page in pages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_specific_rows(model, pages):
    """Each page type's own table (and those of page types between it and Page): Django's
    bulk_create refuses models with parents, so their rows go in as save_base's would."""
    using = router.db_for_write(model)
    connection = connections[using]
    for table_model in [*reversed(model._meta.get_parent_list()), model]:
        if table_model is Page or not issubclass(table_model, Page):
            continue
        fields = table_model._meta.local_concrete_fields
        size = min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, pages) or BATCH_SIZE)
        for start in range(0, len(pages), size):
            table_model._base_manager._insert(
                pages[start : start + size], fields=fields, using=using
            )
