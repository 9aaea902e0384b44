"""
How long the admin takes to compare two revisions of a 100-block page (pages/editorial/compare.py).

    python bench/compare_bench.py [--blocks 100] [--runs 9] [--seed 1] [--html FILE]

Migrates a throwaway SQLite database in a temporary directory (never the caller's DATABASE_URL),
builds a deep dive whose body has --blocks blocks of every type (text, headings, hints, quotes,
images, embeds, code, tables, page cards, files, expandables and tabs holding blocks of their
own) and five further-reading resources, and saves two revisions of it with the edits a reviewer
would see in a busy week: words changed in text, hints, code and a table, a hint's style, blocks
added, removed and moved, a change inside a tab and inside an expandable, a resource swapped.

It then asks for the admin's compare view of the two, through Django's test Client as a
superuser, as a browser would: one request to warm up (templates, content types), then --runs
timed ones; the median is the result, and the SQL queries of one request are counted. Wagtail's
own StreamField comparison is timed on the same revisions for reference. The answer is checked:
200, every kind of change named, no stored data ("{'", '"type":') shown.

Writes bench/compare-results.md (each benchmark has a results file of its own) and prints it.
Exits 1 when
the answer was not what it should be, 0 otherwise; the < 1 s target is reported, not enforced.
"""

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "compare-results.md"
TARGET_SECONDS = 1.0
# The host the test Client sends: one that dev settings' ALLOWED_HOSTS allow.
HOST = "localhost"
DATA_DUMPS = ["{'", '"type":', "'type':", "StructValue", "StreamValue", "ListValue"]
HEADING = re.compile(r'class="kb-diff__heading">([^<]*)<')
# What bench/generate_book.py's pages are about, so the text reads like ours.
VOCABULARY = [
    "plasma",
    "chain",
    "exit",
    "child",
    "root",
    "operator",
    "deposit",
    "block",
    "proof",
    "fraud",
    "challenge",
    "period",
    "token",
    "network",
    "fee",
    "validator",
    "staking",
    "watcher",
    "transaction",
    "utxo",
    "merkle",
    "commitment",
    "ethereum",
    "wallet",
    "confirm",
    "withdraw",
    "byzantine",
    "finality",
    "batch",
    "submit",
    "queue",
    "period",
    "bond",
    "signature",
]


def setup_django(workdir):
    """Dev settings with DEBUG off (as in production) on a database of this run's own."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "kbsite.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'compare-bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# Content --------------------------------------------------------------------------------------


class Writer:
    """Sentences, paragraphs and code drawn from VOCABULARY with a seeded random generator."""

    def __init__(self, seed):
        self.random = random.Random(seed)

    def words(self, count):
        return " ".join(self.random.choice(VOCABULARY) for _ in range(count))

    def sentence(self):
        return self.words(self.random.randint(8, 16)).capitalize() + "."

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.random.randint(3, 5)))

    def code(self):
        return "\n".join(
            f"{self.random.choice(VOCABULARY)}_{n} = submit('{self.words(2)}')" for n in range(12)
        )


def block(block_type, value, block_id):
    return {"type": block_type, "value": value, "id": block_id}


def item(value, item_id):
    return {"type": "item", "value": value, "id": item_id}


class PageContent:
    """The first revision's blocks, as Wagtail stores them, and the objects they choose."""

    def __init__(self, writer, image, document, linked_pages):
        self.writer, self.image, self.document = writer, image, document
        self.linked_pages = linked_pages
        self.counter = 0

    def next_id(self, kind):
        self.counter += 1
        return f"{kind}-{self.counter:04d}"

    def text(self):
        return block("text", f"<p>{self.writer.paragraph()}</p>", self.next_id("text"))

    def heading(self):
        value = {"text": self.writer.words(3).title(), "level": "h2", "anchor": ""}
        return block("heading", value, self.next_id("heading"))

    def hint(self, style="info"):
        value = {"style": style, "text": f"<p>{self.writer.sentence()}</p>"}
        return block("hint", value, self.next_id("hint"))

    def quote(self):
        value = {"text": self.writer.sentence(), "attribution": self.writer.words(2).title()}
        return block("quote", value, self.next_id("quote"))

    def figure(self):
        value = {
            "image": {"image": self.image.pk, "decorative": False, "alt_text": "A diagram"},
            "caption": self.writer.sentence(),
        }
        return block("image", value, self.next_id("image"))

    def embed(self):
        number = self.counter
        value = {"url": f"https://www.youtube.com/watch?v=v{number:010d}", "caption": "A talk"}
        return block("embed", value, self.next_id("embed"))

    def code(self):
        value = {"language": "python", "title": "exit.py", "code": self.writer.code()}
        return block("code", value, self.next_id("code"))

    def table(self):
        rows = [{"values": [f"<p>{self.writer.words(2)}</p>", str(2017 + n)]} for n in range(4)]
        columns = [{"type": "text", "heading": "Variant"}, {"type": "number", "heading": "Year"}]
        value = {"table": {"caption": "Plasma variants", "columns": columns, "rows": rows}}
        return block("table", value, self.next_id("table"))

    def card(self):
        page = self.writer.random.choice(self.linked_pages)
        value = {"page": page.pk, "title": "", "description": ""}
        return block("card", value, self.next_id("card"))

    def file(self):
        value = {"document": self.document.pk, "caption": ""}
        return block("file", value, self.next_id("file"))

    def nested(self):
        return [self.text(), self.hint(), self.code()]

    def expandable(self):
        value = {"summary": self.writer.words(4).capitalize() + "?", "content": self.nested()}
        return block("expandable", value, self.next_id("expandable"))

    def tabs(self):
        tabs = [
            item({"title": title, "content": self.nested()}, self.next_id("tab"))
            for title in ("macOS", "Linux", "Windows")
        ]
        return block("tabs", {"tabs": tabs}, self.next_id("tabs"))

    def resource(self):
        number = self.counter
        value = {
            "title": self.writer.words(3).title(),
            "page": None,
            "url": f"https://example.org/paper-{number}.pdf",
            "note": self.writer.sentence(),
        }
        return block("resource", value, self.next_id("resource"))

    def body(self, count):
        """`count` blocks: a third text, the rest every other type in turn."""
        others = [
            self.heading,
            self.hint,
            self.code,
            self.quote,
            self.figure,
            self.embed,
            self.table,
            self.card,
            self.file,
            self.expandable,
            self.tabs,
        ]
        return [
            self.text() if index % 3 == 0 else others[(index // 3 + index) % len(others)]()
            for index in range(count)
        ]


def reword(html_or_text, writer, words=2):
    """The same text with a few of its words replaced, as an editor's correction."""
    parts = html_or_text.split(" ")
    for _ in range(words):
        index = writer.random.randrange(1, max(2, len(parts) - 1))
        parts[index] = writer.random.choice(VOCABULARY)
    return " ".join(parts)


def edit(body, resources, content, writer):
    """The second revision: a copy of the first with a week's edits. Returns it and what was
    done, to check the comparison against."""
    import copy

    body, resources = copy.deepcopy(body), copy.deepcopy(resources)
    of_type = {}
    for entry in body:
        of_type.setdefault(entry["type"], []).append(entry)
    done = {"changed": 0, "added": 0, "removed": 0, "moved": 0, "nested changes": 0}

    for entry in of_type["text"][:10]:
        entry["value"] = reword(entry["value"], writer)
        done["changed"] += 1
    for entry, style in zip(of_type["hint"][:3], ("warning", "danger", "success"), strict=False):
        entry["value"]["style"] = style
        entry["value"]["text"] = reword(entry["value"]["text"], writer, 1)
        done["changed"] += 1
    for entry in of_type["code"][:2]:
        lines = entry["value"]["code"].splitlines()
        lines[3] = lines[3].replace("submit", "submit_exit")
        entry["value"]["code"] = "\n".join(lines)
        done["changed"] += 1
    of_type["table"][0]["value"]["table"]["rows"][1]["values"][1] = "2020"
    done["changed"] += 1

    # Inside a tab: a word of its code; inside an expandable: its hint, and a block added.
    tab_code = of_type["tabs"][0]["value"]["tabs"][1]["value"]["content"][2]["value"]
    tab_code["code"] = tab_code["code"].replace("submit", "confirm", 1)
    expandable_content = of_type["expandable"][0]["value"]["content"]
    expandable_content[1]["value"]["style"] = "warning"
    expandable_content.append(content.text())
    done["nested changes"] += 3

    for entry in [of_type["quote"][0], of_type["embed"][0], *of_type["text"][-3:]]:
        body.remove(entry)
        done["removed"] += 1
    for position in (5, 30, 55, 80, 95):
        body.insert(position, content.text() if position % 2 else content.hint("info"))
        done["added"] += 1
    for entry in (of_type["code"][-1], of_type["heading"][-1], of_type["card"][-1]):
        body.remove(entry)
        body.insert(writer.random.randrange(len(body)), entry)
        done["moved"] += 1

    resources.pop(0)
    resources.append(content.resource())
    done["removed"] += 1
    done["added"] += 1
    return body, resources, done


def nested_blocks(body):
    """How many blocks the body's expandables and tabs hold (a tab counts as one)."""
    count = 0
    for entry in body:
        if entry["type"] == "expandable":
            count += len(entry["value"]["content"])
        elif entry["type"] == "tabs":
            count += sum(1 + len(tab["value"]["content"]) for tab in entry["value"]["tabs"])
    return count


def build_page(seed, blocks):
    """The deep dive and three revisions: (page, an empty first draft, revision a, revision b,
    the edits from a to b)."""
    from django.core.files.base import ContentFile

    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Page, Site

    from pages.models import DeepDivePage, HomePage, SectionPage, TopicPage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="OMG Network Knowledge Base", slug="kb"))
    site = Site.objects.get(is_default_site=True)
    site.root_page, site.hostname = home, HOST
    site.save()
    section = home.add_child(instance=SectionPage(title="OMG Deep Dive", slug="deep-dive"))
    linked = [
        section.add_child(instance=TopicPage(title=f"Topic {n}", slug=f"topic-{n}"))
        for n in range(5)
    ]
    image = Image.objects.create(title="Plasma chain diagram", file=get_test_image_file())
    document = Document.objects.create(
        title="OmiseGO white paper", file=ContentFile(b"%PDF-1.4\n", name="white-paper.pdf")
    )

    writer = Writer(seed)
    content = PageContent(writer, image, document, linked)
    body = content.body(blocks)
    resources = [content.resource() for _ in range(5)]
    page = section.add_child(
        instance=DeepDivePage(title="Plasma", slug="plasma", summary="Child chains.")
    )
    empty_draft = page.save_revision()
    page.body, page.resources = body, resources
    revision_a = page.save_revision()
    page.body, page.resources, done = edit(body, resources, content, writer)
    revision_b = page.save_revision()
    return page, empty_draft, revision_a, revision_b, done


# Measuring ------------------------------------------------------------------------------------


def time_view(client, url, runs):
    """Seconds for each of `runs` requests, after one untimed one."""
    client.get(url)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}, not 200")
    return seconds


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured.captured_queries), response.content.decode()


def with_wagtails_own_comparison(function):
    """`function()` run with Wagtail's StreamField comparison registered in place of ours."""
    from bs4 import MarkupResemblesLocatorWarning

    from wagtail.admin import compare as wagtail_compare
    from wagtail.fields import StreamField

    registry = wagtail_compare.comparison_class_registry.values_by_class
    ours = registry[StreamField]
    registry[StreamField] = wagtail_compare.StreamFieldComparison
    try:
        with warnings.catch_warnings():
            # Wagtail's comparison reads every value as HTML, links included; bs4 warns.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            return function()
    finally:
        registry[StreamField] = ours


def check(html, done):
    """Problems with the comparison's HTML: a kind of change not named, stored data shown."""
    headings = HEADING.findall(html)
    problems = [f"{dump!r} in the answer" for dump in DATA_DUMPS if dump in html]
    named = {
        "changed": sum(h.endswith(" changed") and " › " not in h for h in headings),
        "added": sum(h.endswith(" added") and " › " not in h for h in headings),
        "removed": sum(h.endswith(" removed") and " › " not in h for h in headings),
        "moved": sum(" moved from position " in h and " › " not in h for h in headings),
        "nested changes": sum(" › " in h and not h.endswith("› Tab") for h in headings),
    }
    for kind in ("added", "removed", "moved"):
        if named[kind] < done[kind]:
            problems.append(f"{done[kind]} blocks {kind}, {named[kind]} shown so")
    if named["changed"] < done["changed"]:
        problems.append(f"{done['changed']} blocks changed, {named['changed']} shown so")
    if named["nested changes"] < done["nested changes"]:
        problems.append(f"{done['nested changes']} nested changes, {named['nested changes']} shown")
    return named, problems


# Report ---------------------------------------------------------------------------------------


def milliseconds(seconds):
    return f"{seconds * 1000:,.0f} ms"


def section(options, result):
    median = result["median"]
    verdict = "met" if median < TARGET_SECONDS else "**not met**"
    named = result["named"]
    nested = result["nested blocks"]
    lines = [
        f"# Revision comparison: {options.blocks} blocks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, SQLite "
        f"{result['sqlite']}) by `make bench-compare` (bench/compare_bench.py): the admin's "
        f"compare view (`{result['url']}`) of two revisions of a deep dive, through Django's "
        "test Client as a superuser, kbsite.settings.dev with DEBUG off, after one untimed "
        "request.",
        "",
        "| Measure | Value | Target |",
        "| --- | --- | --- |",
        f"| Compare view, median of {options.runs} | {milliseconds(median)} "
        f"(fastest {milliseconds(min(result['seconds']))}, slowest "
        f"{milliseconds(max(result['seconds']))}) | < 1 s: {verdict} |",
        f"| SQL queries, one compare | {result['queries']} | |",
        f"| The empty first draft against the same revision (every block added), median | "
        f"{milliseconds(result['all added median'])} | |",
        f"| Wagtail's own StreamField comparison, same revisions, median | "
        f"{milliseconds(result['wagtail median'])}, {result['wagtail queries']} queries "
        "(for reference: every block listed, no moves) | |",
        f"| Blocks compared | {options.blocks} in the body, {nested} more inside its tabs and "
        "expandables, 5 further-reading resources | |",
        f"| Changes shown | {named['changed']} changed, {named['added']} added, "
        f"{named['removed']} removed, {named['moved']} moved; {named['nested changes']} headings "
        "inside tabs and expandables | |",
        f"| Answer | {result['bytes']:,} bytes of HTML | |",
        "",
    ]
    notes = [
        *result["problems"],
    ]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines).rstrip() + "\n"


def write_results(path, text):
    path.write_text(text, encoding="utf-8")


def run(options, workdir):
    setup_django(workdir)
    import sqlite3

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    page, empty_draft, revision_a, revision_b, done = build_page(options.seed, options.blocks)
    admin = get_user_model().objects.create_superuser(
        "bench-admin", "bench@localhost", password=None
    )
    client = Client(HTTP_HOST=HOST)
    client.force_login(admin)
    url = reverse(
        "wagtailadmin_pages:revisions_compare", args=[page.pk, revision_a.pk, revision_b.pk]
    )

    seconds = time_view(client, url, options.runs)
    queries, html = count_queries(client, url)
    # The most a comparison can show: the empty first draft against revision b, every block
    # (and every block inside a tab or expandable) added.
    all_added_url = reverse(
        "wagtailadmin_pages:revisions_compare", args=[page.pk, empty_draft.pk, revision_b.pk]
    )
    all_added = time_view(client, all_added_url, options.runs)
    named, problems = check(html, done)
    if options.html:
        options.html.write_text(html, encoding="utf-8")

    def wagtails_own():
        timed = time_view(client, url, options.runs)
        return statistics.median(timed), count_queries(client, url)[0]

    wagtail_median, wagtail_queries = with_wagtails_own_comparison(wagtails_own)
    return {
        "url": url,
        "seconds": seconds,
        "median": statistics.median(seconds),
        "all added median": statistics.median(all_added),
        "queries": queries,
        "wagtail median": wagtail_median,
        "wagtail queries": wagtail_queries,
        "named": named,
        "problems": problems,
        "bytes": len(html.encode()),
        "nested blocks": nested_blocks(page.body.raw_data),
        "sqlite": sqlite3.sqlite_version,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--blocks", type=int, default=100, help="Blocks in the page's body.")
    parser.add_argument("--runs", type=int, default=9, help="Timed requests; the median counts.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--html", type=Path, help="Also write the comparison's HTML here.")
    parser.add_argument("--output", type=Path, default=RESULTS, help="The results file.")
    options = parser.parse_args(argv)
    if options.blocks < 60:
        parser.error("--blocks must be at least 60: the edits need that many blocks to work on.")

    with tempfile.TemporaryDirectory(prefix="omgkb-compare-bench-") as temp:
        result = run(options, Path(temp))
    text = section(options, result)
    print(text)
    write_results(options.output, text)
    print(f"Written to {options.output}.", file=sys.stderr)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
