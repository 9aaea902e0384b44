"""Reading a GitBook book from disk: its configuration, its table of contents and its pages."""

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt

from . import GitBookError
from .report import LEFT_OUT

# Limits on what a book may hold, far beyond any real one (the OMG knowledge base's largest page
# is 3 KB and its table of contents two levels deep), so that a hostile or broken book is refused
# with a clear error instead of exhausting memory, recursion or the page tree.
MAX_FILE_BYTES = 5 * 1024 * 1024  # a page, SUMMARY.md or .gitbook.yaml
MAX_SUMMARY_DEPTH = 10  # levels of nested bullets in SUMMARY.md: pages under pages

SUMMARY_PARSER = MarkdownIt("commonmark")
LOOSE_LINK = re.compile(r"\[(?P<title>[^\]]*)\]\((?P<href>.+)\)")
# markdown-it stops parsing nested lists at maxNesting (20 tokens deep by default: nine levels of
# bullets) and drops what is below without a word. Let it see past MAX_SUMMARY_DEPTH, so that
# parse_summary can refuse the first level too many, and no further: each level is recursion.
SUMMARY_PARSER.options["maxNesting"] = 4 * (MAX_SUMMARY_DEPTH + 1)


@dataclass
class Entry:
    """One page of the book, as the table of contents places it."""

    title: str
    path: str  # relative to the book's root, posix style; "" for an entry with no file
    line: int
    children: list["Entry"] = field(default_factory=list)
    front_matter: dict = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # the line of the file the body starts on


@dataclass
class Group:
    """A `## Group` heading of SUMMARY.md: a section of the knowledge base."""

    title: str
    line: int
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Book:
    root: Path
    readme: Entry | None
    top_entries: list[Entry]  # bullets before the first group
    groups: list[Group]
    redirects: dict = field(default_factory=dict)  # old path -> page file, from .gitbook.yaml
    summary: str = "SUMMARY.md"  # the table of contents' path, as .gitbook.yaml names it

    def entries(self):
        """Every page entry, depth first, in reading order (the readme first)."""

        def walk(entries):
            for entry in entries:
                yield entry
                yield from walk(entry.children)

        if self.readme:
            yield self.readme
        yield from walk(self.top_entries)
        for group in self.groups:
            yield from walk(group.entries)

    def titles_by_path(self):
        return {entry.path: entry.title for entry in self.entries() if entry.path}


def read_book(path, report):
    """Read the book at `path`. What stops an import raises GitBookError; what the import can do
    without (an entry whose file is missing, a file no entry lists) is noted in `report`.

    Nothing outside the book is read: every path the book names (its root, SUMMARY.md's entries,
    the images and files its pages use) must stay inside it, or the import stops (book_file).
    """
    base = Path(path)
    if not base.is_dir():
        raise GitBookError("is not a directory", path=str(path))
    base = base.resolve()
    config = read_config(base)
    root_setting = config.get("root", "./")
    if not isinstance(root_setting, str):
        raise GitBookError(f"root must be a folder's path, not {root_setting!r}", ".gitbook.yaml")
    root = book_file(base, root_setting, ".gitbook.yaml", what="the root ")
    if not root.is_dir():
        raise GitBookError(f"the root {root_setting!r} is not a directory", ".gitbook.yaml")
    structure = config.get("structure") or {}
    if not isinstance(structure, dict):
        raise GitBookError("structure must be a mapping (readme:, summary:)", ".gitbook.yaml")
    readme_name = config_path_setting(structure, "readme", "README.md")
    summary_name = config_path_setting(structure, "summary", "SUMMARY.md")

    # Named in the error as .gitbook.yaml names it, if it does.
    summary_path = book_file(
        root,
        summary_name,
        ".gitbook.yaml" if "summary" in structure else None,
        what="the table of contents ",
    )
    if not summary_path.is_file():
        raise GitBookError("the book has no table of contents", summary_name)
    top_entries, groups, readme = parse_summary(
        read_text(summary_path, summary_name), summary_name, readme_name, root, report
    )
    if readme is None:
        readme_path = book_file(
            root,
            readme_name,
            ".gitbook.yaml" if "readme" in structure else None,
            what="the readme ",
        )
        if readme_path.is_file():
            readme = Entry(title="", path=readme_name, line=0)

    book = Book(root, readme, top_entries, groups, summary=summary_name)
    book.redirects = read_redirects(config, root, report)
    for entry in book.entries():
        if entry.path:
            read_page(root, entry)

    listed = {entry.path for entry in book.entries()} | {summary_name}
    for file in sorted(root.rglob("*.md")):
        relative = file.relative_to(root).as_posix()
        if relative in listed or relative.startswith((".gitbook/", "node_modules/", ".")):
            continue
        report.note(f"not in {summary_name}, so not imported", relative, kind=LEFT_OUT)
    return book


def read_redirects(config, root, report):
    """`.gitbook.yaml`'s `redirects:`: an old path of the book's site -> the file now there."""
    redirects = config.get("redirects") or {}
    if not isinstance(redirects, dict):
        report.note(
            "redirects must be a mapping of old paths to files; they were left out",
            ".gitbook.yaml",
            kind=LEFT_OUT,
        )
        return {}
    found = {}
    for old, target in redirects.items():
        if not isinstance(target, str) or not str(old).strip("/"):
            report.note(
                f"the redirect {old!r} -> {target!r} was skipped", ".gitbook.yaml", kind=LEFT_OUT
            )
            continue
        path = posixpath.normpath(unquote(target).lstrip("/"))
        book_file(root, path, ".gitbook.yaml", what="the redirect's target ")
        found[str(old).strip("/")] = path
    return found


def read_config(base):
    config_path = book_file(base, ".gitbook.yaml")
    if not config_path.is_file():
        return {}
    try:
        config = yaml.safe_load(read_text(config_path, ".gitbook.yaml")) or {}
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        mark = getattr(error, "problem_mark", None)
        raise GitBookError(
            f"is not valid YAML: {yaml_problem(error)}",
            ".gitbook.yaml",
            mark.line + 1 if mark else None,
        ) from error
    if not isinstance(config, dict):
        raise GitBookError("must be a mapping", ".gitbook.yaml")
    return config


def config_path_setting(structure, name, default):
    value = structure.get(name) or default
    if not isinstance(value, str):
        raise GitBookError(
            f"structure.{name} must be a file's path, not {value!r}", ".gitbook.yaml"
        )
    return posixpath.normpath(value)


def book_file(root, path, referrer=None, line=None, what="", written=None):
    """
    The file or folder at `path` (posix, relative to the folder `root`, which is resolved), as a
    resolved Path. GitBookError if `path` leads out of `root`: up past it with `..`, as an
    absolute path, or through a symbolic link to somewhere else. Whether the file exists is the
    caller's question: it is asked only of paths inside the book, so that nothing outside is
    read or even looked at.

    The error names `referrer`, the file that holds the path (and its `line`), and the path as
    that file `written` it; without a referrer, the path itself.
    """
    where, subject = (referrer, f"{what}{written or path} ") if referrer else (path, what)
    normal = posixpath.normpath(path)
    if posixpath.isabs(path) or normal == ".." or normal.startswith("../"):
        raise GitBookError(f"{subject}is outside the book", where, line)
    try:
        resolved = (root / normal).resolve()
    except (RuntimeError, OSError) as error:  # Python 3.11 raises RuntimeError for a loop
        raise GitBookError(f"{subject}is a symbolic link that loops", where, line) from error
    if not resolved.is_relative_to(root):
        raise GitBookError(f"{subject}leads outside the book through a symbolic link", where, line)
    return resolved


def read_text(location, path):
    """The text of the book's file at `location` (named `path` in errors): UTF-8 markdown or
    YAML of at most MAX_FILE_BYTES, checked before it is read."""
    size = location.stat().st_size
    if size > MAX_FILE_BYTES:
        raise GitBookError(
            f"is {size_text(size)}; a file of the book may be at most {size_text(MAX_FILE_BYTES)}",
            path,
        )
    try:
        data = location.read_bytes()
    except OSError as error:
        raise GitBookError(f"cannot be read: {error.strerror}", path) from error
    try:
        # utf-8-sig: a byte order mark, as some editors write one, is not text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GitBookError(
            f"cannot be read: byte 0x{data[error.start]:02x} on line {line} is not UTF-8 "
            "text; is it a binary file?",
            path,
        ) from error
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise GitBookError(
            f"cannot be read: line {line} holds a NUL byte, so it is a binary file, not text",
            path,
        )
    return text


def size_text(size):
    """A file's size for an error message: '5 MB', '20.3 MB', '1,001 bytes'."""
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    megabytes = size / 1024 / 1024
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


def parse_summary(text, summary_name, readme_name, root, report):
    """SUMMARY.md's groups and nested bullets, with each link checked against the files."""
    tokens = SUMMARY_PARSER.parse(text)
    top_entries, groups = [], []
    readme = None
    stack = []  # the entry list each open bullet list appends to
    current = top_entries
    last_entry = None
    listed_on = {}  # each page's path: the line that lists it

    for index, token in enumerate(tokens):
        line = token.map[0] + 1 if token.map else 0
        if token.type == "heading_open" and token.tag == "h2" and not stack:
            group = Group(title=tokens[index + 1].content.strip(), line=line)
            groups.append(group)
            current = group.entries
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            if len(stack) >= MAX_SUMMARY_DEPTH:
                raise GitBookError(
                    f"pages are nested more than {MAX_SUMMARY_DEPTH} levels deep here; "
                    f"the book may nest them at most {MAX_SUMMARY_DEPTH} levels deep",
                    summary_name,
                    line,
                )
            stack.append(current)
            if len(stack) > 1 and last_entry is not None:
                current = last_entry.children
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            current = stack.pop()
        elif token.type == "inline" and stack and tokens[index - 1].type == "paragraph_open":
            link = first_link(token)
            if link is None:
                # A bullet of plain text: GitBook's unlinked parent, a level of the tree with no
                # page of its own. It keeps its level: the pages under it go under it.
                title = token.content.strip()
                if not title:
                    last_entry = None
                    continue
                entry = Entry(title=title, path="", line=line)
                current.append(entry)
                last_entry = entry
                continue
            title, href = link
            if "://" in href or href.startswith("mailto:"):
                report.note(f"{href} links outside the book, skipped", summary_name, line, LEFT_OUT)
                last_entry = None
                continue
            path = summary_path(href)
            location = book_file(root, path, summary_name, line)
            if location.is_dir() and (location / "README.md").is_file():
                path = posixpath.normpath(posixpath.join(path, "README.md"))
                location = location / "README.md"
            if not location.is_file():
                report.note(
                    f"{path} does not exist, so '{title}' was skipped", summary_name, line, LEFT_OUT
                )
                last_entry = None
                continue
            if path in listed_on:
                # A page has one place in the tree: listed again (a README whose children link
                # back up to it, say) it is imported where it was listed first.
                report.note(
                    f"{path} is listed again (first on line {listed_on[path]}); it is imported "
                    "once, where it is listed first",
                    summary_name,
                    line,
                    LEFT_OUT,
                )
                last_entry = None
                continue
            listed_on[path] = line
            entry = Entry(title=title, path=path, line=line)
            if path == readme_name and readme is None:
                # The front page, wherever SUMMARY.md lists it (often first under the first
                # group); pages nested under it stay at its level.
                readme, last_entry = entry, None
                continue
            current.append(entry)
            last_entry = entry
    return top_entries, groups, readme


def summary_path(href):
    """A SUMMARY.md link as a path from the book's root. GitBook writes them percent-encoded
    (`my%20page.md`, or `<my page.md>` which the parser encodes) and sometimes from the root
    (`/guide/page.md`). Decoded before book_file checks it, so `%2e%2e/` is the `../` it is."""
    return posixpath.normpath(unquote(href.split("#")[0]).lstrip("/"))


def first_link(inline):
    children = inline.children or []
    for position, child in enumerate(children):
        if child.type == "link_open":
            text = []
            for inner in children[position + 1 :]:
                if inner.type == "link_close":
                    break
                text.append(inner.content)
            return "".join(text).strip(), child.attrs.get("href", "")
    # CommonMark takes no space in a link's address, so `[A](my page.md)` is text to it; a
    # bullet that is only such a link is one all the same.
    loose = LOOSE_LINK.fullmatch(inline.content.strip())
    if loose:
        return loose["title"].strip(), loose["href"].strip()
    return None


def read_page(root, entry):
    """Split a page file into front matter and body, keeping line numbers for error messages."""
    text = read_text(book_file(root, entry.path), entry.path)
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise GitBookError("front matter is not closed with ---", entry.path, 1) from None
        try:
            front_matter = yaml.safe_load("\n".join(lines[1:end])) or {}
        except (yaml.YAMLError, ValueError, RecursionError) as error:
            # ValueError: YAML that parses but holds no real value, such as a date 2020-13-45;
            # RecursionError: lists nested thousands deep.
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 2 if mark else 1
            raise GitBookError(
                f"front matter is not valid YAML: {yaml_problem(error)}", entry.path, line
            ) from error
        if not isinstance(front_matter, dict):
            raise GitBookError("front matter must be a mapping", entry.path, 2)
        entry.front_matter = front_matter
        entry.body = "\n".join(lines[end + 1 :])
        entry.body_line = end + 2
    else:
        entry.body = text
        entry.body_line = 1


def yaml_problem(error):
    """What PyYAML found wrong, in one line and without its own line numbers, which count from
    the start of the YAML rather than of the file."""
    return getattr(error, "problem", None) or str(error)
