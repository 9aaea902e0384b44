"""
Writing a GitBook book into the page tree.

Three passes, all inside the caller's transaction: read and convert every page (no database
writes, so a broken file fails fast); find or create every page, so that links between pages have
ids to point at; then resolve each page's content and, where it differs from what the last import
wrote, save it as a new revision (published, or left as a draft with `draft=True`).
"""

import functools
import hashlib
import json
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it import MarkdownIt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import router
from django.db.models.functions import Lower
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.log_actions import get_active_log_context
from wagtail.models import Page, PageLogEntry
from wagtail.signals import page_published

from pages.concurrency import page_writes_held
from pages.indexing import indexing_is_deferred
from pages.models import GitBookSource, HomePage, PageTag, ReusableContent
from pages.models.base import RESERVED_SLUGS
from pages.models.reviews import ReviewSchedule

from . import GitBookError, StructureError
from .book import Entry, book_file, read_book, read_text, size_text
from .bulk import BulkPages
from .choosers import chooser_lookups_remembered
from .editor_form import store_as_the_editor_does, stream_as_edited
from .markdown import (
    INNER,
    AssetRef,
    HtmlMarkup,
    IncludeRef,
    Markup,
    PageConverter,
    PageRef,
    Text,
    front_matter_title,
    sanitise,
    strip_front_matter,
)
from .report import BROKEN_ANCHOR, BROKEN_LINK, LEFT_OUT, Report
from .types import BY_KIND, DEFAULT_KIND, FILE_KINDS, TAGS

INLINE_MARKDOWN = MarkdownIt("commonmark")

Tag = PageTag.tag_model()
# Keys GitBook itself writes into front matter; they have no meaning here.
GITBOOK_KEYS = {"cover", "coverY", "layout", "hidden", "icon", "title"}
# A first import writes its new pages together (pages.gitbook.bulk). False: one by one, as every
# other import does (the tests compare the two).
WRITE_FRESH_IMPORTS_IN_BULK = True
# A page with no file of its own (a `## Group`, an unlinked parent) is known by this and its
# trail of titles.
TITLE_PATH = "SUMMARY.md#"


@dataclass
class Node:
    """A page to be: where it goes, what it is, and its content before ids are known."""

    path: str
    title: str
    model: type
    kind: str
    fields: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    children: list = field(default_factory=list)
    converter: PageConverter | None = None  # None: no file of its own (a SUMMARY.md group)
    page: Page | None = None
    source: GitBookSource | None = None
    parent: "Node | None" = field(default=None, repr=False, compare=False)  # in the book
    in_bulk: bool = False  # a new page written with the others (pages.gitbook.bulk)

    @property
    def page_type(self):
        return BY_KIND[self.kind]


def site_path(page):
    """Where a page is, as --parent names it: its URL path on its site, else its tree path."""
    return page.get_url() or page.url_path


class BookImporter:
    def __init__(
        self,
        path,
        parent,
        draft=False,
        user=None,
        progress=None,
        parent_is_new=False,
        change_note="",
        strict=False,
    ):
        self.path, self.parent, self.draft, self.user = path, parent, draft, user
        self.change_note = change_note
        # The front page is the parent: it counts as created only if made for this import.
        self.parent_is_new = parent_is_new
        self.progress = progress or (lambda message: None)
        self.report = Report(strict=strict)
        self.stored_files = []  # asset files written to storage, removed again on rollback
        self.assets = {}
        # Looked up once per import rather than once per page: a large book repeats them.
        self.known = {}  # a front matter key's name -> what its to_model found for each value
        self.tags = {}
        self.locale = None
        self.sibling_slugs = {}  # a parent page's id -> the slugs its children have
        self.title_paths = set()  # the paths given to pages with no file (title_path)
        self.snippets = {}  # an include file's path -> its reusable content's id
        self.log_entries = []  # new pages' history, written together (write_log_entries)
        self.bulk_pages = None  # a fresh import's new pages, written together (place)
        self.pages_known = lambda pages: None  # run's chooser_lookups_remembered() tells

    # Pass 1: read ------------------------------------------------------------------------------

    def run(self):
        """Import the book. The caller owns the transaction and rolls back on GitBookError."""
        self.book = read_book(self.path, self.report)
        if self.book.readme is not None:
            self.check_parent_is_not_another_books(self.book.readme.path)
        self.titles = self.book.titles_by_path()
        front, nodes = self.plan()
        # Editors' page writes wait from here to the end of the caller's transaction, as they
        # would from the import's first page write: asked once rather than at every write.
        # The pages, images and documents the blocks choose are read once (choosers).
        with page_writes_held(), chooser_lookups_remembered() as pages_known:
            self.pages_known = pages_known
            self.place(front, nodes)
            self.write(front, nodes)
            if front is None and self.parent_is_new and not self.draft:
                self.publish_home_without_readme()
            self.add_redirects()
        return self.report

    def check_parent_is_not_another_books(self, readme_path):
        """The README becomes the page the book is imported under, and a page is one file of one
        book (GitBookSource.page): a page another book made cannot take this book's README."""
        other = (
            GitBookSource.objects.filter(page=self.parent)
            .exclude(book_root=self.parent)
            .select_related("book_root")
            .first()
        )
        if other is None:
            return
        book_root = other.book_root
        raise GitBookError(
            f"would become the page '{self.parent.title}' ({site_path(self.parent)}), which the "
            f"book imported under '{book_root.title}' ({site_path(book_root)}) made from its "
            f"{other.path}. Import this book under a page no other book made (a new section, "
            "say), or change that page by importing its own book again",
            readme_path,
        )

    def publish_home_without_readme(self):
        """A book without a README (GitBook opens it at its first page) still gets a home page
        readers can reach: the one made for this import, listing the book's pages."""
        self.set_review_due(self.parent, None)
        self.parent.save_revision(user=self.user, log_action=True).publish(user=self.user)
        self.report.note("the book has no README.md: its home page lists its pages")

    def plan(self):
        """The page tree the book becomes, every page converted, before anything is written.

        Each page's type is the one its front matter names, or its place in the book gives it,
        if the page tree takes that type there; otherwise the closest type it takes, noted
        (fitting_kind). So the whole book is placed, and a `--strict` import stops here."""
        front = self.front_node(self.book.readme) if self.book.readme is not None else None
        top = self.parent.specific_class
        # A book without groups (GitBook's most common layout) lists its pages straight under
        # the front page: under the home page, those with pages under them are its sections.
        nodes = self.page_nodes(self.book.top_entries, None, top, top_level=top is HomePage)
        for group in self.book.groups:
            entry = Entry(title=group.title, path="", line=group.line, children=group.entries)
            nodes += self.title_nodes(entry, None, top, "section")
        return front, nodes

    def page_nodes(self, entries, parent, parent_model, top_level=False):
        """The pages the entries become under `parent` (a Node, or None for the page the book
        goes under), whose model is `parent_model`."""
        nodes = []
        for entry in entries:
            if entry.path:
                nodes += self.file_nodes(entry, parent, parent_model, top_level)
            else:
                kind = "section" if top_level else DEFAULT_KIND
                nodes += self.title_nodes(entry, parent, parent_model, kind)
        return nodes

    def file_nodes(self, entry, parent, parent_model, top_level, failed=None):
        """The page a file of the book becomes, as its page type (pages/gitbook/types.py) reads
        its front matter and body, with the pages under it; and after it, the pages listed
        under it if its page can have none. `failed`: (the type whose reading of the file went
        wrong, the StructureError), to read it as another."""
        meta = entry.front_matter
        if failed is None:
            kind = self.written_kind(entry) or self.default_kind(entry, parent, top_level)
            candidates = [DEFAULT_KIND, *FILE_KINDS]
        else:
            kind = DEFAULT_KIND
            candidates = [other for other in FILE_KINDS if other != failed[0]]
        kind, lift = self.fitting_kind(entry, kind, parent_model, candidates, failed)
        if kind is None:
            # Only the page the book is imported under can be one that takes no pages.
            raise GitBookError(
                f"no page can go under '{self.parent.title}' ({named(parent_model)}); import "
                "the book under another page"
            )
        # What this file's reading notes; dropped if it is read again as another type.
        first_note = len(self.report.notes)
        page_type = BY_KIND[kind]
        # Keys are compared as text: YAML makes `1:` a number and `null:` None.
        unknown = {str(key) for key in meta} - {key.name for key in page_type.keys} - GITBOOK_KEYS
        if unknown:
            self.report.note(
                f"front matter {', '.join(sorted(unknown))} has no meaning for a {kind} page, "
                "ignored",
                entry.path,
            )
        node = Node(
            path=entry.path,
            title=entry.title or first_heading(entry.body) or title_from_path(entry.path),
            model=page_type.model,
            kind=kind,
            converter=PageConverter(entry.path, self.titles, self.book.root, report=self.report),
            parent=parent,
        )
        self.read_front_matter(node, entry, page_type)
        try:
            page_type.read_body(node, entry, strip_title(entry.body, node.title))
        except StructureError as error:
            if kind == DEFAULT_KIND:
                raise
            del self.report.notes[first_note:]
            return self.file_nodes(entry, parent, parent_model, top_level, failed=(kind, error))
        if lift:
            return [node, *self.page_nodes(entry.children, parent, parent_model)]
        node.children = self.page_nodes(entry.children, node, node.model)
        return [node]

    def front_node(self, entry):
        """The book's README: the page the book is imported under, whatever its type, takes
        the fields it has room for."""
        model = self.parent.specific_class
        node = Node(
            path=entry.path,
            title=entry.title or first_heading(entry.body) or "Home",
            model=model,
            kind="front",
            converter=PageConverter(entry.path, self.titles, self.book.root, report=self.report),
        )
        page_type = BY_KIND["front"]
        self.read_front_matter(node, entry, page_type)
        page_type.read_body(node, entry, strip_title(entry.body, node.title))
        fields = node.fields
        if not hasattr(model, "introduction") and hasattr(model, "body") and fields["introduction"]:
            # A page with a body and no introduction (a topic): its opening text opens the body.
            fields["body"].insert(0, ("text", fields["introduction"]))
        if not hasattr(model, "body") and fields["body"]:
            self.report.degrade(
                "front page",
                f"{named(model)} has no body, so the readme's blocks after its opening text "
                "were left out",
                entry.path,
            )
        node.fields = {name: value for name, value in fields.items() if hasattr(model, name)}
        return node

    def read_front_matter(self, node, entry, page_type):
        node.fields = {}
        for key in page_type.keys:
            if key.read is None:
                continue
            value = entry.front_matter.get(key.name, key.default)
            try:
                node.fields[key.field] = key.read(value, key.name, entry.path)
            except StructureError as error:
                self.report.degrade(
                    f"front matter {key.name}", f"{error.message}; ignored", entry.path, error.line
                )
                node.fields[key.field] = key.read(key.default, key.name, entry.path)
        node.tags = node.fields.pop(TAGS)

    def written_kind(self, entry):
        """The type front matter names, if it is one; an unknown one is noted, and left to the
        page's place in the book."""
        written = entry.front_matter.get("type")
        if written is None or (isinstance(written, str) and written in FILE_KINDS):
            return written
        self.report.degrade(
            "front matter type",
            f"type must be one of {', '.join(FILE_KINDS)}, not {written!r}; its place in the "
            "book gives its type",
            entry.path,
            2,
        )
        return None

    def default_kind(self, entry, parent, top_level):
        if top_level and entry.children:
            return "section"
        return parent.page_type.child_kind if parent is not None else DEFAULT_KIND

    def title_nodes(self, entry, parent, parent_model, kind):
        """A level of the book with only a title: a `## Group`, or a bullet of SUMMARY.md
        without a link (GitBook's unlinked parent). It becomes a page with only its title, so
        the pages listed under it keep their level; where no such page can go, they take its
        place."""
        kind, lift = self.fitting_kind(entry, kind, parent_model, [DEFAULT_KIND])
        if kind is None:
            self.report.degrade(
                "SUMMARY.md level",
                f"'{entry.title}' cannot be a page under {named(parent_model)}; "
                "the pages listed under it take its place",
                self.book.summary,
                entry.line,
            )
            return self.page_nodes(entry.children, parent, parent_model)
        node = Node(
            path=self.title_path(entry, parent),
            title=entry.title,
            model=BY_KIND[kind].model,
            kind=kind,
            parent=parent,
        )
        if lift:
            return [node, *self.page_nodes(entry.children, parent, parent_model)]
        node.children = self.page_nodes(entry.children, node, node.model)
        return [node]

    def title_path(self, entry, parent):
        """What a page with no file is known by from one import to the next (GitBookSource's
        path): SUMMARY.md#, the trail of titles down to it, `-1`, `-2` for a repeat."""
        trail = [slugify(entry.title) or "untitled"]
        while parent is not None:
            trail.insert(0, parent.path.partition("#")[2] or parent.path)
            parent = parent.parent
        path = base = f"{TITLE_PATH}{'/'.join(trail)}"
        number = 0
        while path in self.title_paths:
            number += 1
            path = f"{base}-{number}"
        self.title_paths.add(path)
        return path

    def fitting_kind(self, entry, kind, parent_model, candidates, failed=None):
        """
        (kind, lift): the type of page `entry` becomes under a `parent_model` page, and whether
        the pages listed under it go after it instead. The type wanted if the page tree takes it
        there (and it can have pages under it, when the entry has some); else the first of
        `candidates` that fits; else one that fits but can have no pages, the pages listed under
        it following it. (None, True): no type fits. A type other than the one wanted (or than
        the `failed` one), and pages moved up a level, are noted, and stop a --strict import.
        """
        where = (entry.path or self.book.summary, None if entry.path else entry.line)
        fitting = [k for k in dict.fromkeys([kind, *candidates]) if fits(k, parent_model)]
        if not fitting:
            return None, True
        roomy = [k for k in fitting if holds_pages(k)] if entry.children else fitting
        chosen = (roomy or fitting)[0]
        if failed is not None:
            kind, error = failed
            where = (entry.path, error.line)
            reason = error.message
        elif fits(kind, parent_model):
            reason = f"{verbose_name(kind)} cannot have pages under it"
        else:
            reason = f"{verbose_name(kind)} cannot go under {named(parent_model)}"
        if chosen != kind:
            self.report.degrade(
                f"{kind} page", f"{reason}; imported as {verbose_name(chosen)}", *where
            )
        lift = bool(entry.children) and not roomy
        if lift:
            self.report.degrade(
                "pages under a page",
                f"{verbose_name(chosen)} cannot have pages under it; the pages listed under it "
                "follow it",
                *where,
            )
        return chosen, lift

    # Pass 2: place -----------------------------------------------------------------------------

    def place(self, front, nodes):
        self.sources = {
            source.path: source
            for source in GitBookSource.objects.filter(book_root=self.parent).select_related("page")
        }
        # A first import, published: every page but the front one is new. The pages reach the
        # indexes through the end-of-import indexing, so only under it.
        if (
            WRITE_FRESH_IMPORTS_IN_BULK
            and not self.draft
            and not self.sources
            and indexing_is_deferred()
        ):
            self.bulk_pages = BulkPages(self.parent, self.user, self.log_later)
        if front is not None:
            front.page = self.parent.specific
            front.model = type(front.page)
            front.source = self.sources.get(front.path)
        for node in nodes:
            self.place_node(node, self.parent)
        if self.bulk_pages is not None:
            self.bulk_pages.insert_tree([self.parent])
        # Adding and moving pages rewrote tree fields (numchild, paths) behind the copies in
        # hand, and publishing a stale copy would write them back: continue with fresh ones.
        # (Pages placed in bulk are the copies the rows were made from.)
        everything = ([front] if front else []) + list(walk(nodes))
        existing = [node for node in everything if not node.in_bulk]
        # Whether each is a site's root page, read here once: every save asks (Page.is_site_root).
        fresh = (
            Page.objects.filter(pk__in=[n.page.pk for n in existing])
            .annotate_site_root_state()
            .specific()
        )
        by_id = {page.pk: page for page in fresh}
        for node in existing:
            node.page = by_id[node.page.pk]
        # Each page's parent, as fresh as the page: saving and cleaning a page ask for it (its
        # URL path, its slug's siblings), which would read it again for every page.
        top = by_id.get(self.parent.pk, self.parent)
        for node in walk(nodes):
            node.page._cached_parent_obj = node.parent.page if node.parent else top
        seen = {n.path for n in walk(nodes)} | ({front.path} if front else set())
        for path in sorted(set(self.sources) - seen):
            self.report.note(
                "imported before but no longer in the book; its page was left as it is", path
            )

    def place_node(self, node, parent):
        source = self.sources.get(node.path)
        if source is not None:
            page = source.page.specific
            if type(page) is not node.model:
                raise GitBookError(
                    f"was imported as a {page._meta.verbose_name} and is now a "
                    f"{node.model._meta.verbose_name}; change its type back, or delete the page "
                    "first",
                    node.path,
                )
            node.page, node.source = page, source
            if not page.is_child_of(parent):
                self.check_place(node, parent)
                self.move(node, parent)
        else:
            self.check_place(node, parent)
            node.page = self.create(node, parent)
            node.in_bulk = self.bulk_pages is not None
        for child in node.children:
            self.place_node(child, node.page)
        if node.children and not node.in_bulk:
            self.put_in_order(node.page, node.children)

    def check_place(self, node, parent):
        if not node.model.can_create_at(parent):
            raise GitBookError(
                f"a {node.model._meta.verbose_name} cannot go under "
                f"'{parent.title}' ({parent.specific_class._meta.verbose_name})",
                node.path if not node.path.startswith(TITLE_PATH) else self.book.summary,
            )

    def move(self, node, parent):
        """Move a page the book now lists elsewhere. It keeps its slug unless a page there has
        it: then it takes the next free one, as a new page would, and the change is noted."""
        page = node.page
        old_parent = page.get_parent()
        siblings = old_parent.get_children().exclude(pk=page.pk).values_list("slug", flat=True)
        slug = self.free_slug(parent, page.slug, also_taken=set(siblings))
        if slug != page.slug:
            self.report.note(
                f"moved under '{parent.title}', where another page has the slug '{page.slug}'; "
                f"its slug is now '{slug}'",
                node.path,
            )
            # Where it is, before the move, which checks the slug is free where it goes.
            page.slug = slug
            page.save()
            # The live revision still holds the old slug: write the page again from the book.
            node.source.content_hash = ""
        self.sibling_slugs.pop(old_parent.pk, None)
        page.move(parent, pos="last-child")
        page.refresh_from_db()

    def create(self, node, parent):
        if self.locale is None:
            self.locale = parent.locale
        page = node.model(
            title=node.title,
            slug=self.free_slug(parent, self.slug_for(node)),
            live=False,
            locale=self.locale,
        )
        for key in node.page_type.keys:
            if key.on_create:
                setattr(page, key.field, self.model_value(key, node.fields[key.field]))
        if self.user is not None:
            page.owner = self.user
        # A page made now has a translation key of its own, which no site's root page has.
        page._is_site_root = False
        try:
            if self.bulk_pages is None:
                parent.add_child(instance=page)
            else:
                # What add_child's save checks of a new page (its slug is free: free_slug).
                page.title = Page._meta.get_field("title").clean(page.title, page)
                self.bulk_pages.add(page, parent)
        except ValidationError as error:
            raise GitBookError(f"cannot be created: {describe(error)}", node.path) from error
        return page

    def slug_for(self, node):
        """The slug GitBook gives the page: its file's name (its folder's, for a README), with
        dots as hyphens and a leading underscore kept, so `v1.2.md` is `v1-2` and `_index.md`
        `_index`, apart from `index.md`. A page with no file: its title's."""
        if node.path.startswith(TITLE_PATH):
            name = node.title
        else:
            name = posixpath.basename(node.path)
            if name.lower() == "readme.md":
                name = posixpath.basename(posixpath.dirname(node.path)) or node.title
            name = name.removesuffix(".md")
        prefix = "_" if name.startswith("_") else ""
        # Room left for a `-1` on the longest slug a page may have (255 characters).
        slug = (prefix + slugify(name.replace(".", "-")))[:240]
        if slug.strip("_") == "":
            slug = slugify(node.title)[:240] or "page"
        return f"{slug}-page" if slug in RESERVED_SLUGS else slug

    def free_slug(self, parent, slug, also_taken=()):
        """The slug, or with GitBook's `-1`, `-2` when a sibling has it already. Pages are
        placed in SUMMARY.md's order, and a page imported before keeps its slug, so a book
        imported again gives each page the slug it had."""
        # A page placed in bulk has no id yet, and no children but those placed here.
        key = parent.pk if parent.pk is not None else id(parent)
        taken = self.sibling_slugs.get(key)
        if taken is None:
            taken = (
                set(parent.get_children().values_list("slug", flat=True))
                if parent.pk is not None
                else set()
            )
            self.sibling_slugs[key] = taken
        free, number = slug, 0
        while free in taken or free in also_taken:
            number += 1
            free = f"{slug}-{number}"
        taken.add(free)
        return free

    def model_value(self, key, value):
        """What the page's field holds for the value read from `key` (an FAQ's category name
        is its FaqCategory)."""
        if key is None or key.to_model is None:
            return value
        return key.to_model(value, self.known.setdefault(key.name, {}))

    def tag_objects(self, names):
        """The tags named, created where missing, matched without regard to case as taggit does."""
        missing = {name.lower() for name in names} - set(self.tags)
        if missing:
            for tag in Tag.objects.annotate(lower_name=Lower("name")).filter(
                lower_name__in=missing
            ):
                self.tags[tag.lower_name] = tag
            for name in names:
                if name.lower() not in self.tags:
                    self.tags[name.lower()] = Tag.objects.create(name=name)
        return [self.tags[name.lower()] for name in names]

    def put_in_order(self, parent, children):
        wanted = [child.page.pk for child in children]
        current = [
            pk for pk in parent.get_children().values_list("pk", flat=True) if pk in set(wanted)
        ]
        if current != wanted:
            for pk in wanted:
                Page.objects.get(pk=pk).move(parent, pos="last-child")

    # Pass 3: write -----------------------------------------------------------------------------

    def write(self, front, nodes):
        everything = ([front] if front else []) + list(walk(nodes))
        self.pages_by_path = {node.path: node.page for node in everything}
        # Every page of the book is in the database by now: a page card choosing one reads none.
        self.pages_known(self.pages_by_path.values())
        self.anchors_by_path = {
            node.path: node.converter.anchors.seen for node in everything if node.converter
        }
        total = len(everything)
        for number, node in enumerate(everything, start=1):
            self.write_node(node)
            if total >= 200 and number % 100 == 0:
                self.progress(f"  {number}/{total} pages")
        if self.bulk_pages is not None:
            self.bulk_pages.write()
        self.write_log_entries()

    def write_node(self, node):
        page = node.page
        fields = {"title": node.title}
        if node.converter is not None:
            fields.update(self.resolve_fields(node))
        if node.kind == "front":
            # The front page may be any page a book is imported under: keep to its own fields.
            fields = {k: v for k, v in fields.items() if hasattr(page, k)}
        digest = content_hash(fields, node.tags)
        if node.source is not None and node.source.content_hash == digest:
            self.report.unchanged.append(node.path)
            return
        keys = {key.field: key for key in node.page_type.keys}
        for name, value in fields.items():
            if name != "review_due":  # set_review_due's
                setattr(page, name, self.model_value(keys.get(name), value))
        if hasattr(page, "tags"):
            page.tags.set(self.tag_objects(node.tags))
        self.set_review_due(page, fields.get("review_due"))
        if hasattr(page, "change_note"):
            # Never the note an editor left on the version the book replaces.
            page.change_note = self.change_note
        # As an editor's save would store them, so that the first edit compares clean.
        store_as_the_editor_does(page, [name for name in fields if name != "title"])
        validated = self.validate(node, page)
        is_new = node.source is None and (node.kind != "front" or self.parent_is_new)
        try:
            if node.in_bulk:
                self.publish_in_bulk(node, page, validated, digest)
            elif is_new and not self.draft:
                self.publish_new_page(node, page, validated)
            else:
                # Publishing cleans the page again, so a revision about to be published skips its
                # own clean. Logged with its revision, as the admin logs a save, so that History
                # offers to review and restore it.
                revision = page.save_revision(user=self.user, log_action=True, clean=self.draft)
                if not self.draft:
                    revision.publish(user=self.user)
        except ValidationError as error:
            raise GitBookError(f"is not valid: {describe(error)}", node.path) from error
        except PublishPagePermissionError:
            raise self.may_not_publish(node) from None
        if node.source is not None:
            node.source.content_hash = digest
            node.source.save(update_fields=["content_hash", "imported_at"])
        elif not node.in_bulk:  # (a page written in bulk has its source written with it)
            GitBookSource.objects.create(
                page=page, book_root=self.parent, path=node.path, content_hash=digest
            )
        (self.report.created if is_new else self.report.updated).append(node.path)

    def publish_new_page(self, node, page, validated):
        """
        Make a page this import created live with its first revision, in the steps Wagtail's copy
        action takes for a page it creates live: save it live, save the revision, point the page
        at it, then send page_published and log the publish.

        Wagtail's publish action would re-read the page from the revision, clean it a second
        time, and look for aliases, workflows and scheduled revisions a new page cannot have:
        twice the work, which on a large book is most of the import's time. Changed pages, and
        every page of a --draft import, take Wagtail's own save_revision and publish.
        """
        if self.user is not None and not page.permissions_for_user(self.user).can_publish():
            raise self.may_not_publish(node)
        # Its tree and core fields (path, locale, content type, translation key) were checked
        # when add_child saved it; what the book wrote since is checked here.
        page.full_clean(exclude=[*validated, *CHECKED_ON_CREATE], validate_unique=False)
        page.live, page.has_unpublished_changes, page.expired = True, False, False
        # Logged as the admin logs a new page's first save, with its revision: History's
        # "Review this version" and comparisons are offered on that entry, not on the publish.
        revision = page.save_revision(user=self.user, clean=False)
        self.log_later(page, "wagtail.edit", revision, content_changed=True)
        page.live_revision = revision
        page.has_unpublished_changes = False
        page.first_published_at = page.last_published_at = revision.created_at
        page.save(clean=False)
        page_published.send(sender=page.specific_class, instance=page, revision=revision)
        self.log_later(page, "wagtail.publish", revision)

    def publish_in_bulk(self, node, page, validated, digest):
        """publish_new_page for a page placed in bulk: checked the same, written with the
        others (pages.gitbook.bulk)."""
        if self.user is not None and not page.permissions_for_user(self.user).can_publish():
            raise self.may_not_publish(node)
        # free_slug gave the page a slug none of its siblings has (those of an existing parent
        # read once, the others all placed here): Page.clean's query a page to check it again
        # would only repeat that.
        page._check_slug_is_unique = lambda: None
        try:
            page.full_clean(exclude=[*validated, *CHECKED_ON_CREATE], validate_unique=False)
        finally:
            del page._check_slug_is_unique
        self.bulk_pages.publish_later(page, node.path, digest)

    def log_later(self, page, action, revision, content_changed=False):
        """The log entry Wagtail's log() would write now, as it would write it, kept for
        write_log_entries. Written one by one, each entry is first checked (full_clean) for
        the page, revision and content type it points at, which the import has just made:
        three queries apiece, twice a page."""
        context = get_active_log_context()
        self.log_entries.append(
            PageLogEntry(
                content_type=ContentType.objects.get_for_model(page, for_concrete_model=False),
                label=page.get_admin_display_title(),
                action=action,
                timestamp=timezone.now(),
                data={},
                user=self.user or context.user,
                uuid=context.uuid,
                page=page,
                revision=revision,
                content_changed=content_changed,
            )
        )

    def write_log_entries(self):
        """The kept entries in one insert a batch, in the order they were made, with the signals
        a save sends (a publish's entry takes its change note from pre_save)."""
        entries, self.log_entries = self.log_entries, []
        if not entries:
            return
        using = router.db_for_write(PageLogEntry)
        for entry in entries:
            pre_save.send(
                sender=PageLogEntry, instance=entry, raw=False, using=using, update_fields=None
            )
        PageLogEntry.objects.bulk_create(entries, batch_size=1_000)
        for entry in entries:
            post_save.send(
                sender=PageLogEntry,
                instance=entry,
                created=True,
                raw=False,
                using=using,
                update_fields=None,
            )

    def set_review_due(self, page, date_in_book):
        """A date in the book is chosen like an editor's. Without one, a page keeps the date it
        has; a page with none gets its first from the review schedule (Settings → Review
        schedule), counted from today. The import is no review: nobody read the text, so the
        page has no "last reviewed" until someone reviews it."""
        if not hasattr(page, "review_due"):
            return  # a page the book is imported under may be of another app's type
        if date_in_book is not None:
            page.review_due, page.review_due_set_by_editor = date_in_book, True
        elif page.review_due is None and page.last_reviewed is None:
            page.review_due = timezone.localdate() + self.review_schedule.interval_for(page)
            page.review_due_set_by_editor = False

    @functools.cached_property
    def review_schedule(self):
        site = self.parent.get_site()
        return ReviewSchedule.for_site(site) if site is not None else ReviewSchedule()

    def add_redirects(self):
        """`.gitbook.yaml`'s redirects as Wagtail redirects of the site the book is imported into,
        so the book's old addresses lead to the pages now there (permanently, as GitBook's do).
        Importing again updates them rather than adding more; report.redirects lists those
        added or changed."""
        if not self.book.redirects:
            return
        site = self.parent.get_site()
        for old, path in self.book.redirects.items():
            page = self.pages_by_path.get(path) or self.pages_by_path.get(
                posixpath.join(path, "README.md")
            )
            if page is None:
                self.report.note(
                    f"the redirect from {old} leads to {path}, which is not a page of the book; "
                    "it was left out",
                    ".gitbook.yaml",
                    kind=LEFT_OUT,
                )
                continue
            # What Wagtail's redirect middleware looks a request's path up as.
            old_path = Redirect.normalise_path(old)
            redirect, created = Redirect.objects.get_or_create(
                old_path=old_path,
                site=site,
                defaults={"redirect_page": page, "is_permanent": True},
            )
            if not created and (redirect.redirect_page_id, redirect.redirect_link) != (page.pk, ""):
                redirect.redirect_page, redirect.redirect_link = page, ""
                redirect.save()
            elif not created:
                continue
            self.report.redirects.append((old_path, path))

    def may_not_publish(self, node):
        return GitBookError(
            f"{self.user} may not publish {node.path}; import with --draft to leave the pages "
            "for review"
        )

    def validate(self, node, page):
        """Check the page's StreamFields block by block; returns the names of those checked."""
        checked = []
        for name in stream_fields(type(page)):
            if name in node.fields:
                stream_block = page._meta.get_field(name).stream_block
                try:
                    stream_block.clean(getattr(page, name))
                except ValidationError as error:
                    raise GitBookError(
                        f"{name} is not valid: {describe(error)}", node.path
                    ) from error
                checked.append(name)
        return checked

    def resolve_fields(self, node):
        return {
            name: self.resolve(value, self.environment(node.converter))
            for name, value in node.fields.items()
        }

    def environment(self, converter):
        """What rendering a page's text needs: its links resolved, its inline images stored."""
        return {
            "resolve_link": lambda href: self.link_attributes(converter, href),
            "resolve_image": self.asset,
            "warn": converter.warn,
            "sanitise": sanitise,
        }

    def resolve(self, value, env):
        if isinstance(value, Markup | Text | HtmlMarkup):
            return value.render(env)
        if isinstance(value, PageRef):
            return self.pages_by_path[value.path].pk
        if isinstance(value, AssetRef):
            return self.asset(value)
        if isinstance(value, IncludeRef):
            return self.reusable_content(value)
        if isinstance(value, dict):
            return {key: self.resolve(item, env) for key, item in value.items()}
        if isinstance(value, list):
            resolved = [
                {"type": item[0], "value": self.resolve(item[1], env)}
                if isinstance(item, tuple)
                else self.resolve(item, env)
                for item in value
            ]
            # Text that held only what readers never see (a comment, a lone tag) is no block.
            return [item for item in resolved if not is_empty_text(item)]
        return value

    def link_attributes(self, converter, href):
        target = converter.link_target(href)
        if isinstance(target, str):
            if target.startswith("#") and len(target) > 1:
                anchor = self.anchor_in(converter.path, unquote(target[1:]), href, converter)
                return [("href", f"#{anchor}")]
            return [("href", target)]
        if isinstance(target, PageRef):
            attributes = [("linktype", "page"), ("id", self.pages_by_path[target.path].pk)]
            if target.anchor:
                anchor = self.anchor_in(target.path, target.anchor, href, converter)
                attributes.append(("anchor", anchor))
            return attributes
        if isinstance(target, AssetRef):
            return [("linktype", "document"), ("id", self.asset(target))]
        if ":" in href.split("/")[0]:
            self.report.note(
                f"the link to {href[:60]!r} could run script; it was removed and its text kept",
                converter.path,
                kind=LEFT_OUT,
            )
            return None
        self.report.note(
            f"the link to {href!r} leads nowhere in the book; its text was kept",
            converter.path,
            kind=BROKEN_LINK,
        )
        return None

    def anchor_in(self, path, anchor, href, converter):
        """The heading's anchor on the page at `path` that a link's #anchor means. Books link
        with the anchors of GitBook's older versions too (`#v12-notes` for `## v1.2 notes`,
        which GitBook now makes `#v1.2-notes`): one that reads the same but for punctuation is
        the heading meant. An anchor that matches none is kept, and reported."""
        anchors = self.anchors_by_path.get(path, set())
        if anchor in anchors:
            return anchor
        wanted = loose_anchor(anchor)
        for candidate in sorted(anchors):
            if loose_anchor(candidate) == wanted:
                return candidate
        self.report.note(
            f"the link to {href!r} leads to the page, but it has no heading #{anchor}",
            converter.path,
            kind=BROKEN_ANCHOR,
        )
        return anchor

    def reusable_content(self, include):
        """The reusable content an include file is, made from it (or brought up to date with it)
        once per import: every page that includes it shows the same snippet."""
        if include.path in self.snippets:
            return self.snippets[include.path]
        self.snippets[include.path] = None  # an include that includes itself stops here
        text = read_text(book_file(self.book.root, include.path), include.path)
        converter = PageConverter(include.path, self.titles, self.book.root, self.report)
        blocks = converter.convert(strip_front_matter(text), 1, level=INNER)
        body = self.resolve(blocks, self.environment(converter))
        title = (
            front_matter_title(text)
            or posixpath.splitext(posixpath.basename(include.path))[0]
            .replace("-", " ")
            .replace("_", " ")
            .capitalize()
        )
        # As the editor stores it (pages.gitbook.editor_form), as a page's body is.
        body = stream_as_edited(ReusableContent._meta.get_field("body").stream_block, body)
        snippet = ReusableContent.objects.filter(gitbook_path=include.path).first()
        if snippet is None:
            snippet = ReusableContent(gitbook_path=include.path)
        elif snippet.title == title[:255] and without_ids(snippet.body.raw_data) == without_ids(
            body
        ):
            self.snippets[include.path] = snippet.pk
            return snippet.pk
        snippet.title, snippet.body = title[:255], body
        try:
            snippet.full_clean()
        except ValidationError as error:
            raise GitBookError(f"is not valid: {describe(error)}", include.path) from error
        snippet.save()
        snippet.save_revision(user=self.user)
        self.snippets[include.path] = snippet.pk
        return snippet.pk

    def asset(self, reference):
        if reference in self.assets:
            return self.assets[reference]
        model = get_image_model() if reference.kind == "image" else get_document_model()
        # Checked when the page was read; checked again where it is read.
        location = book_file(self.book.root, reference.path)
        limit = upload_limit(reference.kind)
        size = location.stat().st_size
        if limit is not None and size > limit:
            raise GitBookError(
                f"is {size_text(size)}; an image or file may be at most {size_text(limit)}, "
                "as when an editor uploads one",
                reference.path,
            )
        data = location.read_bytes()
        digest = hashlib.sha1(data).hexdigest()
        existing = model.objects.filter(file_hash=digest).first()
        if existing is None:
            title = posixpath.splitext(posixpath.basename(reference.path))[0]
            existing = model(title=title.replace("-", " ").replace("_", " "), file_hash=digest)
            if self.user is not None:
                existing.uploaded_by_user = self.user
            with location.open("rb") as handle:
                existing.file.save(posixpath.basename(reference.path), File(handle), save=False)
            self.stored_files.append((existing.file.storage, existing.file.name))
            try:
                existing.full_clean(exclude=["collection", "file_size", "file_hash"])
            except ValidationError as error:
                raise GitBookError(
                    f"is not a valid {reference.kind}: {describe(error)}", reference.path
                ) from error
            existing.save()
        self.assets[reference] = existing.pk
        return existing.pk

    def discard_stored_files(self):
        for storage, name in self.stored_files:
            storage.delete(name)


# Page's own foreign keys, set by Wagtail and treebeard when the page is created (and checked
# then): checking each again costs a query a page.
CHECKED_ON_CREATE = [
    field.name for field in Page._meta.concrete_fields if field.is_relation and field.model is Page
]


def upload_limit(kind):
    """The most bytes an image or document may have, as Wagtail's upload forms allow (None: no
    limit). The import reads each one whole, so it keeps to the same limit."""
    if kind == "image":
        return getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
    return getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)


@functools.cache
def stream_fields(model):
    """The names of a page model's StreamFields, in the order the model declares them."""
    return [field.name for field in model._meta.get_fields() if isinstance(field, StreamField)]


@functools.cache
def fits(kind, parent_model):
    """Whether the page tree takes a page of this kind under a page of `parent_model`."""
    return parent_model in BY_KIND[kind].model.allowed_parent_page_models()


@functools.cache
def holds_pages(kind):
    return bool(BY_KIND[kind].model.allowed_subpage_models())


def verbose_name(kind):
    return named(BY_KIND[kind].model)


def named(model):
    return with_article(model._meta.verbose_name)


def with_article(name):
    """A page type's name as a note says it: "a topic", "an FAQ entry"."""
    first = name.split()[0]
    # An initialism is read letter by letter: "an FAQ", "an HTML page".
    vowel_sound = first[0] in "AEFHILMNORSX" if first.isupper() else first[0] in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {name}"


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node.children)


def loose_anchor(anchor):
    """An anchor without its punctuation and case: how GitBook's versions agree on it."""
    return re.sub(r"[\W_]+", "", anchor.casefold())


def is_empty_text(item):
    """A stream's block of text (text, a quote, a hint, code) that shows nothing."""
    if not (isinstance(item, dict) and set(item) == {"type", "value"}):
        return False
    value = item["value"]
    if item["type"] == "quote":
        value = value.get("text") if isinstance(value, dict) else None
    elif item["type"] == "hint":
        if not isinstance(value, dict) or value.get("content"):
            return False
        value = value.get("text")
    elif item["type"] == "code":
        return isinstance(value, dict) and not (value.get("code") or "").strip()
    elif item["type"] != "text":
        return False
    value = value or ""
    return not strip_tags(value).strip() and "<embed" not in value


def without_ids(data):
    """Stored StreamField data as the importer writes it: without the ids blocks get."""
    if isinstance(data, dict):
        return {key: without_ids(value) for key, value in data.items() if key != "id"}
    if isinstance(data, list):
        return [without_ids(item) for item in data]
    return data


def content_hash(fields, tags):
    payload = json.dumps({"fields": fields, "tags": sorted(tags)}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def describe(error):
    if hasattr(error, "as_json_data"):
        return json.dumps(error.as_json_data())
    if hasattr(error, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def heading_text(markdown):
    """The text CommonMark reads in a heading's markdown: `Q\\&A` and `Q&amp;A` are `Q&A`."""
    return "".join(
        child.content
        for token in INLINE_MARKDOWN.parseInline(markdown.strip())
        for child in token.children or ()
        if child.type in ("text", "code_inline")
    ).strip()


def title_from_path(path):
    """A title for a page whose link in SUMMARY.md has no text and whose file no heading:
    `guide/exit-game.md` is "Exit game"."""
    name = posixpath.basename(path)
    if name.lower() == "readme.md":
        name = posixpath.basename(posixpath.dirname(path))
    return name.removesuffix(".md").replace("-", " ").replace("_", " ").strip().capitalize()


def first_heading(body):
    for line in body.splitlines():
        if line.startswith("# "):
            return heading_text(line[2:])
        if line.strip():
            return None
    return None


def strip_title(body, title):
    """GitBook starts each file with `# Title`: that is the page's title, not body text, even
    where SUMMARY.md's link words it differently (280 pages of our corpus of real books)."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if line.startswith("# ") or line.strip() == "#":
            lines[index] = ""
        break
    return "\n".join(lines)
