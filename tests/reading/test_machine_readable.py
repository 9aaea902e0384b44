"""What robots and other programs read: the sitemap, robots.txt, Markdown and llms.txt."""

import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from pages.models import TopicPage
from tests.conftest import make_faq_index, make_section, make_topic

pytestmark = pytest.mark.django_db
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return {
        url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }


def test_the_sitemap_lists_live_public_pages_with_their_last_publication(client, section):
    page = make_topic(section, title="Exits")

    entries = sitemap_entries(client)

    # At the address the request came to (pages/reading/addresses.py), not the Site record's.
    assert f"http://testserver{page.url}" in entries
    assert f"http://testserver{section.url}" in entries
    lastmod = entries[f"http://testserver{page.url}"]
    assert lastmod is not None
    assert lastmod.text.startswith(page.last_published_at.date().isoformat())


def test_the_sitemap_leaves_out_drafts_and_restricted_pages(client, section):
    draft = TopicPage(title="Draft", slug="draft-marker", live=False)
    section.add_child(instance=draft)
    private = make_topic(section, title="Private", slug="private-marker")
    make_topic(private, title="Below", slug="below-private-marker")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")

    locations = " ".join(sitemap_entries(client))

    assert "marker" not in locations


def test_robots_txt_points_at_the_sitemap_and_keeps_out_of_the_admin(client, home):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


class TestMarkdownViews:
    def test_a_page_as_markdown_at_its_url_with_md(self, client, section):
        other = make_topic(section, title="Exit games", summary="How exits are challenged.")
        page = make_topic(
            section,
            title="Exits",
            summary="How to leave the chain.",
            body=[
                ("heading", {"text": "Starting an exit", "level": "h2", "anchor": ""}),
                (
                    "text",
                    RichText(
                        f'<p>See <a linktype="page" id="{other.pk}" anchor="bonds">exit games'
                        "</a>.</p>"
                    ),
                ),
            ],
        )
        page.tags.set(["plasma"])
        page.save_revision().publish()

        response = client.get(page.url.rstrip("/") + ".md")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        text = response.content.decode()
        assert text.startswith("---\ndescription: How to leave the chain.\ntags:\n- plasma\n---\n")
        assert "\n# Exits\n" in text
        assert "\n## Starting an exit\n" in text
        assert f"[exit games]({other.url.rstrip('/')}.md#bonds)" in text

    def test_every_page_links_to_its_markdown(self, client, section):
        page = make_topic(section, title="Exits")
        html = BeautifulSoup(client.get(page.url).content, "html.parser")
        markdown = page.url.rstrip("/") + ".md"

        assert html.select_one('link[rel="alternate"][type="text/markdown"]')["href"] == markdown
        link = html.find("a", string="View as Markdown")
        assert link["href"] == markdown
        assert client.get(link["href"]).status_code == 200

    def test_the_home_page_is_index_md(self, client, home):
        response = client.get("/index.md")

        assert response.status_code == 200
        assert response.content.decode().startswith(f"# {home.title}\n")

    def test_drafts_restricted_pages_and_unknown_paths_have_no_markdown(self, client, section):
        draft = TopicPage(title="Draft", slug="draft", live=False)
        section.add_child(instance=draft)
        private = make_topic(section, title="Private", slug="private")
        PageViewRestriction.objects.create(page=private, restriction_type="login")
        live = make_topic(section, title="Live", slug="live")
        live.title = "UNPUBLISHED-TITLE-MARKER"
        live.save_revision()

        base = section.url.rstrip("/")
        assert client.get(f"{base}/draft.md").status_code == 404
        assert client.get(f"{base}/private.md").status_code == 404
        assert client.get(f"{base}/nothing.md").status_code == 404
        response = client.get(f"{base}/live.md")
        assert response.status_code == 200
        assert "UNPUBLISHED-TITLE-MARKER" not in response.content.decode()


class TestLlmsTxt:
    def test_lists_every_live_page_with_its_summary_and_markdown_link(self, client, section):
        make_topic(section, title="Exits", summary="How to leave the chain.")
        make_topic(section, title="Blocks")
        draft = TopicPage(title="DRAFT-MARKER", slug="draft", live=False)
        section.add_child(instance=draft)

        response = client.get("/llms.txt")

        assert response.status_code == 200
        assert response.streaming  # written as it is read, never whole in memory
        lines = response.getvalue().decode().splitlines()
        assert lines[0] == "# OMG Network Knowledge Base"
        assert f"## {section.title}" in lines
        base = "http://testserver" + section.url.rstrip("/")
        assert f"- [Exits]({base}/exits.md): How to leave the chain." in lines
        assert f"- [Blocks]({base}/blocks.md)" in lines
        assert "DRAFT-MARKER" not in response.getvalue().decode()

    def test_every_link_it_gives_answers(self, client, section):
        make_topic(make_topic(section, title="Exits"), title="Exit games")

        text = client.get("/llms.txt").getvalue().decode()

        links = re.findall(r"\]\(http://testserver(/[^)]+)\)", text)
        assert len(links) == 4  # home, section, and the two topics
        for link in links:
            assert client.get(link).status_code == 200, link

    def test_pages_outside_sections_come_first_then_each_section_in_reading_order(
        self, client, home
    ):
        # Top-level pages of both kinds, interleaved in the tree, a draft among them.
        intro = make_topic(home, title="Introduction", slug="intro")
        make_topic(intro, title="Glossary", slug="glossary")
        plasma = make_section(home, title="Plasma", slug="plasma")
        make_topic(plasma, title="Exits", slug="exits")
        faq = make_faq_index(home, title="FAQ", slug="faq")
        draft = TopicPage(title="DRAFT-MARKER", slug="draft", live=False)
        home.add_child(instance=draft)
        wallets = make_section(home, title="Wallets", slug="wallets")
        make_topic(wallets, title="Keys", slug="keys")
        make_topic(home, title="Contact", slug="contact")

        lines = client.get("/llms.txt").getvalue().decode().splitlines()

        base = "http://testserver"
        assert lines == [
            "# OMG Network Knowledge Base",
            "",
            f"- [OMG Network Knowledge Base]({base}/index.md)",
            f"- [Introduction]({base}/intro.md)",
            f"- [Glossary]({base}/intro/glossary.md)",
            f"- [FAQ]({base}/{faq.slug}.md)",
            f"- [Contact]({base}/contact.md)",
            "",
            "## Plasma",
            "",
            f"- [Plasma]({base}/plasma.md)",
            f"- [Exits]({base}/plasma/exits.md)",
            "",
            "## Wallets",
            "",
            f"- [Wallets]({base}/wallets.md)",
            f"- [Keys]({base}/wallets/keys.md)",
        ]
