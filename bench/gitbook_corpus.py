# ruff: noqa: E501 - the Django script it runs and the table header are long lines
"""
Real GitBook books through import_gitbook and back: what `make bench-corpus` measures.

    .venv/bin/python bench/gitbook_corpus.py /work/corpus/BOOK [/work/corpus/OTHER ...]

The books stay outside the repository (fetch public GitBook repositories into a folder of your
own). For each book, in fresh SQLite databases (a migrated template copied per book):

1. import it (lenient, as a team moving off GitBook would) with --report, and record whether it
   imported, the pages created and what the report degraded;
2. render every live page as a reader gets it and count what readers must never see: GitBook's
   own syntax (`{%`, `%}`), links to `.md` files, a page that is not a 200;
3. export it, import the export into a second database, and compare every page (tree position,
   type, title, fields, StreamField data with ids and database keys replaced by what they point
   at): the share of pages identical, and each difference;
4. export the second database and compare the two exports byte for byte.

The table goes to stdout and bench/corpus-results.md.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
WORK = Path(tempfile.gettempdir()) / "omgkb-corpus"
RESULTS = ROOT / "bench" / "corpus-results.md"

# Run inside Django (a subprocess per database): every live page as readers see it, and each
# page's content with ids replaced by what they point at.
INSPECT = r"""
import json, os, re, sys
import django
django.setup()
from bs4 import BeautifulSoup
from django.test import Client
from wagtail.models import Page

def normal(value, ids):
    if isinstance(value, dict):
        return {k: normal(v, ids) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [normal(v, ids) for v in value]
    if isinstance(value, str):
        return re.sub(r'(linktype="page" id=")(\d+)', lambda m: m.group(1) + ids.get(int(m.group(2)), "?"), value)
    return value

client = Client(HTTP_HOST="localhost")
pages = list(Page.objects.live().specific().order_by("path"))
ids = {p.pk: p.url_path for p in pages}
found = {"raw_syntax": [], "md_links": [], "errors": [], "pages": {}}
for page in pages:
    fields = {}
    for field in page._meta.get_fields():
        name = getattr(field, "name", "")
        if name in ("body", "answer", "resources", "introduction", "summary", "in_development",
                    "transcript", "video_url", "current_state"):
            value = getattr(page, name)
            raw = getattr(value, "raw_data", None)
            fields[name] = normal(list(raw) if raw is not None else str(value), ids)
    found["pages"][page.url_path] = {
        "type": type(page).__name__, "title": page.title, "depth": page.depth, "fields": fields,
    }
    if page.depth < 2 or not page.url:
        continue
    response = client.get(page.url)
    if response.status_code != 200:
        found["errors"].append(f"{page.url} {response.status_code}")
        continue
    main = BeautifulSoup(response.content, "html.parser").find("main")
    text = main.get_text(" ") if main else ""
    if "{%" in text or "%}" in text:
        at = text.find("{%") if "{%" in text else text.find("%}")
        found["raw_syntax"].append(f"{page.url}: …{' '.join(text[max(at - 40, 0):at + 40].split())}…")
    for link in (main.find_all("a", href=True) if main else []):
        href = link["href"]
        if not href.startswith(("http:", "https:", "mailto:")) and (href.split("#")[0].endswith(".md") and not href.endswith(f"{page.url.rstrip('/')}.md")):
            found["md_links"].append(f"{page.url}: {href}")
json.dump(found, sys.stdout)
"""


def manage(database, *args, check=True):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(database.with_suffix(".media")),
        "DJANGO_SETTINGS_MODULE": "kbsite.settings.dev",
    }
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check
    )


def inspect(database):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(database.with_suffix(".media")),
        "DJANGO_SETTINGS_MODULE": "kbsite.settings.dev",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [PYTHON, "-c", INSPECT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def fresh_database(name, template):
    database = WORK / f"{name}.sqlite3"
    shutil.copy(template, database)
    shutil.rmtree(database.with_suffix(".media"), ignore_errors=True)
    return database


def differing_files(first, second):
    names = {p.relative_to(first) for p in first.rglob("*") if p.is_file()}
    names |= {p.relative_to(second) for p in second.rglob("*") if p.is_file()}
    return sorted(
        str(name)
        for name in names
        if not (first / name).is_file()
        or not (second / name).is_file()
        or (first / name).read_bytes() != (second / name).read_bytes()
    )


def measure(book, template):
    name = book.name
    report_file = WORK / f"{name}.json"
    database = fresh_database(name, template)
    imported = manage(
        database, "import_gitbook", str(book), "--report", str(report_file), check=False
    )
    report = json.loads(report_file.read_text())
    row = {"book": name, "fatal": report["fatal"], "report": report}
    if imported.returncode != 0:
        return row
    seen = inspect(database)
    row["seen"] = {key: seen[key] for key in ("raw_syntax", "md_links", "errors")}
    first, second = WORK / f"{name}-export1", WORK / f"{name}-export2"
    for folder in (first, second):
        shutil.rmtree(folder, ignore_errors=True)
    manage(database, "export_gitbook", str(first))
    again = fresh_database(f"{name}-again", template)
    manage(again, "import_gitbook", str(first))
    manage(again, "export_gitbook", str(second))
    before, after = seen["pages"], inspect(again)["pages"]
    differences = []
    for url_path, page in before.items():
        other = after.get(url_path)
        if other is None:
            differences.append(f"{url_path}: missing after the round trip")
            continue
        for key in ("type", "title", "depth"):
            if page[key] != other[key]:
                differences.append(f"{url_path}: {key} {page[key]!r} -> {other[key]!r}")
        for field, value in page["fields"].items():
            if other["fields"].get(field) != value:
                differences.append(f"{url_path}: {field} differs")
    differences += [
        f"{url_path}: new after the round trip" for url_path in after.keys() - before.keys()
    ]
    changed = {difference.split(":")[0] for difference in differences}
    row["pages"] = len(before)
    row["identical"] = 100.0 * (len(before) - len(changed & before.keys())) / max(len(before), 1)
    row["differences"] = differences
    row["export_diff"] = differing_files(first, second)
    return row


def second_export(row):
    if "export_diff" not in row:
        return "-"
    return "yes" if not row["export_diff"] else f"no ({len(row['export_diff'])} files)"


def table(rows):
    lines = [
        "| Book | Pages | Fatal | Degraded (top) | Links / anchors unresolved | Raw `{%` pages | `.md` hrefs | Not 200 | Round trip identical | 2nd export identical |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        report = row["report"]
        degraded = sorted(report["degraded"].items(), key=lambda item: -item[1])[:3]
        seen = row.get("seen", {})
        lines.append(
            f"| {row['book']} | {report['pages']['created']} | {row['fatal'] or 0} | "
            f"{sum(report['degraded'].values())} ({', '.join(f'{k} {v}' for k, v in degraded)}) | "
            f"{report['unresolved_links']} / {report['unresolved_anchors']} | "
            f"{len(seen.get('raw_syntax', []))} | {len(seen.get('md_links', []))} | "
            f"{len(seen.get('errors', []))} | {row.get('identical', 0):.1f}% | "
            f"{second_export(row)} |"
        )
    return "\n".join(lines)


def main(books):
    WORK.mkdir(exist_ok=True)
    template = WORK / "template.sqlite3"
    if template.exists():
        template.unlink()
    manage(template, "migrate", "-v0")
    rows = [measure(Path(book).resolve(), template) for book in books]
    details = []
    for row in rows:
        for key in ("raw_syntax", "md_links", "errors"):
            for item in row.get("seen", {}).get(key, [])[:20]:
                details.append(f"- {row['book']} {key}: {item}")
        for item in row.get("differences", [])[:30]:
            details.append(f"- {row['book']} round trip: {item}")
        for item in row.get("export_diff", [])[:10]:
            details.append(f"- {row['book']} second export differs: {item}")
    output = table(rows) + "\n\n" + "\n".join(details) + "\n"
    RESULTS.write_text("# Real GitBook books: import, readers' view, round trip\n\n" + output)
    print(output)
    (WORK / "details.json").write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
