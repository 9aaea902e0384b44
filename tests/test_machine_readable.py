"""What robots and other programs read: the sitemap and robots.txt."""

import xml.etree.ElementTree as ET

import pytest

from wagtail.models import PageViewRestriction

from pages.models import TopicPage

from .conftest import make_topic

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

    assert page.full_url in entries
    assert section.full_url in entries
    lastmod = entries[page.full_url]
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
