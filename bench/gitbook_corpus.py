"""
Real GitBook books through import_gitbook, readers' pages, and export_gitbook and back.

    .venv/bin/python bench/gitbook_corpus.py /work/corpus [--only NAME ...] [--jobs N]
    .venv/bin/python bench/gitbook_corpus.py /path/to/book [/path/to/other-book ...]

The books stay outside the repository. Given a folder with a CORPUS.md (a markdown table with the
columns `name` and `book folder`, the folder under NAME/ that holds .gitbook.yaml or SUMMARY.md,
and optionally `markdown pages in SUMMARY`), every book it lists is measured; given book folders,
those. For each book, in fresh SQLite databases (one migrated template, copied per database) with
a media folder of their own, DEBUG off and no way out to the network (harness.offline_proxy_env):

1. Import: `import_gitbook BOOK --report REPORT.json`. Recorded: the fatal error (the report's, or
   the command's last error line when there is no report), pages created, and the report's notes
   counted by kind and construct (degraded, unresolved links and anchors, left out, redirects).
2. Readers' view: every live page through Django's test client, looking only inside the page's
   `<main>`: GitBook syntax left visible (`{%` or `%}` in text outside code), links to `.md` files
   (relative hrefs ending in `.md` or holding `.md#`; the "View as Markdown" link excepted),
   anchors that lead nowhere (a `#fragment`, on the same page or on another page of the site,
   that no element's id matches on the target page), and any answer that is not a 200.
3. Round trip: `export_gitbook OUT1`, import OUT1 into a second fresh database, and compare every
   page by URL path: its place in the tree (parent, position), type and title, and every field of
   its specific model with block ids dropped and database ids replaced by what they point at (a
   page by its URL path, an image or document by its file hash, a snippet by its GitBook path or
   title). The share of identical pages and each difference (page, field, where and what).
4. Stability: export the second database to OUT2 and compare OUT1 and OUT2 byte for byte.

The table goes to stdout and bench/corpus-results.md (lists cut at 30 lines a book); everything
measured goes to a JSON file (default /tmp/corpus-details.json). Books run in parallel (--jobs).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import harness

RESULTS = harness.BASE_DIR / "bench" / "corpus-results.md"
DETAILS = Path(tempfile.gettempdir()) / "corpus-details.json"
SCRIPT = Path(__file__).resolve()
# A book's commands may take a while on a large book; one that hangs must not stop the run.
COMMAND_TIMEOUT = 1200
LIST_LINES = 30
# Fields of a page that say when or by whom, not what: they differ between any two imports.
VOLATILE_FIELDS = {"last_reviewed", "last_reviewed_by", "requested_reviewer", "change_note"}


# Books ------------------------------------------------------------------------------------------


def read_corpus(folder):
    """The books CORPUS.md lists: (name, book folder, pages in SUMMARY or None)."""
    books = []
    header = None
    for line in (folder / "CORPUS.md").read_text().splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = [cell.lower() for cell in cells]
            continue
        if set(line) <= set("|-: "):
            continue
        row = dict(zip(header, cells, strict=False))
        name = row["name"]
        book_folder = re.match(r"`?([^`\s]*)`?", row.get("book folder", ".")).group(1) or "."
        pages = re.match(r"\d+", row.get("markdown pages in summary", ""))
        pages = int(pages[0]) if pages else None
        books.append((name, (folder / name / book_folder).resolve(), pages))
    return books


def find_books(paths, only):
    books = []
    for path in paths:
        path = Path(path).resolve()
        if (path / "CORPUS.md").is_file():
            books += read_corpus(path)
        else:
            books.append((path.name, path, None))
    if only:
        unknown = set(only) - {name for name, _, _ in books}
        if unknown:
            raise SystemExit(f"--only: no book named {', '.join(sorted(unknown))}")
        books = [book for book in books if book[0] in only]
    return books


# Commands ---------------------------------------------------------------------------------------


def site_env(database, media):
    """manage.py on this database and media folder: DEBUG off, no cache, no network."""
    env = harness.manage_env(f"sqlite:///{database}", media)
    for name in ("REDIS_URL", "FRONTEND_CACHE_URL", "PAGE_CACHE_SECONDS"):
        env.pop(name, None)
    return {**env, **harness.offline_proxy_env()}


def fresh_site(template, folder, name):
    """A copy of the migrated template database, with an empty media folder."""
    database = folder / f"{name}.sqlite3"
    shutil.copy(template, database)
    media = folder / f"{name}-media"
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir()
    return site_env(database, media)


def run_import(env, book, report_file):
    """import_gitbook with --report: the report (or what stdout says, without one) and the fatal
    error, if any."""
    report_file.unlink(missing_ok=True)
    ran = harness.manage(
        env,
        "import_gitbook",
        book,
        "--report",
        report_file,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    report = json.loads(report_file.read_text()) if report_file.is_file() else None
    if report is None:
        report = report_from_stdout(ran.stdout)
    fatal = report.get("fatal")
    if ran.returncode != 0 and not fatal:
        fatal = harness.last_error(ran.stderr or ran.stdout)
    report["fatal"] = fatal
    report["ok"] = ran.returncode == 0
    report["seconds"] = round(ran.seconds, 1)
    return report


def report_from_stdout(stdout):
    """What an import_gitbook without --report prints: its table's rows."""
    numbers = {}
    for line in stdout.splitlines():
        found = re.match(r"\s+(.+?)\s{2,}([\d,]+)$", line)
        if found:
            numbers[found[1]] = int(found[2].replace(",", ""))
    return {
        "pages": {
            kind: numbers.get(f"Pages {kind}", 0) for kind in ("created", "updated", "unchanged")
        },
        "degraded": {
            label.removeprefix("Degraded: "): count
            for label, count in numbers.items()
            if label.startswith("Degraded: ")
        },
        "unresolved_links": numbers.get("Links unresolved", 0),
        "unresolved_anchors": numbers.get("Anchors unresolved", 0),
        "left_out": numbers.get("Left out", 0),
        "redirects": numbers.get("Redirects added", 0),
        "notes": [],
        "from_stdout": True,
    }


def inspect(env, out, render):
    """This script's `_inspect` in the site's own process: every live page's content, and with
    `render` what readers see."""
    argv = [SCRIPT, "_inspect", out] + (["--render"] if render else [])
    harness.run_python(argv, env, "inspect the site", timeout=COMMAND_TIMEOUT)
    return json.loads(out.read_text())


def export(env, out):
    shutil.rmtree(out, ignore_errors=True)
    harness.manage(env, "export_gitbook", out, timeout=COMMAND_TIMEOUT)


def differing_files(first, second):
    """The files that differ between two exports, each with its first differing line."""
    names = {path.relative_to(first) for path in first.rglob("*") if path.is_file()}
    names |= {path.relative_to(second) for path in second.rglob("*") if path.is_file()}
    found = []
    for name in sorted(names):
        one, other = first / name, second / name
        if not one.is_file() or not other.is_file():
            where = "only in the first" if one.is_file() else "only in the second"
            found.append({"file": str(name), "line": "-", "diff": where})
        elif one.read_bytes() != other.read_bytes():
            lines = one.read_bytes().decode(errors="replace").splitlines()
            again = other.read_bytes().decode(errors="replace").splitlines()
            at = next(
                (i for i, pair in enumerate(zip(lines, again, strict=False)) if len(set(pair)) > 1),
                min(len(lines), len(again)),
            )
            before = lines[at] if at < len(lines) else "(end)"
            after = again[at] if at < len(again) else "(end)"
            found.append({"file": str(name), "line": at + 1, "diff": f"{before!r} -> {after!r}"})
    return found


# One book ---------------------------------------------------------------------------------------


def measure(book, template, work):
    """Everything measured for one book; a step that fails is recorded and ends the book."""
    name, path, summary_pages = book
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    row = {"book": name, "path": str(path), "summary_pages": summary_pages, "step_error": None}
    started = time.perf_counter()
    step = "import"
    try:
        env = fresh_site(template, folder, "first")
        report = run_import(env, path, folder / "report.json")
        row["report"] = report
        if not report["ok"]:
            return row
        step = "inspect"
        seen = inspect(env, folder / "first.json", render=True)
        row["readers"] = seen["readers"]
        step = "export"
        first_export = folder / "export1"
        export(env, first_export)
        step = "re-import"
        again = fresh_site(template, folder, "second")
        row["reimport"] = run_import(again, first_export, folder / "report2.json")
        if not row["reimport"]["ok"]:
            row["step_error"] = f"re-import of the export: {row['reimport']['fatal']}"
            return row
        step = "inspect the re-import"
        row["round_trip"] = compare_sites(
            seen["pages"], inspect(again, folder / "second.json", render=False)["pages"]
        )
        step = "second export"
        second_export = folder / "export2"
        export(again, second_export)
        row["export_diff"] = differing_files(first_export, second_export)
    except (harness.HarnessError, OSError, ValueError) as error:
        row["step_error"] = f"{step}: {error}"
    finally:
        row["seconds"] = round(time.perf_counter() - started, 1)
    return row


# The round trip ---------------------------------------------------------------------------------


def compare_sites(before, after):
    """Page by page, keyed by URL path: identical or the differences. A difference that is only
    whitespace (`<ol><li>` against `<ol>\n<li>`, two spaces against one) is marked as such."""
    differences = []
    for url_path, page in before.items():
        other = after.get(url_path)
        if other is None:
            differences.append(difference(url_path, "(page)", "missing after"))
            continue
        for key in ("parent", "position", "type", "title"):
            if page[key] != other[key]:
                differences.append(difference(url_path, key, f"{page[key]!r} -> {other[key]!r}"))
        for field in sorted(page["fields"].keys() | other["fields"].keys()):
            first, second = page["fields"].get(field), other["fields"].get(field)
            if first != second:
                where = first_difference(first, second)
                block = re.match(r"\[\d+:([\w-]+)\]", where)
                differences.append(
                    difference(
                        url_path,
                        field,
                        where,
                        whitespace_only=loose(first) == loose(second),
                        block=block[1] if block else None,
                    )
                )
    differences += [
        difference(url_path, "(page)", "new after")
        for url_path in sorted(after.keys() - before.keys())
    ]
    changed = {item["page"] for item in differences} & before.keys()
    really = {item["page"] for item in differences if not item["whitespace_only"]} & before.keys()
    return {
        "pages": len(before),
        "identical": len(before) - len(changed),
        "identical_percent": percent(len(before) - len(changed), len(before)),
        "identical_but_whitespace_percent": percent(len(before) - len(really), len(before)),
        "by_field_or_block": Counter(
            item["block"] or item["field"] for item in differences if not item["whitespace_only"]
        ).most_common(),
        # Substantive differences first: the ones a reader could see.
        "differences": sorted(differences, key=lambda item: item["whitespace_only"]),
    }


def difference(page, field, diff, whitespace_only=False, block=None):
    return {
        "page": page,
        "field": field,
        "diff": diff,
        "whitespace_only": whitespace_only,
        "block": block,
    }


def loose(value):
    """A value with the whitespace of its strings (between tags, and runs of it) made equal."""
    if isinstance(value, dict):
        return {key: loose(item) for key, item in value.items()}
    if isinstance(value, list):
        return [loose(item) for item in value]
    if isinstance(value, str):
        return " ".join(re.sub(r">\s+<", "><", value).split())
    return value


def percent(part, whole):
    return round(100 * part / max(whole, 1), 1)


def first_difference(first, second, where=""):
    """Where two normalised values first differ, and how, in a line."""
    if isinstance(first, dict) and isinstance(second, dict):
        for key in list(first) + [key for key in second if key not in first]:
            if first.get(key) != second.get(key):
                return first_difference(first.get(key), second.get(key), f"{where}.{key}")
    if isinstance(first, list) and isinstance(second, list):
        for index, (one, other) in enumerate(zip(first, second, strict=False)):
            if one != other:
                label = one.get("type", index) if isinstance(one, dict) else index
                return first_difference(one, other, f"{where}[{index}:{label}]")
        if len(first) != len(second):
            extra = (first or second)[min(len(first), len(second))]
            return f"{where}: {len(first)} -> {len(second)} items (first extra: {clip(extra)})"
    if isinstance(first, str) and isinstance(second, str):
        at = next(
            (i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
            min(len(first), len(second)),
        )
        start = max(at - 30, 0)
        return f"{where}: …{first[start : at + 50]!r} -> …{second[start : at + 50]!r}"
    return f"{where}: {clip(first)} -> {clip(second)}"


def clip(value, length=100):
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= length else text[: length - 1] + "…"


# The table --------------------------------------------------------------------------------------


def summarise(row):
    """The row's numbers, as the table and the details read them."""
    report = row.get("report") or {}
    readers = row.get("readers") or {}
    trip = row.get("round_trip")
    degraded = Counter(report.get("degraded") or {})
    notes = Counter(
        f"{note['kind']}: {note['construct'] or '-'}" for note in report.get("notes") or []
    )
    export_diff = row.get("export_diff")
    return {
        "summary_pages": row.get("summary_pages"),
        "created": (report.get("pages") or {}).get("created", 0),
        "fatal": report.get("fatal") or row.get("step_error"),
        "degraded": sum(degraded.values()),
        "degraded_top": degraded.most_common(3),
        "unresolved_links": report.get("unresolved_links", 0),
        "unresolved_anchors": report.get("unresolved_anchors", 0),
        "notes": notes,
        "raw_syntax": len(readers.get("raw_syntax", [])),
        "md_links": len(readers.get("md_links", [])),
        "broken_anchors": len(readers.get("broken_anchors", [])),
        "server_errors": len([s for s in readers.get("not_200", []) if s["status"] >= 500]),
        "not_200": len(readers.get("not_200", [])),
        "identical": None if trip is None else trip["identical_percent"],
        "identical_loose": None if trip is None else trip["identical_but_whitespace_percent"],
        "second_export": None if export_diff is None else not export_diff,
    }


def table(rows):
    lines = [
        "| Book | SUMMARY pages | Created | Fatal error | Degraded (top) | Unresolved links / "
        "anchors | Raw `{%` pages | `.md` hrefs | Broken anchors | 500s | Round trip identical "
        "(but whitespace) "
        "| 2nd export identical |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s = summarise(row)
        top = ", ".join(f"{construct} {count}" for construct, count in s["degraded_top"])
        seen = "readers" in row
        lines.append(
            "| "
            + " | ".join(
                [
                    row["book"],
                    str(s["summary_pages"] or "?"),
                    str(s["created"]),
                    cell(s["fatal"]) if s["fatal"] else "none",
                    f"{s['degraded']}" + (f" ({cell(top)})" if top else ""),
                    f"{s['unresolved_links']} / {s['unresolved_anchors']}",
                    str(s["raw_syntax"]) if seen else "-",
                    str(s["md_links"]) if seen else "-",
                    str(s["broken_anchors"]) if seen else "-",
                    str(s["server_errors"]) if seen else "-",
                    "-"
                    if s["identical"] is None
                    else f"{s['identical']}% ({s['identical_loose']}%)",
                    second_export(row, s),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def second_export(row, summary):
    if summary["second_export"] is None:
        return "-"
    return "yes" if summary["second_export"] else f"no ({len(row['export_diff'])} files)"


def cell(text, length=160, collapse=True):
    text = " ".join(str(text).split()) if collapse else str(text).replace("\n", " ")
    text = text.replace("|", "\\|")
    return text if len(text) <= length else text[: length - 1] + "…"


def details(row):
    """A book's lists: each kind of finding a few lines, LIST_LINES lines in all at most."""
    s = summarise(row)
    readers = row.get("readers") or {}
    trip = row.get("round_trip") or {}
    lines = []
    if s["fatal"]:
        lines.append(f"- fatal: {s['fatal']}")
    if s["notes"]:
        counted = ", ".join(f"{key} {count}" for key, count in s["notes"].most_common(12))
        lines.append(f"- import notes by kind and construct: {counted}")
    if trip.get("by_field_or_block"):
        counted = ", ".join(f"{key} {count}" for key, count in trip["by_field_or_block"])
        lines.append(f"- round-trip differences (not whitespace) by block or field: {counted}")
    lists = [
        ("raw syntax", readers.get("raw_syntax", []), "{page}: {excerpt}", 4),
        ("`.md` href", readers.get("md_links", []), "{page}: `{href}`", 4),
        ("broken anchor", readers.get("broken_anchors", []), "{page}: `{href}` ({why})", 6),
        ("not a 200", readers.get("not_200", []), "{page}: {status}", 4),
        (
            "second export differs",
            [
                {**item, "diff": cell(item["diff"], 200, False)}
                for item in row.get("export_diff") or []
            ],
            "{file}:{line}: {diff}",
            4,
        ),
        (
            "round trip",
            [
                {**item, "diff": cell(item["diff"], 300, collapse=False)}
                for item in trip.get("differences", [])
            ],
            "{page} {field}: {diff}",
            LIST_LINES,
        ),
    ]
    for label, items, form, most in lists:
        for item in items[:most]:
            whitespace = " (whitespace only)" if item.get("whitespace_only") else ""
            lines.append(f"- {label}{whitespace}: " + form.format(**item))
        if len(items) > most:
            lines.append(f"- {label}: {len(items) - most} more")
    if len(lines) > LIST_LINES:
        lines = lines[:LIST_LINES] + [f"- … {len(lines) - LIST_LINES} more lines in the details"]
    return lines


def write_results(rows, details_file, started):
    output = [
        "# Real GitBook books: import, readers' view, round trip",
        "",
        f"`bench/gitbook_corpus.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{len(rows)} books in {time.perf_counter() - started:.0f} s. Full details: "
        f"`{details_file}`.",
        "",
        table(rows),
        "",
    ]
    for row in rows:
        lines = details(row)
        if lines:
            output += [f"## {row['book']}", "", *lines, ""]
    text = "\n".join(output)
    RESULTS.write_text(text)
    print(text)


# Inside the site (`_inspect`) -------------------------------------------------------------------


def inspect_site(out, render):
    """Run in a process of its own, with the site's settings: dump every live page's content,
    normalised, and (with `render`) what readers see of it, as JSON into `out`."""
    sys.path.insert(0, str(harness.BASE_DIR))
    import django

    django.setup()

    from bs4 import BeautifulSoup

    from django.db import models
    from django.test import Client

    from wagtail.documents import get_document_model
    from wagtail.fields import RichTextField, StreamField
    from wagtail.images import get_image_model
    from wagtail.models import Page

    keys = SiteKeys(get_image_model(), get_document_model())
    pages = list(Page.objects.live().filter(depth__gt=1).specific().order_by("path"))
    urls = {page.pk: page.get_url() or page.url_path for page in pages}
    keys.pages = urls
    own = {field.name for field in Page._meta.get_fields()}
    kept = {"title", "slug", "seo_title", "search_description", "show_in_menus"}
    positions = Counter()
    dumped = {}
    for page in pages:
        parent = urls.get(page.get_parent().pk, "(none)") if page.depth > 2 else "(none)"
        positions[parent] += 1
        fields = {}
        for field in type(page)._meta.concrete_fields:
            if field.name in own and field.name not in kept:
                continue
            if field.auto_created or field.name in VOLATILE_FIELDS:
                continue
            if not field.editable and field.name not in kept:
                continue
            value = getattr(page, field.name)
            if isinstance(field, StreamField):
                fields[field.name] = keys.stream(field.stream_block, value.get_prep_value())
            elif isinstance(field, RichTextField):
                fields[field.name] = keys.rich_text(value or "")
            elif isinstance(field, models.ForeignKey):
                fields[field.name] = keys.instance(value)
            else:
                fields[field.name] = value if value is None else str(value)
        if hasattr(page, "tags"):
            fields["tags"] = sorted(page.tags.names())
        dumped[urls[page.pk]] = {
            "parent": parent,
            "position": positions[parent],
            "type": type(page).__name__,
            "title": page.title,
            "fields": fields,
        }
    result = {"pages": dumped}
    if render:
        result["readers"] = Readers(Client(HTTP_HOST="localhost"), BeautifulSoup).visit(pages)
    Path(out).write_text(json.dumps(result, indent=1, default=str))


class SiteKeys:
    """Database ids replaced by what they point at, so two databases compare."""

    def __init__(self, image_model, document_model):
        self.image_model = image_model
        self.document_model = document_model
        self.pages = {}

    def instance(self, value):
        if value is None:
            return None
        if isinstance(value, self.image_model | self.document_model):
            kind = "image" if isinstance(value, self.image_model) else "document"
            return f"{kind}:{value.file_hash or file_digest(value)}"
        if hasattr(value, "url_path"):
            return f"page:{value.url_path}"
        path = getattr(value, "gitbook_path", "")
        return f"{type(value).__name__}:{path or value}"

    def by_id(self, model, pk):
        if pk in (None, ""):
            return None
        if model is None:  # a page
            return f"page:{self.pages.get(int(pk), f'? (id {pk}, not live)')}"
        found = model.objects.filter(pk=pk).first()
        return self.instance(found) if found else f"{model.__name__}:? (id {pk})"

    def rich_text(self, html):
        image_model, document_model = self.image_model, self.document_model

        def replace(found):
            kind, pk = found[1], found[2]
            model = {"page": None, "image": image_model, "document": document_model}[kind]
            return f'{found[0].split("id=")[0]}id="{self.by_id(model, pk)}"'

        return re.sub(
            r'(?:linktype|embedtype)="(page|image|document)"[^>]*?\bid="(\d+)"', replace, html
        )

    def stream(self, block, raw):
        """A block's raw (JSON) value with ids dropped and keys replaced, walking the block's
        definition to know which numbers are which."""
        from wagtail import blocks
        from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
        from wagtail.documents.blocks import DocumentChooserBlock
        from wagtail.images.blocks import ImageChooserBlock
        from wagtail.snippets.blocks import SnippetChooserBlock

        if isinstance(block, blocks.StreamBlock):
            return [
                {
                    "type": child["type"],
                    "value": self.stream(block.child_blocks.get(child["type"]), child["value"]),
                }
                for child in raw or []
            ]
        if isinstance(block, blocks.ListBlock):
            items = [
                item["value"] if isinstance(item, dict) and item.get("type") == "item" else item
                for item in raw or []
            ]
            return [self.stream(block.child_block, item) for item in items]
        if isinstance(block, TypedTableBlock) and isinstance(raw, dict):
            columns = raw.get("columns", [])
            kinds = [block.child_blocks.get(column.get("type")) for column in columns]
            return {
                "caption": raw.get("caption"),
                "columns": [
                    {"type": column.get("type"), "heading": column.get("heading")}
                    for column in columns
                ],
                "rows": [
                    [
                        self.stream(kind, value)
                        for kind, value in zip(kinds, row.get("values", []), strict=False)
                    ]
                    for row in raw.get("rows", [])
                ],
            }
        if isinstance(block, blocks.StructBlock) and isinstance(raw, dict):
            return {
                name: self.stream(block.child_blocks.get(name), value)
                for name, value in raw.items()
            }
        if isinstance(block, blocks.PageChooserBlock):
            return self.by_id(None, raw)
        if isinstance(block, ImageChooserBlock):
            return self.by_id(self.image_model, raw)
        if isinstance(block, DocumentChooserBlock):
            return self.by_id(self.document_model, raw)
        if isinstance(block, SnippetChooserBlock):
            return self.by_id(block.target_model, raw)
        if isinstance(block, blocks.RichTextBlock) and isinstance(raw, str):
            return self.rich_text(raw)
        return raw


def file_digest(stored):
    """The SHA-1 of an image's or document's file, as Wagtail's file_hash would hold it."""
    try:
        with stored.file.open("rb") as content:
            return hashlib.sha1(content.read()).hexdigest()
    except OSError:
        return f"(no file) {stored.title}"


class Readers:
    """Every live page as a reader gets it, looked at inside <main>."""

    def __init__(self, client, soup):
        self.client = client
        self.soup = soup
        self.ids = {}  # path -> the ids on that page (None: not a 200)

    def get(self, path):
        response = self.client.get(path)
        document = self.soup(response.content, "html.parser")
        ids = {element["id"] for element in document.find_all(id=True)}
        ids |= {element["name"] for element in document.find_all("a", attrs={"name": True})}
        self.ids[path] = ids if response.status_code == 200 else None
        return response, document

    def visit(self, pages):
        found = {"raw_syntax": [], "md_links": [], "broken_anchors": [], "not_200": []}
        anchored = []  # (page, href, target path, fragment)
        for page in pages:
            url = page.get_url()
            if not url:
                continue
            response, document = self.get(url)
            if response.status_code != 200:
                found["not_200"].append({"page": url, "status": response.status_code})
                continue
            main = document.find("main") or document
            for link in main.find_all("a", href=True):
                href = link["href"].strip()
                parts = urlsplit(href)
                if parts.scheme or parts.netloc.strip() not in ("", "localhost"):
                    continue
                if link.get("type") != "text/markdown" and (
                    parts.path.endswith(".md") or ".md#" in href
                ):
                    found["md_links"].append({"page": url, "href": href})
                if parts.fragment:
                    target = urlsplit(urljoin(url, href)).path
                    anchored.append((url, href, target, unquote(parts.fragment)))
            for code in main.find_all(["pre", "code"]):
                code.extract()  # a code sample may show GitBook syntax, as text
            text = " ".join(main.get_text(" ").split())
            for token in ("{%", "%}"):
                if token in text:
                    at = text.index(token)
                    excerpt = text[max(at - 50, 0) : at + 60]
                    found["raw_syntax"].append({"page": url, "excerpt": f"…{excerpt}…"})
                    break
        for url, href, target, fragment in anchored:
            if target not in self.ids:
                self.get(target)
            ids = self.ids[target]
            if ids is None:
                found["broken_anchors"].append({"page": url, "href": href, "why": "not a 200"})
            elif fragment not in ids:
                found["broken_anchors"].append({"page": url, "href": href, "why": "no such id"})
        return found


# Main -------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("paths", nargs="+", help="A corpus folder with CORPUS.md, or book folders.")
    parser.add_argument("--only", action="append", metavar="NAME", help="Only this book (again).")
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--details", type=Path, default=DETAILS, help=f"Default: {DETAILS}")
    parser.add_argument("--keep", action="store_true", help="Keep the databases and exports.")
    args = parser.parse_args()
    books = find_books(args.paths, args.only)
    if not books:
        raise SystemExit("No books to measure.")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="gitbook-corpus-"))
    try:
        template = work / "template.sqlite3"
        harness.manage(site_env(template, work / "template-media"), "migrate", "--noinput", "-v0")
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            rows = list(pool.map(lambda book: measure(book, template, work), books))
        args.details.write_text(json.dumps(rows, indent=1, default=str))
        write_results(rows, args.details, started)
        print(f"\nDetails: {args.details}")
        if args.keep:
            print(f"Databases and exports: {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_inspect"]:
        inspect_site(sys.argv[2], "--render" in sys.argv[3:])
    else:
        harness.stop_on_signals()
        main()
