"""
What a shared or found link carries: rel=canonical, Open Graph and Twitter card tags on every
reader's page, with the page's own summary and the site's default image; and the icons and web
app manifest a browser asks for on a first visit.
"""

import io

import pytest
from bs4 import BeautifulSoup
from PIL import Image

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def head_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return BeautifulSoup(response.content, "html.parser").head


def meta(head, name):
    tag = head.find("meta", property=name) or head.find("meta", attrs={"name": name})
    return tag and tag["content"]


def canonical(head):
    links = head.find_all("link", rel="canonical")
    assert len(links) == 1
    return links[0]["href"]


def test_a_topic_is_shared_as_an_article_with_its_title_summary_and_address(client, topic):
    head = head_of(client, topic.url)

    assert canonical(head) == f"{ORIGIN}{topic.url}"
    assert meta(head, "og:url") == f"{ORIGIN}{topic.url}"
    assert meta(head, "og:type") == "article"
    assert meta(head, "og:title") == "Exits"
    assert meta(head, "og:description") == "How to leave the chain."
    assert meta(head, "og:site_name")
    assert meta(head, "twitter:card") == "summary_large_image"
    assert meta(head, "robots") is None


def test_the_search_description_is_shared_in_place_of_the_summary(client, topic):
    topic.search_description = "Leaving the Plasma chain with your funds, step by step."
    topic.save_revision().publish()

    head = head_of(client, topic.url)

    assert meta(head, "og:description") == topic.search_description


def test_the_home_page_is_the_website(client, home):
    head = head_of(client, "/")

    assert meta(head, "og:type") == "website"
    assert canonical(head) == f"{ORIGIN}/"


def test_the_default_image_is_an_absolute_1200_by_630_png(client, topic):
    head = head_of(client, topic.url)
    image_url = meta(head, "og:image")

    assert image_url.startswith(f"{ORIGIN}/static/")
    assert meta(head, "twitter:image") == image_url
    assert (meta(head, "og:image:width"), meta(head, "og:image:height")) == ("1200", "630")
    image = client.get(image_url[len(ORIGIN) :])
    assert image.status_code == 200
    with Image.open(io.BytesIO(b"".join(image.streaming_content))) as picture:
        assert (picture.format, picture.size) == ("PNG", (1200, 630))


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/tags/", "Tags"),
        ("/tags/plasma/", "Tagged “plasma”"),
        ("/whats-new/", "What’s new"),
        ("/search/", "Search"),
    ],
)
def test_every_readers_view_has_a_canonical_and_open_graph_tags(client, topic, path, title):
    head = head_of(client, path)

    assert canonical(head) == f"{ORIGIN}{path}"
    assert meta(head, "og:url") == f"{ORIGIN}{path}"
    assert meta(head, "og:title") == title
    assert meta(head, "og:type") == "website"
    # Not a page of the tree: the knowledge base's own description.
    assert meta(head, "og:description") == meta(head_of(client, "/"), "og:description")


def test_a_pages_history_is_canonical_to_itself(client, topic):
    head = head_of(client, f"{topic.url}history/")

    assert canonical(head) == f"{ORIGIN}{topic.url}history/"
    assert meta(head, "og:title") == "History of Exits"


def test_search_results_are_canonical_to_search_and_kept_out_of_indexes(client, topic):
    head = head_of(client, "/search/?q=exit&utm_source=chat")

    assert canonical(head) == f"{ORIGIN}/search/"
    assert meta(head, "robots") == "noindex, follow"


def test_a_later_page_of_a_listing_keeps_its_number_and_drops_junk(client, topic):
    assert canonical(head_of(client, "/whats-new/?page=1&utm_source=x")) == f"{ORIGIN}/whats-new/"
    assert canonical(head_of(client, f"{topic.url}?utm_source=x")) == f"{ORIGIN}{topic.url}"


def test_a_missing_page_has_nothing_to_share(client, home):
    response = client.get("/no-such-page/")

    head = BeautifulSoup(response.content, "html.parser").head
    assert response.status_code == 404
    assert head.find("link", rel="canonical") is None
    assert meta(head, "og:url") is None


def test_the_favicon_is_served_at_the_root(client, home):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert "max-age=86400" in response["Cache-Control"]
    with Image.open(io.BytesIO(response.content)) as icon:
        assert icon.format == "ICO"


def test_the_head_links_icons_and_a_manifest_whose_icons_load(client, home):
    head = head_of(client, "/")
    icon_links = head.select('link[rel~="icon"], link[rel="apple-touch-icon"]')
    icons = [link["href"] for link in icon_links]
    manifest_url = head.find("link", rel="manifest")["href"]
    manifest = client.get(manifest_url)

    assert manifest["Content-Type"] == "application/manifest+json"
    sizes = {icon["sizes"] for icon in manifest.json()["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for url in icons + [icon["src"] for icon in manifest.json()["icons"]]:
        assert client.get(url).status_code == 200, url
    colours = {tag["media"]: tag["content"] for tag in head.select('meta[name="theme-color"]')}
    assert set(colours) == {"(prefers-color-scheme: light)", "(prefers-color-scheme: dark)"}
