"""`make run` fills an empty site with a real starter knowledge base, once, or not at all."""

import io
import textwrap

import pytest

from django.core.management import CommandError, call_command

from wagtail.models import Page, Revision, Site

from pages.models import FaqPage, HomePage


def load(*args):
    output = io.StringIO()
    call_command("load_starter_tree", *args, stdout=output)
    return output.getvalue()


def write_tree(tmp_path, body):
    path = tmp_path / "tree.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return str(path)


VALID_START = """\
home:
  title: Test knowledge base
  summary: A test.
faq_categories:
  - {name: Community Q&A, slug: community-qa}
children:
  - type: section
    title: Guide
    summary: The guide.
    children:
      - type: topic
        title: What is OmiseGO?
        summary: An introduction.
        tags: [basics]
        body:
          - text: "<p>OmiseGO builds payment software.</p>"
          - expandable:
              summary: Who started it?
              content:
                - text: "<p>Omise, a payments company.</p>"
"""


@pytest.mark.django_db
class TestTheRealStarterTree:
    def test_every_page_is_live_and_renders(self, client):
        output = load()

        home = HomePage.objects.get()
        assert Site.objects.get(is_default_site=True).root_page_id == home.pk
        pages = home.get_descendants(inclusive=True).live().specific()
        assert pages.count() >= 10, output
        for page in pages:
            response = client.get(page.url)
            assert response.status_code == 200, page.url
            assert page.revisions.exists(), f"{page.url} has no revision history"
        assert FaqPage.objects.live().exists()
        # Wagtail's stock welcome page is gone; the home page took its place.
        assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()

    def test_a_second_run_changes_nothing(self):
        load()
        pages, revisions = Page.objects.count(), Revision.objects.count()

        output = load()

        assert "nothing to do" in output
        assert (Page.objects.count(), Revision.objects.count()) == (pages, revisions)

    def test_dry_run_reports_and_writes_nothing(self):
        pages = Page.objects.count()

        output = load("--dry-run")

        assert output.startswith("Would create ")
        assert Page.objects.count() == pages
        assert not HomePage.objects.exists()


@pytest.mark.django_db
def test_a_small_tree_is_built_in_order_with_tags(tmp_path, client):
    output = load(write_tree(tmp_path, VALID_START), "--verbosity", "2")

    topic = HomePage.objects.get().get_descendants().live().specific().get(title="What is OmiseGO?")
    assert list(topic.tags.names()) == ["basics"]
    assert "Created 3 pages: 1 home page, 1 section, 1 topic." in output
    html = client.get(topic.url).content.decode()
    assert "OmiseGO builds payment software." in html
    assert "Omise, a payments company." in html


BROKEN = {
    "unknown page type": (
        "      - type: article\n        title: Broken page\n",
        "page 'Broken page': type must be one of",
    ),
    "unknown key": (
        "      - type: topic\n        title: Broken page\n        colour: red\n",
        "page 'Broken page': unknown keys ['colour'] for a topic page",
    ),
    "wrong place in the tree": (
        "      - type: faq\n        title: Broken page\n        category: community-qa\n"
        "        answer: [{text: '<p>x</p>'}]\n",
        "page 'Broken page': a faq page cannot go under 'Guide'",
    ),
    "invalid block": (
        "      - type: topic\n        title: Broken page\n"
        "        body: [{hint: {style: rainbow, text: '<p>x</p>'}}]\n",
        "page 'Broken page': invalid content",
    ),
    "block that is not a one-key mapping": (
        "      - type: topic\n        title: Broken page\n        body: [[text, '<p>x</p>']]\n",
        "page 'Broken page': each block in body must be a one-key mapping",
    ),
    "current state without a date": (
        "      - type: deep-dive\n        title: Broken page\n"
        "        current_state: '<p>Live.</p>'\n",
        "page 'Broken page': invalid content: {'current_state_as_of'",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_page_names_itself_and_writes_nothing(tmp_path, case):
    snippet, message = BROKEN[case]
    # The broken page comes last, after pages that were valid: they must be rolled back too.
    path = write_tree(tmp_path, VALID_START + snippet)
    pages = Page.objects.count()

    with pytest.raises(CommandError) as error:
        load(path)

    assert message in str(error.value)
    assert path in str(error.value)
    assert Page.objects.count() == pages
    assert not HomePage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        (None, "Cannot read"),
        ("home: [unclosed", "is not valid YAML"),
        ("- just a list", "must be a mapping with a 'home' page"),
        ("home: {title: x}\nmenu: []\n", "unknown top-level keys ['menu']"),
    ],
)
def test_an_unreadable_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "tree.yaml"
    if content is not None:
        path.write_text(content)

    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(str(path))

    assert not HomePage.objects.exists()
