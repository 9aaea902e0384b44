"""
Every absolute URL given to readers and programs follows one rule (pages/reading/addresses.py):
the configured public address (SITE_URL) if there is one, else the host the request came to;
never the Site record's host name, which says `localhost` on an imported knowledge base.
"""

import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from wagtail.models import Site

from tests.conftest import make_topic

pytestmark = pytest.mark.django_db
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
READERS_HOST = "kb.example.org"
CONFIGURED = "https://omg.example.net"


@pytest.fixture
def topic(section, settings):
    settings.ALLOWED_HOSTS = [READERS_HOST, "testserver"]
    # As the import leaves it: the Site record names a host nobody else can reach.
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("localhost", 80)
    return make_topic(section, title="Exits", slug="exits", summary="How to leave the chain.")


@pytest.fixture(params=["request", "setting"])
def expected_base(request, settings):
    """Each test runs twice: without SITE_URL (the request's own host) and with it."""
    if request.param == "setting":
        settings.KB_SITE_URL = CONFIGURED
        return CONFIGURED
    settings.KB_SITE_URL = ""
    return f"http://{READERS_HOST}"


def get(client, path, params=None):
    response = client.get(path, params, HTTP_HOST=READERS_HOST)
    assert response.status_code == 200, (path, response.status_code)
    return response


def every_url_in(text):
    return [word for word in text.replace("(", " ").replace(")", " ").split() if "://" in word]


def test_the_sitemap_lists_pages_at_the_public_address(client, topic, expected_base):
    root = ET.fromstring(get(client, "/sitemap.xml").content)
    locations = [loc.text for loc in root.iter(f"{SITEMAP}loc")]

    assert f"{expected_base}{topic.url}" in locations
    assert locations and all(location.startswith(f"{expected_base}/") for location in locations)


def test_robots_txt_points_at_the_sitemap_at_the_public_address(client, topic, expected_base):
    lines = get(client, "/robots.txt").content.decode().splitlines()

    assert f"Sitemap: {expected_base}/sitemap.xml" in lines


def test_llms_txt_links_each_page_markdown_at_the_public_address(client, topic, expected_base):
    text = get(client, "/llms.txt").getvalue().decode()

    urls = every_url_in(text)
    assert f"{expected_base}{topic.url[:-1]}.md" in [url.rstrip(":") for url in urls]
    assert all(url.startswith(f"{expected_base}/") for url in urls)


def test_the_atom_feed_links_at_the_public_address(client, topic, expected_base):
    feed = ET.fromstring(get(client, "/feed/").content)
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.iter(f"{ATOM}entry")]

    assert f"{expected_base}{topic.url}" in links
    assert f"{expected_base}/whats-new/" in links
    assert f"{expected_base}/feed/" in links
    assert ids and all(url.startswith(f"{expected_base}/") for url in links + ids)


def test_the_api_gives_html_and_detail_urls_at_the_public_address(client, topic, expected_base):
    listing = get(client, "/api/v2/pages/").json()
    detail = get(client, f"/api/v2/pages/{topic.pk}/").json()

    item = next(item for item in listing["items"] if item["id"] == topic.pk)
    assert item["meta"]["html_url"] == f"{expected_base}{topic.url}"
    assert item["meta"]["detail_url"] == f"{expected_base}/api/v2/pages/{topic.pk}/"
    assert detail["meta"]["html_url"] == f"{expected_base}{topic.url}"
    parent = detail["meta"]["parent"]["meta"]
    assert parent["html_url"] == f"{expected_base}{topic.get_parent().url}"
    assert parent["detail_url"] == f"{expected_base}/api/v2/pages/{topic.get_parent().pk}/"


def test_the_api_find_redirects_to_the_public_address(client, topic, expected_base):
    response = client.get("/api/v2/pages/find/", {"html_path": topic.url}, HTTP_HOST=READERS_HOST)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{expected_base}/api/v2/pages/{topic.pk}/")


def test_canonical_and_open_graph_urls_are_at_the_public_address(client, topic, expected_base):
    html = BeautifulSoup(get(client, topic.url).content, "html.parser")

    canonical = html.find("link", rel="canonical")["href"]
    assert canonical == f"{expected_base}{topic.url}"
    assert html.find("meta", property="og:url")["content"] == canonical
    assert html.find("meta", property="og:image")["content"].startswith(f"{expected_base}/static/")


def test_the_request_host_is_used_with_no_setting_even_for_another_host(client, topic, settings):
    settings.KB_SITE_URL = ""
    settings.ALLOWED_HOSTS = [READERS_HOST, "mirror.example.org", "testserver"]

    first = get(client, "/robots.txt").content.decode()
    second = client.get("/robots.txt", HTTP_HOST="mirror.example.org").content.decode()

    assert "Sitemap: http://kb.example.org/sitemap.xml" in first
    assert "Sitemap: http://mirror.example.org/sitemap.xml" in second
