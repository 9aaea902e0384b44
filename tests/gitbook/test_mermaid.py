"""
GitBook's ```mermaid code blocks come in as diagram blocks and go out as the same markdown: the
caption as a {% code title %}, the text alternative as the paragraph after the diagram that starts
with "**What this diagram shows:**" (docs/gitbook.md). A diagram a book does not describe gets a
text alternative that says only what is known, and the import report says so.
"""

import json

import pytest

from pages.models import TopicPage
from tests.gitbook.books import export_book, import_book
from tests.gitbook.test_constructs import blocks_of, book_of, imported
from tests.gitbook.test_gitbook_export import forget_everything

pytestmark = pytest.mark.django_db

LAYERS = (
    "flowchart TD\n"
    '  users["Wallets and users"] -->|send transactions| operator["Operator"]\n'
    "  operator --> plasma[Plasma chain]\n"
    "  operator -->|root hashes| ethereum(Ethereum)"
)
DESCRIBED = (
    "Users send transactions to the operator. The operator makes the Plasma chain's blocks "
    "and commits their root hashes to Ethereum."
)


def diagrams_of(page):
    return [value for block_type, value in blocks_of(page.body) if block_type == "diagram"]


def test_a_described_diagram_with_a_title_comes_in_whole(home, tmp_path, client):
    page, blocks, (main, text), output = imported(
        tmp_path,
        client,
        f'Before.\n\n{{% code title="The layers" %}}\n```mermaid\n{LAYERS}\n```\n'
        "{% endcode %}\n\n"
        f"**What this diagram shows:** {DESCRIBED}\n\nAfter.\n",
    )
    assert [block_type for block_type, _ in blocks] == ["text", "diagram", "text"]
    assert dict(blocks[1][1]) == {
        "source": LAYERS,
        "text_alternative": DESCRIBED,
        "caption": "The layers",
    }
    # The description paragraph became the text alternative, not a paragraph of its own.
    assert text.count("What this diagram shows") == 0
    assert text.count("Users send transactions to the operator.") == 1
    assert "After." in text
    assert main.select_one("figure.diagram figcaption").get_text(strip=True) == "The layers"


def test_a_bare_mermaid_fence_is_a_diagram_without_a_caption(home, tmp_path, client):
    page, blocks, _, _ = imported(
        tmp_path,
        client,
        f"```mermaid\n{LAYERS}\n```\n\n**What this diagram shows:** {DESCRIBED}\n",
    )
    (diagram,) = diagrams_of(page)
    assert diagram["caption"] == ""
    assert diagram["text_alternative"] == DESCRIBED


def test_an_undescribed_diagram_gets_its_box_labels_in_order_and_a_note(home, tmp_path):
    book = book_of(tmp_path, f"```mermaid\n{LAYERS}\n```\n\nAn ordinary paragraph.\n")
    report = tmp_path / "report.json"
    import_book(book, "--report", str(report))
    (diagram,) = diagrams_of(TopicPage.objects.get(title="Page"))
    assert diagram["text_alternative"] == (
        "Diagram of: Wallets and users, Operator, Plasma chain, Ethereum."
    )
    notes = [note["message"] for note in json.loads(report.read_text())["notes"]]
    assert any("a diagram has no paragraph starting" in note for note in notes)


def test_an_undescribed_diagram_with_a_caption_is_named_by_it(home, tmp_path):
    import_book(
        book_of(
            tmp_path,
            '{% code title="The layers" %}\n```mermaid\nsequenceDiagram\n  A->>B: hi\n```\n'
            "{% endcode %}\n",
        )
    )
    (diagram,) = diagrams_of(TopicPage.objects.get(title="Page"))
    assert diagram["text_alternative"] == "Diagram: The layers"


def test_mermaid_of_an_unknown_type_stays_code_and_is_reported(home, tmp_path):
    report = tmp_path / "report.json"
    import_book(
        book_of(tmp_path, "```mermaid\nnotAType\n  a --> b\n```\n"), "--report", str(report)
    )
    blocks = blocks_of(TopicPage.objects.get(title="Page").body)
    assert [(kind, value["language"]) for kind, value in blocks] == [("code", "mermaid")]
    assert json.loads(report.read_text())["degraded"] == {"mermaid": 1}


def test_diagrams_go_out_and_come_back_the_same(home, tmp_path):
    # Backticks in a label need a longer fence; the description keeps markdown's characters.
    tricky = 'flowchart LR\n  a["``` fence"] --> b["*star* _under_"]'
    tricky_description = "A *literal* star, an _underscore_ and a `tick`: read as written."
    import_book(
        book_of(
            tmp_path,
            f'{{% code title="The layers" %}}\n```mermaid\n{LAYERS}\n```\n{{% endcode %}}\n\n'
            f"**What this diagram shows:** {DESCRIBED}\n\n"
            "````mermaid\n" + tricky + "\n````\n\n"
            "**What this diagram shows:** A \\*literal\\* star, an \\_underscore\\_ and a "
            "\\`tick\\`: read as written.\n",
        )
    )
    before = diagrams_of(TopicPage.objects.get(title="Page"))
    assert before[1]["source"] == tricky
    assert before[1]["text_alternative"] == tricky_description

    export_book(tmp_path / "out")
    written = (tmp_path / "out" / "guide" / "page.md").read_text()
    assert f'{{% code title="The layers" %}}\n```mermaid\n{LAYERS}\n```\n{{% endcode %}}' in written
    assert f"**What this diagram shows:** {DESCRIBED}" in written
    assert "````mermaid\n" + tricky + "\n````" in written

    forget_everything()
    import_book(tmp_path / "out")
    after = diagrams_of(TopicPage.objects.get(title="Page"))
    assert [dict(value) for value in after] == [dict(value) for value in before]
