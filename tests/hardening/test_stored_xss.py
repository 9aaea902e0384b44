"""
Stored XSS: what a hostile editor types must never run in anyone's browser.

An editor cannot publish, but a reviewer opens every draft, and the admin lets inline scripts run
(kbsite/security.py): markup that runs in a preview, a comparison or the dashboard runs with a
reviewer's session. So every editable field and block of every page type gets three kinds of
payload (a <script> element, an event-handler attribute, quotes that end an attribute early) and
every kind of hostile link (javascript: spelled every way browsers accept, vbscript:, data:), and
every place that shows them is read back as a browser would read it:

- readers' pages, each page's history, What's new, tags, search results;
- the Atom feed, the JSON API, the Markdown views and /llms.txt;
- the admin: edit views, page listings, history, revision comparisons, revision and draft
  previews, the Knowledge base pages listing, the dashboard, the snippet and setting editors.

Pages are built through Wagtail's API (what an editor could store, without the admin's form in
the way), through the admin's own form (what the editor's widgets send, and what a hostile
editor can send instead), and through the GitBook importer. The payloads, the hostile site and
the hostile book come from builders.py; this module holds the tests and the checks that read
markup as a browser does.
"""

import html
import json
import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse

from wagtail import blocks as wagtail_blocks
from wagtail.admin.rich_text import DraftailRichTextArea
from wagtail.documents.models import Document
from wagtail.models import Page, Site
from wagtail.test.utils.form_data import rich_text

from pages.blocks import (
    TEXT_FEATURES,
    ArticleBlock,
    InnerContentBlock,
    NestedContentBlock,
    ResourcesBlock,
)
from pages.models import FaqPage, TopicPage, VideoPage
from pages.sanitising import is_safe_url, sanitise_rich_text
from tests.conftest import logged_in, make_deep_dive, make_faq, make_faq_index, make_video
from tests.gitbook.books import import_book, write_book
from tests.hardening.builders import (
    ATTRIBUTE_BREAKOUT,
    BREAKOUT_URL,
    CHOICE,
    HOSTILE_URLS,
    MARKER,
    RICH_TEXT_LINKS,
    SHORT,
    TAGS,
    TEXT,
    article_blocks,
    hostile_book,
    hostile_topic_form,
    inner_blocks,
    make_hostile_site,
    nested_blocks,
    resource_blocks,
    rich_text_payload,
    script_link_forms,
)

pytestmark = pytest.mark.django_db

# Reading markup as a browser does ------------------------------------------------------------

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "xlink:href",
    "poster",
    "background",
    "data",
    "ping",
}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg+xml")
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# Tags whose attributes must never carry an editor's payload, whatever the attribute.
ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "base", "form"}


def url_as_followed(value):
    """An attribute's URL as a browser follows it. BeautifulSoup has decoded the attribute once,
    as the browser does; decoding again and dropping every space and control character (not
    only the ones browsers drop) is stricter than any browser."""
    return re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()


def problems_in(markup, where):
    """Everything in `markup` that would run an editor's script, as readable lines."""
    soup = BeautifulSoup(markup, "html.parser")
    problems = []
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            name = name.lower()
            if name.startswith("on") and MARKER in text:
                problems.append(f"{where}: <{element.name} {name}={text!r}>")
            if name in URL_ATTRIBUTES:
                urls = [part.split()[0] for part in text.split(",") if part.split()]
                urls = urls if name == "srcset" else [text]
                for url in urls:
                    if url_as_followed(url).startswith(SCRIPT_SCHEMES):
                        problems.append(f"{where}: <{element.name} {name}={text!r}>")
            if name == "srcdoc":
                problems += problems_in(text, f"{where} (iframe srcdoc)")
            if element.name in ACTIVE_TAGS and MARKER in text:
                problems.append(f"{where}: <{element.name} {name}={text!r}>")
        if element.name == "meta" and "refresh" in element.get("http-equiv", "").lower():
            target = element.get("content", "").partition("=")[2]
            if url_as_followed(target).startswith(SCRIPT_SCHEMES):
                problems.append(f"{where}: {element}")
        if element.name in ("script", "style") and MARKER in element.get_text():
            # The site's own data blocks (JSON-LD, the admin's JSON) may quote a title; they
            # never run, and still parse as JSON only while nothing broke out of them.
            if element.name == "script" and is_data_block(element):
                continue
            problems.append(f"{where}: {str(element)[:200]}")
    return problems


def is_data_block(script):
    if script.get("type", "").lower() not in DATA_SCRIPT_TYPES:
        return False
    try:
        json.loads(script.get_text())
    except ValueError:
        return False
    return True


def assert_inert(markup, where):
    problems = problems_in(markup, where)
    assert not problems, "\n".join(problems)


def test_the_checks_catch_every_payload():
    # The checks themselves: each payload, left as it is, is caught.
    for payload in [TEXT, SHORT, f"<{CHOICE}>", f'<p class="{ATTRIBUTE_BREAKOUT}">']:
        assert problems_in(payload, "raw"), payload
    for url in RICH_TEXT_LINKS:
        assert problems_in(f'<a href="{url}">x</a>', "raw"), url
    for url in HOSTILE_URLS:
        assert problems_in(f'<a href="{html.escape(url)}">x</a>', "raw"), url
    assert len(problems_in(rich_text_payload(1), "raw")) >= 12
    # ...and the site's own markup is not.
    assert not problems_in(
        f'<script src="/static/kb.js"></script><script type="application/ld+json">'
        f'{{"name": "\\u003Cscript\\u003E{MARKER}"}}</script>',
        "own",
    )


def test_the_sanitiser_keeps_everything_the_editor_makes(home):
    # Sanitising must cost editors nothing: what the editor's widget stores for every feature
    # of the widest rich text (pages.blocks.TEXT_FEATURES) comes out exactly as it went in,
    # void tags included, so a version saved unchanged compares as unchanged.
    document = Document.objects.create(title="Paper", file=ContentFile(b"%PDF", name="p.pdf"))
    source = (
        "<h3>Exits</h3><h4>Challenges</h4><p>A <b>bold</b>, <i>italic</i>, <code>code</code>, "
        "<sup>2</sup>, <sub>x</sub> and <s>old</s> word,<br/>a new line, "
        '<a href="https://plasma.io/?a=1&amp;b=2">a link</a>, <a href="mailto:a@b.org">mail</a>, '
        f'<a linktype="page" id="{home.pk}" anchor="exit-game">a heading</a> and '
        f'<a linktype="document" id="{document.pk}">a paper</a> &amp; &lt;tags&gt; "quoted".</p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><hr/>"
    )
    widget = DraftailRichTextArea(features=TEXT_FEATURES)
    stored = widget.value_from_datadict({"text": rich_text(source)}, {}, "text")
    assert 'data-block-key="' in stored and 'anchor="exit-game"' in stored
    assert "<br/>" in stored and "<hr/>" in stored
    assert sanitise_rich_text(stored) == stored


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://plasma.io/", True),
        ("http://plasma.io/", True),
        ("mailto:a@b.org", True),
        ("/plasma/exits/", True),
        ("#exit-game", True),
        *((url, False) for url in HOSTILE_URLS),
        ("\x00javascript:alert(1)", False),
        ("", False),
    ],
)
def test_which_links_are_safe(url, safe):
    assert is_safe_url(url) is safe


# Blocks: a payload in every field of every block ----------------------------------------------


def missing_fields(stream_block, stream):
    """Block types of `stream_block`, and of every kind of stream inside it, that no stream of
    their kind in `stream` holds, and StructBlock fields left without a value: a new block or
    field must be given a payload in builders.py. A kind of stream (the innermost level, an
    article) is covered between all the streams of that kind, not by each: containers at every
    level each holding the whole level below would make pages of thousands of blocks."""
    children, given, missing = {}, {}, set()
    collect_payloads(stream_block, stream, type(stream_block).__name__, children, given, missing)
    for kind, names in children.items():
        missing |= {f"{kind} > {name}" for name in names - given[kind]}
    return missing


def collect_payloads(block, value, where, children, given, missing):
    if isinstance(block, wagtail_blocks.StreamBlock):
        kind = type(block).__name__
        children[kind] = set(block.child_blocks)
        given.setdefault(kind, set())
        for block_type, child_value in value:
            given[kind].add(block_type)
            child = block.child_blocks[block_type]
            collect_payloads(
                child, child_value, f"{where} > {block_type}", children, given, missing
            )
    elif isinstance(block, wagtail_blocks.ListBlock):
        for item in value:
            collect_payloads(block.child_block, item, where, children, given, missing)
    elif isinstance(block, wagtail_blocks.StructBlock) and isinstance(value, dict):
        missing |= {f"{where}.{name}" for name in set(block.child_blocks) - set(value)}
        for name, child in block.child_blocks.items():
            if name in value:
                collect_payloads(child, value[name], f"{where}.{name}", children, given, missing)


def test_every_block_and_field_gets_a_payload(hostile_site):
    # Guards this file, as tests/content/test_blocks.py guards its own: a new block type, or a new
    # field of a block, fails here until it is given a payload in builders.py.
    assert missing_fields(ArticleBlock(), article_blocks(hostile_site)) == set()
    assert missing_fields(NestedContentBlock(), nested_blocks(hostile_site)) == set()
    assert missing_fields(InnerContentBlock(), inner_blocks(hostile_site)) == set()
    assert missing_fields(ResourcesBlock(), resource_blocks(hostile_site)) == set()
    # An FAQ answer holds what an expandable does, and parts in development of the same.
    answer_blocks = FaqPage._meta.get_field("answer").stream_block.child_blocks
    assert set(answer_blocks) - {"in_development"} <= set(NestedContentBlock().child_blocks)
    assert set(answer_blocks["in_development"].child_blocks["content"].child_blocks) <= set(
        NestedContentBlock().child_blocks
    )


# A site where every field of every page holds a payload ---------------------------------------


@pytest.fixture
def hostile_site(home, editor):
    """Every field of every page type holding a payload (builders.make_hostile_site)."""
    return make_hostile_site(home, editor)


def get_ok(browser, url, **kwargs):
    response = browser.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def page_problems(browser, urls):
    problems = []
    for url in urls:
        problems += problems_in(get_ok(browser, url), url)
    return problems


def assert_no_problems(problems):
    assert not problems, f"{len(problems)} payloads would run:\n" + "\n".join(problems[:40])


# Readers ---------------------------------------------------------------------------------------


def test_readers_pages_run_nothing(client, hostile_site):
    pages = hostile_site.pages.values()
    # The payloads did reach the pages, as text: the check below is not vacuous.
    html_of_topic = get_ok(client, hostile_site.topic.url)
    assert MARKER in html_of_topic and "&lt;script&gt;" in html_of_topic
    urls = [page.url for page in pages] + [f"{page.url}history/" for page in pages]
    assert_no_problems(page_problems(client, urls))


def test_whats_new_tags_and_search_run_nothing(client, hostile_site):
    tags = [f"/tags/{slug}/" for slug in hostile_site.topic.tags.values_list("slug", flat=True)]
    assert len(tags) == len(TAGS)
    urls = [
        "/whats-new/",
        "/tags/",
        *tags,
        f"/search/?q={MARKER}",
        f"/search/?q={MARKER}&tag={hostile_site.topic.tags.first().slug}",
        # What a reader types is shown back to them as well.
        f"/search/?q={TEXT}",
    ]
    html_of_search = get_ok(client, f"/search/?q={MARKER}")
    # The hostile pages were found, and the pinned results shown: the page and the real link;
    # the script link is left out.
    assert hostile_site.topic.url in html_of_search
    promoted = BeautifulSoup(html_of_search, "html.parser").select(".search-promotion a")
    assert [link["href"] for link in promoted] == [hostile_site.topic.url, BREAKOUT_URL]
    assert_no_problems(page_problems(client, urls))


def test_the_feed_runs_nothing(client, hostile_site):
    response = client.get("/feed/")
    assert response.status_code == 200
    # Still well-formed XML: no payload broke out of its element.
    feed = ElementTree.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries
    problems, summaries = [], []
    for entry in entries:
        # A title is text (Atom's default type): a reader shows it, never parses it.
        title = entry.find(f"{atom}title")
        assert title.get("type", "text") == "text"
        for link in entry.findall(f"{atom}link"):
            if url_as_followed(link.get("href", "")).startswith(SCRIPT_SCHEMES):
                problems.append(f"feed link {link.get('href')}")
        # A summary is HTML, which feed readers render: it must be inert as HTML.
        summary = entry.find(f"{atom}summary")
        if summary is not None and summary.get("type") == "html":
            summaries.append(summary.text or "")
            problems += problems_in(summary.text or "", "feed summary")
    # The hostile change notes are among them.
    assert any(MARKER in summary for summary in summaries)
    assert_no_problems(problems)


def test_the_json_api_serves_inert_rich_text_and_links(client, hostile_site):
    problems = []
    for kind, page in hostile_site.pages.items():
        for rich_text_format in ("", "html"):
            url = f"/api/v2/pages/{page.pk}/"
            if rich_text_format:
                url += f"?rich_text_format={rich_text_format}"
            response = client.get(url)
            assert response.status_code == 200, url
            # JSON, which no browser renders as a page.
            assert response["Content-Type"].startswith("application/json")
            assert response["X-Content-Type-Options"] == "nosniff"
            data = response.json()
            # Plain-text fields are data: a program puts them in a page as text. Rich text and
            # links are what it puts in as HTML and hrefs: those must be inert.
            problems += api_problems(data, f"{kind} {url}")
    assert_no_problems(problems)


RICH_TEXT_KEYS = {"introduction", "current_state"}
URL_KEYS = {"url", "source_url", "video_url", "spec_url"}


def api_problems(data, where, key=None, block_type=None):
    problems = []
    if isinstance(data, dict):
        if "type" in data and "value" in data:
            block_type = data["type"]
        for name, value in data.items():
            problems += api_problems(value, where, name, block_type)
    elif isinstance(data, list):
        for value in data:
            problems += api_problems(value, where, key, block_type)
    elif isinstance(data, str):
        if key in RICH_TEXT_KEYS or (key == "value" and block_type == "text"):
            problems += problems_in(data, f"{where} {key}")
        elif key == "text" and block_type in ("hint", "quote", "cards"):
            problems += problems_in(data, f"{where} {block_type}")
        elif key == "values" and block_type == "table":
            problems += problems_in(data, f"{where} table cell")
        elif key in URL_KEYS and url_as_followed(data).startswith(SCRIPT_SCHEMES):
            problems.append(f"{where} {key}: {data!r}")
    return problems


def test_the_markdown_views_are_text_that_browsers_do_not_render(client, hostile_site):
    for page in hostile_site.pages.values():
        response = client.get(page.url.rstrip("/") + ".md" if page.url != "/" else "/index.md")
        assert response.status_code == 200
        # text/markdown with nosniff: a browser shows or saves it, and never runs it as HTML.
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        assert response["X-Content-Type-Options"] == "nosniff"
        # No link in it leads to script either.
        assert not markdown_script_links(response.content.decode()), page.url
    response = client.get("/llms.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not markdown_script_links(response.getvalue().decode())


def markdown_script_links(text):
    """Link targets in Markdown that lead to script (CommonMark's own check lets none through;
    this reads the raw destinations)."""
    targets = re.findall(r"\]\(\s*<?([^)\s>]*)", text)
    targets += re.findall(r'(?:url|src)="([^"]*)"', text)
    return [target for target in targets if url_as_followed(target).startswith(SCRIPT_SCHEMES)]


def test_the_markdown_views_stay_inert_when_a_program_renders_them(client, hostile_site):
    # What a Markdown renderer (GitBook, an LLM's chat window) makes of the view: CommonMark
    # passes raw HTML through, so every plain-text field (titles, headings, captions, table
    # cells, link texts, transcripts) is written escaped to read as itself. The front matter is
    # data for the program, in YAML, which front-matter-aware renderers take off first.
    renderer = MarkdownIt("commonmark", {"html": True})
    problems = []
    for page in hostile_site.pages.values():
        url = page.url.rstrip("/") + ".md" if page.url != "/" else "/index.md"
        markdown = get_ok(client, url)
        if markdown.startswith("---\n"):
            _, front_matter, markdown = markdown.split("---\n", 2)
            assert isinstance(yaml.safe_load(front_matter), dict)
        problems += problems_in(renderer.render(markdown), url)
    assert_no_problems(problems)


# The admin and previews, as the editor and as the reviewer who opens the editor's drafts ------


def test_the_editor_and_previews_run_nothing(hostile_site):
    browser = logged_in(hostile_site.editor)
    urls = []
    for page in hostile_site.pages.values():
        urls += [
            reverse("wagtailadmin_pages:edit", args=(page.pk,)),
            reverse("wagtailadmin_pages:view_draft", args=(page.pk,)),
            reverse("wagtailadmin_pages:revisions_view", args=(page.pk, page.latest_revision_id)),
        ]
    assert_no_problems(page_problems(browser, urls))


def test_page_listings_history_and_comparisons_run_nothing(hostile_site):
    browser = logged_in(hostile_site.editor)
    urls = [
        reverse("wagtailadmin_explore", args=(hostile_site.home.pk,)),
        reverse("wagtailadmin_explore", args=(hostile_site.section.pk,)),
        reverse("wagtailadmin_explore", args=(hostile_site.faq_index.pk,)),
        reverse("wagtailadmin_pages:search") + f"?q={MARKER}",
        "/admin/knowledge-base-pages/",
        f"/admin/knowledge-base-pages/?q={MARKER}",
        "/admin/knowledge-base-pages/?in_development=true&review=overdue",
    ]
    for page in hostile_site.pages.values():
        urls.append(reverse("wagtailadmin_pages:history", args=(page.pk,)))
        if page.pk != hostile_site.home.pk:  # the home page has one revision: nothing to compare
            urls.append(
                reverse(
                    "wagtailadmin_pages:revisions_compare",
                    kwargs={"pk": page.pk, "revision_id_a": "earliest", "revision_id_b": "latest"},
                )
            )
    listing = get_ok(browser, "/admin/knowledge-base-pages/")
    assert "&lt;script&gt;" in listing  # the hostile titles are listed, as text
    assert_no_problems(page_problems(browser, urls))


def test_the_dashboard_runs_nothing_for_editors_or_reviewers(hostile_site, reviewer):
    # A hostile draft waits for review: the reviewer's dashboard names it.
    topic = hostile_site.topic
    topic.save_revision(user=hostile_site.editor)
    workflow_state = topic.get_workflow().start(topic, hostile_site.editor)
    task = workflow_state.current_task_state.task
    # The reviewer's preview of the draft in the task, as well as the dashboard.
    preview = reverse("wagtailadmin_pages:workflow_preview", args=(topic.pk, task.pk))
    problems = problems_in(get_ok(logged_in(reviewer), preview), "workflow preview")
    for user in (hostile_site.editor, reviewer):
        dashboard = get_ok(logged_in(user), reverse("wagtailadmin_home"))
        panel = BeautifulSoup(dashboard, "html.parser").select_one("#needs-attention-section")
        # The panel names the hostile pages (in development, review overdue), as text.
        assert TEXT in panel.get_text()
        problems += problems_in(dashboard, f"dashboard of {user}")
    review_panel = get_ok(logged_in(reviewer), reverse("wagtailadmin_home"))
    assert "Drafts awaiting your review: <span data-count>1</span>" in review_panel
    assert_no_problems(problems)


def test_snippet_and_setting_editors_run_nothing(admin_client, hostile_site):
    category = hostile_site.category
    site = Site.objects.get(is_default_site=True)
    urls = [
        reverse("wagtailsnippets_pages_faqcategory:list"),
        reverse("wagtailsnippets_pages_faqcategory:edit", args=(category.pk,)),
        reverse("wagtailsnippets_pages_reusablecontent:list"),
        reverse("wagtailsnippets_pages_reusablecontent:edit", args=(hostile_site.snippet.pk,)),
        reverse("wagtailsnippets_pages_reusablecontent:history", args=(hostile_site.snippet.pk,)),
        reverse("wagtailsettings:edit", args=["pages", "readernotices", site.pk]),
        reverse("wagtailimages:index"),
        reverse("wagtailimages:edit", args=(hostile_site.image.pk,)),
        reverse("wagtaildocs:index"),
    ]
    assert_no_problems(page_problems(admin_client, urls))


# URL fields refuse script links ----------------------------------------------------------------


@pytest.fixture
def plain_pages(section, faq_category):
    return SimpleNamespace(
        faq=make_faq(make_faq_index(section.get_parent()), faq_category).specific,
        video=make_video(section).specific,
        deep_dive=make_deep_dive(section).specific,
    )


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize("model, field", [(FaqPage, "source_url"), (VideoPage, "video_url")])
def test_page_url_fields_refuse_script_links_when_saved_in_code(plain_pages, model, field, url):
    # Model fields are validated whenever a page is saved, by code as by the admin.
    page = plain_pages.faq if model is FaqPage else plain_pages.video
    stored = getattr(page, field)
    setattr(page, field, url)
    # (In a savepoint of its own, as code saving inside a transaction must: saves take the
    # page's row lock in a transaction without one, pages/models/base.py.)
    with pytest.raises(ValidationError) as error, transaction.atomic():
        page.save()
    assert error.value.message_dict[field] == [
        "Enter a web address starting with https:// or http://, such as https://example.org/."
    ]
    assert getattr(model.objects.get(pk=page.pk), field) == stored


def test_links_stored_without_validation_are_left_out(client, hostile_site):
    # Blocks are validated by the admin's form, not when code saves a page: the hostile embed
    # and resource URLs of the hostile site were stored. Readers get their text without a link.
    html_of_deep_dive = get_ok(client, hostile_site.deep_dive.url)
    soup = BeautifulSoup(html_of_deep_dive, "html.parser")
    resources = soup.select(".resource a")
    # The page resources and the one real web address; none of the script links.
    assert len(resources) == 3
    assert resources[-1]["href"] == BREAKOUT_URL
    fallbacks = soup.select(".page-body > .block-embed .embed-fallback a")
    assert [link["href"] for link in fallbacks] == [BREAKOUT_URL]


# Through the admin's own form ------------------------------------------------------------------


def test_hostile_input_through_the_admin_form_runs_nowhere(
    admin_client, hostile_site, four_eyes_off
):
    # The admin's own input path: the editor's widgets post Draftail JSON, which Wagtail turns
    # into HTML; a hostile editor posts whatever they like instead.
    section = hostile_site.section
    data = hostile_topic_form(hostile_site.topic.pk, hostile_site.document.pk)
    add_url = reverse("wagtailadmin_pages:add", args=("pages", "topicpage", section.pk))

    # The live preview first, as the editor sees it while typing.
    preview_url = reverse(
        "wagtailadmin_pages:preview_on_add", args=("pages", "topicpage", section.pk)
    )
    assert admin_client.post(preview_url, data).json()["is_valid"] is True
    problems = problems_in(get_ok(admin_client, preview_url), "preview on add")

    response = admin_client.post(add_url, {**data, "action-publish": "action-publish"})
    assert response.status_code == 302, response.content.decode()[:3000]
    page = TopicPage.objects.get(slug="hostile-topic")
    assert sorted(page.tags.names()) == sorted(TAGS)
    # What was stored is what the editor's features make, and nothing more.
    stored = page.body[1].value.source
    assert "<script" not in stored and "onclick" not in stored and "<img" not in stored
    assert_inert(stored, "stored rich text")

    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    preview_on_edit = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))
    assert admin_client.post(preview_on_edit, data).json()["is_valid"] is True
    problems += problems_in(get_ok(admin_client, preview_on_edit), "preview on edit")
    for url in [
        page.url,
        edit_url,
        reverse("wagtailadmin_pages:view_draft", args=(page.pk,)),
        reverse("wagtailadmin_pages:history", args=(page.pk,)),
        f"/tags/{page.tags.first().slug}/",
        "/whats-new/",
    ]:
        problems += problems_in(get_ok(admin_client, url), url)
    assert_no_problems(problems)


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_url_fields_in_the_admin_refuse_script_links_with_a_message(admin_client, plain_pages, url):
    # Every URL field an editor fills in: the FAQ's source link, the video link, an embed's URL
    # and a resource's. Each is refused where it is, with a message saying what is wanted.
    faq, video, deep_dive = plain_pages.faq, plain_pages.video, plain_pages.deep_dive
    message = html.escape("Enter a web address starting with https:// or http://")
    before = {page.pk: page.latest_revision_id for page in (faq, video, deep_dive)}
    for page, data in script_link_forms(faq, video, deep_dive, url).items():
        response = admin_client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)
        assert response.status_code == 200, (type(page).__name__, response.status_code)
        body = response.content.decode()
        expected = 2 if page is deep_dive else 1  # the embed and the resource
        assert body.count(message) >= expected, type(page).__name__
        assert_inert(body, f"{type(page).__name__} form with {url!r}")
    for page in (faq, video, deep_dive):
        page.refresh_from_db()
        assert page.latest_revision_id == before[page.pk]


# The GitBook importer --------------------------------------------------------------------------


def test_an_imported_book_runs_nothing(client, admin_client, home, tmp_path):
    import_book(hostile_book(tmp_path / "book"))
    pages = list(
        Page.objects.descendant_of(home, inclusive=True).live().specific().order_by("path")
    )
    assert len(pages) == 7  # home, two sections, page, deep dive, FAQ index and question
    imported = TopicPage.objects.get(slug="page")
    assert MARKER in imported.title  # the payloads arrived, as text
    problems = []
    for page in pages:
        problems += problems_in(get_ok(client, page.url), page.url)
        edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
        problems += problems_in(get_ok(admin_client, edit_url), edit_url)
        api_url = f"/api/v2/pages/{page.pk}/?rich_text_format=html"
        problems += api_problems(client.get(api_url).json(), api_url)
    for url in ["/whats-new/", f"/search/?q={MARKER}", "/tags/"]:
        problems += problems_in(get_ok(client, url), url)
    assert_no_problems(problems)


def question_book(root, front_matter, body):
    return write_book(
        root,
        {
            "README.md": ("Home", "# Home\n"),
            "faq/README.md": ("FAQ", "---\ntype: faq-index\n---\n# FAQ\n"),
            "faq/question.md": ("Question", f"---\n{front_matter}\n---\n# Question\n\n{body}\n"),
        },
    )


@pytest.mark.parametrize(
    "front_matter",
    [
        "source_url: \"javascript:alert('x')\"",
        "source_url: \"JaVaScRiPt:alert('x')\"",
        "source_url: 'data:text/html,<script>alert(1)</script>'",
    ],
)
def test_the_importer_refuses_script_links_and_says_where(home, tmp_path, front_matter):
    book = question_book(tmp_path / "book", front_matter, "Yes.")
    before = Page.objects.count()
    with pytest.raises(CommandError) as error:
        import_book(book)
    assert "faq/question.md" in str(error.value) and "Enter a web address" in str(error.value)
    assert Page.objects.count() == before


@pytest.mark.parametrize(
    "body, note",
    [
        (
            "Yes.\n\n{% embed url=\"javascript:alert('x')\" %}",
            "an embed of \"javascript:alert('x')\", not a web address, was left out",
        ),
        (
            'Yes.\n\n{% hint style="info\\" onmouseover=\\"alert(1)" %}\nx\n{% endhint %}',
            "is shown as info",
        ),
    ],
    ids=["embed", "hint style"],
)
def test_the_importer_keeps_script_out_of_a_body_and_says_where(client, home, tmp_path, body, note):
    # An import goes on past what it cannot keep as it is (docs/gitbook.md), and says so.
    output = import_book(question_book(tmp_path / "book", "", body))

    assert "faq/question.md" in output and note in output
    question = FaqPage.objects.get(title="Question")
    assert_no_problems(problems_in(get_ok(client, question.url), question.url))
