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
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.functions import Lower
from django.utils.text import slugify

from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.documents import get_document_model
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Page
from wagtail.signals import page_published

from pages.models import GitBookSource, PageTag

from . import GitBookError
from .book import book_file, read_book, size_text
from .markdown import AssetRef, Markup, PageConverter, PageRef
from .types import BY_KIND, DEFAULT_KIND, FILE_KINDS, TAGS

INLINE_MARKDOWN = MarkdownIt("commonmark")

Tag = PageTag.tag_model()
# Keys GitBook itself writes into front matter; they have no meaning here.
GITBOOK_KEYS = {"cover", "coverY", "layout", "hidden", "icon", "title"}


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

    @property
    def page_type(self):
        return BY_KIND[self.kind]


@dataclass
class Report:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


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
    ):
        self.path, self.parent, self.draft, self.user = path, parent, draft, user
        self.change_note = change_note
        # The front page is the parent: it counts as created only if made for this import.
        self.parent_is_new = parent_is_new
        self.progress = progress or (lambda message: None)
        self.report = Report()
        self.stored_files = []  # asset files written to storage, removed again on rollback
        self.assets = {}
        # Looked up once per import rather than once per page: a large book repeats them.
        self.known = {}  # a front matter key's name -> what its to_model found for each value
        self.tags = {}
        self.locale = None

    # Pass 1: read ------------------------------------------------------------------------------

    def run(self):
        """Import the book. The caller owns the transaction and rolls back on GitBookError."""
        self.book = read_book(self.path)
        self.report.warnings.extend(self.book.warnings)
        self.titles = self.book.titles_by_path()
        front, nodes = self.plan()
        self.place(front, nodes)
        self.write(front, nodes)
        return self.report

    def plan(self):
        front = None
        if self.book.readme is not None:
            front = self.page_node(self.book.readme, kind="front")
        nodes = [self.page_node(entry) for entry in self.book.top_entries]
        for group in self.book.groups:
            section = Node(
                path=f"SUMMARY.md#{slugify(group.title)}",
                title=group.title,
                model=BY_KIND["section"].model,
                kind="section",
            )
            section.children = [self.page_node(e, parent=section) for e in group.entries]
            nodes.append(section)
        return front, nodes

    def page_node(self, entry, parent=None, kind=None):
        """The page a file of the book becomes, and the pages under it, as its page type
        (pages/gitbook/types.py) reads its front matter and body."""
        meta = entry.front_matter
        if kind is None:
            kind = meta.get("type") or (parent.page_type.child_kind if parent else DEFAULT_KIND)
            if not isinstance(kind, str) or kind not in FILE_KINDS:
                raise GitBookError(
                    f"type must be one of {', '.join(FILE_KINDS)}, not {kind!r}", entry.path, 2
                )
        page_type = BY_KIND[kind]
        # Keys are compared as text: YAML makes `1:` a number and `null:` None.
        unknown = {str(key) for key in meta} - {key.name for key in page_type.keys} - GITBOOK_KEYS
        if unknown:
            self.report.warnings.append(
                f"{entry.path}: front matter {', '.join(sorted(unknown))} has no meaning "
                f"for a {kind} page, ignored."
            )
        node = Node(
            path=entry.path,
            title=entry.title or first_heading(entry.body) or "Home",
            model=page_type.model,
            kind=kind,
            converter=PageConverter(entry.path, self.titles, self.book.root),
            parent=parent,
        )
        node.fields = {
            key.field: key.read(meta.get(key.name, key.default), key.name, entry.path)
            for key in page_type.keys
            if key.read is not None
        }
        node.tags = node.fields.pop(TAGS)
        page_type.read_body(node, entry, strip_title(entry.body, node.title))
        node.children = [self.page_node(child, parent=node) for child in entry.children]
        return node

    # Pass 2: place -----------------------------------------------------------------------------

    def place(self, front, nodes):
        self.sources = {
            source.path: source
            for source in GitBookSource.objects.filter(book_root=self.parent).select_related("page")
        }
        if front is not None:
            front.page = self.parent.specific
            front.model = type(front.page)
            front.source = self.sources.get(front.path)
        for node in nodes:
            self.place_node(node, self.parent)
        # Adding and moving pages rewrote tree fields (numchild, paths) behind the copies in
        # hand, and publishing a stale copy would write them back: continue with fresh ones.
        everything = ([front] if front else []) + list(walk(nodes))
        fresh = Page.objects.filter(pk__in=[n.page.pk for n in everything]).specific()
        by_id = {page.pk: page for page in fresh}
        for node in everything:
            node.page = by_id[node.page.pk]
        seen = {n.path for n in walk(nodes)} | ({front.path} if front else set())
        for path in sorted(set(self.sources) - seen):
            self.report.warnings.append(
                f"{path}: imported before but no longer in the book; its page was left as it is."
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
            if not page.is_child_of(parent):
                self.check_place(node, parent)
                page.move(parent, pos="last-child")
                page.refresh_from_db()
            node.page, node.source = page, source
        else:
            self.check_place(node, parent)
            node.page = self.create(node, parent)
        for child in node.children:
            self.place_node(child, node.page)
        if node.children:
            self.put_in_order(node.page, node.children)

    def check_place(self, node, parent):
        if not node.model.can_create_at(parent):
            raise GitBookError(
                f"a {node.model._meta.verbose_name} cannot go under "
                f"'{parent.title}' ({parent.specific_class._meta.verbose_name})",
                node.path if not node.path.startswith("SUMMARY.md#") else "SUMMARY.md",
            )

    def create(self, node, parent):
        if self.locale is None:
            self.locale = parent.locale
        page = node.model(
            title=node.title, slug=self.slug_for(node), live=False, locale=self.locale
        )
        for key in node.page_type.keys:
            if key.on_create:
                setattr(page, key.field, self.model_value(key, node.fields[key.field]))
        if self.user is not None:
            page.owner = self.user
        try:
            parent.add_child(instance=page)
        except ValidationError as error:
            raise GitBookError(f"cannot be created: {describe(error)}", node.path) from error
        return page

    def slug_for(self, node):
        if node.path.startswith("SUMMARY.md#"):
            return node.path.partition("#")[2]
        name = posixpath.basename(node.path)
        if name.lower() == "readme.md":
            name = posixpath.basename(posixpath.dirname(node.path)) or node.title
        return slugify(name.removesuffix(".md")) or slugify(node.title)

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
        total = len(everything)
        for number, node in enumerate(everything, start=1):
            self.write_node(node)
            if total >= 200 and number % 100 == 0:
                self.progress(f"  {number}/{total} pages")

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
            setattr(page, name, self.model_value(keys.get(name), value))
        if hasattr(page, "tags"):
            page.tags.set(self.tag_objects(node.tags))
        if "review_due" in fields:
            # A date in the book is chosen like an editor's; none leaves it to the reviews.
            page.review_due_set_by_editor = fields["review_due"] is not None
        if hasattr(page, "change_note"):
            # Never the note an editor left on the version the book replaces.
            page.change_note = self.change_note
        validated = self.validate(node, page)
        is_new = node.source is None and (node.kind != "front" or self.parent_is_new)
        try:
            if is_new and not self.draft:
                self.publish_new_page(node, page, validated)
            else:
                # Publishing cleans the page again, so a revision about to be published skips its
                # own clean; a new page's creation is already in its history, as in the admin.
                revision = page.save_revision(
                    user=self.user, log_action=not is_new, clean=self.draft
                )
                if not self.draft:
                    revision.publish(user=self.user)
        except ValidationError as error:
            raise GitBookError(f"is not valid: {describe(error)}", node.path) from error
        except PublishPagePermissionError:
            raise self.may_not_publish(node) from None
        if node.source is None:
            GitBookSource.objects.create(
                page=page, book_root=self.parent, path=node.path, content_hash=digest
            )
        else:
            node.source.content_hash = digest
            node.source.save(update_fields=["content_hash", "imported_at"])
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
        page.full_clean(exclude=validated)
        page.live, page.has_unpublished_changes, page.expired = True, False, False
        revision = page.save_revision(user=self.user, log_action=False, clean=False)
        page.live_revision = revision
        page.has_unpublished_changes = False
        page.first_published_at = page.last_published_at = revision.created_at
        page.save(clean=False)
        page_published.send(sender=page.specific_class, instance=page, revision=revision)
        log(instance=page, action="wagtail.publish", user=self.user, revision=revision)

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
        env = {
            "resolve_link": lambda href: self.link_attributes(node.converter, href),
            "warn": node.converter.warn,
        }
        # A StreamField's [(block type, value)] becomes [{"type", "value"}], as resolve() does
        # with any list of pairs.
        resolved = {name: self.resolve(value, env) for name, value in node.fields.items()}
        self.report.warnings.extend(node.converter.warnings)
        node.converter.warnings = []
        return resolved

    def resolve(self, value, env):
        if isinstance(value, Markup):
            return value.render(env)
        if isinstance(value, PageRef):
            return self.pages_by_path[value.path].pk
        if isinstance(value, AssetRef):
            return self.asset(value)
        if isinstance(value, dict):
            return {key: self.resolve(item, env) for key, item in value.items()}
        if isinstance(value, list):
            return [
                {"type": item[0], "value": self.resolve(item[1], env)}
                if isinstance(item, tuple)
                else self.resolve(item, env)
                for item in value
            ]
        return value

    def link_attributes(self, converter, href):
        if href.startswith("#"):
            return [("href", href)]
        if href.startswith(("http://", "https://", "mailto:")):
            return [("href", href)]
        if ":" in href.split("/")[0]:
            return None  # javascript: and other schemes are dropped with the link
        reference = converter.page_ref(href)
        if reference is not None:
            attributes = [("linktype", "page"), ("id", self.pages_by_path[reference.path].pk)]
            if reference.anchor:
                attributes.append(("anchor", reference.anchor))
            return attributes
        file = href.split("#")[0]
        if file and not file.startswith("//"):  # //host/path is a web address without a scheme
            target = converter.file_path(file, what="the link to ")
            if not target.endswith(".md") and (self.book.root / target).is_file():
                document = self.asset(AssetRef(target, "document"))
                return [("linktype", "document"), ("id", document)]
        converter.warn(f"the link to {href!r} leads nowhere in the book and was removed")
        return None

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


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node.children)


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


def first_heading(body):
    for line in body.splitlines():
        if line.startswith("# "):
            return heading_text(line[2:])
        if line.strip():
            return None
    return None


def strip_title(body, title):
    """GitBook starts each file with `# Title`: that is the page title, not body text."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if line.startswith("# ") and heading_text(line[2:]) == title:
            lines[index] = ""
        break
    return "\n".join(lines)
