"""
Revision comparisons of our StreamFields, written as an editor would describe the change.

Wagtail's own StreamField comparison lists every block of the newer revision, says nothing of
blocks that moved, and shows struct values as lists of field names, or, for the blocks it does
not know, whatever their values print as. Here each changed block is headed by what happened to
it ("Hint (warning) changed", "Embed (youtube.com) added", "Resource “Plasma paper” removed",
"Code (Python) moved from position 3 to 5"), its changed fields follow with their words marked
<del>removed</del> and <ins>added</ins>, blocks inside tabs, expandables, hints, steps and
columns are compared the same way and headed by their path ("Tabs › Tab “Install” › Code (Shell)
changed", "Hint (info) › Code (Python) added"), and runs of unchanged blocks fold into one line.
Every value is turned into text for an editor (a page by its title, an image by its title and alt
text, a table by its rows, reusable content by its title), never printed as data.

StreamFieldComparison is registered for every StreamField (all of ours are built from
pages.blocks) by `register()`, which PagesConfig.ready calls.
"""

import difflib
import re
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.db import models
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst

from wagtail import blocks
from wagtail.admin.compare import BlockComparison, StreamFieldComparison, register_comparison_class
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock
from wagtail.utils.text import text_from_html

from pages import blocks as kb_blocks
from pages.models.base import ReadableFieldComparison

# Between the steps of a nested block's path: "Tabs › Tab “Install” › Text changed".
PATH_SEPARATOR = " › "
# How much of a title or summary names its block in a heading, and of an unchanged block's
# text shows in the folded list.
NAME_LENGTH = 60
EXCERPT_LENGTH = 100
# Field labels Wagtail derives from a field's name that read badly.
FIELD_LABELS = {"url": "URL"}
# Text fields shown as they are typed, spaces and line breaks kept: (struct block, field name).
PREFORMATTED_FIELDS = {(kb_blocks.CodeBlock, "code")}


# Naming blocks --------------------------------------------------------------------------------


def quoted(text):
    text = " ".join(force_str(text or "").split())
    return f"“{Truncator(text).chars(NAME_LENGTH)}”" if text else ""


def choice_text(block, key):
    """The editor's word for a choice of a ChoiceBlock: "Warning" for "warning"."""
    for option, label in block.field.choices:
        if isinstance(label, list | tuple):  # a group of choices
            found = dict(label).get(key)
            if found is not None:
                return force_str(found)
        elif option == key:
            return force_str(label)
    return force_str(key)


def hint_detail(block, value):
    return f"({choice_text(block.child_blocks['style'], value.get('style')).lower()})"


def code_detail(block, value):
    language = value.get("language")
    if not language or language == "text":
        return ""
    return f"({CODE_LANGUAGE_NAMES.get(language, language)})"


# How editors name the common languages; any other is shown as written in the book.
CODE_LANGUAGE_NAMES = {
    "bash": "Shell", "css": "CSS", "html": "HTML", "java": "Java", "javascript": "JavaScript",
    "typescript": "TypeScript", "json": "JSON", "markdown": "Markdown", "python": "Python",
    "rust": "Rust", "solidity": "Solidity", "elixir": "Elixir", "go": "Go", "yaml": "YAML",
    "sql": "SQL",
}  # fmt: skip


def api_operation_detail(block, value):
    """ "(GET /pets)": the operation as its documentation heads it."""
    line = " ".join(filter(None, [(value.get("method") or "").upper(), value.get("path")]))
    return f"({line})" if line else ""


def count_detail(key):
    """ "(3)": how many cards, steps or columns the block holds."""

    def detail(block, value):
        return f"({len(value.get(key) or ())})"

    return detail


def reusable_detail(block, value):
    """The snippet's title; a snippet deleted since reads as nothing."""
    return quoted(value.title)


def titled_detail(block, value):
    return quoted(value.get("title"))


def captioned_detail(block, value):
    return quoted(value.get("caption"))


def heading_detail(block, value):
    return quoted(value.get("text"))


def host_detail(block, value):
    """ "(youtube.com)": where an embed or an image from the web comes from."""
    host = urlsplit(value.get("url") or "").hostname or ""
    host = host.removeprefix("www.")
    return f"({host})" if host else ""


def figure_detail(block, value):
    image = value.get("image")
    return quoted(image.title) if image else ""


def card_detail(block, value):
    page = value.get("page")
    return quoted(value.get("title") or (page.title if page else ""))


def file_detail(block, value):
    document = value.get("document")
    return quoted(value.get("caption") or (document.title if document else ""))


def expandable_detail(block, value):
    return quoted(value.get("summary"))


def tabs_detail(block, value):
    return quoted(", ".join(tab.get("title", "") for tab in value.get("tabs") or ()))


def tab_detail(block, value):
    return quoted(value.get("title"))


def in_development_detail(block, value):
    return quoted(value.get("note"))


def resource_detail(block, value):
    page = value.get("page")
    return quoted(value.get("title") or (page.title if page else "") or value.get("url"))


def table_detail(block, value):
    table = value.get("table")
    return quoted(getattr(table, "caption", ""))


def no_detail(block, value):
    return ""


# What names each kind of block a stream or a list can hold: its label (the one the editor
# picks it by) and, where it helps tell one from another, a detail drawn from its value.
# tests/content/test_block_checklist.py fails for a block type of ours that is missing here.
BLOCK_DETAILS = {
    kb_blocks.SafeRichTextBlock: no_detail,
    kb_blocks.HeadingBlock: heading_detail,
    kb_blocks.HintBlock: hint_detail,
    kb_blocks.QuoteBlock: no_detail,
    kb_blocks.FigureBlock: figure_detail,
    kb_blocks.EmbedBlock: host_detail,
    kb_blocks.CodeBlock: code_detail,
    kb_blocks.TableBlock: table_detail,
    kb_blocks.PageCardBlock: card_detail,
    kb_blocks.FileBlock: file_detail,
    kb_blocks.ExpandableBlock: expandable_detail,
    kb_blocks.TabsBlock: tabs_detail,
    kb_blocks.TabBlock: tab_detail,
    kb_blocks.InDevelopmentBlock: in_development_detail,
    kb_blocks.ResourceBlock: resource_detail,
    kb_blocks.WebImageBlock: host_detail,
    kb_blocks.MathBlock: no_detail,
    kb_blocks.DiagramBlock: captioned_detail,
    kb_blocks.ApiOperationBlock: api_operation_detail,
    kb_blocks.CardsBlock: count_detail("cards"),
    kb_blocks.CardBlock: titled_detail,
    kb_blocks.StepsBlock: count_detail("steps"),
    kb_blocks.StepBlock: titled_detail,
    kb_blocks.ColumnsBlock: count_detail("columns"),
    kb_blocks.ColumnBlock: no_detail,
    kb_blocks.ReusableContentBlock: reusable_detail,
}


def block_name(block, value):
    """What an editor calls this block: "Hint (warning)", "Tab “Install”", "Text"."""
    label = capfirst(force_str(block.label))
    describe = BLOCK_DETAILS.get(type(block), no_detail)
    detail = describe(block, value) if value is not None else ""
    return f"{label} {detail}" if detail else label


def field_label(name, block):
    return FIELD_LABELS.get(name) or capfirst(force_str(block.label))


# Values as text ---------------------------------------------------------------------------------


class RichTextReader(HTMLParser):
    """
    Stored rich text as an editor reads it: a line for each paragraph, heading or list item
    ("• " before an item), and a link's web address after its words, so that changing where a
    link goes shows as a change. Tags are dropped, never shown; entities are read as characters.
    """

    LINE_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "pre", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = []
        self.current = []
        self.links = []

    def end_line(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.LINE_TAGS or tag == "br":
            self.end_line()
        if tag == "li":
            self.current.append("• ")
        elif tag == "hr":
            self.end_line()
            self.lines.append("―――")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in self.LINE_TAGS:
            self.end_line()
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.current.append(f" ({href})")

    def handle_data(self, data):
        self.current.append(data)

    def text(self):
        self.close()
        self.end_line()
        return "\n".join(self.lines)


def rich_text_as_text(source):
    reader = RichTextReader()
    reader.feed(source or "")
    return reader.text()


def decimal_as_text(value):
    if isinstance(value, Decimal):
        # 1.50 and 1.5 are the same number to a reader: no trailing zeros, no exponent.
        return f"{value.normalize():f}" if value == value.to_integral() else str(value.normalize())
    return "" if value is None else force_str(value)


def image_as_text(image):
    if image is None:
        return ""
    alt_text = getattr(image, "contextual_alt_text", None)
    if getattr(image, "decorative", False):
        return f"{image.title} (decorative)"
    return f"{image.title} (alt text: {alt_text})" if alt_text else image.title


def table_as_text(table):
    """A table as lines: its caption, its column headings, then a line a row, cells split by |."""
    if table is None:
        return ""
    columns = list(getattr(table, "columns", None) or ())
    lines = [f"Caption: {table.caption}"] if getattr(table, "caption", "") else []
    lines.append(" | ".join(force_str(column.get("heading") or "") for column in columns))
    for row in getattr(table, "row_data", None) or ():
        cells = [
            leaf_as_text(column["block"], value)
            for column, value in zip(columns, row.get("values", ()), strict=False)
        ]
        lines.append(" | ".join(cell.replace("\n", " ") for cell in cells))
    return "\n".join(lines)


# How each kind of single value (not a struct, stream or list) reads as text, most specific
# kind first. tests/editorial/test_compare.py fails for a value block of ours that none of these
# reads.
LEAF_TEXTS = [
    (blocks.RichTextBlock, lambda block, value: rich_text_as_text(getattr(value, "source", value))),
    (blocks.ChoiceBlock, lambda block, value: choice_text(block, value)),
    (ImageBlock, lambda block, value: image_as_text(value)),
    (ImageChooserBlock, lambda block, value: image_as_text(value)),
    (blocks.PageChooserBlock, lambda block, value: force_str(value.title)),
    (DocumentChooserBlock, lambda block, value: force_str(value.title)),
    # Reusable content, by its title (its own history says what changed inside it).
    (SnippetChooserBlock, lambda block, value: force_str(value)),
    (blocks.DecimalBlock, lambda block, value: decimal_as_text(value)),
    (TypedTableBlock, lambda block, value: table_as_text(value)),
    (blocks.BooleanBlock, lambda block, value: "Yes" if value else "No"),
    (blocks.CharBlock, lambda block, value: force_str(value)),
    (blocks.TextBlock, lambda block, value: force_str(value)),
    (blocks.URLBlock, lambda block, value: force_str(value)),
]


def leaf_text_reader(block):
    return next((read for kind, read in LEAF_TEXTS if isinstance(block, kind)), None)


def leaf_as_text(block, value):
    """A single value as an editor would read it aloud; empty for none."""
    if value is None or value == "":
        return ""
    read = leaf_text_reader(block)
    # A kind of block not in LEAF_TEXTS: its rendering's words, never its data's repr.
    return read(block, value) if read else text_from_html(block.render_basic(value))


def is_leaf(block):
    """A block shown as text of its own rather than as the blocks or fields inside it."""
    return isinstance(block, ImageBlock) or not isinstance(
        block, blocks.StructBlock | blocks.StreamBlock | blocks.ListBlock
    )


def excerpt(block, value):
    """A line of an unchanged block's text, so the folded list says which block is which."""
    if is_leaf(block):
        text = leaf_as_text(block, value)
    elif isinstance(block, blocks.StructBlock):
        text = " · ".join(
            filter(None, (excerpt(child, value.get(name)) for name, child in fields(block)))
        )
    else:
        text = " · ".join(
            filter(None, (excerpt(entry.block, entry.value) for entry in entries(block, value)))
        )
    return Truncator(" ".join(text.split())).chars(EXCERPT_LENGTH)


def fields(block):
    return block.child_blocks.items()


# Word-by-word differences ---------------------------------------------------------------------

# A word (hyphens, apostrophes and dots inside it included: "plasma-cli", "don't", "v1.2"), a
# run of spaces, or one other character.
WORDS = re.compile(r"\w+(?:[-'’.]\w+)*|\s+|[^\w\s]")
# Values that are one thing, not words: a choice, a chosen page or file, a number, a link.
# A change to one shows the whole old value struck and the new one inserted.
WHOLE_VALUES = (
    blocks.ChoiceBlock,
    blocks.PageChooserBlock,
    DocumentChooserBlock,
    SnippetChooserBlock,
    ImageBlock,
    ImageChooserBlock,
    blocks.DecimalBlock,
    blocks.BooleanBlock,
    blocks.URLBlock,
)


def mark(kind, text):
    """Text marked as taken out or put in, escaped; spaces around it are left outside."""
    core = text.strip()
    if not core:
        return escape(text)
    start = text.index(core[0])
    tag = "ins" if kind == "added" else "del"
    css_class = "addition" if kind == "added" else "deletion"
    return format_html(
        '{}<{} class="{}">{}</{}>{}',
        text[:start],
        tag,
        css_class,
        core,
        tag,
        text[start + len(core) :],
    )


def word_changes(old, new):
    """
    The words of `old` and `new` aligned: equal runs as they are, changed runs as <del> then
    <ins>. A run of spaces between two changes joins them, so "the quick brown" to "a slow
    brown" reads as one change, not two.
    """
    old_words, new_words = WORDS.findall(old), WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    merged = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_words[i1:i2]), "".join(new_words[j1:j2])
        if op == "equal":
            merged.append(["equal", removed, added])
        elif merged and merged[-1][0] == "change":
            merged[-1][1] += removed
            merged[-1][2] += added
        elif len(merged) >= 2 and merged[-1][1].isspace() and merged[-2][0] == "change":
            spaces = merged.pop()[1]
            merged[-1][1] += spaces + removed
            merged[-1][2] += spaces + added
        else:
            merged.append(["change", removed, added])
    return "".join(
        escape(removed) if op == "equal" else mark("removed", removed) + mark("added", added)
        for op, removed, added in merged
    )


def text_changes(old, new):
    """
    `old` against `new`, line by line first and then word by word within the lines that
    changed: a long code block or article costs a diff of its changed lines only.
    """
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    html = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            html.append(escape(removed))
        elif op == "replace":
            html.append(word_changes(removed, added))
        else:
            html.append(mark("removed", removed) + mark("added", added))
    return "".join(html)


def as_lines(html, preformatted):
    """Escaped text as HTML that keeps its line breaks (and, for code, its spaces)."""
    if preformatted:
        # Safe: every caller escapes the text it marks up.
        return format_html('<pre class="kb-diff__code">{}</pre>', mark_safe(html))
    return format_html(
        '<div class="kb-diff__text">{}</div>', mark_safe(html.replace("\n", "<br>\n"))
    )


# Sequences: streams and lists -----------------------------------------------------------------


@dataclass
class Entry:
    """One block of a stream or one item of a list, where it stood (1-based) and its data."""

    id: str | None
    block: blocks.Block
    value: object
    stored: object
    position: int


def entries(block, value):
    """The blocks of a stream value, or the items of a list value, as Entry objects."""
    if value is None:
        return []
    if isinstance(block, blocks.StreamBlock):
        raw = value.raw_data
        return [
            Entry(child.id, child.block, child.value, raw[index]["value"], index + 1)
            for index, child in enumerate(value)
        ]
    child_block = block.child_block
    if not hasattr(value, "bound_blocks"):
        value = block.normalize(value)
    return [
        Entry(
            child.original_id,
            child_block,
            child.value,
            child_block.get_prep_value(child.value),
            index + 1,
        )
        for index, child in enumerate(value.bound_blocks)
    ]


def has_usable_ids(items):
    ids = [item.id for item in items]
    return all(ids) and len(set(ids)) == len(ids)


def longest_increasing_run(numbers):
    """Indexes into `numbers` of one longest strictly increasing subsequence (patience sort):
    the blocks that kept their order, so every other block in both revisions has moved."""
    tails, tail_indexes, previous = [], [], [None] * len(numbers)
    for index, number in enumerate(numbers):
        slot = bisect_left(tails, number)
        if slot == len(tails):
            tails.append(number)
            tail_indexes.append(index)
        else:
            tails[slot] = number
            tail_indexes[slot] = index
        previous[index] = tail_indexes[slot - 1] if slot else None
    kept, index = set(), tail_indexes[-1] if tail_indexes else None
    while index is not None:
        kept.add(index)
        index = previous[index]
    return kept


def same_block(entry_a, entry_b):
    return entry_a.block.name == entry_b.block.name and type(entry_a.block) is type(entry_b.block)


def pair_up(items_a, items_b):
    """{index in b: index in a} for the blocks both revisions have: the same block by its id,
    or, in data that has no ids (lists saved by old Wagtail versions), by its position."""
    if has_usable_ids(items_a) and has_usable_ids(items_b):
        index_a = {item.id: index for index, item in enumerate(items_a)}
        pairs = {}
        for index_b, item in enumerate(items_b):
            index = index_a.get(item.id)
            if index is not None and same_block(items_a[index], item):
                pairs[index_b] = index
        return pairs
    return {
        index: index
        for index in range(min(len(items_a), len(items_b)))
        if same_block(items_a[index], items_b[index])
    }


class BlockChange(BlockComparison):
    """
    What happened to one block between two revisions: added, removed, changed, moved (and
    perhaps changed as well) or nothing, with the heading and HTML that say so.
    """

    def __init__(self, block, entry_a, entry_b, path, depth, moved=False):
        super().__init__(
            block,
            entry_a is not None,
            entry_b is not None,
            entry_a.value if entry_a else None,
            entry_b.value if entry_b else None,
        )
        self.entry_a, self.entry_b = entry_a, entry_b
        self.path, self.depth, self.moved = path, depth, moved

    @cached_property
    def changed(self):
        """Whether both revisions have this block and its content differs."""
        if not (self.entry_a and self.entry_b):
            return False
        if self.entry_a.stored == self.entry_b.stored:
            return False
        # Stored data can differ where the content does not (a field added to a block since
        # the older revision was saved reads as its default): ask the block itself.
        return self.block.get_prep_value(self.val_a) != self.block.get_prep_value(self.val_b)

    def has_changed(self):
        return self.moved or self.changed or self.is_new() or self.is_deleted()

    @property
    def kind(self):
        if self.is_new():
            return "added"
        if self.is_deleted():
            return "removed"
        if self.moved:
            return "moved"
        return "changed" if self.changed else "unchanged"

    def name(self):
        return block_name(self.block, self.val_b if self.exists_b else self.val_a)

    def heading(self):
        name = PATH_SEPARATOR.join([*self.path, self.name()])
        if self.moved:
            moved = f"{name} moved from position {self.entry_a.position} to {self.entry_b.position}"
            return f"{moved} and changed" if self.changed else moved
        return f"{name} {self.kind}"

    def htmlvalue(self, val):
        mode = {"added": "added", "removed": "removed"}.get(self.kind)
        return render_value(self.block, val, self.child_path(val), self.depth + 1, mode)

    def htmldiff(self):
        return render_changes(
            self.block, self.val_a, self.val_b, self.child_path(self.val_b), self.depth + 1
        )

    def child_path(self, value):
        return [*self.path, block_name(self.block, value)]

    def body(self):
        if self.changed:
            return self.htmldiff()
        return self.htmlvalue(self.val_b if self.exists_b else self.val_a)

    def html(self):
        css_class = {"added": " addition", "removed": " deletion"}.get(self.kind, "")
        return format_html(
            '<section class="comparison__child-object kb-diff__block kb-diff__block--{}{}">'
            "{}{}</section>",
            self.kind,
            css_class,
            heading_tag(self.depth, self.heading()),
            self.body(),
        )


class SequenceComparison:
    """The blocks of two versions of a stream (or items of a list), in reading order: the newer
    revision's, with each removed block where it used to be."""

    def __init__(self, block, value_a, value_b, path=(), depth=0):
        self.block, self.path, self.depth = block, list(path), depth
        self.items_a, self.items_b = entries(block, value_a), entries(block, value_b)

    @cached_property
    def changes(self):
        pairs = pair_up(self.items_a, self.items_b)
        # Of the blocks both revisions have, those still in the same order relative to each
        # other stayed; the fewest possible others moved.
        shared_b = sorted(pairs)
        kept = longest_increasing_run([pairs[index_b] for index_b in shared_b])
        stayed_b = {shared_b[position] for position in kept}
        stayed_a = {pairs[index_b] for index_b in stayed_b}
        paired_a = set(pairs.values())

        # A removed block goes after the nearest block before it that stayed where it was.
        removed_after = {}
        anchor = None
        for index_a, item in enumerate(self.items_a):
            if index_a in stayed_a:
                anchor = index_a
            elif index_a not in paired_a:
                removed_after.setdefault(anchor, []).append(item)

        changes = [self.change(removed, None) for removed in removed_after.get(None, ())]
        for index_b, item in enumerate(self.items_b):
            index_a = pairs.get(index_b)
            if index_a is None:
                changes.append(self.change(None, item))
                continue
            changes.append(self.change(self.items_a[index_a], item, moved=index_b not in stayed_b))
            if index_a in stayed_a:
                changes.extend(
                    self.change(removed, None) for removed in removed_after.get(index_a, ())
                )
        return changes

    def change(self, entry_a, entry_b, moved=False):
        block = (entry_b or entry_a).block
        return BlockChange(block, entry_a, entry_b, self.path, self.depth, moved=moved)

    def has_changed(self):
        return any(change.has_changed() for change in self.changes)

    def html(self):
        parts, unchanged = [], []
        for change in self.changes:
            if change.has_changed():
                parts.append(folded(unchanged))
                unchanged = []
                parts.append(change.html())
            else:
                unchanged.append(change)
        parts.append(folded(unchanged))
        # Safe: each part was built with format_html.
        return format_html('<div class="kb-diff">{}</div>', mark_safe("".join(parts)))


def folded(unchanged):
    """A run of unchanged blocks as one line that opens to name them."""
    if not unchanged:
        return ""
    count = len(unchanged)
    summary = "1 unchanged block" if count == 1 else f"{count} unchanged blocks"
    items = []
    for change in unchanged:
        name = PATH_SEPARATOR.join([*change.path, change.name()])
        text = excerpt(change.block, change.val_b)
        items.append((format_html("{}: {}", name, text) if text else name,))
    return format_html(
        '<details class="kb-diff__unchanged"><summary>{}</summary><ul>{}</ul></details>',
        summary,
        format_html_join("", "<li>{}</li>", items),
    )


# Rendering a value, or the changes between two ------------------------------------------------


def is_sequence(block):
    return isinstance(block, blocks.StreamBlock | blocks.ListBlock)


def struct_html(rows, nested):
    """A struct's fields as a list of labels and values, then the blocks it holds (an
    expandable's content, a tabs block's tabs), which carry names of their own."""
    field_list = (
        format_html(
            '<dl class="comparison__list kb-diff__fields">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        )
        if rows
        else ""
    )
    # Safe: each nested part was built with format_html.
    return format_html("{}{}", field_list, mark_safe("".join(nested)))


def heading_tag(depth, text):
    level = min(3 + depth, 6)
    return format_html('<h{} class="kb-diff__heading">{}</h{}>', level, text, level)


def render_value(block, value, path, depth, mode=None, preformatted=False):
    """
    A block's value in full as readable HTML: its fields as labels and values, the blocks of
    a stream or list each under its name. `mode` "added" or "removed" marks all its text.
    """
    if is_leaf(block):
        text = leaf_as_text(block, value)
        html = mark(mode, text) if mode else escape(text)
        return as_lines(html, preformatted) if text else ""
    if isinstance(block, blocks.StructBlock):
        rows, nested = [], []
        for name, child in fields(block):
            child_value = value.get(name) if value is not None else None
            preformatted = (type(block), name) in PREFORMATTED_FIELDS
            rendered = render_value(child, child_value, path, depth, mode, preformatted)
            if not rendered:
                continue
            if is_sequence(child):
                nested.append(rendered)
            else:
                rows.append((field_label(name, child), rendered))
        return struct_html(rows, nested)
    parts = []
    for item in entries(block, value):
        item_path = [*path, block_name(item.block, item.value)]
        parts.append(
            format_html(
                '<div class="kb-diff__nested">{}{}</div>',
                heading_tag(depth, PATH_SEPARATOR.join(item_path)),
                render_value(item.block, item.value, item_path, depth + 1, mode),
            )
        )
    # Safe: each part was built with format_html.
    return mark_safe("".join(parts))


def render_changes(block, value_a, value_b, path, depth, preformatted=False):
    """What changed inside a block both revisions have: the fields that differ, word by word,
    and the blocks of a stream or list that were added, removed, changed or moved."""
    if is_leaf(block):
        old, new = leaf_as_text(block, value_a), leaf_as_text(block, value_b)
        if old != new and not isinstance(block, WHOLE_VALUES):
            return as_lines(text_changes(old, new), preformatted)
        if isinstance(block, blocks.RichTextBlock):
            return format_html(
                '{}<p class="kb-diff__note">{}</p>',
                as_lines(escape(new), preformatted),
                "Formatting or links changed; the words are the same.",
            )
        # A whole value replaced, or the same words for another thing (two documents of one
        # title): both, in full.
        return as_lines(mark("removed", old) + " " + mark("added", new), preformatted)
    if isinstance(block, blocks.StructBlock):
        rows, nested = [], []
        for name, child in fields(block):
            old, new = value_a.get(name), value_b.get(name)
            if child.get_prep_value(old) == child.get_prep_value(new):
                continue
            preformatted = (type(block), name) in PREFORMATTED_FIELDS
            rendered = render_changes(child, old, new, path, depth, preformatted)
            if is_sequence(child):
                nested.append(rendered)
            else:
                rows.append((field_label(name, child), rendered))
        return struct_html(rows, nested)
    return SequenceComparison(block, value_a, value_b, path, depth).html()


# The field comparison Wagtail's compare view uses -------------------------------------------


class KnowledgeBaseStreamFieldComparison(StreamFieldComparison):
    """A StreamField compared block by block, as pages.editorial.compare's docstring describes."""

    @cached_property
    def blocks_compared(self):
        return SequenceComparison(self.field.stream_block, self.val_a, self.val_b)

    def has_changed(self):
        # Equal streams compare their stored data without reading a block: a page whose title
        # alone changed costs nothing here.
        if self.val_a == self.val_b:
            return False
        return self.blocks_compared.has_changed()

    def htmldiff(self):
        return self.blocks_compared.html()


# Wagtail's admin colours its own <span class="addition"> only; ours are <ins> and <del>, whose
# underline and strike-through also say it without colour.
COMPARISON_STYLE = """
<style>
.comparison ins.addition { background-color: var(--color-addition-dark); }
.comparison del.deletion { background-color: var(--color-deletion-dark); }
.comparison .kb-diff__heading { font-size: 1rem; font-weight: 700; margin: 0 0 0.5em; }
.kb-diff__code { white-space: pre-wrap; margin: 0; }
.kb-diff__nested { margin-block: 0.5em; padding-inline-start: 1em;
  border-inline-start: 2px solid var(--w-color-border-furniture); }
.kb-diff__unchanged { padding: 0.5em 1em; color: var(--w-color-text-meta); }
.kb-diff__note { font-style: italic; }
</style>
"""


def comparison_style():
    """The styles above, for every admin page (insert_global_admin_css)."""
    return COMPARISON_STYLE


def register():
    """Compare every StreamField (all of ours are built from pages.blocks) block by block."""
    register_comparison_class(StreamField, comparison_class=KnowledgeBaseStreamFieldComparison)
    for field_class in (models.BooleanField, models.DateField, models.DateTimeField):
        register_comparison_class(field_class, comparison_class=ReadableFieldComparison)
