"""
A page's markdown split into runs of CommonMark and GitBook's own blocks.

GitBook's `{% tag %}` blocks (and `<details>`, and `$$` formulas) are a template syntax that
GitBook handles before markdown, so this scanner splits them out, nested as the tags nest,
keeping fenced code intact; everything between them is CommonMark, which markdown.py parses.

The scanner never stops a book: a closing tag with no opening, an opening never closed, a tag
it does not know, each is kept in the closest form a reader can still read and reported through
`degrade(construct, message, line)`, which raises under --strict.
"""

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Tags that wrap content and need their end tag.
PAIRED_TAGS = {
    "hint",
    "tabs",
    "tab",
    "code",
    "content-ref",
    "stepper",
    "step",
    "columns",
    "column",
    "swagger",
    "swagger-description",
    "swagger-parameter",
    "swagger-response",
    "openapi",
    "openapi-operation",
    "openapi-schemas",
    "openapi-webhook",
    "updates",
    "update",
    "prompt",
}
# Tags GitBook writes with or without an end tag (`{% embed url %}` alone, or with a caption).
OPTIONALLY_PAIRED_TAGS = {"embed", "file"}
# Tags that never wrap anything.
SINGLE_TAGS = {"include", "page-ref"}
RAW = "raw"

# GitBook has no block for a part of a page in development (pages.blocks.InDevelopmentBlock): the
# exporter writes its notice as a warning hint and marks where the part starts and ends with
# comments, which GitBook does not show. A part holds its notice, then its content.
PART_IN_DEVELOPMENT_START = "<!-- in-development -->"
PART_IN_DEVELOPMENT_END = "<!-- end in-development -->"
PART_IN_DEVELOPMENT = "in-development"

# A tag alone on its line. GitBook's integrations name theirs `@org/block`; a stray `%}` after
# the tag (`{% endtab %}%}`) is GitBook's typo, not text.
TAG_LINE = re.compile(r"^\s*\{%-?\s*(end)?(@?[a-zA-Z][\w/-]*)((?:(?!%\}).)*?)-?%\}(?:\s*%\})*\s*$")
# A tag in the middle of a line: `{% raw %}` markers, or a block GitBook wrote inline.
INLINE_TAG = re.compile(r"\{%-?\s*(end)?(@?[a-zA-Z][\w/-]*)((?:(?!%\}).)*?)-?%\}")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# Values in straight quotes, single quotes, curly quotes (a word processor's), or none.
TAG_ATTRIBUTE = re.compile(
    r'([a-zA-Z][\w-]*)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|“([^”]*)”|([^\s"\'“”]+))'
)
HTML_COMMENT_START, HTML_COMMENT_END = "<!--", "-->"
CHARACTER_REFERENCE = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)
QUOTED = re.compile(r"""["']([^"']+)["']""")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
MATH_FENCE = "$$"
DETAILS_OPEN = re.compile(r"<details[\s>]")


@dataclass
class Segment:
    """A run of markdown lines, or a GitBook block holding segments of its own."""

    kind: str  # "markdown", a tag name, "details", "math" or PART_IN_DEVELOPMENT
    line: int
    lines: list = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    closed: bool = False

    def text(self):
        return "\n".join(self.lines)

    def is_blank(self):
        return self.kind == "markdown" and not "".join(self.lines).strip()


def tag_attributes(arguments):
    attributes = {
        match.group(1).lower(): decode_references(
            next(value for value in match.groups()[1:] if value is not None)
        )
        for match in TAG_ATTRIBUTE.finditer(arguments)
    }
    quoted = QUOTED.search(arguments)
    if quoted and not TAG_ATTRIBUTE.match(arguments.strip()):
        # {% include "../.gitbook/includes/x.md" %}: a bare quoted argument.
        attributes.setdefault("", decode_references(quoted.group(1)))
    return attributes


def decode_references(value):
    """A tag's attribute value with its character references read (`&quot;` is `"`), as
    GitBook writes a quote or a `<` there. Only references closed by `;`: a URL's `&copy=2`
    stays as written, as a browser keeps it in an attribute."""
    return CHARACTER_REFERENCE.sub(lambda match: html.unescape(match.group(0)), value)


class Scanner:
    def __init__(self, path, degrade):
        self.path, self.degrade = path, degrade

    def scan(self, lines, first_line):
        root = Segment("root", first_line)
        self.stack = [root]
        fence = None
        raw = None  # the line a {% raw %} started on
        math = None
        comment = False  # inside a multi-line HTML comment
        for offset, text in enumerate(lines):
            number = first_line + offset
            fence_match = FENCE.match(text)
            if fence is not None:
                self.add_markdown(number, text)
                if (
                    fence_match
                    and fence_match.group(1)[0] == fence[0]
                    and len(fence_match.group(1)) >= len(fence)
                    and not text.strip()[len(fence_match.group(1)) :].strip()
                ):
                    fence = None
                continue
            if math is not None:
                if text.rstrip().endswith(MATH_FENCE):
                    math.lines.append(text.rstrip()[: -len(MATH_FENCE)])
                    math = None
                else:
                    math.lines.append(text)
                continue
            stripped = text.strip()
            tag = TAG_LINE.match(text)
            if raw is not None:
                if tag and tag.group(1) and tag.group(2) == RAW:
                    raw = None
                else:
                    self.add_markdown(number, text)
                continue
            if comment:
                comment = HTML_COMMENT_END not in text
                self.add_markdown(number, text)
                continue
            if stripped.startswith(HTML_COMMENT_START) and HTML_COMMENT_END not in stripped:
                # A comment hides what it holds from readers, GitBook's tags too.
                comment = True
                self.add_markdown(number, text)
                continue
            if fence_match and not (
                fence_match.group(1)[0] == "`" and "`" in text.strip()[len(fence_match.group(1)) :]
            ):
                # (A backtick fence's info has no backtick: ```text``` is inline code.)
                fence = fence_match.group(1)
                self.add_markdown(number, text)
                continue
            if tag:
                if tag.group(2) == RAW and not tag.group(1):
                    raw = number
                elif tag.group(2) != RAW:
                    self.tag(tag.group(1), tag.group(2), tag.group(3), number)
                continue
            if stripped.startswith(MATH_FENCE) and self.is_formula_start(stripped):
                math = Segment("math", number)
                self.stack[-1].children.append(math)
                inner = stripped[len(MATH_FENCE) :]
                if inner.rstrip().endswith(MATH_FENCE) and inner.strip() != "":
                    math.lines.append(inner.rstrip()[: -len(MATH_FENCE)])
                    math = None
                elif inner.strip():
                    math.lines.append(inner)
                continue
            if DETAILS_OPEN.match(stripped):
                self.open_details(stripped, number)
                continue
            if stripped.startswith("<summary") and self.stack[-1].kind == "details":
                summary = SummaryParser.summary_of(stripped)
                if summary is not None and not self.stack[-1].attributes.get("summary"):
                    self.stack[-1].attributes["summary"] = summary
                    continue
            if stripped == "</details>":
                self.close("details", number)
                continue
            if stripped == PART_IN_DEVELOPMENT_START:
                self.open_part(number)
                continue
            if stripped == PART_IN_DEVELOPMENT_END:
                self.close(PART_IN_DEVELOPMENT, number)
                continue
            if "{%" in text:
                text = self.inline_tags(text, number)
            self.add_markdown(number, text)

        if math is not None:
            self.degrade("$$", "a formula's $$ is never closed; it is kept as text", math.line)
            math.kind, math.lines = "markdown", ["$$", *math.lines]
        while len(self.stack) > 1:
            segment = self.stack.pop()
            if segment.kind not in OPTIONALLY_PAIRED_TAGS:
                self.degrade(
                    opening_label(segment.kind),
                    f"{opening_label(segment.kind)} is never closed; it holds the rest of the page",
                    segment.line,
                )
            segment.closed = True
            if segment.kind in OPTIONALLY_PAIRED_TAGS:
                unwrap(self.stack[-1], segment)
        return root.children

    @staticmethod
    def is_formula_start(stripped):
        # `$$` alone, `$$ x^2 $$` whole, or `$$` opening a formula continued on the next lines;
        # not a paragraph that merely starts with an inline formula and goes on with words.
        if stripped == MATH_FENCE:
            return True
        inner = stripped[len(MATH_FENCE) :]
        if MATH_FENCE in inner:
            return inner.rstrip().endswith(MATH_FENCE) and inner.count(MATH_FENCE) == 1
        return True

    def add_markdown(self, number, text):
        children = self.stack[-1].children
        if not children or children[-1].kind != "markdown":
            children.append(Segment("markdown", number))
        children[-1].lines.append(text)

    def tag(self, is_end, name, arguments, number):
        if is_end:
            self.close(name, number)
            return
        segment = Segment(name, number, attributes=tag_attributes(arguments))
        if name in SINGLE_TAGS:
            self.stack[-1].children.append(segment)
            return
        # An embed or file without its end tag holds nothing: a new block is its sibling.
        while self.stack[-1].kind in OPTIONALLY_PAIRED_TAGS:
            unwrap(self.stack[-2], self.stack.pop())
        self.stack[-1].children.append(segment)
        if name in PAIRED_TAGS or name in OPTIONALLY_PAIRED_TAGS:
            self.stack.append(segment)
            return
        # A tag GitBook may know and we do not: what follows belongs to it only if its end tag
        # comes; markdown.py keeps its content and reports it.
        segment.kind = f"unknown:{name}"
        self.stack.append(segment)

    def inline_tags(self, text, number):
        """Tags in the middle of a line: `{% raw %}` markers go (they only tell GitBook not to
        read what they hold as tags), anything else is reported and shown as its content. In
        inline code a tag is an example, and stays as written."""
        pieces, position = [], 0
        for code in INLINE_CODE.finditer(text):
            pieces.append(self.strip_tags(text[position : code.start()], number))
            pieces.append(code.group(0))
            position = code.end()
        pieces.append(self.strip_tags(text[position:], number))
        return "".join(pieces)

    def strip_tags(self, text, number):
        for match in INLINE_TAG.finditer(text):
            if match.group(2) != RAW:
                self.degrade(
                    f"{{% {match.group(2)} %}}",
                    f"{{% {match.group(1) or ''}{match.group(2)} %}} in the middle of a line "
                    "was removed",
                    number,
                )
        return INLINE_TAG.sub("", text)

    def open_details(self, stripped, number):
        while self.stack[-1].kind in OPTIONALLY_PAIRED_TAGS:
            unwrap(self.stack[-2], self.stack.pop())
        segment = Segment("details", number)
        self.stack[-1].children.append(segment)
        self.stack.append(segment)
        summary = SummaryParser.summary_of(stripped)
        if summary is not None:
            segment.attributes["summary"] = summary
        rest = stripped.split("</summary>", 1)[1] if "</summary>" in stripped else ""
        if rest.strip().endswith("</details>"):
            self.add_markdown(number, rest.strip()[: -len("</details>")])
            self.close("details", number)
        elif rest.strip():
            self.add_markdown(number, rest)

    def open_part(self, number):
        while self.stack[-1].kind in OPTIONALLY_PAIRED_TAGS:
            unwrap(self.stack[-2], self.stack.pop())
        segment = Segment(PART_IN_DEVELOPMENT, number)
        self.stack[-1].children.append(segment)
        self.stack.append(segment)

    def close(self, name, number):
        open_kinds = [segment.kind for segment in self.stack[1:]]
        unknown = f"unknown:{name}"
        if name not in open_kinds and unknown not in open_kinds:
            self.degrade(
                closing_label(name),
                f"{closing_label(name)} closes nothing and was removed",
                number,
            )
            return
        target = name if name in open_kinds else unknown
        while self.stack[-1].kind != target:
            segment = self.stack.pop()
            if segment.kind in OPTIONALLY_PAIRED_TAGS:
                unwrap(self.stack[-1], segment)
                continue
            # Closed by an outer end tag: GitBook would not have shown it either way.
            self.degrade(
                opening_label(segment.kind),
                f"{opening_label(segment.kind)} is closed by {closing_label(name)} on line "
                f"{number}",
                segment.line,
            )
            segment.closed = True
        self.stack.pop().closed = True


def opening_label(kind):
    if kind == PART_IN_DEVELOPMENT:
        return PART_IN_DEVELOPMENT_START
    if kind == "details":
        return "<details>"
    return f"{{% {kind.removeprefix('unknown:')} %}}"


def closing_label(kind):
    if kind == PART_IN_DEVELOPMENT:
        return PART_IN_DEVELOPMENT_END
    if kind == "details":
        return "</details>"
    return f"{{% end{kind.removeprefix('unknown:')} %}}"


def unwrap(parent, segment):
    parent.children.extend(segment.children)
    segment.children = []


class SummaryParser(HTMLParser):
    """The text of a `<summary>` on a `<details>` line."""

    def __init__(self):
        super().__init__()
        self.inside, self.text = False, None

    def handle_starttag(self, tag, attrs):
        if tag == "summary":
            self.inside, self.text = True, ""

    def handle_endtag(self, tag):
        if tag == "summary":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text += data

    @classmethod
    def summary_of(cls, markup):
        parser = cls()
        parser.feed(markup)
        return " ".join(parser.text.split()) if parser.text is not None else None
