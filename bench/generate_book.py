"""
Write a generated GitBook book for benchmarks: any number of pages, nested to a given depth, with
every construct the importer knows on every content page.

    python bench/generate_book.py OUT_DIR [--pages 1000] [--depth 4] [--seed 1]

The tree follows the site's rules: topics under topics, deep dives under deep dives, FAQ entries
under FAQ indexes, and FAQ indexes and videos directly in a group. Of the pages, about 60% are
topics, 24% deep dives, 12% FAQ entries (in two indexes) and 4% videos. The text is generated
from a fixed vocabulary, so the same seed always writes the same book.
"""

import argparse
import io
import posixpath
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

WORDS = [
    "plasma",
    "chain",
    "exit",
    "deposit",
    "block",
    "operator",
    "validator",
    "stake",
    "token",
    "fee",
    "wallet",
    "transaction",
    "watcher",
    "challenge",
    "period",
    "root",
    "contract",
    "ethereum",
    "network",
    "proof",
    "fraud",
    "child",
    "parent",
    "utxo",
    "merge",
    "split",
    "settle",
    "commit",
    "confirm",
    "signature",
    "finality",
    "throughput",
    "latency",
    "mainnet",
    "testnet",
    "bridge",
    "account",
    "balance",
    "custody",
    "security",
    "honest",
    "user",
    "data",
    "availability",
    "game",
    "input",
    "output",
]

HINT_STYLES = ["info", "success", "warning", "danger", "tip", "working"]
CODE_LANGUAGES = ["python", "javascript", "bash", "elixir", "json", "solidity"]


@dataclass
class Page:
    kind: str
    title: str
    path: str
    children: list = field(default_factory=list)


class BookWriter:
    def __init__(self, out, pages, depth, seed):
        self.out, self.total, self.depth = Path(out), pages, depth
        self.random = random.Random(seed)
        self.used_titles = set()
        self.count = 0

    # Text -----------------------------------------------------------------------------------

    def words(self, low, high):
        return " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(low, high)))

    def sentence(self):
        text = self.words(6, 16)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, sentences=4):
        return " ".join(self.sentence() for _ in range(sentences))

    def title(self):
        while True:
            title = self.words(2, 4).title()
            if title not in self.used_titles:
                self.used_titles.add(title)
                return title

    # Tree -----------------------------------------------------------------------------------

    def new_page(self, kind, folder, name=None):
        self.count += 1
        title = self.title()
        name = name or f"{kind}-{self.count:05d}.md"
        return Page(kind, title, f"{folder}/{name}")

    def grow(self, kind, folder, budget):
        """`budget` pages of `kind` in trees branching three ways, no deeper than self.depth."""
        roots = []
        queue = []
        while budget > 0:
            if not queue or self.random.random() < 0.15:
                page = self.new_page(kind, folder)
                roots.append(page)
                queue.append((page, 1))
                budget -= 1
                continue
            parent, level = queue.pop(0)
            if level >= self.depth:
                continue
            for _ in range(min(3, budget)):
                child_folder = parent.path.removesuffix(".md")
                child = self.new_page(kind, child_folder)
                parent.children.append(child)
                queue.append((child, level + 1))
                budget -= 1
        return roots

    def plan(self):
        videos = max(1, round(self.total * 0.04))
        faq = max(2, round(self.total * 0.12)) - 2  # two of them are the indexes
        deep = max(1, round(self.total * 0.24))
        topics = self.total - videos - faq - 2 - deep
        if topics < 1:
            sys.exit("--pages must be at least 10")
        faq_indexes = []
        for number, name in enumerate(["Community Q&A", "Official AMAs"]):
            index = Page("faq-index", name, f"faq/index-{number + 1}/README.md")
            count = faq // 2 + (faq % 2 if number == 0 else 0)
            index.children = [self.new_page("faq", f"faq/index-{number + 1}") for _ in range(count)]
            faq_indexes.append(index)
        return [
            ("Guide", self.grow("topic", "guide", topics)),
            ("Deep Dive", self.grow("deep-dive", "deep-dive", deep)),
            ("Questions", faq_indexes),
            ("Videos", [self.new_page("video", "videos") for _ in range(videos)]),
        ]

    # Pages ----------------------------------------------------------------------------------

    def relative(self, source, target):
        return posixpath.relpath(target, posixpath.dirname(source) or ".")

    def body(self, page, other):
        """Every construct once: the mix a long GitBook page has."""
        link = self.relative(page.path, other.path)
        asset = self.relative(page.path, ".gitbook/assets")
        style = self.random.choice(HINT_STYLES)
        language = self.random.choice(CODE_LANGUAGES)
        return f"""{self.paragraph()} See [{other.title}]({link}#overview) and \
[the specification](https://example.org/spec/{self.count}).

## Overview

{self.paragraph()} This is **important**, _subtle_, `exact` and ~~obsolete~~.

* {self.sentence()}
* {self.sentence()}
  * {self.sentence()}

1. {self.sentence()}
2. {self.sentence()}

### Figures

| Name | Value | Note |
| --- | --- | --- |
| {self.words(1, 2)} | {self.random.randint(1, 999)} | {self.words(2, 5)} |
| {self.words(1, 2)} | {self.random.randint(1, 999)} | {self.words(2, 5)} |
| {self.words(1, 2)} | {self.random.randint(1, 999)} | {self.words(2, 5)} |

{{% hint style="{style}" %}}
{self.paragraph(2)}
{{% endhint %}}

{{% code title="example.{language}" %}}
```{language}
exit(utxo, {self.random.randint(1, 99)})
```
{{% endcode %}}

{{% tabs %}}
{{% tab title="Users" %}}
{self.paragraph(2)}
{{% endtab %}}

{{% tab title="Developers" %}}
{self.paragraph(2)}
{{% endtab %}}
{{% endtabs %}}

<details>

<summary>{self.sentence()}</summary>

{self.paragraph(2)}

</details>

{{% embed url="https://www.youtube.com/watch?v=bench{self.count:05d}" %}}
{self.sentence()}
{{% endembed %}}

{{% content-ref url="{link}" %}}
[{other.title}]({link})
{{% endcontent-ref %}}

{{% file src="{asset}/paper.pdf" %}}
The paper
{{% endfile %}}

![{self.words(3, 6)}]({asset}/chart-{self.random.randint(1, 5)}.png)

> {self.sentence()}

## Details

{self.paragraph(5)}
"""

    def page_text(self, page, other):
        meta = [f"description: {self.sentence()}"]
        if page.kind != "topic":
            meta.append(f"type: {page.kind}")
        if self.random.random() < 0.3:
            meta.append("in_development: true")
            meta.append(f"development_note: {self.sentence()}")
        meta.append(f"tags: [{', '.join(sorted(set(self.random.sample(WORDS, 3))))}]")
        if page.kind == "deep-dive":
            meta.append("current_state_as_of: 2020-06-01")
            body = (
                self.body(page, other)
                + f"\n## Current state\n\n{self.paragraph()}\n\n## Resources\n\n"
                + "".join(
                    f"* [{self.words(2, 4)}](https://example.org/r/{n}) — {self.sentence()}\n"
                    for n in range(3)
                )
            )
        elif page.kind == "faq":
            if self.random.random() < 0.5:
                meta += ["answered_on: 2019-05-01", "source_url: https://example.org/ama"]
            body = f'{self.paragraph()}\n\n{{% hint style="info" %}}\n{self.sentence()}\n' + (
                "{% endhint %}\n"
            )
        elif page.kind == "video":
            body = (
                f'{{% embed url="https://www.youtube.com/watch?v=talk{self.count:05d}" %}}\n\n'
                + "\n\n".join(self.paragraph(6) for _ in range(3))
                + "\n"
            )
        elif page.kind == "faq-index":
            body = self.paragraph(2) + "\n"
        else:
            body = self.body(page, other)
        return f"---\n{chr(10).join(meta)}\n---\n# {page.title}\n\n{body}"

    # Output ---------------------------------------------------------------------------------

    def write(self):
        if self.out.exists() and any(self.out.iterdir()):
            shutil.rmtree(self.out)
        groups = self.plan()
        everything = [page for _, roots in groups for page in walk(roots)]
        summary = ["# Table of contents", "", "* [Benchmark book](README.md)", ""]
        for group, roots in groups:
            summary += [f"## {group}", ""]
            summary += [line for root in roots for line in summary_lines(root, 0)]
            summary.append("")
        self.save("SUMMARY.md", "\n".join(summary))
        self.save(
            ".gitbook.yaml", "root: ./\nstructure:\n  readme: README.md\n  summary: SUMMARY.md\n"
        )
        self.save("README.md", f"# Benchmark book\n\n{self.paragraph()}\n")
        # Only topics and deep dives have the "Overview" heading the links point at.
        with_overview = [page for page in everything if page.kind in ("topic", "deep-dive")]
        for page in everything:
            self.save(page.path, self.page_text(page, self.random.choice(with_overview)))
        assets = self.out / ".gitbook" / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        for number in range(1, 6):
            buffer = io.BytesIO()
            colour = (number * 40, 120, 255 - number * 40)
            Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
            (assets / f"chart-{number}.png").write_bytes(buffer.getvalue())
        (assets / "paper.pdf").write_bytes(b"%PDF-1.4\n% benchmark paper\n")
        return len(everything)

    def save(self, path, text):
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def walk(pages):
    for page in pages:
        yield page
        yield from walk(page.children)


def summary_lines(page, level):
    yield f"{'  ' * level}* [{page.title}]({page.path})"
    for child in page.children:
        yield from summary_lines(child, level + 1)


def depth_of(pages, level=1):
    return max((max(level, depth_of(p.children, level + 1)) for p in pages), default=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("out", help="Folder to write the book into (emptied first).")
    parser.add_argument("--pages", type=int, default=1000, help="Pages under the groups.")
    parser.add_argument("--depth", type=int, default=4, help="Deepest nesting of pages.")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    writer = BookWriter(options.out, options.pages, options.depth, options.seed)
    count = writer.write()
    print(f"Wrote {count} pages to {options.out}.")


if __name__ == "__main__":
    main()
