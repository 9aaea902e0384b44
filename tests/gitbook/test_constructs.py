"""
Everything GitBook writes into a page, imported whole: each construct becomes the block a reader
expects, and what has no exact block is kept readable and reported, never a stopped import.
"""

import json

import pytest
from bs4 import BeautifulSoup

from django.core.management import CommandError

from pages.models import HomePage, ReusableContent, TopicPage
from tests.gitbook.books import import_book, png_bytes, write_book

pytestmark = pytest.mark.django_db


def book_of(tmp_path, body, extra_pages=None, extra_files=None, name="book"):
    pages = {
        "README.md": ("Knowledge base", "# Knowledge base\n\nWelcome.\n"),
        "guide/page.md": ("Page", "# Page\n\n" + body),
        "guide/other.md": ("Other", "# Other\n\n## Exit game\n\nThe other page.\n"),
        **(extra_pages or {}),
    }
    summary = ["# Table of contents", "", "* [Knowledge base](README.md)", "", "## Guide", ""]
    summary += [f"* [{title}]({path})" for path, (title, _) in pages.items() if path != "README.md"]
    return write_book(
        tmp_path / name, pages, summary="\n".join(summary) + "\n", extra_files=extra_files
    )


def imported(tmp_path, client, body, *args, **kwargs):
    output = import_book(book_of(tmp_path, body, **kwargs), *args)
    page = TopicPage.objects.get(title="Page")
    response = client.get(page.url)
    assert response.status_code == 200
    return page, blocks_of(page.body), reader_view(response), output


def blocks_of(stream):
    return [(block.block_type, block.value) for block in stream]


def reader_view(response):
    """The page's content as readers see it: its HTML and its text."""
    soup = BeautifulSoup(response.content, "html.parser")
    main = soup.find("main") or soup
    return main, " ".join(main.get_text(" ").split())


def assert_no_gitbook_syntax(text):
    assert "{%" not in text and "%}" not in text


class TestGitBookBlocks:
    def test_page_ref_and_content_ref_are_cards_to_the_page(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '{% page-ref page="other.md" %}\n\n'
            '{% content-ref url="other.md" %}\n[other.md](other.md)\n{% endcontent-ref %}\n',
        )
        other = TopicPage.objects.get(title="Other")
        assert [block_type for block_type, _ in blocks] == ["card", "card"]
        assert [a["href"] for a in main.select("a.page-card")] == [other.url, other.url]
        assert_no_gitbook_syntax(text)

    def test_swagger_and_openapi_show_the_operation_and_its_spec(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '{% swagger method="post" path="/pets" summary="Add a pet" '
            'src="https://example.org/petstore.yaml" %}\n'
            "{% swagger-description %}\nAdds a pet to the store.\n{% endswagger-description %}\n"
            '{% swagger-parameter in="body" name="name" type="string" required="true" %}\n'
            "The pet's name\n{% endswagger-parameter %}\n"
            '{% swagger-response status="200: OK" description="Added" %}\n'
            '```json\n{"id": 1}\n```\n{% endswagger-response %}\n{% endswagger %}\n\n'
            '{% openapi src="https://example.org/openapi.json" path="/pets/{id}" method="get" %}\n'
            "[https://example.org/openapi.json](https://example.org/openapi.json)\n"
            "{% endopenapi %}\n",
        )
        assert [block_type for block_type, _ in blocks] == ["api_operation", "api_operation"]
        assert "POST" in text and "/pets" in text and "Add a pet" in text
        assert "Adds a pet to the store." in text and "The pet's name" in text
        assert main.select_one(".api-operation pre").get_text() == '{"id": 1}'
        assert "GET" in text and "/pets/{id}" in text
        specs = [a["href"] for a in main.find_all("a") if "example.org" in a.get("href", "")]
        assert specs == ["https://example.org/petstore.yaml", "https://example.org/openapi.json"]
        assert_no_gitbook_syntax(text)

    def test_a_stepper_is_numbered_steps_with_titles_and_code(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "{% stepper %}\n{% step %}\n### Install\n\nRun:\n\n```sh\npip install kb\n```\n"
            "{% endstep %}\n{% step %}\n### Use it\n\nDone.\n{% endstep %}\n{% endstepper %}\n",
        )
        assert blocks[0][0] == "steps"
        steps = main.select("ol.steps > li")
        assert len(steps) == 2
        assert "Install" in steps[0].get_text() and "pip install kb" in steps[0].get_text()
        assert "Use it" in steps[1].get_text()
        assert_no_gitbook_syntax(text)

    def test_a_numbered_list_with_code_between_steps_keeps_counting(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "1. Download it\n\n   ```bash\n   curl -O kb.tar\n   ```\n2. Unpack it\n3. Run it\n",
        )
        assert [block_type for block_type, _ in blocks] == ["steps"]
        steps = main.select("ol.steps > li")
        assert [" ".join(step.get_text(" ").split()) for step in steps] == [
            "Download it curl -O kb.tar",
            "Unpack it",
            "Run it",
        ]

    def test_a_list_split_by_unindented_code_goes_on_numbering(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path, client, "1. Download it\n\n```bash\ncurl -O kb.tar\n```\n\n2. Unpack it\n"
        )
        assert [block_type for block_type, _ in blocks] == ["text", "code", "text"]
        assert main.find("ol", start="2") is not None

    def test_columns_sit_side_by_side(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "{% columns %}\n{% column %}\nLeft words.\n{% endcolumn %}\n"
            '{% column width="50%" %}\nRight words.\n{% endcolumn %}\n{% endcolumns %}\n',
        )
        assert blocks[0][0] == "columns"
        assert len(blocks[0][1]["columns"]) == 2
        assert "Left words." in text and "Right words." in text

    def test_raw_is_shown_as_written(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "Use {% raw %}{{ page.title }}{% endraw %} in templates.\n\n"
            "{% raw %}\nA {% tag %} shown as it is.\n{% endraw %}\n",
        )
        assert "Use {{ page.title }} in templates." in text

    def test_one_tab_is_a_tab(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '{% tabs %}\n{% tab title="Linux" %}\nOnly Linux.\n{% endtab %}\n{% endtabs %}\n',
        )
        assert blocks[0][0] == "tabs"
        assert [tab["title"] for tab in blocks[0][1]["tabs"]] == ["Linux"]
        assert "Only Linux." in text

    @pytest.mark.parametrize(
        ("written", "style"),
        [("warn", "warning"), ("tip", "success"), ("working", "warning"), ("danger", "danger")],
    )
    def test_hint_styles_old_and_new(self, home, tmp_path, client, written, style):
        page, blocks, (main, text), _ = imported(
            tmp_path, client, f'{{% hint style="{written}" %}}\nMind this.\n{{% endhint %}}\n'
        )
        assert blocks[0][0] == "hint" and blocks[0][1]["style"] == style
        assert main.select_one(f".hint--{style}") is not None

    def test_updates_and_prompts_keep_their_dates_and_descriptions(self, home, tmp_path, client):
        page, blocks, (main, text), output = imported(
            tmp_path,
            client,
            '{% updates format="full" %}\n{% update date="2026-08-03" tags="beta" %}\n'
            "### Solana tokens\n\nAdded **11** tokens.\n{% endupdate %}\n\n"
            '{% update date="2026-07-15" %}\nPolkadot support.\n{% endupdate %}\n'
            "{% endupdates %}\n\n"
            '{% prompt description="Review content" %}\n```markdown\nReview the guide.\n```\n'
            "{% endprompt %}\n",
        )
        assert_no_gitbook_syntax(text)
        assert text.index("3 August 2026 · beta") < text.index("Solana tokens")
        assert text.index("Added 11 tokens.") < text.index("15 July 2026")
        assert text.index("Polkadot support.") < text.index("Review content")
        assert main.find("h3", string="Solana tokens") is not None
        assert main.find("code", string="Review the guide.") is not None
        assert "an update is shown as its date and content" in output
        assert "a prompt is shown as its description and text" in output

    def test_empty_blocks_are_dropped_with_a_warning(self, home, tmp_path, client):
        page, blocks, (main, text), output = imported(
            tmp_path,
            client,
            '{% hint style="info" %}\n{% endhint %}\n\n{% tabs %}\n{% endtabs %}\n\nAfter.\n',
        )
        assert [block_type for block_type, _ in blocks] == ["text"]
        assert "an empty hint was left out" in output
        assert "{% tabs %} without a tab was left out" in output

    def test_stray_closing_tags_and_unknown_blocks_are_reported_not_fatal(
        self, home, tmp_path, client
    ):
        body = "Before.\n\n{% endhint %}\n\n{% mystery %}\nKept words.\n{% endmystery %}\n"
        page, blocks, (main, text), output = imported(tmp_path, client, body)
        assert "Before." in text and "Kept words." in text
        assert_no_gitbook_syntax(text)
        assert "page.md, line 5: {% endhint %} closes nothing and was removed." in output
        assert "{% mystery %} has no block here; its content is kept." in output

    def test_strict_refuses_what_lenient_keeps(self, home, tmp_path):
        book = book_of(tmp_path, "{% mystery %}\nKept words.\n{% endmystery %}\n")
        with pytest.raises(CommandError, match=r"mystery.*--strict"):
            import_book(book, "--strict")
        assert not TopicPage.objects.exists()

    def test_nesting_real_books_use(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '{% tabs %}\n{% tab title="Linux" %}\n{% hint style="info" %}\nIn a hint:\n\n'
            "```bash\nmake\n```\n\n<details>\n<summary>Why?</summary>\n\nBecause.\n\n</details>\n"
            '{% endhint %}\n{% endtab %}\n{% tab title="Mac" %}\n<details>\n<summary>Brew'
            "</summary>\n\n```bash\nbrew install kb\n```\n\n</details>\n{% endtab %}\n"
            "{% endtabs %}\n",
        )
        tabs = blocks[0][1]["tabs"]
        hint = tabs[0]["content"][0]
        assert hint.block_type == "hint"
        assert [child.block_type for child in hint.value["content"]] == ["code", "expandable"]
        assert tabs[1]["content"][0].block_type == "expandable"
        assert main.select(".hint details summary")[0].get_text() == "Why?"
        assert "brew install kb" in text


class TestHtml:
    def test_an_html_table_is_a_table_with_links_resolved(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "<table><thead><tr><th>Name</th><th>Notes</th></tr></thead><tbody>"
            '<tr><td><a href="other.md">Other</a></td><td><mark>new</mark> H<sub>2</sub>O '
            "x<sup>2</sup></td></tr></tbody></table>\n",
        )
        other = TopicPage.objects.get(title="Other")
        assert blocks[0][0] == "table"
        cells = main.select("table td")
        assert cells[0].find("a")["href"] == other.url
        assert cells[1].find("mark").get_text() == "new"
        assert cells[1].find("sub") is not None and cells[1].find("sup") is not None

    def test_a_card_table_is_cards(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '<table data-view="cards"><thead><tr><th></th><th></th><th data-hidden '
            'data-card-target data-type="content-ref"></th></tr></thead><tbody>'
            '<tr><td><strong>Other</strong></td><td>The other page</td><td><a href="other.md">'
            "other.md</a></td></tr><tr><td><strong>Web</strong></td><td>Elsewhere</td><td>"
            '<a href="https://example.org">https://example.org</a></td></tr></tbody></table>\n',
        )
        other = TopicPage.objects.get(title="Other")
        assert blocks[0][0] == "cards"
        hrefs = [a["href"] for a in main.select(".cards a")]
        assert other.url in hrefs and "https://example.org" in hrefs
        assert "The other page" in text

    def test_buttons_and_html_links_are_links(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '<a href="other.md" class="button primary">Read the other page</a>\n',
        )
        other = TopicPage.objects.get(title="Other")
        link = main.find("a", string="Read the other page")
        assert link is not None and link["href"] == other.url

    def test_figures_images_in_lists_and_web_images_are_kept(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '<figure><img src="../.gitbook/assets/image%20(3).png" alt="A chart">'
            "<figcaption><p>The chart</p></figcaption></figure>\n\n"
            "* Step with a picture ![A dot](/.gitbook/assets/image%20(3).png)\n\n"
            "![A logo](https://example.org/logo.png)\n",
            extra_files={".gitbook/assets/image (3).png": png_bytes()},
        )
        kinds = [block_type for block_type, _ in blocks]
        assert kinds == ["image", "text", "web_image"]
        assert main.find("figcaption").get_text(strip=True) == "The chart"
        assert main.select_one("li img")["alt"] == "A dot"
        assert main.find("img", src="https://example.org/logo.png")["alt"] == "A logo"


class TestText:
    def test_a_blockquote_keeps_its_formatting_and_links(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "> **Warning:** read [the other page](other.md#exit-game) first.\n>\n> — The team\n",
        )
        other = TopicPage.objects.get(title="Other")
        quote = main.find("blockquote")
        assert quote.find("b").get_text() == "Warning:"
        assert quote.find("a")["href"] == f"{other.url}#exit-game"
        assert "**" not in text and "The team" in text

    def test_math_is_rendered_as_mathml(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path, client, "$$\n\\frac{a}{b} = c^2\n$$\n\nAnd $$x$$ alone:\n\n$$E = mc^2$$\n"
        )
        assert [block_type for block_type, _ in blocks] == ["math", "text", "math"]
        assert len(main.find_all("math")) == 2
        assert main.find("mfrac") is not None

    def test_footnotes_are_numbered_notes_their_references_link_to(self, home, tmp_path, client):
        # As GitBook writes an annotation: a link to the note, then the note's reference; the
        # notes come at the end, after GitBook blocks that hold references too.
        page, blocks, (main, text), output = imported(
            tmp_path,
            client,
            "Enter an [0x address](#user-content-fn-1)[^1] or a name[^name].\n\n"
            '{% hint style="info" %}\nIn a hint[^name] too.\n{% endhint %}\n\n'
            "Not notes: [^nope] and `[^1]`.\n\n"
            "[^1]: e.g. `0xd8dA6BF2`\n\n"
            "[^name]: A **Farcaster** name, see [the other page](other.md).\n\n"
            "    Its second paragraph.\n\n"
            "[^unused]: Referenced nowhere.\n",
        )
        references = [(a.get_text(), a["href"]) for a in main.select(".page-body sup a")]
        assert references == [
            ("1", "#user-content-fn-1"),
            ("2", "#user-content-fn-2"),
            ("2", "#user-content-fn-2"),
        ]
        notes = main.select(".page-body ol > li[id^=user-content-fn-]")
        assert [note["id"] for note in notes] == ["user-content-fn-1", "user-content-fn-2"]
        assert notes[0].find("code").get_text() == "0xd8dA6BF2"
        assert notes[1].find("b").get_text() == "Farcaster"
        assert notes[1].find("a")["href"] == TopicPage.objects.get(title="Other").url
        assert "Its second paragraph." in notes[1].get_text()
        # What is no footnote stays as written; the annotation's link finds its note.
        assert "[^nope]" in text and main.find("code", string="[^1]") is not None
        assert "[^name]" not in text and "Referenced nowhere" not in text
        assert "has no heading" not in output
        assert "the footnote [^unused] is never referenced" in output

    def test_code_languages_are_kept_as_written(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            '```hcl\nresource "x" {}\n```\n\n```kotlin\nval x = 1\n```\n\n```python\nx = 1\n```\n',
        )
        assert [value["language"] for _, value in blocks] == ["hcl", "kotlin", "python"]
        assert main.select_one("code.language-python span") is not None  # highlighted

    def test_anchors_are_gitbook_s_own(self, home, tmp_path, client):
        page, blocks, (main, text), _ = imported(
            tmp_path,
            client,
            "## Version 1.2 & more\n\n## Setup\n\n## Setup\n\n## Exits {#exit-game}\n\n"
            "## 1. Install the SDK\n\n## Followers of User(s)\n\n## A user's score > X\n\n"
            "[First](#setup) [second](#setup-1) [exits](#exit-game)\n",
        )
        anchors = [value["anchor"] for block_type, value in blocks if block_type == "heading"]
        # As GitBook writes them: the links real books make to their own headings say so.
        assert anchors == [
            "version-1.2-and-more",
            "setup",
            "setup-1",
            "exit-game",
            "id-1.-install-the-sdk",
            "followers-of-user-s",
            "a-users-score-greater-than-x",
        ]
        for anchor in anchors:
            assert main.find(id=anchor) is not None
        assert "{#exit-game}" not in text

    def test_links_in_older_gitbook_anchors_find_their_heading(self, home, tmp_path, client):
        page, blocks, (main, text), output = imported(
            tmp_path,
            client,
            "## Release 4.6\n\n[here](#release-46), [there](other.md#Exit-Game) and "
            "[nowhere](#no-such-heading).\n",
        )
        other = TopicPage.objects.get(title="Other")
        hrefs = [a["href"] for a in main.select(".page-body a:not(.heading-anchor)")]
        assert hrefs == ["#release-4.6", f"{other.url}#exit-game", "#no-such-heading"]
        assert "has no heading #no-such-heading" in output

    def test_paths_are_percent_decoded_and_root_absolute(self, home, tmp_path, client):
        page, blocks, (main, text), output = imported(
            tmp_path,
            client,
            "[Spaced](my%20page.md) and [absolute](/guide/other.md#exit-game).\n\n"
            "![Logo](/.gitbook/assets/image%20(3).png)\n",
            extra_pages={"guide/my page.md": ("My page", "# My page\n\nSpaced out.\n")},
            extra_files={".gitbook/assets/image (3).png": png_bytes()},
        )
        spaced, other = TopicPage.objects.get(title="My page"), TopicPage.objects.get(title="Other")
        hrefs = [a["href"] for a in main.select(".page-body a:not(.heading-anchor)")]
        assert spaced.url in hrefs and f"{other.url}#exit-game" in hrefs
        assert blocks[-1][0] == "image"
        assert "leads nowhere" not in output


class TestReusableContent:
    def test_an_include_is_one_snippet_every_page_shows(self, home, tmp_path, client):
        include = "---\ntitle: Support\n---\n\nAsk in **#support**.\n"
        body = '{% include "../.gitbook/includes/support.md" %}\n'
        book = book_of(
            tmp_path,
            body,
            extra_pages={"guide/third.md": ("Third", "# Third\n\n" + body)},
            extra_files={".gitbook/includes/support.md": include.encode()},
        )
        import_book(book)
        snippet = ReusableContent.objects.get()
        assert snippet.title == "Support"
        for title in ("Page", "Third"):
            page = TopicPage.objects.get(title=title)
            assert [block.block_type for block in page.body] == ["reusable"]
            assert "Ask in #support" in reader_view(client.get(page.url))[1]

        (book / ".gitbook/includes/support.md").write_text(include.replace("Ask", "Write"))
        import_book(book)
        assert ReusableContent.objects.get().pk == snippet.pk
        for title in ("Page", "Third"):
            page = TopicPage.objects.get(title=title)
            assert "Write in #support" in reader_view(client.get(page.url))[1]


class TestTheFrontPage:
    def test_the_readme_keeps_all_of_its_blocks(self, home, tmp_path, client):
        book = book_of(tmp_path, "Body.\n")
        (book / "README.md").write_text(
            '# Knowledge base\n\nWelcome.\n\n{% hint style="info" %}\nStart here.\n{% endhint %}'
            "\n\n## Contents\n\n```bash\nkb start\n```\n"
        )
        import_book(book)
        front = HomePage.objects.get()
        text = reader_view(client.get(front.url))[1]
        for words in ("Welcome.", "Start here.", "Contents", "kb start"):
            assert words in text


class TestTheReport:
    def test_the_report_counts_what_was_degraded(self, home, tmp_path):
        book = book_of(tmp_path, "{% mystery %}\nKept.\n{% endmystery %}\n[gone](nowhere.md)\n")
        report = tmp_path / "report.json"
        output = import_book(book, "--report", str(report))
        data = json.loads(report.read_text())
        assert data["degraded"] == {"{% mystery %}": 1}
        assert data["unresolved_links"] == 1
        assert data["pages"]["created"] == 3
        assert "Degraded: {% mystery %}" in output
