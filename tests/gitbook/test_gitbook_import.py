"""import_gitbook: every GitBook construct becomes the block an editor would have made."""

import pytest
from bs4 import BeautifulSoup

from django.core.management import CommandError

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from pages.models import (
    DeepDivePage,
    FaqCategory,
    FaqIndexPage,
    FaqPage,
    GitBookSource,
    HomePage,
    SectionPage,
    TopicPage,
    VideoPage,
)
from tests.gitbook.books import import_book, png_bytes, without_block_keys, write_book

pytestmark = pytest.mark.django_db


def topic_book(tmp_path, body, extra_pages=None, extra_files=None):
    """A book whose one topic, 'Exits', has `body`, under the group 'Guide'."""
    pages = {
        "README.md": ("Knowledge base", "# Knowledge base\n\nWelcome.\n"),
        "guide/exits.md": ("Exits", "# Exits\n\n" + body),
        **(extra_pages or {}),
    }
    summary = ["# Table of contents", "", "* [Knowledge base](README.md)", "", "## Guide", ""]
    summary += [f"* [{title}]({path})" for path, (title, _) in pages.items() if path != "README.md"]
    return write_book(
        tmp_path / "book", pages, summary="\n".join(summary) + "\n", extra_files=extra_files
    )


def imported_topic(tmp_path, client, body, **kwargs):
    output = import_book(topic_book(tmp_path, body, **kwargs))
    page = TopicPage.objects.get(title="Exits")
    html = client.get(page.url).content.decode()
    return page, [(block.block_type, block.value) for block in page.body], html, output


def raw_blocks(page, field="body"):
    """The field's blocks as stored, less the editor's block keys on the rich text in them."""
    return [
        (block["type"], without_block_keys(block["value"]))
        for block in getattr(page, field).raw_data
    ]


class TestTheTree:
    def test_groups_become_sections_and_bullets_nest_in_order(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("Knowledge base", "Welcome, **reader**.\n"),
                "guide/launch/README.md": ("Launch", "---\ndescription: How it began.\n---\n"),
                "guide/launch/airdrop.md": ("Airdrop", "# Airdrop\n\nTokens were sent.\n"),
                "guide/basics.md": ("Basics", "Basics.\n"),
                "deep/plasma.md": ("Plasma", "---\ntype: deep-dive\n---\nPlasma.\n"),
            },
            summary="""
            # Table of contents

            * [Knowledge base](README.md)

            ## Official Guide

            * [Launch](guide/launch/README.md)
              * [Airdrop](guide/launch/airdrop.md)
            * [Basics](guide/basics.md)

            ## Deep Dive

            * [Plasma](deep/plasma.md)
            """,
        )

        output = import_book(book)

        assert "Imported: 6 created, 1 updated, 0 unchanged, 0 warnings." in output
        home.refresh_from_db()
        assert home.title == "Knowledge base"
        assert without_block_keys(home.introduction) == "<p>Welcome, <b>reader</b>.</p>"
        sections = home.get_children().specific()
        assert [(type(s), s.title, s.slug) for s in sections] == [
            (SectionPage, "Official Guide", "official-guide"),
            (SectionPage, "Deep Dive", "deep-dive"),
        ]
        guide = sections[0]
        assert [(p.title, p.slug) for p in guide.get_children()] == [
            ("Launch", "launch"),
            ("Basics", "basics"),
        ]
        launch = TopicPage.objects.get(title="Launch")
        assert launch.summary == "How it began."
        assert [p.title for p in launch.get_children()] == ["Airdrop"]
        assert type(Page.objects.get(title="Plasma").specific) is DeepDivePage
        assert all(page.live for page in Page.objects.descendant_of(home))

    def test_the_title_heading_is_not_repeated_in_the_body(self, home, tmp_path, client):
        page, blocks, html, _ = imported_topic(tmp_path, client, "Body text.\n")

        assert [block_type for block_type, _ in blocks] == ["text"]
        assert BeautifulSoup(html, "html.parser").find_all("h1")[0].get_text() == "Exits"
        assert len(BeautifulSoup(html, "html.parser").find_all("h1")) == 1

    def test_a_fresh_site_gets_its_home_page_from_the_readme(self, db, tmp_path, client):
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("OMG KB", "---\ndescription: All about OMG.\n---\n# OMG KB\n\nHi.\n"),
                "a.md": ("A", "A.\n"),
            },
            summary="* [OMG KB](README.md)\n\n## Guide\n\n* [A](a.md)\n",
        )

        import_book(book)

        home = HomePage.objects.get()
        assert (home.title, home.summary, home.live) == ("OMG KB", "All about OMG.", True)
        assert client.get("/").status_code == 200
        # Wagtail's stock welcome page made way for it.
        assert Page.objects.filter(depth=2).count() == 1

    def test_parent_option_imports_under_that_page(self, home, section, tmp_path):
        book = write_book(tmp_path / "book", {"a.md": ("Alpha", "A.\n"), "b.md": ("Beta", "B.\n")})

        import_book(book, "--parent", section.url_path.removeprefix(home.url_path))

        section.refresh_from_db()
        assert [p.title for p in section.get_children()] == ["Alpha", "Beta"]

    def test_a_readme_onto_another_books_page_is_refused_and_nothing_written(self, home, tmp_path):
        first = write_book(
            tmp_path / "first",
            {"README.md": ("Knowledge base", "Welcome.\n"), "a.md": ("Alpha", "A.\n")},
            summary="* [Knowledge base](README.md)\n\n## Guide\n\n* [Alpha](a.md)\n",
        )
        import_book(first)
        second = write_book(
            tmp_path / "second",
            {"README.md": ("Second book", "Hello.\n"), "b.md": ("Beta", "B.\n")},
        )

        def everything():
            return (
                sorted(Page.objects.values_list("pk", "title", "path", "latest_revision_id")),
                sorted(GitBookSource.objects.values_list("page", "book_root", "path")),
                Revision.objects.count(),
            )

        before = everything()

        # The second book's README would become the first book's section 'Guide'.
        with pytest.raises(CommandError) as refused:
            import_book(second, "--parent", "/guide/")

        message = str(refused.value)
        assert message.startswith("Nothing was imported.")
        assert "README.md: would become the page 'Guide' (/guide/)" in message
        assert "the book imported under 'Knowledge base' (/)" in message
        assert "under a page no other book made" in message
        assert everything() == before

    def test_user_option_records_who_made_the_revisions(self, home, tmp_path, django_user_model):
        user = django_user_model.objects.create_superuser("importer", password="x")
        book = write_book(
            tmp_path / "book", {"a.md": ("Alpha", "A.\n")}, summary="## G\n* [Alpha](a.md)\n"
        )

        import_book(book, "--user", "importer")

        page = TopicPage.objects.get(title="Alpha")
        assert page.latest_revision.user == user
        assert page.owner == user

    def test_a_new_page_is_published_as_wagtail_publishes_one(
        self, home, client, tmp_path, django_user_model
    ):
        user = django_user_model.objects.create_superuser("importer", password="x")
        book = write_book(
            tmp_path / "book", {"a.md": ("Alpha", "A.\n")}, summary="## G\n* [Alpha](a.md)\n"
        )

        import_book(book, "--user", "importer", "--change-note", "From the book.")

        page = TopicPage.objects.get(title="Alpha")
        revision = page.latest_revision
        assert (page.live, page.has_unpublished_changes, page.expired) == (True, False, False)
        assert page.live_revision == revision and revision.user == user
        assert page.first_published_at == page.last_published_at == revision.created_at
        assert revision.as_object().body[0].value.source == page.body[0].value.source
        publishes = PageLogEntry.objects.filter(page=page, action="wagtail.publish")
        assert [(e.revision, e.user) for e in publishes] == [(revision, user)]
        assert client.get(page.url).status_code == 200
        assert "From the book." in client.get("/whats-new/").content.decode()
        # Its next change goes through Wagtail's own publish, from the revision just made.
        page.title = "Alpha, revised"
        page.save_revision(user=user).publish(user=user)
        page.refresh_from_db()
        assert (page.title, page.has_unpublished_changes) == ("Alpha, revised", False)

    def test_a_new_pages_history_is_the_one_an_editors_publish_writes(
        self, home, admin_client, tmp_path, django_user_model
    ):
        user = django_user_model.objects.get(username="admin")
        book = write_book(
            tmp_path / "book", {"a.md": ("Alpha", "A.\n")}, summary="## G\n* [Alpha](a.md)\n"
        )
        import_book(book, "--user", "admin", "--change-note", "From the book.")
        imported = TopicPage.objects.get(title="Alpha")
        by_hand = TopicPage(title="Beta", slug="beta", owner=user, change_note="From the book.")
        home.add_child(instance=by_hand)
        by_hand.save_revision(user=user, log_action=True).publish(user=user)

        def history(page):
            page.refresh_from_db()
            return [
                (
                    entry.action,
                    entry.label == page.title,
                    entry.content_type,
                    entry.user,
                    entry.revision == (page.live_revision if entry.revision else None),
                    entry.data,
                )
                for entry in PageLogEntry.objects.filter(page=page).order_by("timestamp", "pk")
            ]

        assert [entry[0] for entry in history(imported)] == [
            "wagtail.create",
            "wagtail.edit",
            "wagtail.publish",
        ]
        assert history(imported) == history(by_hand)
        # The publish is logged as Wagtail's copy action logs a page it makes live: the change
        # is the edit's.
        changed = PageLogEntry.objects.filter(page=imported).order_by("timestamp", "pk")
        assert [entry.content_changed for entry in changed] == [True, True, False]
        page_history = admin_client.get(f"/admin/pages/{imported.pk}/history/")
        assert page_history.status_code == 200
        assert "From the book." in page_history.content.decode()

    def test_a_user_who_cannot_publish_may_only_import_drafts(
        self, home, tmp_path, django_user_model
    ):
        django_user_model.objects.create_user("visitor", password="x")
        book = write_book(
            tmp_path / "book", {"a.md": ("Alpha", "A.\n")}, summary="## G\n* [Alpha](a.md)\n"
        )

        with pytest.raises(CommandError, match="visitor may not publish .*; import with --draft"):
            import_book(book, "--user", "visitor")
        assert not TopicPage.objects.exists()

        import_book(book, "--user", "visitor", "--draft")
        assert not TopicPage.objects.get().live

    def test_an_unknown_user_is_a_clear_error(self, home, tmp_path):
        book = write_book(tmp_path / "book", {"a.md": ("Alpha", "A.\n")})

        with pytest.raises(CommandError, match="There is no user 'nobody'"):
            import_book(book, "--user", "nobody")


class TestConstructs:
    def test_headings_keep_their_anchors(self, home, tmp_path, client):
        body = (
            '## Why exit?\n\n### The exit game <a href="#game" id="game"></a>\n\n#### Fine print\n'
        )
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        assert [(b["level"], b["text"], b["anchor"]) for _, b in blocks] == [
            ("h2", "Why exit?", "why-exit"),
            ("h3", "The exit game", "game"),
            ("h4", "Fine print", "fine-print"),
        ]
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find(id="game").name == "h3"

    def test_paragraphs_lists_and_inline_styles_are_rich_text(self, home, tmp_path, client):
        body = (
            "Plasma is **fast**, _cheap_ and `safe`, ~~not~~ [documented](https://plasma.io/).\n\n"
            "* one\n* two\n\n1. first\n2. second\n\n---\n"
        )
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        assert [block_type for block_type, _ in blocks] == ["text"]
        assert raw_blocks(page)[0][1] == (
            "<p>Plasma is <b>fast</b>, <i>cheap</i> and <code>safe</code>, <s>not</s> "
            '<a href="https://plasma.io/">documented</a>.</p>'
            "<ul><li>one</li><li>two</li></ul>"
            # The editor keeps a paragraph, empty, after a rule ends the text.
            "<ol><li>first</li><li>second</li></ol><hr/><p></p>"
        )
        # Stored as the admin's editor stores it: each block carries its own key.
        stored = BeautifulSoup(page.body.raw_data[0]["value"], "html.parser")
        keys = [element.get("data-block-key") for element in stored.find_all(["p", "li"])]
        assert all(key and len(key) == 5 and key.isalnum() for key in keys)
        assert len(set(keys)) == len(keys)
        assert "<b>fast</b>" in html

    def test_tables_name_their_columns_and_spot_numbers(self, home, tmp_path, client):
        body = "| Variant | Year |\n| --- | --- |\n| **MVP** | 2018 |\n| Cash | 2018 |\n"
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        table = raw_blocks(page)[0][1]["table"]
        assert table["columns"] == [
            {"type": "text", "heading": "Variant"},
            {"type": "number", "heading": "Year"},
        ]
        assert table["rows"][0]["values"] == ["<p><b>MVP</b></p>", "2018"]
        soup = BeautifulSoup(html, "html.parser")
        assert [th.get_text() for th in soup.select("table th")] == ["Variant", "Year"]

    def test_code_fences_keep_language_and_title(self, home, tmp_path, client):
        body = (
            "```sh\nmake run\n```\n\n"
            '{% code title="exit.ex" %}\n```elixir\nExit.start(utxo)\n```\n{% endcode %}\n\n'
            "```brainfuck\n+++\n```\n"
        )
        page, blocks, html, output = imported_topic(tmp_path, client, body)

        # A language is kept as written, GitBook's open set, highlighted where Pygments knows it.
        assert [(v["language"], v["title"], v["code"]) for _, v in raw_blocks(page)] == [
            ("sh", "", "make run"),
            ("elixir", "exit.ex", "Exit.start(utxo)"),
            ("brainfuck", "", "+++"),
        ]
        assert "exit.ex" in html
        soup = BeautifulSoup(html, "html.parser")
        assert [code.get_text() for code in soup.select(".code-block code")] == [
            "make run",
            "Exit.start(utxo)",
            "+++",
        ]

    @pytest.mark.parametrize(
        "style, stored",
        [
            ("info", "info"),
            ("success", "success"),
            ("warning", "warning"),
            ("danger", "danger"),
            ("tip", "success"),
            ("working", "warning"),
        ],
    )
    def test_hints_in_every_style(self, home, tmp_path, client, style, stored):
        body = f'{{% hint style="{style}" %}}\nMind the **exit** period.\n{{% endhint %}}\n'
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        assert raw_blocks(page) == [
            (
                "hint",
                {"style": stored, "text": "<p>Mind the <b>exit</b> period.</p>", "content": []},
            )
        ]
        assert "Mind the <b>exit</b> period." in html

    def test_an_unknown_hint_style_names_the_file_and_line(self, home, tmp_path):
        book = topic_book(tmp_path, 'Text.\n\n{% hint style="rainbow" %}\nX\n{% endhint %}\n')

        output = import_book(book)

        page = TopicPage.objects.get(title="Exits")
        assert [(b.block_type, b.value["style"]) for b in page.body[1:]] == [("hint", "info")]
        assert "guide/exits.md, line 5: the hint style 'rainbow' is shown as info." in output

    def test_an_unknown_hint_style_is_refused_with_strict(self, home, tmp_path):
        book = topic_book(tmp_path, 'Text.\n\n{% hint style="rainbow" %}\nX\n{% endhint %}\n')

        with pytest.raises(CommandError, match=r"guide/exits.md, line 5: the hint style 'rainbow'"):
            import_book(book, "--strict")
        assert not TopicPage.objects.exists()

    def test_embeds_with_and_without_caption(self, home, tmp_path, client):
        body = (
            '{% embed url="https://www.youtube.com/watch?v=abc" %}\nThe talk.\n{% endembed %}\n\n'
            '{% embed url="https://vimeo.com/1" %}\n\nAfter.\n'
        )
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        assert raw_blocks(page) == [
            ("embed", {"url": "https://www.youtube.com/watch?v=abc", "caption": "The talk."}),
            ("embed", {"url": "https://vimeo.com/1", "caption": ""}),
            ("text", "<p>After.</p>"),
        ]
        # The provider cannot be reached in tests: readers get a plain link.
        assert 'href="https://www.youtube.com/watch?v=abc"' in html

    def test_tabs(self, home, tmp_path, client):
        body = (
            "{% tabs %}\n"
            '{% tab title="Wallet" %}\nSend a payment.\n{% endtab %}\n\n'
            '{% tab title="Developer" %}\n```js\npay()\n```\n{% endtab %}\n'
            "{% endtabs %}\n"
        )
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        [(block_type, value)] = blocks
        assert block_type == "tabs"
        assert [tab["title"] for tab in value["tabs"]] == ["Wallet", "Developer"]
        assert [b.block_type for b in value["tabs"][1]["content"]] == ["code"]
        text = BeautifulSoup(html, "html.parser").get_text()
        assert "Send a payment." in text and "pay()" in text

    def test_details_become_an_expandable(self, home, tmp_path, client):
        body = (
            "<details>\n\n<summary>Why not bigger blocks?</summary>\n\n"
            "Every node pays.\n\n</details>\n"
        )
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        [(block_type, value)] = raw_blocks(page)
        assert (block_type, value["summary"]) == ("expandable", "Why not bigger blocks?")
        assert value["content"][0]["value"] == "<p>Every node pays.</p>"
        assert "<summary" in html and "Every node pays." in html

    def test_content_ref_is_a_card_to_the_page(self, home, tmp_path, client):
        body = '{% content-ref url="plasma.md" %}\n[Plasma](plasma.md)\n{% endcontent-ref %}\n'
        page, blocks, html, _ = imported_topic(
            tmp_path, client, body, extra_pages={"guide/plasma.md": ("Plasma", "Plasma.\n")}
        )

        plasma = TopicPage.objects.get(title="Plasma")
        assert raw_blocks(page) == [("card", {"page": plasma.pk, "title": "", "description": ""})]
        assert f'href="{plasma.url}"' in html

    def test_file_becomes_a_document(self, home, tmp_path, client):
        body = (
            '{% file src="../.gitbook/assets/white-paper.pdf" %}\nThe white paper\n{% endfile %}\n'
        )
        page, blocks, html, _ = imported_topic(
            tmp_path, client, body, extra_files={".gitbook/assets/white-paper.pdf": b"%PDF-1.4\n"}
        )

        document = get_document_model().objects.get()
        assert raw_blocks(page) == [
            ("file", {"document": document.pk, "caption": "The white paper"})
        ]
        assert document.file.read() == b"%PDF-1.4\n"
        assert "The white paper" in html

    def test_images_keep_alt_text_and_caption(self, home, tmp_path, client):
        body = (
            "![Exit queue by age](../.gitbook/assets/queue.png)\n\n"
            '<figure><img src="../.gitbook/assets/queue.png" alt="Queue again">'
            "<figcaption><p>Oldest first.</p></figcaption></figure>\n"
        )
        page, blocks, html, _ = imported_topic(
            tmp_path, client, body, extra_files={".gitbook/assets/queue.png": png_bytes()}
        )

        image = get_image_model().objects.get()  # the same file is stored once
        assert raw_blocks(page) == [
            (
                "image",
                {
                    "image": {
                        "image": image.pk,
                        "decorative": False,
                        "alt_text": "Exit queue by age",
                    },
                    "caption": "",
                },
            ),
            (
                "image",
                {
                    "image": {"image": image.pk, "decorative": False, "alt_text": "Queue again"},
                    "caption": "Oldest first.",
                },
            ),
        ]
        soup = BeautifulSoup(html, "html.parser")
        assert [img["alt"] for img in soup.select("figure img")] == [
            "Exit queue by age",
            "Queue again",
        ]
        assert soup.select_one("figcaption").get_text() == "Oldest first."

    def test_quotes_keep_their_attribution(self, home, tmp_path, client):
        body = "> Honest users can always leave.\n>\n> — The Plasma promise\n"
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        assert raw_blocks(page) == [
            (
                "quote",
                {
                    "text": "<p>Honest users can always leave.</p>",
                    "attribution": "The Plasma promise",
                },
            )
        ]

    def test_links_to_pages_survive_a_rename(self, home, tmp_path, client):
        body = "Read [the exit game](plasma.md#exit-game) and [this](#top).\n"
        page, blocks, html, _ = imported_topic(
            tmp_path, client, body, extra_pages={"guide/plasma.md": ("Plasma", "Plasma.\n")}
        )
        plasma = TopicPage.objects.get(title="Plasma")
        assert raw_blocks(page)[0][1] == (
            f'<p>Read <a anchor="exit-game" id="{plasma.pk}" linktype="page">the exit game</a>'
            ' and <a href="#top">this</a>.</p>'
        )
        assert f'href="{plasma.url}#exit-game"' in html

        plasma.slug = "plasma-explained"
        plasma.save_revision().publish()

        html = client.get(page.url).content.decode()
        assert 'href="/guide/plasma-explained/#exit-game"' in html

        body = "Read [the exit game](plasma.md#exit-game).\n"
        page, blocks, html, _ = imported_topic(
            tmp_path, client, body, extra_pages={"guide/plasma.md": ("Plasma", "Plasma.\n")}
        )
        stored = page.body.raw_data[0]["value"]
        widget = TopicPage.body.field.stream_block.child_blocks["text"].field.widget

        # What the admin does when an editor opens the page and saves it untouched.
        editor_value = widget.format_value(stored)
        saved = widget.value_from_datadict({"text": editor_value}, {}, "text")

        assert 'anchor="exit-game"' in saved
        assert saved.count("linktype") == 1


class TestPageTypes:
    def test_deep_dive_current_state_and_resources(self, home, tmp_path, client):
        book = write_book(
            tmp_path / "book",
            {
                "deep/plasma.md": (
                    "Plasma",
                    """
                    ---
                    type: deep-dive
                    current_state_as_of: 2020-06-01
                    ---
                    # Plasma

                    Child chains.

                    ## Current state

                    The mainnet runs **MoreVP**.

                    ## Resources

                    * [Plasma paper](https://plasma.io/plasma.pdf) — the original paper.
                    * [MVP](mvp.md) — the first design.
                    """,
                ),
                "deep/mvp.md": ("MVP", "---\ntype: deep-dive\n---\nMVP.\n"),
            },
            summary="## Deep\n* [Plasma](deep/plasma.md)\n* [MVP](deep/mvp.md)\n",
        )

        import_book(book)

        plasma = DeepDivePage.objects.get(title="Plasma")
        mvp = DeepDivePage.objects.get(title="MVP")
        assert raw_blocks(plasma) == [("text", "<p>Child chains.</p>")]
        assert without_block_keys(plasma.current_state) == "<p>The mainnet runs <b>MoreVP</b>.</p>"
        assert str(plasma.current_state_as_of) == "2020-06-01"
        assert [r["value"] for r in plasma.resources.raw_data] == [
            {
                "title": "Plasma paper",
                "page": None,
                "url": "https://plasma.io/plasma.pdf",
                "note": "the original paper.",
            },
            {"title": "", "page": mvp.pk, "url": "", "note": "the first design."},
        ]
        html = client.get(plasma.url).content.decode()
        assert "1 June 2020" in html and "the original paper." in html

    def test_a_current_state_needs_its_date(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"deep/p.md": ("P", "---\ntype: deep-dive\n---\n## Current state\n\nLive.\n")},
            summary="## Deep\n* [P](deep/p.md)\n",
        )

        output = import_book(book)

        # Undated, it is not the page's current state: it stays in the body, as written.
        page = DeepDivePage.objects.get()
        assert (page.current_state, [b.block_type for b in page.body]) == ("", ["heading", "text"])
        assert "deep/p.md, line 2: a Current state section needs current_state_as_of" in output

    def test_a_current_state_without_its_date_is_refused_with_strict(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"deep/p.md": ("P", "---\ntype: deep-dive\n---\n## Current state\n\nLive.\n")},
            summary="## Deep\n* [P](deep/p.md)\n",
        )

        with pytest.raises(
            CommandError,
            match="deep/p.md, line 2: a Current state section needs current_state_as_of",
        ):
            import_book(book, "--strict")
        assert not DeepDivePage.objects.exists()

    def test_faq_index_entries_take_its_title_as_category(self, home, tmp_path, client):
        book = write_book(
            tmp_path / "book",
            {
                "faq/qa/README.md": ("Community Q&A", "---\ntype: faq-index\n---\nAsked by you.\n"),
                "faq/qa/finished.md": ("Is it finished?", "No.\n"),
                "faq/amas/README.md": ("Official AMAs", "---\ntype: faq-index\n---\n"),
                "faq/amas/pos.md": (
                    "Will it move to PoS?",
                    "---\ncategory: Official AMAs\nanswered_on: 2019-05-01\n"
                    "source_url: https://example.org/ama\n---\nYes, in time.\n",
                ),
            },
            summary="""
            ## Frequently Asked Questions
            * [Community Q&A](faq/qa/README.md)
              * [Is it finished?](faq/qa/finished.md)
            * [Official AMAs](faq/amas/README.md)
              * [Will it move to PoS?](faq/amas/pos.md)
            """,
        )

        import_book(book)

        assert [type(p) for p in FaqIndexPage.objects.all()] == [FaqIndexPage, FaqIndexPage]
        finished = FaqPage.objects.get(title="Is it finished?")
        pos = FaqPage.objects.get(title="Will it move to PoS?")
        assert finished.category.name == "Community Q&A"
        assert (pos.category.name, str(pos.answered_on), pos.source_url) == (
            "Official AMAs",
            "2019-05-01",
            "https://example.org/ama",
        )
        assert list(FaqCategory.objects.values_list("name", flat=True)) == [
            "Community Q&A",
            "Official AMAs",
        ]
        assert client.get(pos.url).status_code == 200

    def test_video_takes_its_url_from_the_first_embed(self, home, tmp_path, client):
        book = write_book(
            tmp_path / "book",
            {
                "videos/talk.md": (
                    "The talk",
                    '---\ntype: video\n---\n{% embed url="https://www.youtube.com/watch?v=x" %}\n\n'
                    "Welcome.\n\nToday: exits.\n",
                )
            },
            summary="## Videos\n* [The talk](videos/talk.md)\n",
        )

        import_book(book)

        video = VideoPage.objects.get()
        assert video.video_url == "https://www.youtube.com/watch?v=x"
        assert video.transcript == "Welcome.\n\nToday: exits."

    def test_front_matter_flags_and_tags(self, home, tmp_path, client):
        body = "Text.\n"
        book = topic_book(tmp_path, body)
        (book / "guide/exits.md").write_text(
            "---\ndescription: Leaving the chain.\nin_development: true\n"
            "development_note: Rules may change.\nreview_due: 2021-01-31\ntags: [plasma, exits]\n"
            "---\n# Exits\n\nText.\n"
        )

        import_book(book)

        page = TopicPage.objects.get(title="Exits")
        assert (page.summary, page.in_development, page.development_note, str(page.review_due)) == (
            "Leaving the chain.",
            True,
            "Rules may change.",
            "2021-01-31",
        )
        assert sorted(page.tags.names()) == ["exits", "plasma"]
        assert "Rules may change." in client.get(page.url).content.decode()

    def test_a_page_type_in_the_wrong_place_is_the_closest_that_fits(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"topic.md": ("A topic", "---\ntype: video\nvideo_url: https://vimeo.com/1\n---\n")},
            summary="* [A topic](topic.md)\n",
        )

        output = import_book(book)

        home.refresh_from_db()
        assert [type(p) for p in home.get_children().specific()] == [TopicPage]
        assert "topic.md: a video cannot go under a home page; imported as a topic." in output

    def test_a_page_type_in_the_wrong_place_is_refused_with_strict(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"topic.md": ("A topic", "---\ntype: video\nvideo_url: https://vimeo.com/1\n---\n")},
            summary="* [A topic](topic.md)\n",
        )

        with pytest.raises(CommandError, match="topic.md: a video cannot go under"):
            import_book(book, "--strict")
        assert not Page.objects.child_of(home).exists()


class TestSanitising:
    def test_scripts_handlers_and_javascript_urls_never_reach_a_page(self, home, tmp_path, client):
        body = (
            '<p onclick="steal()">Click</p>\n\n<script>alert(1)</script>\n\n'
            '[bad](javascript:alert(1)) <a href="javascript:alert(2)">worse</a> '
            '<img src=x onerror="alert(3)">\n\n'
            '{% hint style="info" %}\n'
            '<iframe src="https://evil.example"></iframe>Hi\n{% endhint %}\n'
        )
        page, blocks, html, _ = imported_topic(tmp_path, client, body)

        stored = str(page.body.raw_data)
        main = html.split("<main", 1)[1]
        for danger in ("<script", "onclick", "onerror", 'href="javascript', "<iframe", "alert(3)"):
            assert danger not in stored
            assert danger not in main
        assert "Click" in main and "worse" in main
        # CommonMark refuses the javascript: link: it stays visible as plain text.
        assert not BeautifulSoup(main, "html.parser").select('a[href^="javascript"]')


class TestRepeatedImports:
    def test_an_unchanged_book_writes_nothing(self, home, tmp_path):
        book = topic_book(tmp_path, "Body.\n", extra_files={".gitbook/assets/a.png": png_bytes()})
        (book / "guide/exits.md").write_text("# Exits\n\n![A](../.gitbook/assets/a.png)\n")
        import_book(book)
        counts = (Page.objects.count(), Revision.objects.count(), get_image_model().objects.count())

        output = import_book(book)

        assert "0 created, 0 updated, 3 unchanged" in output
        assert (
            Page.objects.count(),
            Revision.objects.count(),
            get_image_model().objects.count(),
        ) == counts

    def test_a_changed_file_becomes_a_new_published_revision(self, home, tmp_path, client):
        book = topic_book(tmp_path, "Old text.\n")
        import_book(book)
        page = TopicPage.objects.get(title="Exits")
        revisions = page.revisions.count()

        (book / "guide/exits.md").write_text("# Exits\n\nNew text.\n")
        output = import_book(book)

        assert "0 created, 1 updated, 2 unchanged" in output
        assert page.revisions.count() == revisions + 1
        assert "New text." in client.get(page.url).content.decode()
        assert TopicPage.objects.get(pk=page.pk).pk == page.pk  # same page, same URL

    def test_draft_leaves_changes_for_review(self, home, tmp_path, client):
        book = topic_book(tmp_path, "Old text.\n")
        import_book(book)
        page = TopicPage.objects.get(title="Exits")

        (book / "guide/exits.md").write_text("# Exits\n\nNew text.\n")
        output = import_book(book, "--draft")

        page.refresh_from_db()
        assert "1 updated as drafts" in output
        assert page.has_unpublished_changes
        html = client.get(page.url).content.decode()
        assert "Old text." in html and "New text." not in html
        assert "New text." in str(page.get_latest_revision_as_object().body.raw_data)

    def test_draft_import_of_new_pages_publishes_nothing(self, home, tmp_path, client):
        import_book(topic_book(tmp_path, "Text.\n"), "--draft")

        page = TopicPage.objects.get(title="Exits")
        assert not page.live
        assert client.get("/guide/exits/").status_code == 404

    def test_dry_run_reports_and_writes_nothing(self, home, tmp_path):
        pages = Page.objects.count()

        output = import_book(topic_book(tmp_path, "Text.\n"), "--dry-run")

        assert "Dry run, nothing written: would have 2 created, 1 updated" in output
        assert Page.objects.count() == pages


class TestIndexes:
    """An import indexes its pages once, at the end, and only what it keeps."""

    def test_imported_pages_are_found_by_search_with_their_tags(self, home, tmp_path):
        book = topic_book(
            tmp_path,
            "Watchers guard the zebrafish bridge.\n",
            extra_pages={
                "guide/other.md": ("Other", "---\ntags: [lighthouse]\n---\n# Other\n\nNothing.\n")
            },
        )

        import_book(book)

        assert [p.title for p in Page.objects.live().search("zebrafish")] == ["Exits"]
        assert [p.title for p in Page.objects.live().search("lighthouse")] == ["Other"]

    def test_a_changed_page_is_searched_by_its_new_text(self, home, tmp_path):
        book = topic_book(tmp_path, "About the zebrafish.\n")
        import_book(book)

        (book / "guide/exits.md").write_text("# Exits\n\nAbout the narwhal.\n")
        import_book(book)

        assert [p.title for p in Page.objects.live().search("narwhal")] == ["Exits"]
        assert not Page.objects.live().search("zebrafish")

    def test_links_between_pages_are_in_the_reference_index(self, home, tmp_path):
        book = topic_book(
            tmp_path,
            "See [the other page](other.md).\n",
            extra_pages={"guide/other.md": ("Other", "# Other\n\nText.\n")},
        )

        import_book(book)

        other = TopicPage.objects.get(title="Other")
        usage = ReferenceIndex.get_grouped_references_to(other)
        assert [source.title for source, _ in usage] == ["Exits"]

    def test_a_dry_run_or_a_failed_import_indexes_nothing(self, home, tmp_path):
        entries = IndexEntry.objects.count()
        import_book(topic_book(tmp_path, "About the zebrafish.\n"), "--dry-run")
        broken = topic_book(
            tmp_path / "second",
            "About the zebrafish.\n",
            extra_pages={"guide/card.md": ("Card", "{% tabs %}\nstray text\n{% endtabs %}\n")},
        )
        with pytest.raises(CommandError):
            import_book(broken, "--strict")

        assert not Page.objects.search("zebrafish")
        assert IndexEntry.objects.count() == entries


class TestProblems:
    def test_one_unreadable_page_leaves_the_database_untouched(self, home, tmp_path):
        book = topic_book(tmp_path, "Fine.\n", extra_pages={"guide/broken.md": ("Broken", "x")})
        (book / "guide/broken.md").write_bytes(b"\xff\xfe not utf-8")
        before = (Page.objects.count(), Revision.objects.count())

        with pytest.raises(CommandError) as error:
            import_book(book)

        assert "Nothing was imported" in str(error.value)
        assert "guide/broken.md: cannot be read" in str(error.value)
        assert (Page.objects.count(), Revision.objects.count()) == before

    def test_an_error_after_pages_were_written_rolls_them_back(self, home, tmp_path, settings):
        # Images are stored as their page is written, after the pages before it.
        settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
        book = topic_book(
            tmp_path,
            "Fine.\n",
            extra_pages={"guide/card.md": ("Card", "![Big](../.gitbook/assets/big.png)\n")},
            extra_files={".gitbook/assets/big.png": png_bytes(size=(400, 400))},
        )
        before = Page.objects.count()

        with pytest.raises(
            CommandError, match=r"\.gitbook/assets/big.png: is .* bytes; an image or file may be"
        ):
            import_book(book)

        assert Page.objects.count() == before

    def test_a_construct_without_an_exact_block_is_kept_or_refused_with_strict(
        self, home, tmp_path, client
    ):
        book = topic_book(
            tmp_path,
            "Fine.\n",
            extra_pages={"guide/card.md": ("Card", "{% tabs %}\nstray text\n{% endtabs %}\n")},
        )
        before = Page.objects.count()

        with pytest.raises(CommandError, match=r"guide/card.md, line \d+: .*\(--strict\)"):
            import_book(book, "--strict")
        assert Page.objects.count() == before

        output = import_book(book)

        card = TopicPage.objects.get(title="Card")
        assert "stray text" in client.get(card.url).content.decode()
        assert "Warning: guide/card.md, line 1:" in output

    def test_broken_front_matter_names_its_line(self, home, tmp_path):
        book = topic_book(tmp_path, "x")
        (book / "guide/exits.md").write_text('---\ndescription: "Quoted" then more\n---\n')

        with pytest.raises(
            CommandError, match=r"guide/exits.md, line \d+: front matter is not valid YAML"
        ):
            import_book(book)

    def test_gaps_in_the_book_are_warnings_and_the_import_goes_on(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"a.md": ("Alpha", "See [nowhere](missing.md).\n"), "stray.md": ("Stray", "Stray.\n")},
            summary="""
            ## Group
            * [Alpha](a.md)
            * [Gone](gone.md)
            * [Elsewhere](https://example.org/page)
            """,
        )

        output = import_book(book)

        assert "SUMMARY.md, line 3: gone.md does not exist, so 'Gone' was skipped." in output
        assert "SUMMARY.md, line 4: https://example.org/page links outside the book" in output
        assert "stray.md: not in SUMMARY.md, so not imported." in output
        assert (
            "a.md: the link to 'missing.md' leads nowhere in the book; its text was kept." in output
        )
        assert "Imported: 2 created, 0 updated, 0 unchanged, 4 warnings." in output
        assert TopicPage.objects.get().title == "Alpha"

    def test_a_missing_book_is_a_clear_error(self, home, tmp_path):
        with pytest.raises(CommandError, match="is not a directory"):
            import_book(tmp_path / "nothing-here")
