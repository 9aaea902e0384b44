"""Parts of a page in development: a "Section in development" block, beside the whole-page flag."""

import re

import pytest
from bs4 import BeautifulSoup

from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.urls import reverse

from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.blocks import (
    PART_IN_DEVELOPMENT_LABEL,
    PART_IN_DEVELOPMENT_WORDING,
    AnswerBlock,
    ArticleBlock,
    heading_values,
)
from pages.editorial import compare
from pages.models import FaqPage, TopicPage
from pages.reading.navigation import markdown_url
from tests.conftest import make_deep_dive, make_faq, make_faq_index, make_topic
from tests.gitbook.books import export_book, import_book, write_book
from tests.gitbook.test_gitbook_export import (
    forget_everything,
    give_the_home_page_a_review_date,
    snapshot,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("note")</script><img src=x onerror=alert(1)> & *not bold*'


def text(words):
    return ("text", RichText(f"<p>{words}</p>"))


def heading(words, level="h2", anchor=""):
    return ("heading", {"text": words, "level": level, "anchor": anchor})


def part(content, note=""):
    return ("in_development", {"note": note, "content": content})


def staking_body():
    return [
        heading("Overview"),
        text("Plasma chains commit to Ethereum."),
        part(
            [heading("Staking rewards"), text("Rewards accrue to validators each epoch.")],
            note="The reward formula is not final yet.",
        ),
        text("Exits take seven days."),
    ]


def soup_of(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


# What readers see -----------------------------------------------------------------------------


def test_the_notice_is_on_that_part_only_and_the_page_has_no_banner(client, section):
    page = make_deep_dive(section, body=staking_body())

    soup = soup_of(client, page)

    # The page is not flagged: no banner for the whole page.
    assert not page.in_development
    assert soup.select(".development-banner") == []
    parts = soup.select(".development-part")
    assert len(parts) == 1
    found = parts[0]
    assert found["role"] == "group" and found["aria-label"] == "Part still in development"
    notice = found.select_one(".development-part__notice")
    assert notice["role"] == "note"
    assert notice.select_one(".development-part__label").get_text() == PART_IN_DEVELOPMENT_LABEL
    assert PART_IN_DEVELOPMENT_WORDING in notice.get_text()
    assert (
        notice.select_one(".development-part__note").get_text()
        == "The reward formula is not final yet."
    )
    # The part holds its own blocks, and only those.
    content = found.select_one(".development-part__content")
    assert content.select_one("h2#staking-rewards").get_text() == "Staking rewards"
    assert "Rewards accrue to validators each epoch." in content.get_text()
    assert "Plasma chains commit" not in found.get_text()
    assert "Exits take seven days." not in found.get_text()
    body_text = soup.select_one(".page-body").get_text()
    assert "Plasma chains commit" in body_text and "Exits take seven days." in body_text


def test_without_a_note_the_notice_says_only_the_sites_wording(client, section):
    page = make_topic(section, body=[part([text("Fees are being measured.")])])

    notice = soup_of(client, page).select_one(".development-part__notice")

    assert notice.select_one(".development-part__note") is None
    assert " ".join(notice.get_text().split()) == (
        f"{PART_IN_DEVELOPMENT_LABEL} {PART_IN_DEVELOPMENT_WORDING}"
    )


def test_a_page_flagged_in_development_shows_its_banner_and_the_parts_notice(client, section):
    page = make_topic(
        section,
        in_development=True,
        development_note="Whole page note.",
        body=[text("Intro."), part([text("Inside.")], note="Part note.")],
    )

    soup = soup_of(client, page)

    assert "Whole page note." in soup.select_one(".development-banner").get_text()
    assert soup.select_one(".development-part__note").get_text() == "Part note."
    assert "Part note." not in soup.select_one(".development-banner").get_text()


def test_an_faq_answer_can_hold_a_part_in_development(client, home, faq_category):
    faq = make_faq(
        make_faq_index(home),
        faq_category,
        answer=[text("Yes."), part([text("Rewards are still being worked out.")], "Soon.")],
    )

    found = soup_of(client, faq).select_one(".development-part")

    assert "Rewards are still being worked out." in found.get_text()
    assert found.select_one(".development-part__note").get_text() == "Soon."


def test_hostile_markup_in_the_note_is_shown_as_text(client, section):
    page = make_topic(section, body=[part([text("Inside.")], note=HOSTILE)])

    found = soup_of(client, page).select_one(".development-part")

    assert found.select("script, img") == []
    assert found.select_one(".development-part__note").get_text() == HOSTILE


# "On this page" ------------------------------------------------------------------------------


def test_headings_inside_a_part_are_among_the_bodys_headings_in_order(section):
    page = make_deep_dive(section, body=staking_body())

    assert [value["text"] for value in heading_values(page.body)] == [
        "Overview",
        "Staking rewards",
    ]
    assert [value.anchor_id() for value in heading_values(page.body)] == [
        "overview",
        "staking-rewards",
    ]


def test_headings_inside_a_part_reach_on_this_page(client, section):
    page = make_deep_dive(section, body=staking_body())

    toc = soup_of(client, page).select("nav.toc a")

    assert [(a.get_text(), a["href"]) for a in toc][:2] == [
        ("Overview", "#overview"),
        ("Staking rewards", "#staking-rewards"),
    ]


# Search -------------------------------------------------------------------------------------


def test_search_finds_the_words_inside_a_part_and_its_note(client, section):
    make_topic(section, title="Unrelated", body=[text("Nothing to see.")])
    page = make_topic(
        section,
        title="Staking",
        body=[
            text("Staking secures the network."),
            part([text("The zeppelinoid schedule is drafted.")], note="Quokkaware pending."),
        ],
    )

    for word in ("zeppelinoid", "quokkaware"):
        response = client.get("/search/", {"q": word})
        soup = BeautifulSoup(response.content, "html.parser")
        found = [a.get_text() for a in soup.select(".search-result__title")]
        assert found == [page.title], word


# Editors' checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("stream_block", [ArticleBlock(), AnswerBlock()], ids=["article", "FAQ"])
def test_a_part_without_content_is_refused(stream_block):
    block = stream_block.child_blocks["in_development"]
    value = block.to_python({"note": "Soon.", "content": []})

    with pytest.raises(ValidationError) as error:
        block.clean(value)

    assert "Add the blocks that are still in development" in str(error.value.as_json_data())
    # With content it is accepted, note or none.
    full = block.to_python({"note": "", "content": [{"type": "text", "value": "<p>a</p>"}]})
    assert block.clean(full)["content"][0].block_type == "text"


def test_the_admin_refuses_to_publish_an_empty_part_but_saves_it_as_a_draft(
    admin_client, section, four_eyes_off
):
    add = reverse("wagtailadmin_pages:add", args=("pages", "topicpage", section.pk))

    def post(slug, action):
        fields = {
            "title": "Staking",
            "slug": slug,
            "body": streamfield(
                [("in_development", {"note": "Soon.", "content": streamfield([])})]
            ),
            **action,
        }
        return admin_client.post(add, nested_form_data(fields))

    refused = post("staking", {"action-publish": "action-publish"})

    assert refused.status_code == 200
    assert "Add the blocks that are still in development" in refused.content.decode()
    assert not TopicPage.objects.filter(slug="staking").exists()

    # A draft may be unfinished, as Wagtail lets a draft leave any required field empty.
    assert post("staking-draft", {}).status_code == 302
    draft = TopicPage.objects.get(slug="staking-draft")
    assert not draft.live

    # With a block inside it, it publishes.
    fields = {
        "title": "Staking",
        "slug": "staking",
        "body": streamfield(
            [
                (
                    "in_development",
                    {
                        "note": "Soon.",
                        "content": streamfield([("text", rich_text("<p>Drafted.</p>"))]),
                    },
                )
            ]
        ),
        "action-publish": "action-publish",
    }
    assert admin_client.post(add, nested_form_data(fields)).status_code == 302
    published = TopicPage.objects.get(slug="staking")
    assert published.live and published.body[0].value["note"] == "Soon."


def test_a_part_never_holds_another_and_holds_what_its_body_may():
    article_part = ArticleBlock().child_blocks["in_development"].child_blocks["content"]
    answer_part = AnswerBlock().child_blocks["in_development"].child_blocks["content"]

    assert set(article_part.child_blocks) == set(ArticleBlock().child_blocks) - {"in_development"}
    assert set(answer_part.child_blocks) == set(AnswerBlock().child_blocks) - {"in_development"}
    # Nor through an expandable or a tab inside it.
    expandable = article_part.child_blocks["expandable"].child_blocks["content"]
    assert "in_development" not in expandable.child_blocks


def test_the_revision_comparison_names_a_part_by_its_note():
    block = ArticleBlock().child_blocks["in_development"]
    value = block.to_python({"note": "Rewards not final.", "content": []})

    assert compare.block_name(block, value) == "Section in development “Rewards not final.”"


# Markdown and GitBook ------------------------------------------------------------------------

EXPECTED_MARKDOWN = """\
<!-- in-development -->
{% hint style="warning" %}
**In development:** The reward formula is not final yet.
{% endhint %}

## Staking rewards

Rewards accrue to validators each epoch.

<!-- end in-development -->"""


def test_the_markdown_view_carries_the_marker_around_the_part(client, section):
    page = make_deep_dive(section, body=staking_body())

    response = client.get(markdown_url(page.url))

    assert response.status_code == 200
    markdown = response.content.decode()
    assert EXPECTED_MARKDOWN in markdown
    # In reading order: what comes before the part, the part, what comes after.
    assert (
        markdown.index("Plasma chains commit")
        < markdown.index(EXPECTED_MARKDOWN)
        < markdown.index("Exits take seven days.")
    )


def test_the_markdown_view_escapes_a_hostile_note(client, section):
    page = make_topic(section, body=[part([text("Inside.")], note=HOSTILE)])

    markdown = client.get(markdown_url(page.url)).content.decode()

    # Every < of the note is escaped: Markdown renderers show it as text, not as HTML.
    assert re.search(r"(?<!\\)<(script|img)", markdown) is None
    assert (
        '**In development:** \\<script>alert("note")\\</script>\\<img src=x '
        "onerror=alert(1)> & \\*not bold\\*"
    ) in markdown


def test_a_part_without_a_note_is_marked_in_markdown(client, section):
    page = make_topic(section, body=[part([text("Inside.")])])

    markdown = client.get(markdown_url(page.url)).content.decode()

    assert '{% hint style="warning" %}\n**In development.**\n{% endhint %}\n\nInside.' in markdown


BOOK_PAGE = """
# Staking

Staking secures the network.

<!-- in-development -->
{% hint style="warning" %}
**In development:** Rewards & *penalties* are not final.
{% endhint %}

## Rewards

Rewards accrue each epoch.

{% hint style="info" %}
Check the schedule.
{% endhint %}

<!-- end in-development -->

Exits take seven days.
"""

FAQ_PAGE = """
---
type: faq
category: Staking
---
# Will it stake?

Yes.

<!-- in-development -->
{% hint style="warning" %}
**In development.**
{% endhint %}

The details are being worked out.

<!-- end in-development -->
"""


def staking_book(path):
    return write_book(
        path,
        {
            "guide/staking.md": ("Staking", BOOK_PAGE),
            "faq/README.md": ("Questions", "---\ntype: faq-index\n---\n# Questions\n"),
            "faq/stake.md": ("Will it stake?", FAQ_PAGE),
        },
        summary=(
            "# Table of contents\n\n## Guide\n\n* [Staking](guide/staking.md)\n\n"
            "## Questions\n\n* [Questions](faq/README.md)\n  * [Will it stake?](faq/stake.md)\n"
        ),
    )


def test_importing_a_book_reads_the_part_back_into_the_same_block(home, tmp_path):
    import_book(staking_book(tmp_path / "book"))

    page = TopicPage.objects.get(title="Staking")
    assert [block.block_type for block in page.body] == ["text", "in_development", "text"]
    imported = page.body[1].value
    assert imported["note"] == "Rewards & penalties are not final."
    assert [block.block_type for block in imported["content"]] == ["heading", "text", "hint"]
    assert imported["content"][0].value["text"] == "Rewards"
    answer = FaqPage.objects.get().answer
    assert [block.block_type for block in answer] == ["text", "in_development"]
    assert answer[1].value["note"] == ""


def test_export_then_import_keeps_the_part(home, tmp_path):
    give_the_home_page_a_review_date(home)
    import_book(staking_book(tmp_path / "book"))
    before = snapshot()

    export_book(tmp_path / "out")

    exported = (tmp_path / "out/guide/staking.md").read_text()
    assert '<!-- in-development -->\n{% hint style="warning" %}' in exported
    assert exported.index("Staking secures") < exported.index("<!-- in-development -->")
    assert exported.index("<!-- end in-development -->") < exported.index("Exits take")
    # Into a fresh database, the book gives the same site: the parts, notes and all.
    forget_everything()
    assert ", 0 warnings." in import_book(tmp_path / "out")
    assert snapshot() == before


@pytest.mark.parametrize(
    "markdown, message, strict",
    [
        (
            '<!-- in-development -->\n{% hint style="warning" %}\nA.\n{% endhint %}\n\n'
            '<!-- in-development -->\n{% hint style="warning" %}\nB.\n{% endhint %}\n\nText.\n\n'
            "<!-- end in-development -->\n\n<!-- end in-development -->\n",
            "cannot go inside another",
            True,
        ),
        (
            "<!-- in-development -->\nText without a notice.\n<!-- end in-development -->\n",
            "starts with its notice",
            True,
        ),
        (
            '<!-- in-development -->\n{% hint style="warning" %}\nA.\n{% endhint %}\n'
            "<!-- end in-development -->\n",
            "an empty part in development was left out",
            False,  # a gap, not a construct in a lesser form
        ),
        ("<!-- in-development -->\n{% hint %}\nA.\n{% endhint %}\n\nText.\n", "never closed", True),
        ("Text.\n\n<!-- end in-development -->\n", "closes nothing", True),
    ],
    ids=["nested", "no notice", "empty", "not closed", "not opened"],
)
def test_a_badly_marked_part_is_kept_and_reported(
    home, tmp_path, client, markdown, message, strict
):
    book = write_book(
        tmp_path / "book", {"guide/staking.md": ("Staking", f"# Staking\n\n{markdown}")}
    )

    output = import_book(book)
    assert message in output
    page = TopicPage.objects.get(title="Staking")
    assert client.get(page.url).status_code == 200
    # What the part said stays for readers, but for an empty part, which says nothing.
    words = [w for w in ("Text", "A.", "B.") if w in markdown and "empty" not in message]
    html = client.get(page.url).content.decode()
    assert all(word in html for word in words)

    if strict:
        page.delete()
        with pytest.raises(CommandError, match=message):
            import_book(book, "--strict")
