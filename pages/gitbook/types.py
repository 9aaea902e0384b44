"""
The kinds of page a GitBook book holds, described once: the importer, the exporter (and the
Markdown views built on it) and search's "Page type" filter all read `PAGE_TYPES`.

Each `PageType` says:

- `kind`: what the book calls it, as front matter writes it (`type: deep-dive`);
- `model`: the page model;
- `in_book`: where a book holds one: a FILE listed in SUMMARY.md (its `type:` names the kind), the
  book's README (the FRONT page: the home page, or the page a book is imported under), or a
  `## Group` heading of SUMMARY.md (a GROUP: a section, a title and no file of its own);
- `plural` and `search`: the search form's "Page type" choice that finds it, as readers read it
  and as the URL says it (`?type=deep-dive`); types with the same `search` share one choice,
  labelled in SHARED_SEARCH_CHOICES; None: no choice finds it;
- `front_matter`: its own front matter keys, besides COMMON_KEYS. Each `Key` names the page field
  it fills, how the importer reads its value (as_text, as_date, ...) and how the exporter writes
  it back (the field's value unless it says otherwise; an empty value is left out);
- `read_body`: how the importer turns the page's markdown into its fields (`node.fields`);
- `write_body`: how the exporter writes those fields back as markdown;
- `child_kind`: what a page listed under it is when its front matter has no `type:`.

A new front matter key is one `Key`: in its page type's `front_matter`, or in COMMON_KEYS for
every page. A new page type is one `PageType` here (and in docs/gitbook.md), once it is a page
type for Wagtail: its model in pages/models/ with its migration and its place in the tree
(`parent_page_types`, and the `subpage_types` of the pages above it), its template
(pages/templates/pages/<model>.html), and docs/content-model.md. Import, export, the Markdown
views and search then know it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.text import slugify

from pages.models import (
    DeepDivePage,
    FaqCategory,
    FaqIndexPage,
    FaqPage,
    HomePage,
    SectionPage,
    TopicPage,
    VideoPage,
)

from . import StructureError

# Where a book holds a page (PageType.in_book).
FILE, FRONT, GROUP = "file", "front", "group"
DEFAULT_KIND = "topic"  # a file whose front matter names no type, under a page that names none
# The search filter's choices that several page types share: `?type=` value -> label.
SHARED_SEARCH_CHOICES = {"listing": "Sections and indexes"}
# The `## Heading`s of a deep dive's markdown that are parts of the page rather than of its body.
CURRENT_STATE, RESOURCES = "Current state", "Resources"


# Reading front matter values ---------------------------------------------------------------------
# Each takes the value YAML read (or the key's default when it is absent), the key's name and the
# file's path, and gives the field's value or stops the import with a GitBookError.


def as_bool(value, name, path):
    if isinstance(value, bool):
        return value
    raise StructureError(f"{name} must be true or false, not {value!r}", path, 2)


def as_date(value, name, path):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise StructureError(
            f"{name} must be a date like 2020-06-01, not {value!r}", path, 2
        ) from None


def as_content_date(value, name, path):
    """`as_of: 2020-06` (the month) or `as_of: 2020-06-04` (the day): the first day of that month,
    or that day. YAML reads the second as a date and the first as text."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(f"{value}-01" if is_month(value) else str(value))
    except ValueError:
        raise StructureError(
            f"{name} must be a month like 2020-06 or a day like 2020-06-04, not {value!r}", path, 2
        ) from None


def as_content_date_precision(value, name, path):
    """How much of `as_of` the book gives: "day" for 2020-06-04, else "month" (the field's
    default, for 2020-06 or no date at all). A value that is no date is reported by
    as_content_date, under the same key."""
    if isinstance(value, datetime.date):
        return "day"
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        return "month"
    return "day"


def is_month(value):
    text = str(value or "")
    return len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()


def as_text(value, name, path):
    """A front matter value that is a line of text: a string, or a number or date YAML read.

    Never a list or mapping, whose text would be Python's repr, and which YAML's aliases can
    make exponentially long from a few lines."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        raise StructureError(f"{name} must be text, not a list or mapping", path, 2)
    return str(value).strip()


def as_tags(value, name, path):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [tag.strip() for tag in value.split(",")]
    if not isinstance(value, list) or any(isinstance(tag, list | dict) for tag in value):
        raise StructureError(f"{name} must be a list of words", path, 2)
    return [str(tag).strip() for tag in value if str(tag).strip()]


# What a value read becomes on the page, when not the value itself (Key.to_model): given the value
# and a dict the import keeps from page to page.


def faq_category(name, known):
    """The FAQ category named, created (last in order) when there is none; `known` keeps the
    ones found for the rest of the import, which a large book asks for again and again."""
    if not name:
        raise StructureError("an FAQ entry needs a category")
    if name not in known:
        category = FaqCategory.objects.filter(name=name).first()
        if category is None:
            position = FaqCategory.objects.count()
            category = FaqCategory.objects.create(
                name=name, slug=unique_category_slug(name), sort_order=position * 10
            )
        known[name] = category
    return known[name]


def unique_category_slug(name):
    base = slugify(name) or "category"
    slug, number = base, 2
    while FaqCategory.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


# Front matter keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A front matter key: the page field it fills, and how it is read and written."""

    name: str  # as front matter writes it
    field: str | None  # the page's field it fills
    # (value, name, path) -> the field's value; None: the importer reads it itself (`type`)
    read: Callable | None
    # page -> what the export writes (an empty value is left out); None: the field's value
    write: Callable | None = None
    default: object = None  # what `read` is given when the key is absent
    # The page cannot be saved without it, so the importer sets it when it creates the page.
    on_create: bool = False
    # (value read, a dict kept for the whole import) -> what the field holds, when not the value.
    to_model: Callable | None = None

    def value_of(self, page):
        if self.write is not None:
            return self.write(page)
        return getattr(page, self.field, None)


def written_type(page):
    """`type:` says the kind of a file whose kind is not the default."""
    page_type = type_of(page)
    if page_type is not None and page_type.in_book == FILE and page_type.kind != DEFAULT_KIND:
        return page_type.kind
    return None


def in_the_body(page):
    """Not written as front matter: the body says it (a video's {% embed %})."""
    return None


def written_content_date(page):
    """`as_of` as precise as the page knows it: 2020-06 for a month, 2020-06-04 for a day."""
    date = getattr(page, "describes_as_of", None)
    if date is None:
        return None
    # A day is written as a date, which YAML writes unquoted and reads back as one.
    return date.strftime("%Y-%m") if page.describes_as_of_precision == "month" else date


def written_with_date(page):
    """Not a key of its own: written within the date it belongs to (written_content_date)."""
    return None


def tag_names(page):
    return sorted(page.tags.names()) if hasattr(page, "tags") else None


def category_name(page):
    return page.category.name


def chosen_review_due(page):
    """A review date an editor (or a book) chose. One the review schedule set is left out: in
    the book it would read as chosen, and a later import would keep it as such."""
    return page.review_due if page.review_due_set_by_editor else None


# Tags are not a field: the importer sets them on the page (node.tags) apart from its fields.
TAGS = "tags"
# Every page's keys, in the order an export writes them.
COMMON_KEYS = (
    Key("description", "summary", as_text),
    Key("type", None, None, write=written_type),
    Key("in_development", "in_development", as_bool, default=False),
    Key("development_note", "development_note", as_text),
    Key("review_due", "review_due", as_date, write=chosen_review_due),
    # When what the page says was true: one key, two fields (the date and how precise it is);
    # the first key writes it, the second reads only its precision.
    Key("as_of", "describes_as_of", as_content_date, write=written_content_date),
    Key("as_of", "describes_as_of_precision", as_content_date_precision, write=written_with_date),
    Key(TAGS, TAGS, as_tags, write=tag_names),
)


# Bodies ------------------------------------------------------------------------------------------
# read_body(node, entry, body): `node` is the importer's page to be (its path, title, converter,
# the fields its front matter gave, and the page it goes under in the book as `parent`), `entry`
# the book's entry for its file (its children, the line its body starts on), `body` its markdown
# after the title. It adds the fields the body gives to node.fields.
# write_body(writer, page, path): the page's markdown after its title, from a MarkdownWriter.


def read_introduction(node, entry, body):
    converter = node.converter
    blocks = converter.convert(body, entry.body_line, article=False)
    node.fields["introduction"] = converter.text_only(blocks, "the introduction") or ""


def write_introduction(writer, page, path):
    return writer.rich_text(page.introduction, path)


def read_book_page(node, entry, body):
    """A page that lists others and has content of its own (the book's README, a top-level page
    with pages under it): its opening text is the introduction, the rest its body, whole."""
    blocks = node.converter.convert(body, entry.body_line)
    introduction = blocks.pop(0)[1] if blocks and blocks[0][0] == "text" else ""
    node.fields["introduction"] = introduction
    node.fields["body"] = blocks


def write_book_page(writer, page, path):
    parts = [writer.rich_text(page.introduction, path), writer.stream(page.body, path)]
    return "\n\n".join(part for part in parts if part)


def read_article(node, entry, body):
    node.fields["body"] = node.converter.convert(body, entry.body_line)


def write_article(writer, page, path):
    return writer.stream(page.body, path)


def read_deep_dive(node, entry, body):
    """An article whose `## Current state` section is the current state (dated by
    current_state_as_of) and whose `## Resources` section of links is the resources. A section
    that cannot be its part (undated, or more than a list of links) stays in the body, noted."""
    converter, fields = node.converter, node.fields
    # The footnotes end the body, not the last section (they are no resource).
    blocks = converter.convert(body, entry.body_line, footnotes=False)
    whole = list(blocks)
    current_state = converter.take_section(blocks, CURRENT_STATE)
    if current_state and fields["current_state_as_of"] is None:
        converter.degrade(
            CURRENT_STATE,
            "a Current state section needs current_state_as_of; it stays in the body",
            2,
        )
        blocks[:], current_state = whole, None
    state = None
    if current_state:
        position, section = current_state
        text = [value for block_type, value in section if block_type == "text"]
        others = [block for block in section if block[0] != "text"]
        if others:
            # The "Current state" part is rich text: hints, tables and the like stay in
            # the body where the section was, rather than being lost.
            converter.warn(
                "the Current state section holds text only; its other blocks stay in the body"
            )
            blocks[position:position] = others
        state = sum(text[1:], text[0]) if text else None
    fields["current_state"] = state or ""
    if state is None:
        fields["current_state_as_of"] = None
    whole = list(blocks)
    resources = converter.take_section(blocks, RESOURCES)
    try:
        fields["resources"] = [
            ("resource", resource)
            for resource in converter.resources(resources[1] if resources else [])
        ]
    except StructureError as error:
        converter.degrade(RESOURCES, f"{error.message}; it stays in the body", error.line)
        blocks[:], fields["resources"] = whole, []
    fields["body"] = converter.with_footnotes(blocks)


def write_deep_dive(writer, page, path):
    parts = [writer.stream(page.body, path)]
    if page.current_state:
        parts.append(f"## {CURRENT_STATE}\n\n" + writer.rich_text(page.current_state, path))
    if page.resources:
        items = [writer.block(block.block_type, block.value, path) for block in page.resources]
        parts.append(f"## {RESOURCES}\n\n" + "\n".join(item for item in items if item))
    return "\n\n".join(part for part in parts if part)


def read_answer(node, entry, body):
    """The answer, its headings kept in the rich text; the category defaults to the title of
    the FAQ index the entry is listed under."""
    node.fields["answer"] = node.converter.convert(body, entry.body_line, article=False)
    parent = node.parent
    if not node.fields["category"] and parent is not None and parent.kind == "faq-index":
        node.fields["category"] = parent.title


def write_answer(writer, page, path):
    return writer.stream(page.answer, path)


def read_video(node, entry, body):
    """The first {% embed %} is the video, unless front matter names video_url; the text is
    the transcript."""
    blocks = node.converter.convert(body, entry.body_line, article=False)
    if not node.fields["video_url"]:
        embed = next((b for b in blocks if b[0] == "embed"), None)
        if embed is None:
            raise StructureError("a video page needs video_url or an {% embed %}", node.path)
        node.fields["video_url"] = embed[1]["url"]
        blocks.remove(embed)
    transcript = node.converter.text_only(blocks, "the transcript")
    node.fields["transcript"] = transcript.plain_text() if transcript else ""


def write_video(writer, page, path):
    embed = writer.block("embed", {"url": page.video_url}, path)
    transcript = writer.plain_text(page.transcript.replace("\r\n", "\n").strip())
    return f"{embed}\n\n{transcript}".strip()


# The table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageType:
    """One kind of page, as the module's docstring describes."""

    kind: str
    model: type
    in_book: str  # FILE, FRONT or GROUP
    plural: str
    search: str | None  # the search filter's `?type=` value that finds it
    write_body: Callable
    read_body: Callable | None = None  # None: no file of its own to read (a GROUP)
    front_matter: tuple[Key, ...] = ()  # its own keys, besides COMMON_KEYS
    child_kind: str = DEFAULT_KIND

    @property
    def keys(self):
        return COMMON_KEYS + self.front_matter


PAGE_TYPES = (
    PageType(
        kind="topic",
        model=TopicPage,
        in_book=FILE,
        plural="Topics",
        search="topic",
        read_body=read_article,
        write_body=write_article,
    ),
    PageType(
        kind="deep-dive",
        model=DeepDivePage,
        in_book=FILE,
        plural="Deep dives",
        search="deep-dive",
        front_matter=(Key("current_state_as_of", "current_state_as_of", as_date),),
        read_body=read_deep_dive,
        write_body=write_deep_dive,
        # The page tree takes only deep dives under a deep dive.
        child_kind="deep-dive",
    ),
    PageType(
        kind="faq-index",
        model=FaqIndexPage,
        in_book=FILE,
        plural="FAQ indexes",
        search="listing",
        read_body=read_introduction,
        write_body=write_introduction,
        child_kind="faq",
    ),
    PageType(
        kind="faq",
        model=FaqPage,
        in_book=FILE,
        plural="FAQ entries",
        search="faq",
        front_matter=(
            Key(
                "category",
                "category",
                as_text,
                write=category_name,
                on_create=True,
                to_model=faq_category,
            ),
            Key("answered_on", "answered_on", as_date),
            Key("source_url", "source_url", as_text),
        ),
        read_body=read_answer,
        write_body=write_answer,
    ),
    PageType(
        kind="video",
        model=VideoPage,
        in_book=FILE,
        plural="Videos",
        search="video",
        front_matter=(Key("video_url", "video_url", as_text, write=in_the_body, on_create=True),),
        read_body=read_video,
        write_body=write_video,
    ),
    # The book's README. A book imported under another page (--parent) fills that page's own
    # fields from it, whatever its type; an export of a branch (--root) writes the branch's page
    # here with its own type's body.
    PageType(
        kind="front",
        model=HomePage,
        in_book=FRONT,
        plural="Home pages",
        search=None,
        read_body=read_book_page,
        write_body=write_book_page,
    ),
    # A `## Group` of SUMMARY.md (only its title is in the book), or, in a book without groups,
    # a page listed at the top with pages under it: its file's opening text is the introduction
    # and the rest its body. The importer also makes one of a top-level bullet without a link.
    PageType(
        kind="section",
        model=SectionPage,
        in_book=GROUP,
        plural="Sections",
        search="listing",
        read_body=read_book_page,
        write_body=write_book_page,
    ),
)
BY_KIND = {page_type.kind: page_type for page_type in PAGE_TYPES}
BY_MODEL = {page_type.model: page_type for page_type in PAGE_TYPES}
# What front matter's `type:` may say, in the order error messages list them.
FILE_KINDS = [page_type.kind for page_type in PAGE_TYPES if page_type.in_book == FILE]


def type_of(page):
    """The page type of a page (a specific page), or None for a model the table does not know."""
    return BY_MODEL.get(type(page))
