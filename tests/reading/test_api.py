"""The read-only JSON API: live public pages with their knowledge-base fields, nothing else."""

import pytest

from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from pages.models import TopicPage
from tests.conftest import make_faq, make_faq_index, make_topic

pytestmark = pytest.mark.django_db


def api(client, path, **params):
    response = client.get(f"/api/v2/{path}", params)
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.json()


def test_pages_carry_their_knowledge_base_fields(client, section):
    page = make_topic(
        section,
        title="Exits",
        summary="How to leave the chain.",
        in_development=True,
        development_note="Exit bonds may change.",
        body=[("text", RichText("<p>Start an exit.</p>"))],
    )
    page.tags.set(["plasma"])
    page.save_revision().publish()

    listing = api(client, "pages/", type="pages.TopicPage", fields="summary,in_development,tags")
    detail = api(client, f"pages/{page.pk}/")

    assert [item["title"] for item in listing["items"]] == ["Exits"]
    item = listing["items"][0]
    assert (item["summary"], item["in_development"], item["tags"]) == (
        "How to leave the chain.",
        True,
        ["plasma"],
    )
    assert detail["development_note"] == "Exit bonds may change."
    assert detail["body"][0]["type"] == "text"
    assert "Start an exit." in detail["body"][0]["value"]


def test_faq_entries_name_their_category(client, home, faq_category):
    entry = make_faq(make_faq_index(home), faq_category, title="What is OMG for?")

    detail = api(client, f"pages/{entry.pk}/")

    assert detail["category"] == "Community Q&A"
    assert "Staking, once it launches." in detail["answer"][0]["value"]


def test_drafts_unpublished_changes_and_restricted_pages_stay_out(client, section):
    draft = TopicPage(title="DRAFT-MARKER", live=False)
    section.add_child(instance=draft)
    private = make_topic(section, title="PRIVATE-MARKER")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    live = make_topic(section, title="Live")
    live.title = "UNPUBLISHED-TITLE-MARKER"
    live.save_revision()

    listing = client.get("/api/v2/pages/", {"limit": 100}).content.decode()

    assert "MARKER" not in listing
    assert '"Live"' in listing
    for page in (draft, private):
        assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404


def test_the_api_is_read_only(client, section):
    page = make_topic(section, title="Exits")

    assert client.post("/api/v2/pages/", {"title": "New"}).status_code == 405
    response = client.delete(f"/api/v2/pages/{page.pk}/")
    assert response.status_code == 405
    assert TopicPage.objects.filter(pk=page.pk, title="Exits").exists()
