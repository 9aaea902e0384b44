"""Small GitBook books written into tmp_path, and a way to import them as the command line does."""

import io
import textwrap

from bs4 import BeautifulSoup
from PIL import Image as PillowImage

from django.core.management import call_command


def write_book(root, pages, summary=None, extra_files=None):
    """`pages` maps a path to (title, markdown); SUMMARY.md lists them in order unless given."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["# Table of contents", ""]
    for path, (title, text) in pages.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        depth = path.count("/") - (1 if path.endswith("README.md") else 0)
        if path != "README.md":
            lines.append(f"{'  ' * max(depth, 0)}* [{title}]({path})")
    (root / "SUMMARY.md").write_text(
        textwrap.dedent(summary).lstrip("\n") if summary else "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    for path, content in (extra_files or {}).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def without_block_keys(value):
    """
    Stored rich text with the editor's `data-block-key` attributes taken off, so a test can state
    the words and markup it expects without the keys. The importer stores rich text as the admin's
    editor does (`pages.rich_text.as_the_editor_stores`): each top-level block carries a key, with
    no newlines between blocks and void tags written `<br/>`, which is how this writes them back.

    Strings that hold no key are returned unchanged; lists, tuples and dicts (a StreamField's raw
    blocks) are walked, so any rich text inside them is cleaned too.
    """
    if isinstance(value, dict):
        return {key: without_block_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_block_keys(item) for item in value]
    if isinstance(value, tuple):
        return tuple(without_block_keys(item) for item in value)
    if not isinstance(value, str) or "data-block-key" not in value:
        return value
    soup = BeautifulSoup(value, "html.parser", multi_valued_attributes=None)
    for element in soup.find_all(attrs={"data-block-key": True}):
        del element["data-block-key"]
    return soup.decode(formatter="minimal")


def png_bytes(colour="red", size=(8, 6)):
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def import_book(path, *args):
    output = io.StringIO()
    call_command("import_gitbook", str(path), *args, stdout=output)
    return output.getvalue()


def export_book(path, *args):
    output = io.StringIO()
    call_command("export_gitbook", str(path), *args, stdout=output)
    return output.getvalue()


# A book with every construct the importer knows, for round trips and benchmarks of behaviour:
# every block type our pages hold (tests/content/test_block_checklist.py checks it does).
KITCHEN_SINK_SUMMARY = """
# Table of contents

* [Knowledge base](README.md)

## Guide

* [Plasma basics](guide/plasma-basics/README.md)
  * [Exits](guide/plasma-basics/exits.md)
  * [Tools](guide/plasma-basics/tools.md)

## Deep Dive

* [Plasma](deep/plasma.md)

## Questions

* [Community Q&A](faq/README.md)
  * [Is it finished?](faq/finished.md)
  * [Will it stake?](faq/stake.md)

## Videos

* [The talk](videos/talk.md)
"""

KITCHEN_SINK_PAGES = {
    "README.md": (
        "Knowledge base",
        """
        ---
        description: Everything about the network.
        in_development: true
        development_note: Pages will be revised.
        ---
        # Knowledge base

        Welcome. Start with [the basics](guide/plasma-basics/README.md).
        """,
    ),
    "guide/plasma-basics/README.md": (
        "Plasma basics",
        """
        ---
        description: What Plasma is.
        tags: [plasma, basics]
        review_due: 2021-01-31
        ---
        # Plasma basics

        Plasma is **fast**, _cheap_, `safe` and ~~slow~~ not slow. See
        [the exit game](exits.md#the-exit-game), [the paper](https://plasma.io/plasma.pdf) and
        [the white paper file](../../.gitbook/assets/paper.pdf).

        * a list item
        * another, with **bold**

        1. first
        2. second

        ## How it works <a href="#how" id="how"></a>

        ### Blocks

        | Variant | Year |
        | --- | --- |
        | **MVP** | 2018 |
        | Cash | 2018 |

        ```elixir
        Exit.start(utxo)
        ```

        {% code title="deposit.sh" %}
        ```bash
        make deposit
        ```
        {% endcode %}

        {% hint style="info" %}
        Info with a [link](exits.md).
        {% endhint %}

        {% hint style="success" %}
        Success.
        {% endhint %}

        {% hint style="warning" %}
        Warning.
        {% endhint %}

        {% hint style="danger" %}
        Danger.
        {% endhint %}

        {% embed url="https://www.youtube.com/watch?v=abc" %}
        A talk about exits.
        {% endembed %}

        {% tabs %}
        {% tab title="Users" %}
        Send money.
        {% endtab %}

        {% tab title="Developers" %}
        ```js
        pay()
        ```
        {% endtab %}
        {% endtabs %}

        <details>

        <summary>Why not bigger blocks?</summary>

        Every node would pay for them.

        </details>

        {% content-ref url="../../deep/plasma.md" %}
        [Plasma](../../deep/plasma.md)
        {% endcontent-ref %}

        {% file src="../../.gitbook/assets/paper.pdf" %}
        The white paper
        {% endfile %}

        ![A chart of exits](../../.gitbook/assets/chart.png)

        <figure><img src="../../.gitbook/assets/chart.png" alt="The same chart"><figcaption>\
<p>Exits by age.</p></figcaption></figure>

        > Honest users can always leave.
        >
        > — The Plasma promise
        """,
    ),
    "guide/plasma-basics/exits.md": (
        "Exits",
        """
        # Exits

        ## The exit game

        #### Challenges

        Anyone can challenge an exit.

        <!-- in-development -->
        {% hint style="warning" %}
        **In development:** Challenge periods are not final.
        {% endhint %}

        ## Challenge periods

        They last a week for now.

        <!-- end in-development -->
        """,
    ),
    # What real GitBook books hold besides: blocks in hints, images from the web, formulas, API
    # operations, cards, steps, columns, one tab, reusable content, marked text.
    "guide/plasma-basics/tools.md": (
        "Tools",
        """
        # Tools

        A <mark>marked</mark> word, x<sup>2</sup> and H<sub>2</sub>O.

        {% hint style="info" %}
        Before you start, install the CLI:

        ```bash
        make install
        ```
        {% endhint %}

        ![The network map](https://example.org/map.png)

        <figure><img src="https://example.org/chart.png" alt="Exits per day"><figcaption>\
<p>Exits per day in 2020.</p></figcaption></figure>

        $$
        E = mc^2
        $$

        {% code title="How an exit goes" %}
        ```mermaid
        flowchart LR
          A[Start an exit] --> B{Challenged?}
        ```
        {% endcode %}

        **What this diagram shows:** An exit starts, then waits for a challenge.

        {% swagger method="get" path="/v1/exits" summary="List exits" \
src="https://example.org/openapi.json" %}
        {% swagger-description %}
        Every exit started, newest first.
        {% endswagger-description %}
        {% endswagger %}

        <table data-view="cards"><thead><tr><th></th><th></th>\
<th data-hidden data-card-target data-type="content-ref"></th>\
<th data-hidden data-card-cover data-type="files"></th></tr></thead><tbody>\
<tr><td><strong>Exits</strong></td><td>How to <em>leave</em>.</td>\
<td><a href="exits.md">exits.md</a></td>\
<td><a href="../../.gitbook/assets/chart.png">chart.png</a></td></tr>\
<tr><td><strong>The paper</strong></td><td>Where it began.</td>\
<td><a href="https://plasma.io/plasma.pdf">https://plasma.io/plasma.pdf</a></td><td></td></tr>\
</tbody></table>

        {% stepper %}
        {% step %}
        ### Install

        ```bash
        make install
        ```
        {% endstep %}

        {% step %}
        ### Run

        Start the watcher.
        {% endstep %}
        {% endstepper %}

        {% columns %}
        {% column %}
        Users send money.
        {% endcolumn %}

        {% column %}
        Operators run the chain.
        {% endcolumn %}
        {% endcolumns %}

        {% tabs %}
        {% tab title="Only tab" %}
        One tab is enough.
        {% endtab %}
        {% endtabs %}

        {% include "../../.gitbook/includes/support.md" %}

        > Plasma is **simple**: see [the exits](exits.md).
        >
        > — A core developer
        """,
    ),
    "deep/plasma.md": (
        "Plasma",
        """
        ---
        type: deep-dive
        in_development: true
        current_state_as_of: 2020-06-01
        ---
        # Plasma

        Child chains settle on Ethereum[^1].

        ## Current state

        The mainnet runs **MoreVP**[^2].

        ## Resources

        * [Plasma paper](https://plasma.io/plasma.pdf) — the original paper.
        * [Exits](../guide/plasma-basics/exits.md) — how to leave.
        * [Leaving early](../guide/plasma-basics/exits.md) — the same page, named differently.

        [^1]: Its [main network](https://ethereum.org).

        [^2]: Since *2020*.

            It was **Plasma MVP** before.
        """,
    ),
    "faq/README.md": (
        "Community Q&A",
        """
        ---
        type: faq-index
        ---
        # Community Q&A

        Questions from the community.
        """,
    ),
    "faq/finished.md": (
        "Is it finished?",
        """
        ---
        description: Not yet.
        ---
        # Is it finished?

        No: **staking** is still to come.

        {% hint style="warning" %}
        Plans may change.
        {% endhint %}
        """,
    ),
    "faq/stake.md": (
        "Will it stake?",
        """
        ---
        category: Official AMAs
        answered_on: 2019-05-01
        source_url: https://example.org/ama
        ---
        # Will it stake?

        Yes, in time.
        """,
    ),
    "videos/talk.md": (
        "The talk",
        """
        ---
        type: video
        description: A talk.
        ---
        # The talk

        {% embed url="https://www.youtube.com/watch?v=talk" %}

        Welcome to the talk.

        Today we discuss exits.
        """,
    ),
}


def write_kitchen_sink(root):
    return write_book(
        root,
        KITCHEN_SINK_PAGES,
        summary=KITCHEN_SINK_SUMMARY,
        extra_files={
            ".gitbook/assets/chart.png": png_bytes(),
            ".gitbook/assets/paper.pdf": b"%PDF-1.4\n% white paper\n",
            ".gitbook/includes/support.md": (
                b"---\ntitle: Getting support\n---\n\nAsk in the **forum**.\n"
            ),
        },
    )
