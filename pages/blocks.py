"""
The StreamField blocks every body is built from.

They mirror GitBook's constructs (hints, tabs, expandables, code with a title, page link cards) so a
book imported from GitBook keeps its shape, and each renders without JavaScript.
"""

import functools
import hashlib
import html
import re
from urllib.parse import urlsplit
from xml.etree import ElementTree

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.typed_table_block.blocks import (
    TypedTable,
    TypedTableBlock,
    TypedTableBlockValidationError,
)
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.rich_text import RichText
from wagtail.snippets.blocks import SnippetChooserBlock

from pages.embeds import player_html
from pages.sanitising import WebURLFormField, is_safe_url, sanitise_rich_text

INLINE_FEATURES = [
    "bold", "italic", "code", "link", "superscript", "subscript", "strikethrough", "mark",
]  # fmt: skip
TEXT_FEATURES = [*INLINE_FEATURES, "ol", "ul", "h3", "h4", "hr", "document-link"]

TEXT_GROUP = "Text"
MEDIA_GROUP = "Media"
TECHNICAL_GROUP = "Technical"
LAYOUT_GROUP = "Layout"


class WebURLBlock(blocks.URLBlock):
    """
    A URL block that takes web addresses only, and says so. The admin's form validates blocks;
    code saving a page does not, so a link that could run script (javascript: and the like) is
    also read, and written, as no link at all: every template, export and API answer gets a
    safe URL or an empty one.
    """

    def __init__(self, required=True, help_text=None, max_length=None, **kwargs):
        super().__init__(required=required, help_text=help_text, max_length=max_length, **kwargs)
        self.field = WebURLFormField(required=required, help_text=help_text, max_length=max_length)

    def to_python(self, value):
        return value if is_safe_url(value) else ""

    normalize = get_prep_value = to_python


class KnownChoiceBlock(blocks.ChoiceBlock):
    """
    A choice that reads as its default when what was stored is none of its choices (written by
    code, which does not validate blocks, or left from an older list of choices): the value a
    template writes as an element or attribute, or the exporter into GitBook's syntax, is always
    one of the choices.
    """

    def normalize_choice(self, value):
        choice = super().normalize_choice(value)
        if any(choice == key for key, _ in self.field.choices if key):
            return choice
        return self.get_default()


class SafeRichTextBlock(blocks.RichTextBlock):
    """
    Rich text that is sanitised (pages.sanitising) whichever way it arrives: from the admin's
    editor (value_from_form, so previews too), from code or the importer (normalize) and on its
    way into the database or a revision (get_prep_value). Stored rich text is then safe to render
    as it is, which every template, the admin and the API do.
    """

    def normalize(self, value):
        value = super().normalize(value)
        return RichText(sanitise_rich_text(value.source))

    def value_from_form(self, value):
        return RichText(sanitise_rich_text(value))

    def get_prep_value(self, value):
        return sanitise_rich_text(value.source)


# A heading's #anchor: what slugify makes, and what GitBook makes too (it keeps dots and
# underscores: `#v1.2-release`), so that links from outside into an imported book keep working.
ANCHOR = re.compile(r"[\w.-]+")


class HeadingValue(blocks.StructValue):
    def anchor_id(self):
        return self.get("anchor") or slugify(self.get("text", ""))


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300, help_text="The heading readers see.")
    level = KnownChoiceBlock(
        choices=[("h2", "Heading 2"), ("h3", "Heading 3"), ("h4", "Heading 4")],
        default="h2",
        help_text="Heading 2 for main parts of the page, 3 and 4 for parts within them.",
    )
    anchor = blocks.CharBlock(
        required=False,
        max_length=300,
        help_text=(
            "The #link to this heading, such as 'current-state'. Leave empty to derive it "
            "from the heading text; set it to keep old links working after a rename."
        ),
    )

    class Meta:
        icon = "title"
        label = "Heading"
        template = "pages/blocks/heading.html"
        value_class = HeadingValue
        group = TEXT_GROUP

    def clean(self, value):
        value = super().clean(value)
        anchor = value.get("anchor")
        if anchor and not ANCHOR.fullmatch(anchor):
            raise StructBlockValidationError(
                block_errors={
                    "anchor": ValidationError(
                        "Use lowercase letters, digits, hyphens, dots and underscores only, "
                        f"for example '{slugify(anchor) or 'current-state'}'."
                    )
                }
            )
        return value


class HintBlock(blocks.StructBlock):
    """GitBook's hint styles, with their meaning spelled out for screen readers. A hint holds
    text, and below it (in a hint that may) the blocks GitBook lets a hint hold: code, an
    expandable, a list of steps."""

    style = KnownChoiceBlock(
        choices=[
            ("info", "Info"),
            ("success", "Success"),
            ("warning", "Warning"),
            ("danger", "Danger"),
        ],
        default="info",
        help_text="Info for background, success for a tip, warning and danger for pitfalls.",
    )
    text = SafeRichTextBlock(features=TEXT_FEATURES, required=False)

    def __init__(self, content=None, **kwargs):
        super().__init__([("content", content)] if content is not None else [], **kwargs)

    class Meta:
        icon = "help"
        label = "Hint"
        template = "pages/blocks/hint.html"
        group = TEXT_GROUP

    def clean(self, value):
        value = super().clean(value)
        if not value.get("text") and not value.get("content"):
            raise StructBlockValidationError(
                block_errors={"text": ValidationError("Write the hint, or remove it.")}
            )
        return value


class QuoteTextBlock(SafeRichTextBlock):
    """A quote's words, with their emphasis and links. Quotes were plain text before: a stored
    value that is not markup (rich text always starts with an element) reads as that text."""

    def to_python(self, value):
        if value and not str(value).lstrip().startswith("<"):
            paragraphs = str(value).replace("\r\n", "\n").split("\n\n")
            value = "".join(
                f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs if p
            )
        return super().to_python(value)


class QuoteBlock(blocks.StructBlock):
    text = QuoteTextBlock(
        features=INLINE_FEATURES, help_text="The quoted words, without quotation marks."
    )
    attribution = blocks.CharBlock(
        required=False, max_length=200, help_text="Who said or wrote it, and where."
    )

    class Meta:
        icon = "openquote"
        label = "Quote"
        template = "pages/blocks/quote.html"
        group = TEXT_GROUP


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(help_text="Describe the image in the alt text unless it is decorative.")
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "image"
        label = "Image"
        template = "pages/blocks/figure.html"
        group = MEDIA_GROUP


class WebImageBlock(blocks.StructBlock):
    """An image kept where it is on the web, as GitBook books link images from other sites."""

    url = WebURLBlock(help_text="The image's web address (https://...).")
    alt_text = blocks.CharBlock(
        required=False, max_length=300, help_text="What the image shows; empty if decorative."
    )
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "image"
        label = "Image from the web"
        template = "pages/blocks/web_image.html"
        group = MEDIA_GROUP


class EmbedValue(blocks.StructValue):
    def embed_html(self):
        """The provider's player, or None when it cannot be reached or does not know the URL."""
        return player_html(self.get("url"))

    def host(self):
        return urlsplit(self.get("url", "")).hostname or ""


class EmbedBlock(blocks.StructBlock):
    """
    A video or other oEmbed URL.

    Wagtail's own EmbedBlock asks the provider when the page is saved, so an editor could not save
    while YouTube is unreachable; this one only checks the URL and asks at render time, falling
    back to a plain link.
    """

    url = WebURLBlock(help_text="A YouTube, Vimeo or other oEmbed link, such as a video page.")
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "media"
        label = "Embed"
        template = "pages/blocks/embed.html"
        value_class = EmbedValue
        group = MEDIA_GROUP


# Languages an editor is offered; any other name (a code block's language is an open set, as
# GitBook's is) is kept as written and highlighted when Pygments knows it.
COMMON_CODE_LANGUAGES = [
    "text", "bash", "css", "html", "java", "javascript", "typescript", "json", "markdown",
    "python", "rust", "solidity", "elixir", "go", "yaml", "sql",
]  # fmt: skip
CODE_LANGUAGE = re.compile(r"[\w+#.-]{1,40}")


class CodeLanguageBlock(blocks.CharBlock):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            max_length=40,
            default="text",
            help_text=f"Such as {', '.join(COMMON_CODE_LANGUAGES[1:])}; 'text' for none.",
            **kwargs,
        )

    def to_python(self, value):
        value = (value or "").strip().lower()
        return value if CODE_LANGUAGE.fullmatch(value) else "text"

    def clean(self, value):
        value = super().clean(value)
        if value and not CODE_LANGUAGE.fullmatch(value.strip()):
            raise ValidationError("Name the language in letters, digits and + # . - _ only.")
        return (value or "text").strip().lower()


class CodeValue(blocks.StructValue):
    def highlighted(self):
        """The code as HTML, coloured when Pygments knows the language; escaped text else."""
        return highlighted_code(self.get("language") or "text", self.get("code") or "")


@functools.lru_cache(maxsize=2048)
def highlighted_code(language, code):
    try:
        lexer = get_lexer_by_name(language) if language != "text" else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return mark_safe(html.escape(code))  # noqa: S308 - escaped just above
    # Pygments escapes the code it is given; its spans only carry class names (static/css).
    return mark_safe(highlight(code, lexer, CODE_FORMATTER).rstrip("\n"))  # noqa: S308


CODE_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


class CodeBlock(blocks.StructBlock):
    language = CodeLanguageBlock()
    title = blocks.CharBlock(
        required=False, max_length=120, help_text="Shown above the code, such as a file name."
    )
    code = blocks.TextBlock(help_text="Pasted exactly as it should appear.")

    class Meta:
        icon = "code"
        label = "Code"
        template = "pages/blocks/code.html"
        value_class = CodeValue
        group = TECHNICAL_GROUP


class MathValue(blocks.StructValue):
    def mathml(self):
        return formula_mathml(self.get("tex") or "")


MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
# Presentation MathML as latex2mathml writes it. latex2mathml copies \text{…} into <mtext>
# unescaped, so its output is read back and only these elements and attributes are kept.
MATHML_ELEMENTS = {
    "math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
    "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle",
    "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "accent", "accentunder", "close", "columnalign", "columnlines", "columnspacing", "depth",
    "display", "displaystyle", "fence", "form", "frame", "height", "largeop", "linebreak",
    "linethickness", "lspace", "mathbackground", "mathcolor", "mathsize", "mathvariant",
    "maxsize", "minsize", "movablelimits", "notation", "open", "rowalign", "rowlines",
    "rowspacing", "rspace", "scriptlevel", "separator", "separators", "stretchy", "symmetric",
    "voffset", "width",
}  # fmt: skip


@functools.lru_cache(maxsize=1024)
def formula_mathml(tex):
    """A TeX formula as MathML, which browsers render without script; None when the formula
    cannot be read or holds markup that is not MathML, and readers see the TeX instead."""
    # Here, not at the top: latex2mathml's tables take about 1 MB in every web worker, and
    # only pages with a formula need them.
    from latex2mathml.converter import convert as latex_to_mathml

    try:
        written = latex_to_mathml(tex, display="block")
    except Exception:  # latex2mathml raises many kinds of error on TeX it cannot read
        return None
    if "<!" in written or "<?" in written:  # no DTD, entity or processing instruction
        return None
    try:
        math = ElementTree.fromstring(written)
    except ElementTree.ParseError:
        return None
    for element in math.iter():
        namespace, _, name = element.tag.rpartition("}")
        if namespace.lstrip("{") != MATHML_NAMESPACE or name not in MATHML_ELEMENTS:
            return None
        element.tag = name
        for attribute in list(element.attrib):
            if attribute not in MATHML_ATTRIBUTES:
                del element.attrib[attribute]
    math.set("xmlns", MATHML_NAMESPACE)
    # ElementTree escapes every text and attribute value it writes.
    return mark_safe(ElementTree.tostring(math, encoding="unicode"))  # noqa: S308


class MathBlock(blocks.StructBlock):
    """A formula in TeX, as GitBook's $$ … $$ blocks hold one."""

    tex = blocks.TextBlock(help_text="The formula in TeX, such as E = mc^2, without the $$.")

    class Meta:
        icon = "code"
        label = "Formula"
        template = "pages/blocks/math.html"
        value_class = MathValue
        group = TECHNICAL_GROUP


# The first word of a Mermaid diagram names its type; these are the types Mermaid 11 draws
# (pages/static/pages/vendor/mermaid/). Anything else would only show readers an error.
MERMAID_DIAGRAM_TYPES = {
    "flowchart", "graph", "sequenceDiagram", "classDiagram", "stateDiagram", "stateDiagram-v2",
    "erDiagram", "journey", "gantt", "pie", "quadrantChart", "requirementDiagram", "gitGraph",
    "C4Context", "C4Container", "C4Component", "C4Dynamic", "C4Deployment", "mindmap",
    "timeline", "sankey-beta", "xychart-beta", "block-beta", "packet-beta", "kanban",
    "architecture-beta", "radar-beta", "treemap-beta",
}  # fmt: skip
# Big enough for any diagram a reader can take in; Mermaid itself stops at 50,000.
MERMAID_MAX_LENGTH = 10_000


def mermaid_diagram_type(source):
    """The diagram type a Mermaid source declares: the first word of its first line that is not
    blank, a %% comment or part of the --- front matter --- Mermaid reads config from."""
    lines = iter((source or "").splitlines())
    for line in lines:
        line = line.strip()
        if line == "---":
            for inner in lines:
                if inner.strip() == "---":
                    break
            continue
        if line and not line.startswith("%%"):
            return line.split()[0].rstrip(":;")
    return ""


class DiagramValue(blocks.StructValue):
    def element_id(self):
        """An id for the diagram's description and caption, the same whenever the diagram is."""
        written = "\n".join(self.get(name) or "" for name in ("source", "text_alternative"))
        return "diagram-" + hashlib.sha256(written.encode()).hexdigest()[:12]


def mermaid_source_error(source):
    """Why the site would not draw this Mermaid source, in an editor's words, or None if it
    would. The editor's form refuses such a source; a GitBook import keeps it as code."""
    if len(source) > MERMAID_MAX_LENGTH:
        return (
            f"A diagram's source may be up to {MERMAID_MAX_LENGTH:,} characters long; this "
            f"one has {len(source):,}. Split it into smaller diagrams."
        )
    kind = mermaid_diagram_type(source)
    if kind not in MERMAID_DIAGRAM_TYPES:
        unknown = f" Mermaid has no diagram type {kind!r}." if kind else ""
        return (
            "Start with the diagram's type on the first line, such as 'flowchart LR' or "
            f"'sequenceDiagram'.{unknown}"
        )
    return None


class MermaidSourceBlock(blocks.TextBlock):
    def clean(self, value):
        value = super().clean(value)
        error = mermaid_source_error(value)
        if error:
            raise ValidationError(error)
        return value


class DiagramBlock(blocks.StructBlock):
    """
    A diagram written in Mermaid, as GitBook draws its ```mermaid code blocks. Readers' browsers
    draw it with the Mermaid library shipped with the site (pages/js/diagrams.js); without
    JavaScript they see its source, and everyone can read what it shows in words.
    """

    source = MermaidSourceBlock(
        label="Mermaid source",
        help_text=(
            "The diagram in Mermaid, starting with its type, such as 'flowchart LR' or "
            "'sequenceDiagram' (see mermaid.js.org)."
        ),
    )
    text_alternative = blocks.TextBlock(
        max_length=2000,
        help_text=(
            "What the diagram shows, in sentences, for readers who cannot see it (screen "
            "readers, the page's Markdown). Say what leads to what, not how it looks."
        ),
    )
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "site"
        label = "Diagram"
        template = "pages/blocks/diagram.html"
        value_class = DiagramValue
        group = MEDIA_GROUP

    def clean(self, value):
        errors = {}
        try:
            value = super().clean(value)
        except StructBlockValidationError as error:
            errors = dict(error.block_errors)
        # A draft may be saved unfinished, as Wagtail lets it leave any required field empty.
        described = (value.get("text_alternative") or "").strip()
        if not self.is_deferred_validation and not described:
            errors["text_alternative"] = ValidationError(
                "Describe what the diagram shows, in sentences: readers who cannot see it "
                "read this instead."
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class ApiDetailsBlock(blocks.StreamBlock):
    text = SafeRichTextBlock(features=TEXT_FEATURES, icon="pilcrow", label="Text")
    code = CodeBlock()


class ApiOperationBlock(blocks.StructBlock):
    """One operation of an HTTP API, as GitBook's {% swagger %} and {% openapi %} blocks show
    it: the method and path, what it does, and a link to the OpenAPI description."""

    method = KnownChoiceBlock(
        choices=[
            (method.lower(), method)
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
        ],
        default="get",
    )
    path = blocks.CharBlock(max_length=300, help_text="Such as /v1/pets/{id}.")
    summary = blocks.CharBlock(required=False, max_length=300)
    spec_url = WebURLBlock(
        required=False, label="OpenAPI description", help_text="The spec's web address."
    )
    details = ApiDetailsBlock(required=False, help_text="Parameters, responses, examples.")

    class Meta:
        icon = "link-external"
        label = "API operation"
        template = "pages/blocks/api_operation.html"
        group = TECHNICAL_GROUP


class UnreadableTable(TypedTable):
    """What a table's form fields become when they cannot be read (a post cut short or garbled:
    a count that is not a number, a column of no known type): an empty table, which fails
    validation."""

    def __init__(self):
        super().__init__(columns=[], row_data=[], caption="")


class CheckedTypedTableBlock(TypedTableBlock):
    """Wagtail's typed table, which answers form fields it cannot read with a message on the
    table rather than a server error."""

    def value_from_datadict(self, data, files, prefix):
        try:
            return super().value_from_datadict(data, files, prefix)
        except (KeyError, ValueError, TypeError):
            return UnreadableTable()

    def clean(self, table):
        if isinstance(table, UnreadableTable):
            raise TypedTableBlockValidationError(
                non_block_errors=[
                    ValidationError("The table could not be read. Reload the page and try again.")
                ]
            )
        return super().clean(table)


class TableBlock(blocks.StructBlock):
    table = CheckedTypedTableBlock(
        [
            # A cell may be empty, as a table's often are.
            ("text", SafeRichTextBlock(features=INLINE_FEATURES, label="Text", required=False)),
            ("number", blocks.DecimalBlock(label="Number", required=False)),
        ],
        help_text="Column headings become the table's header row.",
    )

    class Meta:
        icon = "table"
        label = "Table"
        template = "pages/blocks/table.html"
        group = TECHNICAL_GROUP


class PageCardValue(blocks.StructValue):
    def card_description(self):
        """The card's own words, or the summary of the page it leads to (asked only once the
        template knows readers may see that page)."""
        page = self.get("page")
        return self.get("description") or getattr(page.specific if page else None, "summary", "")


def without_hidden_pages(representation, value, field="page"):
    """An API representation whose page link is None where readers may not see the page: the
    API says no more of a draft or a restricted page than its HTML does."""
    # Imported here: pages.models imports these blocks.
    from pages.models.visibility import visible_links  # noqa: PLC0415

    page = value.get(field)
    if page is not None and page.pk not in visible_links([page.pk]):
        representation = {**representation, field: None}
    return representation


class PageCardBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(help_text="The knowledge-base page this card leads to.")
    title = blocks.CharBlock(
        required=False, max_length=200, help_text="Leave empty to use the page's title."
    )
    description = blocks.CharBlock(
        required=False, max_length=300, help_text="Leave empty to use the page's summary."
    )

    class Meta:
        icon = "doc-full"
        label = "Page link card"
        template = "pages/blocks/page_card.html"
        value_class = PageCardValue
        group = LAYOUT_GROUP

    def get_api_representation(self, value, context=None):
        return without_hidden_pages(super().get_api_representation(value, context), value)


class FileBlock(blocks.StructBlock):
    """A downloadable file, such as a white paper, as GitBook's file block shows one."""

    document = DocumentChooserBlock()
    caption = blocks.CharBlock(
        required=False, max_length=300, help_text="Leave empty to use the document's title."
    )

    class Meta:
        icon = "doc-full-inverse"
        label = "File"
        template = "pages/blocks/file.html"
        group = MEDIA_GROUP


class CardBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    text = SafeRichTextBlock(features=INLINE_FEATURES, required=False)
    page = blocks.PageChooserBlock(required=False, help_text="Where the card leads: a page…")
    url = WebURLBlock(required=False, help_text="…or a link elsewhere (or neither).")
    image = ImageChooserBlock(required=False)

    class Meta:
        icon = "doc-full"
        label = "Card"

    def get_api_representation(self, value, context=None):
        return without_hidden_pages(super().get_api_representation(value, context), value)

    def clean(self, value):
        value = super().clean(value)
        if value.get("page") is not None and value.get("url"):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError("Link either a page or a URL, not both.")}
            )
        return value


class CardsBlock(blocks.StructBlock):
    """A grid of cards, as GitBook's card tables (`<table data-view="cards">`) show them."""

    cards = blocks.ListBlock(CardBlock(), min_num=1)

    class Meta:
        icon = "table"
        label = "Cards"
        template = "pages/blocks/cards.html"
        group = LAYOUT_GROUP


class ReusableContentBlock(SnippetChooserBlock):
    """Content kept once and shown on every page that uses it (GitBook's reusable content,
    its {% include %}): changing it changes every page."""

    def __init__(self, **kwargs):
        super().__init__("pages.ReusableContent", **kwargs)

    class Meta:
        icon = "snippet"
        label = "Reusable content"
        template = "pages/blocks/reusable_content.html"
        group = LAYOUT_GROUP


# Blocks hold one another as deep as GitBook books nest them (a tab holding a hint holding an
# expandable holding code), in levels: each container holds the level below, and the innermost
# level holds no container but a hint of text. A StreamField cannot recurse, and the levels
# keep the admin's forms finite.


class InnermostContentBlock(blocks.StreamBlock):
    """What the innermost container holds: every block but headings and containers."""

    text = SafeRichTextBlock(features=TEXT_FEATURES, icon="pilcrow", label="Text", group=TEXT_GROUP)
    hint = HintBlock()
    quote = QuoteBlock()
    image = FigureBlock()
    web_image = WebImageBlock()
    embed = EmbedBlock()
    code = CodeBlock()
    math = MathBlock()
    diagram = DiagramBlock()
    api_operation = ApiOperationBlock()
    table = TableBlock()
    card = PageCardBlock()
    cards = CardsBlock()
    file = FileBlock()

    def get_prep_value(self, value):
        # A stream read from storage (or given as raw JSON) converts its blocks only when they
        # are used, and Wagtail writes the ones never used back as they came. Using every block
        # here puts each value, rich text included, through its own block's get_prep_value, so
        # a body is sanitised whenever it is saved.
        for _child in value or ():
            pass
        return super().get_prep_value(value)


class ExpandableBlock(blocks.StructBlock):
    summary = blocks.CharBlock(max_length=200, help_text="The line readers click to open it.")

    def __init__(self, content=None, **kwargs):
        super().__init__([("content", content or InnermostContentBlock())], **kwargs)

    class Meta:
        icon = "collapse-down"
        label = "Expandable"
        template = "pages/blocks/expandable.html"
        group = LAYOUT_GROUP


class TabBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=80)

    def __init__(self, content=None, **kwargs):
        super().__init__([("content", content or InnermostContentBlock())], **kwargs)

    class Meta:
        icon = "doc-empty"
        label = "Tab"


class TabsValue(blocks.StructValue):
    def group_id(self):
        titles = "-".join(slugify(tab["title"]) for tab in self.get("tabs", []))
        return f"tabs-{titles}"[:120]


class TabsBlock(blocks.StructBlock):
    def __init__(self, content=None, **kwargs):
        tabs = blocks.ListBlock(TabBlock(content), min_num=1, help_text="The tabs, in order.")
        super().__init__([("tabs", tabs)], **kwargs)

    class Meta:
        icon = "dots-horizontal"
        label = "Tabs"
        template = "pages/blocks/tabs.html"
        value_class = TabsValue
        group = LAYOUT_GROUP

    def clean(self, value):
        value = super().clean(value)
        titles = [slugify(tab["title"]) for tab in value["tabs"]]
        if len(set(titles)) != len(titles):
            raise StructBlockValidationError(
                block_errors={"tabs": ValidationError("Give each tab a different title.")}
            )
        return value


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=200, help_text="What this step does.")

    def __init__(self, content=None, **kwargs):
        super().__init__([("content", content or InnermostContentBlock())], **kwargs)

    class Meta:
        icon = "list-ol"
        label = "Step"


class StepsBlock(blocks.StructBlock):
    """Numbered steps, each holding text, code and the like: GitBook's {% stepper %}, and a
    numbered list whose items hold code, whose numbering runs on across the code."""

    def __init__(self, content=None, **kwargs):
        steps = blocks.ListBlock(StepBlock(content), min_num=1)
        super().__init__([("steps", steps)], **kwargs)

    class Meta:
        icon = "list-ol"
        label = "Steps"
        template = "pages/blocks/steps.html"
        group = LAYOUT_GROUP


class ColumnBlock(blocks.StructBlock):
    def __init__(self, content=None, **kwargs):
        super().__init__([("content", content or InnermostContentBlock())], **kwargs)

    class Meta:
        icon = "doc-empty"
        label = "Column"


class ColumnsBlock(blocks.StructBlock):
    """Content side by side on wide screens, one after another on phones ({% columns %})."""

    def __init__(self, content=None, **kwargs):
        columns = blocks.ListBlock(ColumnBlock(content), min_num=1, max_num=4)
        super().__init__([("columns", columns)], **kwargs)

    class Meta:
        icon = "grip"
        label = "Columns"
        template = "pages/blocks/columns.html"
        group = LAYOUT_GROUP


class InnerContentBlock(InnermostContentBlock):
    """One level out: containers of the innermost level. What reusable content holds."""

    hint = HintBlock(InnermostContentBlock(required=False))
    expandable = ExpandableBlock(InnermostContentBlock())
    tabs = TabsBlock(InnermostContentBlock())
    steps = StepsBlock(InnermostContentBlock())
    columns = ColumnsBlock(InnermostContentBlock())


class NestedContentBlock(InnerContentBlock):
    """What an article's containers (tabs, expandables, hints, steps, columns) hold, and an FAQ
    answer: everything but headings."""

    hint = HintBlock(InnerContentBlock(required=False))
    expandable = ExpandableBlock(InnerContentBlock())
    tabs = TabsBlock(InnerContentBlock())
    steps = StepsBlock(InnerContentBlock())
    columns = ColumnsBlock(InnerContentBlock())
    reusable = ReusableContentBlock()


class ArticleContentBlock(NestedContentBlock):
    """What an article holds, but for parts in development: what such a part of it holds."""

    heading = HeadingBlock()
    hint = HintBlock(NestedContentBlock(required=False))
    expandable = ExpandableBlock(NestedContentBlock())
    tabs = TabsBlock(NestedContentBlock())
    steps = StepsBlock(NestedContentBlock())
    columns = ColumnsBlock(NestedContentBlock())


# Readers see this on a part in development, as they see "Still in development." on a whole page.
PART_IN_DEVELOPMENT_LABEL = "Still in development."
PART_IN_DEVELOPMENT_WORDING = (
    "This part is unfinished: some details are missing, and it will be revised."
)


class InDevelopmentValue(blocks.StructValue):
    def notice_label(self):
        return PART_IN_DEVELOPMENT_LABEL

    def notice_wording(self):
        return PART_IN_DEVELOPMENT_WORDING


class InDevelopmentBlock(blocks.StructBlock):
    """
    One part of a body that is still in development, such as a section of a deep dive: readers
    see its content under a notice, as a page flagged "Still in development" shows a banner.
    A body holds parts in development side by side, never one inside another, and what a part
    holds is what the body around it may hold (headings in an article, which reach "On this
    page"; none in an FAQ answer).
    """

    note = blocks.CharBlock(
        required=False,
        max_length=300,
        help_text=(
            "Optional: what is unfinished in this part, shown to readers with the notice. For "
            "example 'The reward formula is not final yet.'"
        ),
    )

    def __init__(self, content=None, **kwargs):
        super().__init__([("content", content or NestedContentBlock())], **kwargs)

    class Meta:
        icon = "warning"
        label = "Section in development"
        template = "pages/blocks/in_development.html"
        value_class = InDevelopmentValue
        group = LAYOUT_GROUP
        help_text = (
            "Part of the page that is unfinished while the rest is not: put its blocks inside. "
            "For a page that is unfinished throughout, tick 'Still in development' instead."
        )

    def clean(self, value):
        errors = {}
        try:
            value = super().clean(value)
        except StructBlockValidationError as error:
            errors = dict(error.block_errors)
        # A draft may be saved unfinished, as Wagtail lets it leave any required field empty.
        if not self.is_deferred_validation and not value.get("content"):
            errors["content"] = ValidationError(
                "Add the blocks that are still in development, or remove this section."
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


def heading_values(stream):
    """The heading blocks of a body in reading order, those in parts in development included:
    what "On this page" lists."""
    for block in stream or ():
        if block.block_type == "heading":
            yield block.value
        elif block.block_type == "in_development":
            yield from heading_values(block.value["content"])


class ArticleBlock(ArticleContentBlock):
    """The body of topics and deep dives."""

    in_development = InDevelopmentBlock(ArticleContentBlock())


class AnswerBlock(NestedContentBlock):
    """An FAQ answer: everything but headings, which would crowd the FAQ's own."""

    in_development = InDevelopmentBlock(NestedContentBlock())


class ResourceBlock(blocks.StructBlock):
    """A further-reading link: to a page of this knowledge base or anywhere else."""

    title = blocks.CharBlock(
        required=False, max_length=200, help_text="Leave empty to use the linked page's title."
    )
    page = blocks.PageChooserBlock(required=False, help_text="A page of this knowledge base…")
    url = WebURLBlock(required=False, help_text="…or a link elsewhere. Choose one.")
    note = blocks.CharBlock(
        required=False, max_length=300, help_text="One line on why it is worth reading."
    )

    class Meta:
        icon = "link"
        label = "Resource"
        template = "pages/blocks/resource.html"

    def get_api_representation(self, value, context=None):
        return without_hidden_pages(super().get_api_representation(value, context), value)

    def clean(self, value):
        value = super().clean(value)
        has_page, has_url = value.get("page") is not None, bool(value.get("url"))
        if has_page == has_url:
            message = ValidationError("Link either a page or a URL, not both.")
            if not has_page:
                message = ValidationError("Link a page or a URL.")
            raise StructBlockValidationError(block_errors={"url": message})
        if has_url and not value.get("title"):
            raise StructBlockValidationError(
                block_errors={"title": ValidationError("Give a link elsewhere a title.")}
            )
        return value


class ResourcesBlock(blocks.StreamBlock):
    resource = ResourceBlock()
