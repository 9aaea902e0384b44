"""
A bulk write (an import) indexes what it saved once, at the end, in batches: Wagtail's search
index and its reference index hold the same rows as Wagtail's own indexing writes, and the pages
are found and their uses listed as after an editor's publish.
"""

import pytest
from modelsearch.backends import get_search_backends
from modelsearch.conf import get_app_config

from django.contrib.contenttypes.models import ContentType

from wagtail.models import Page, ReferenceIndex
from wagtail.rich_text import RichText

from pages import indexing
from pages.indexing import deferred_indexing
from pages.models import TopicPage
from tests.conftest import make_topic

pytestmark = pytest.mark.django_db

IndexEntry = get_app_config().get_model("IndexEntry")


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    # Five pages in batches of two: a batch of one model, a batch over a second, a last one.
    monkeypatch.setattr(indexing, "BATCH_SIZE", 2)


def topic_linking(section, number, diagram, white_paper, target=None):
    body = [
        ("text", RichText(f"<p>Exit game number {number} keeps the funds safe.</p>")),
        ("image", {"image": {"image": diagram, "decorative": False, "alt_text": "The chain"}}),
        ("file", {"document": white_paper, "caption": ""}),
    ]
    if target is not None:
        body.append(("card", {"page": target, "title": "", "description": ""}))
    topic = make_topic(section, title=f"Plasma exits {number}", body=body)
    topic.tags.add(f"exits-{number}")
    topic.save_revision().publish()
    return topic


def pages_references():
    return ReferenceIndex.objects.filter(base_content_type=ContentType.objects.get_for_model(Page))


def reference_rows():
    """The pages' references (the fixtures' image and document have some of their own)."""
    return set(
        pages_references().values_list(
            "content_type",
            "base_content_type",
            "object_id",
            "to_content_type",
            "to_object_id",
            "model_path",
            "content_path",
            "content_path_hash",
        )
    )


def search_rows():
    return set(
        IndexEntry.objects.values_list(
            "content_type", "object_id", "title", "autocomplete", "body", "title_norm"
        )
    )


@pytest.fixture
def imported(section, diagram, white_paper):
    """Five topics written as an import writes them, the later ones linking to the first."""
    with deferred_indexing():
        first = topic_linking(section, 1, diagram, white_paper)
        topics = [first] + [
            topic_linking(section, number, diagram, white_paper, target=first)
            for number in range(2, 6)
        ]
    return topics


def test_the_reference_index_holds_the_rows_wagtail_writes_object_by_object(imported):
    written = reference_rows()
    pages_references().delete()
    for page in TopicPage.objects.all():
        ReferenceIndex.create_or_update_for_object(page)

    assert written == reference_rows()
    assert len(written) >= 3 * len(imported)


def test_a_second_bulk_write_keeps_the_references_still_made_and_drops_the_others(
    imported, section, diagram, white_paper
):
    first, second = imported[:2]
    with deferred_indexing():
        # The second topic no longer links to the first; a new topic does.
        second.body = [("text", RichText("<p>Nothing linked any more.</p>"))]
        second.save_revision().publish()
        topic_linking(section, 6, diagram, white_paper, target=first)
    written = reference_rows()
    pages_references().delete()
    for page in TopicPage.objects.all():
        ReferenceIndex.create_or_update_for_object(page)

    assert written == reference_rows()
    # What an editor sees as the first topic's usage.
    using_first = {reference.object_id for reference in ReferenceIndex.get_references_to(first)}
    assert str(second.pk) not in using_first
    assert {str(page.pk) for page in imported[2:]} < using_first


def test_the_search_index_holds_the_rows_one_bulk_add_writes(imported):
    written = search_rows()
    IndexEntry.objects.filter(content_type=ContentType.objects.get_for_model(TopicPage)).delete()
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(TopicPage, list(TopicPage.get_indexed_objects()))

    assert written == search_rows()
    assert len(written) >= len(imported)


def test_imported_pages_are_found_by_their_body_and_tags_and_their_images_uses_listed(
    imported, diagram
):
    found = {page.title for page in TopicPage.objects.live().search("exit game")}
    assert found == {page.title for page in imported}
    assert [page.title for page in TopicPage.objects.live().search("exits-4")] == ["Plasma exits 4"]
    users = {reference.object_id for reference in ReferenceIndex.get_references_to(diagram)}
    assert users == {str(page.pk) for page in imported}
