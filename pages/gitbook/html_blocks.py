"""
The HTML GitBook itself writes into a book's markdown, as blocks: tables (and card tables,
`<table data-view="cards">`), figures and images (in the book's assets or on the web), buttons
(`<a class="button">`), and text with `<mark>`, `<sup>` and `<sub>`. Parsed with BeautifulSoup;
the text that results is sanitised like any rich text (pages.gitbook.markdown.sanitise), and its
links resolved like markdown links.
"""

from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag

# Elements that only wrap what they hold, as far as the blocks are concerned.
WRAPPERS = {"div", "center", "section", "span", "picture"}
IMAGE_TAGS = {"img", "figure", "picture"}


@dataclass
class HtmlMarkup:
    """HTML that renders to rich text once page and document ids are known: its links are
    resolved by `env["resolve_link"]`, as a markdown link is."""

    html: str
    line: int

    def __add__(self, other):
        return Text.joined(self, other)

    def render(self, env):
        return env["sanitise"](resolve_links(self.html, env))

    def plain_text(self):
        return " ".join(BeautifulSoup(self.html, "html.parser").get_text(" ").split())


@dataclass
class Text:
    """Runs of text from markdown and from HTML, one rich text block."""

    parts: list

    def __add__(self, other):
        return Text.joined(self, other)

    @staticmethod
    def joined(first, second):
        parts = first.parts if isinstance(first, Text) else [first]
        return Text(parts + (second.parts if isinstance(second, Text) else [second]))

    @property
    def line(self):
        return self.parts[0].line

    @property
    def tokens(self):
        return [token for part in self.parts for token in getattr(part, "tokens", ())]

    def render(self, env):
        # Read again as one: lists in a row join, each block on its line (canonical.py).
        return env["sanitise"]("\n".join(part.render(env) for part in self.parts))

    def plain_text(self):
        return "\n\n".join(part.plain_text() for part in self.parts if part.plain_text())


def resolve_links(markup, env):
    """Each `<a href>` of the HTML as the importer resolves a link: to a page of the book (a
    Wagtail page link), a document, the web, or, leading nowhere, its text alone."""
    if "<a" not in markup:
        return markup
    soup = BeautifulSoup(markup, "html.parser")
    for link in soup.find_all("a"):
        href = link.get("href")
        if href is None or link.get("linktype"):
            continue
        attributes = env["resolve_link"](href)
        if attributes is None:
            link.unwrap()
            continue
        link.attrs = {name: str(value) for name, value in attributes}
    return str(soup)


def fragment(markup):
    return BeautifulSoup(markup, "html.parser")


def is_blank(node):
    return isinstance(node, NavigableString) and not node.strip()


def elements(node):
    return [child for child in node.children if not is_blank(child)]


def only_images(node):
    """The node holds images and nothing else a reader would read (a `<p>` or `<div
    align="center">` around a picture)."""
    children = elements(node)
    return bool(children) and all(
        isinstance(child, Tag)
        and (
            child.name in IMAGE_TAGS or (child.name in WRAPPERS | {"p", "a"} and only_images(child))
        )
        for child in children
    )


def images_in(node):
    """(src, alt, caption) of each image the node shows, in order."""
    found = []
    for image in node.find_all("img") if isinstance(node, Tag) else ():
        if node.name == "img":
            break
        found.append(image_of(image))
    if isinstance(node, Tag) and node.name == "img":
        found.append(image_of(node))
    return found


def image_of(image):
    caption = ""
    figure = image.find_parent("figure")
    if figure is not None:
        figcaption = figure.find("figcaption")
        if figcaption is not None:
            caption = " ".join(figcaption.get_text(" ").split())
    return (image.get("src") or "", image.get("alt") or "", caption)


def table_rows(table):
    """The table's header cells and body rows, as lists of cell elements."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    head = table.find("thead")
    if head is not None and head.find_parent("table") is table:
        header = [row for row in rows if row.find_parent("thead") is head]
        body = [row for row in rows if row.find_parent("thead") is not head]
    elif rows and rows[0].find("th"):
        header, body = rows[:1], rows[1:]
    else:
        header, body = [], rows
    headings = header[0].find_all(["th", "td"]) if header else []
    return headings, [row.find_all(["td", "th"]) for row in body]


def cell_html(cell):
    return "".join(str(child) for child in cell.children)


def card_columns(headings):
    """Which column of a card table holds each part of a card."""
    roles = []
    for heading in headings:
        if heading.has_attr("data-card-target"):
            roles.append("target")
        elif heading.has_attr("data-card-cover"):
            roles.append("cover")
        elif heading.has_attr("data-hidden"):
            roles.append("hidden")
        else:
            roles.append("text")
    return roles


def first_link(cell):
    link = cell.find("a") if cell is not None else None
    if link is not None and link.get("href"):
        return link.get("href")
    image = cell.find("img") if cell is not None else None
    return image.get("src") if image is not None else ""
