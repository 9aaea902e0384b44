"""
import_gitbook: a real GitBook book imports whole, whatever its table of contents looks like.

What the page tree cannot take as the book has it is placed in the closest way it can, and noted
in the report; `--strict` refuses the same book and leaves the database as it was.
"""

import pytest
from bs4 import BeautifulSoup

from django.core.management import CommandError

from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from pages.models import (
    DeepDivePage,
    FaqIndexPage,
    FaqPage,
    GitBookSource,
    HomePage,
    SectionPage,
    TopicPage,
)
from tests.gitbook.books import import_book, without_block_keys, write_book

pytestmark = pytest.mark.django_db


def tree(page):
    """The page tree under `page` as readers see it: (type, title, slug, the pages under it)."""
    return [
        (type(child).__name__, child.title, child.slug, tree(child))
        for child in page.get_children().specific()
    ]


def refused_strictly(book, match):
    """`--strict` refuses the book with the error matched, and imports nothing."""
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=match):
        import_book(book, "--strict")
    assert Page.objects.count() == pages
    assert not GitBookSource.objects.exists()


class TestABookWithoutGroups:
    """GitBook's most common layout: every page straight under the book, no `## Group`."""

    SUMMARY = """
    # Table of contents

    * [Welcome](README.md)
    * [Getting started](getting-started/README.md)
      * [Install](getting-started/install.md)
        * [On Linux](getting-started/linux.md)
    * [Glossary](glossary.md)
    """

    def book(self, tmp_path, getting_started="Start here.\n"):
        return write_book(
            tmp_path / "book",
            {
                "README.md": ("Welcome", "# Welcome\n\nHello.\n"),
                "getting-started/README.md": ("Getting started", getting_started),
                "getting-started/install.md": ("Install", "Install it.\n"),
                "getting-started/linux.md": ("On Linux", "apt install it.\n"),
                "glossary.md": ("Glossary", "Words.\n"),
            },
            summary=self.SUMMARY,
        )

    def test_a_page_with_pages_under_it_is_a_section_and_the_rest_topics(
        self, home, tmp_path, client
    ):
        output = import_book(self.book(tmp_path))

        home.refresh_from_db()
        assert tree(home) == [
            (
                "SectionPage",
                "Getting started",
                "getting-started",
                [("TopicPage", "Install", "install", [("TopicPage", "On Linux", "linux", [])])],
            ),
            ("TopicPage", "Glossary", "glossary", []),
        ]
        assert home.title == "Welcome"
        assert "Imported: 4 created, 1 updated, 0 unchanged, 0 warnings." in output
        listed = BeautifulSoup(client.get("/").content, "html.parser").main.find_all("a")
        assert {"Getting started", "Glossary"} <= {link.get_text(strip=True) for link in listed}

    def test_a_sections_own_file_is_kept_whole(self, home, tmp_path, client):
        # An introduction holds text only: the section's headings, code and tables are its body.
        book = self.book(
            tmp_path,
            getting_started=(
                "# Getting started\n\nStart here.\n\n## Requirements\n\n```sh\nmake setup\n```\n\n"
                "| Tool | Version |\n| --- | --- |\n| Python | 3.12 |\n"
            ),
        )

        import_book(book)

        section = SectionPage.objects.get(title="Getting started")
        assert without_block_keys(section.introduction) == "<p>Start here.</p>"
        assert [block.block_type for block in section.body] == ["heading", "code", "table"]
        main = BeautifulSoup(client.get(section.url).content, "html.parser").main
        text = " ".join(main.get_text(" ").split())
        for shown in ("Start here.", "Requirements", "make setup", "Python", "Install"):
            assert shown in text

    def test_imported_again_the_book_changes_nothing(self, home, tmp_path):
        book = self.book(tmp_path)
        import_book(book)
        pages = list(Page.objects.values_list("pk", "slug", "url_path"))

        output = import_book(book)

        assert "0 created, 0 updated, 5 unchanged" in output
        assert list(Page.objects.values_list("pk", "slug", "url_path")) == pages


class TestUnlinkedParents:
    def test_a_bullet_without_a_link_keeps_its_level(self, home, tmp_path, client):
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("Home", "Hello.\n"),
                "install.md": ("Install", "Install it.\n"),
                "deploy.md": ("Deploy", "Deploy it.\n"),
                "api/errors.md": ("Errors", "Codes.\n"),
            },
            summary="""
            * [Home](README.md)
            * Guides
              * [Install](install.md)
              * [Deploy](deploy.md)

            ## Reference

            * API
              * [Errors](api/errors.md)
            """,
        )

        import_book(book)

        home.refresh_from_db()
        assert tree(home) == [
            (
                "SectionPage",
                "Guides",
                "guides",
                [("TopicPage", "Install", "install", []), ("TopicPage", "Deploy", "deploy", [])],
            ),
            (
                "SectionPage",
                "Reference",
                "reference",
                [("TopicPage", "API", "api", [("TopicPage", "Errors", "errors", [])])],
            ),
        ]
        guides = SectionPage.objects.get(title="Guides")
        assert "Install" in client.get(guides.url).content.decode()


class TestEntriesListedTwice:
    def test_a_page_listed_again_is_imported_once_where_listed_first(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("Home", "Hello.\n"),
                "plasma/README.md": ("Plasma", "Plasma.\n"),
                "plasma/exits.md": ("Exits", "Exits.\n"),
            },
            summary="""
            * [Home](README.md)

            ## Guide

            * [Plasma](plasma/README.md)
              * [Plasma overview](plasma/README.md)
              * [Exits](plasma/exits.md)
            * [Exits again](plasma/./exits.md)
            * [Home again](README.md)
            """,
        )

        output = import_book(book)

        home.refresh_from_db()
        assert tree(home) == [
            (
                "SectionPage",
                "Guide",
                "guide",
                [("TopicPage", "Plasma", "plasma", [("TopicPage", "Exits", "exits", [])])],
            )
        ]
        assert (
            "SUMMARY.md, line 6: plasma/README.md is listed again (first on line 5); it is "
            "imported once, where it is listed first." in output
        )
        assert "SUMMARY.md, line 8: plasma/exits.md is listed again (first on line 7)" in output
        assert "SUMMARY.md, line 9: README.md is listed again (first on line 1)" in output


class TestRedirects:
    def book(self, tmp_path, redirects):
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("Home", "Hello.\n"),
                "new-folder/page.md": ("The page", "Moved here.\n"),
            },
            summary="* [Home](README.md)\n\n## Guide\n\n* [The page](new-folder/page.md)\n",
        )
        (book / ".gitbook.yaml").write_text(f"redirects:\n{redirects}")
        return book

    def test_old_gitbook_addresses_lead_to_the_pages(self, home, tmp_path, client):
        book = self.book(
            tmp_path,
            "  previous/page: new-folder/page.md\n"
            "  /older/page/: ./new-folder/page.md\n"
            "  gone/page: removed.md\n",
        )

        output = import_book(book)

        page = TopicPage.objects.get(title="The page")
        for old in ("/previous/page", "/previous/page/", "/older/page"):
            response = client.get(old)
            assert (response.status_code, response["Location"]) == (301, page.url)
        assert client.get("/gone/page/").status_code == 404
        assert (
            ".gitbook.yaml: the redirect from gone/page leads to removed.md, which is not a page "
            "of the book; it was left out." in output
        )
        assert "Redirects added          2" in output
        redirect = Redirect.objects.get(old_path="/previous/page")
        assert (redirect.site, redirect.redirect_page.specific) == (home.get_site(), page)

    def test_imported_again_they_are_updated_not_added(self, home, tmp_path, client):
        book = self.book(tmp_path, "  previous/page: new-folder/page.md\n")
        import_book(book)

        (book / "new-folder/other.md").write_text("# Other\n\nHere now.\n")
        (book / "SUMMARY.md").write_text(
            "* [Home](README.md)\n\n## Guide\n\n* [The page](new-folder/page.md)\n"
            "* [Other](new-folder/other.md)\n"
        )
        output = import_book(book)
        assert "Redirects added          0" in output

        (book / ".gitbook.yaml").write_text("redirects:\n  previous/page: new-folder/other.md\n")
        output = import_book(book)

        assert "Redirects added          1" in output
        assert Redirect.objects.count() == 1
        assert client.get("/previous/page")["Location"] == TopicPage.objects.get(title="Other").url

    def test_root_and_structure_still_place_the_book(self, home, tmp_path, client):
        book = write_book(
            tmp_path / "repo",
            {
                "docs/intro.md": ("Start", "# Start\n\nHello.\n"),
                "docs/guide/page.md": ("A page", "Text.\n"),
            },
            summary="unused",
        )
        (book / "docs/toc.md").write_text(
            "* [Start](intro.md)\n\n## Guide\n\n* [A page](guide/page.md)\n"
        )
        (book / ".gitbook.yaml").write_text(
            "root: ./docs/\nstructure:\n  readme: intro.md\n  summary: toc.md\n"
            "redirects:\n  old-page: guide/page.md\n"
        )

        import_book(book)

        home.refresh_from_db()
        assert home.title == "Start"
        page = TopicPage.objects.get(title="A page")
        assert client.get("/old-page")["Location"] == page.url


class TestPathsInTheSummary:
    def test_encoded_spaced_and_root_absolute_links_are_found(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "my page.md": ("Mine", "Mine.\n"),
                "other page.md": ("Other", "Other.\n"),
                "guide/deep.md": ("Deep", "Deep.\n"),
                "raw page (2).md": ("Raw", "Raw.\n"),
            },
            summary="""
            ## Guide

            * [Mine](my%20page.md)
            * [Other](<other page.md>)
            * [Deep](/guide/deep.md)
            * [Raw](raw page (2).md)
            """,
        )

        output = import_book(book)

        section = SectionPage.objects.get(title="Guide")
        assert tree(section) == [
            ("TopicPage", "Mine", "my-page", []),
            ("TopicPage", "Other", "other-page", []),
            ("TopicPage", "Deep", "deep", []),
            ("TopicPage", "Raw", "raw-page-2", []),
        ]
        assert "0 warnings" in output
        assert GitBookSource.objects.filter(path="my page.md").exists()

    @pytest.mark.parametrize(
        "href", ["%2e%2e/secret.md", "/..%2Fsecret.md", "guide/%2E%2E/../x.md"]
    )
    def test_an_encoded_climb_out_of_the_book_is_refused(self, home, tmp_path, href):
        (tmp_path / "secret.md").write_text("# Secret\n")
        book = write_book(
            tmp_path / "book", {"a.md": ("A", "A.\n")}, summary=f"* [A](a.md)\n* [S]({href})\n"
        )

        with pytest.raises(CommandError, match=r"SUMMARY.md, line 2: .* is outside the book"):
            import_book(book)
        assert not TopicPage.objects.exists()

    def test_a_symbolic_link_out_of_the_book_is_refused(self, home, tmp_path):
        (tmp_path / "secret.md").write_text("# Secret\n")
        book = write_book(tmp_path / "book", {"a.md": ("A", "A.\n")})
        (book / "link.md").symlink_to(tmp_path / "secret.md")
        (book / "SUMMARY.md").write_text("* [A](a.md)\n* [L](/link.md)\n")

        with pytest.raises(CommandError, match="leads outside the book through a symbolic link"):
            import_book(book)
        assert not TopicPage.objects.exists()


class TestSlugs:
    def test_slugs_taken_by_a_sibling_get_gitbooks_numbers(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "Framework/React/overview.md": ("React", "React.\n"),
                "Framework/Vue/overview.md": ("Vue", "Vue.\n"),
                "Framework/Svelte/overview.md": ("Svelte", "Svelte.\n"),
                "a.md": ("A file", "A.\n"),
                "a/README.md": ("A folder", "A folder.\n"),
            },
            summary="""
            ## Frameworks

            * [React](Framework/React/overview.md)
            * [Vue](Framework/Vue/overview.md)
            * [Svelte](Framework/Svelte/overview.md)
            * [A file](a.md)
            * [A folder](a/README.md)
            """,
        )

        import_book(book)

        assert tree(SectionPage.objects.get()) == [
            ("TopicPage", "React", "overview", []),
            ("TopicPage", "Vue", "overview-1", []),
            ("TopicPage", "Svelte", "overview-2", []),
            ("TopicPage", "A file", "a", []),
            ("TopicPage", "A folder", "a-1", []),
        ]

    def test_dots_and_leading_underscores_are_kept_apart(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "v1.2.md": ("Version 1.2", "1.2\n"),
                "v1-2.md": ("Version 1-2", "1-2\n"),
                "_index.md": ("Underscored", "_\n"),
                "index.md": ("Index", "i\n"),
                "history.md": ("History", "h\n"),
            },
            summary="## Notes\n"
            + "".join(
                f"* [{title}]({path})\n"
                for path, title in [
                    ("v1.2.md", "Version 1.2"),
                    ("v1-2.md", "Version 1-2"),
                    ("_index.md", "Underscored"),
                    ("index.md", "Index"),
                    ("history.md", "History"),
                ]
            ),
        )

        import_book(book)

        # `history` is the address of every page's history: the site keeps it.
        assert [slug for _, _, slug, _ in tree(SectionPage.objects.get())] == [
            "v1-2",
            "v1-2-1",
            "_index",
            "index",
            "history-page",
        ]

    def test_a_page_imported_before_keeps_its_slug(self, home, tmp_path):
        pages = {
            "React/overview.md": ("React", "React.\n"),
            "Vue/overview.md": ("Vue", "Vue.\n"),
        }
        book = write_book(
            tmp_path / "book", pages, summary="## Guide\n* [React](React/overview.md)\n"
        )
        import_book(book)
        react = TopicPage.objects.get(title="React")

        # Vue is added before React: React keeps the address readers know.
        (book / "SUMMARY.md").write_text(
            "## Guide\n* [Vue](Vue/overview.md)\n* [React](React/overview.md)\n"
        )
        import_book(book)

        assert tree(SectionPage.objects.get()) == [
            ("TopicPage", "Vue", "overview-1", []),
            ("TopicPage", "React", "overview", []),
        ]
        assert TopicPage.objects.get(title="React").pk == react.pk

    def test_a_page_moved_next_to_its_namesake_takes_the_next_number(self, home, tmp_path, client):
        pages = {"a/overview.md": ("A", "A.\n"), "b/overview.md": ("B", "B.\n")}
        summary = "## One\n* [A](a/overview.md)\n\n## Two\n* [B](b/overview.md)\n"
        book = write_book(tmp_path / "book", pages, summary=summary)
        import_book(book)

        (book / "SUMMARY.md").write_text("## One\n* [A](a/overview.md)\n* [B](b/overview.md)\n")
        output = import_book(book)

        one = SectionPage.objects.get(title="One")
        assert tree(one) == [
            ("TopicPage", "A", "overview", []),
            ("TopicPage", "B", "overview-1", []),
        ]
        assert "its slug is now 'overview-1'" in output
        page = TopicPage.objects.get(title="B")
        assert client.get(page.url).status_code == 200
        assert page.get_latest_revision_as_object().slug == "overview-1"


class TestPagesThePageTreeCannotTakeAsTheyAre:
    def test_an_unknown_type_is_the_default_type(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"a.md": ("Alpha", "---\ntype: tutorial\n---\nA.\n")},
            summary="## Guide\n* [Alpha](a.md)\n",
        )

        output = import_book(book)

        assert TopicPage.objects.get().title == "Alpha"
        assert "a.md, line 2: type must be one of topic, deep-dive" in output
        assert "not 'tutorial'; its place in the book gives its type." in output

    def test_an_unknown_type_is_refused_with_strict(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"a.md": ("Alpha", "---\ntype: tutorial\n---\nA.\n")},
            summary="## Guide\n* [Alpha](a.md)\n",
        )

        refused_strictly(book, r"a.md, line 2: type must be one of .* not 'tutorial'")

    def test_front_matter_that_is_not_yaml_stays_fatal(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {"a.md": ("Alpha", "---\ntype: [topic\n---\nA.\n")},
            summary="## Guide\n* [Alpha](a.md)\n",
        )

        with pytest.raises(CommandError, match="a.md, line .*: front matter is not valid YAML"):
            import_book(book)
        assert not TopicPage.objects.exists()

    def faq_book(self, tmp_path):
        return write_book(
            tmp_path / "book",
            {
                "faq/README.md": ("Questions", "---\ntype: faq-index\n---\nAsk.\n"),
                "faq/staking.md": ("Can I stake?", "Yes.\n"),
                "faq/staking-how.md": ("How?", "With a wallet.\n"),
                "faq/staking-when.md": ("When?", "Soon.\n"),
                "faq/fees.md": ("Fees?", "Low.\n"),
            },
            summary="""
            ## Help

            * [Questions](faq/README.md)
              * [Can I stake?](faq/staking.md)
                * [How?](faq/staking-how.md)
                * [When?](faq/staking-when.md)
              * [Fees?](faq/fees.md)
            """,
        )

    def test_pages_under_an_faq_entry_follow_it(self, home, tmp_path, client):
        # Nothing can go under an FAQ entry, and only FAQ entries under an FAQ index: the
        # questions listed under one are asked after it, in the index.
        output = import_book(self.faq_book(tmp_path))

        index = FaqIndexPage.objects.get()
        assert tree(index) == [
            ("FaqPage", "Can I stake?", "staking", []),
            ("FaqPage", "How?", "staking-how", []),
            ("FaqPage", "When?", "staking-when", []),
            ("FaqPage", "Fees?", "fees", []),
        ]
        assert FaqPage.objects.get(title="How?").category.name == "Questions"
        assert (
            "faq/staking.md: an FAQ entry cannot have pages under it; the pages listed under it "
            "follow it." in output
        )
        assert "With a wallet." in client.get(index.url).content.decode()

    def test_pages_under_an_faq_entry_are_refused_with_strict(self, home, tmp_path):
        refused_strictly(self.faq_book(tmp_path), "faq/staking.md: an FAQ entry cannot have pages")

    def test_an_faq_entry_with_pages_outside_an_index_is_a_topic(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "q.md": ("A question", "---\ntype: faq\ncategory: General\n---\nAn answer.\n"),
                "q/more.md": ("More", "More.\n"),
            },
            summary="## Help\n* [A question](q.md)\n  * [More](q/more.md)\n",
        )

        output = import_book(book)

        assert tree(SectionPage.objects.get()) == [
            ("TopicPage", "A question", "q", [("TopicPage", "More", "more", [])])
        ]
        assert "q.md: an FAQ entry cannot go under a section; imported as a topic." in output

    def video_book(self, tmp_path):
        return write_book(
            tmp_path / "book",
            {"talk.md": ("The talk", "---\ntype: video\n---\nNo video here, only words.\n")},
            summary="## Videos\n* [The talk](talk.md)\n",
        )

    def test_a_video_without_a_video_is_a_topic(self, home, tmp_path, client):
        output = import_book(self.video_book(tmp_path))

        page = TopicPage.objects.get(title="The talk")
        assert "No video here, only words." in client.get(page.url).content.decode()
        assert (
            "talk.md: a video page needs video_url or an {% embed %}; imported as a topic."
            in output
        )
        assert "Degraded: video page" in output

    def test_a_video_without_a_video_is_refused_with_strict(self, home, tmp_path):
        refused_strictly(self.video_book(tmp_path), r"talk.md: a video page needs video_url")

    def test_a_type_the_tree_refuses_where_it_is_listed_falls_back(self, home, tmp_path):
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("Home", "Hello.\n"),
                "talk.md": (
                    "Talk",
                    '---\ntype: video\n---\n{% embed url="https://vimeo.com/1" %}\n',
                ),
                "deep/plasma.md": ("Plasma", "---\ntype: deep-dive\n---\nPlasma.\n"),
                "deep/mvp.md": ("MVP", "Minimal.\n"),
                "deep/more.md": ("More", "---\ntype: topic\n---\nMore.\n"),
            },
            summary="""
            * [Home](README.md)
            * [Talk](talk.md)

            ## Deep Dive

            * [Plasma](deep/plasma.md)
              * [MVP](deep/mvp.md)
              * [More](deep/more.md)
            """,
        )

        output = import_book(book)

        home.refresh_from_db()
        assert tree(home) == [
            ("TopicPage", "Talk", "talk", []),
            (
                "SectionPage",
                "Deep Dive",
                "deep-dive",
                [
                    (
                        "DeepDivePage",
                        "Plasma",
                        "plasma",
                        [("DeepDivePage", "MVP", "mvp", []), ("DeepDivePage", "More", "more", [])],
                    )
                ],
            ),
        ]
        # A page under a deep dive is a deep dive unless it says otherwise; one that says it
        # is a topic cannot be one there.
        assert "talk.md: a video cannot go under a home page; imported as a topic." in output
        assert (
            "deep/more.md: a topic cannot go under a deep dive; imported as a deep dive." in output
        )
        assert "deep/mvp.md" not in output

    def test_a_deep_dives_undated_current_state_stays_in_its_body(self, home, tmp_path, client):
        book = write_book(
            tmp_path / "book",
            {
                "deep/p.md": (
                    "P",
                    "---\ntype: deep-dive\n---\nIntro.\n\n## Current state\n\nLive.\n\n"
                    "## Resources\n\nSome prose, not links.\n",
                )
            },
            summary="## Deep\n* [P](deep/p.md)\n",
        )

        output = import_book(book)

        page = DeepDivePage.objects.get()
        assert (page.current_state, page.current_state_as_of, len(page.resources)) == ("", None, 0)
        assert [block.block_type for block in page.body] == [
            "text",
            "heading",
            "text",
            "heading",
            "text",
        ]
        html = client.get(page.url).content.decode()
        assert "Live." in html and "Some prose, not links." in html
        assert (
            "deep/p.md, line 2: a Current state section needs current_state_as_of; it stays "
            "in the body." in output
        )
        assert "the Resources section holds only a list of links" in output

    def test_a_book_under_a_topic_keeps_its_readme(self, home, section, tmp_path, client):
        topic = TopicPage(title="Handbook", slug="handbook")
        section.add_child(instance=topic)
        topic.save_revision().publish()
        book = write_book(
            tmp_path / "book",
            {
                "README.md": ("Handbook", "Opening words.\n\n## Chapter\n\nMore.\n"),
                "a.md": ("A", "A.\n"),
            },
        )

        import_book(book, "--parent", topic.url_path.removeprefix(home.url_path))

        topic.refresh_from_db()
        assert [block.block_type for block in topic.body] == ["text", "heading", "text"]
        assert tree(topic) == [("TopicPage", "A", "a", [])]
        assert "Opening words." in client.get(topic.url).content.decode()


def test_a_fresh_site_takes_a_book_without_groups(db, tmp_path, client):
    book = write_book(
        tmp_path / "book",
        {
            "README.md": ("Docs", "Hello.\n"),
            "start/README.md": ("Start", "Go.\n"),
            "start/next.md": ("Next", "Then.\n"),
        },
    )

    import_book(book)

    home = HomePage.objects.get()
    assert tree(home) == [
        ("SectionPage", "Start", "start", [("TopicPage", "Next", "next", [])]),
    ]
    assert client.get("/start/next/").status_code == 200


def test_a_fresh_site_takes_a_book_without_a_readme(db, tmp_path, client):
    # GitBook opens such a book at its first page; here the home page made for it lists them.
    book = write_book(tmp_path / "book", {"mining/start.md": ("Getting started", "Mine.\n")})
    (book / "SUMMARY.md").write_text("## Mining\n\n- [Getting started](mining/start.md)\n")

    output = import_book(book)

    home = HomePage.objects.get()
    assert home.live and not home.has_unpublished_changes
    response = client.get("/")
    assert response.status_code == 200
    assert "Mining" in response.content.decode()
    assert client.get("/mining/start/").status_code == 200
    assert "has no README.md" in output
