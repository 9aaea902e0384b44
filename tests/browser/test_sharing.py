"""
What a reader's browser and a link preview get from a page's <head>, in Chromium on a 390 px
phone and a 1,366 px desktop: the canonical address, Open Graph and Twitter card tags with
absolute URLs on the address the site was reached at, an icon that loads, and a manifest; and
not one request of the visit answered with an error.
"""

import pytest

PAGES = {
    "article": "/omisego-official-guide/key-concepts/proof-of-stake-pos/",
    "listing": "/tags/",
}
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}

HEAD_TAGS = """() => {
    const content = (selector) => document.head.querySelector(selector)?.getAttribute("content");
    const href = (selector) => document.head.querySelector(selector)?.href;
    return {
        canonical: href('link[rel="canonical"]'),
        canonicalCount: document.head.querySelectorAll('link[rel="canonical"]').length,
        ogUrl: content('meta[property="og:url"]'),
        ogTitle: content('meta[property="og:title"]'),
        ogType: content('meta[property="og:type"]'),
        ogImage: content('meta[property="og:image"]'),
        twitterCard: content('meta[name="twitter:card"]'),
        icons: [...document.head.querySelectorAll(
            'link[rel~="icon"], link[rel="apple-touch-icon"]'
        )].map((link) => link.href),
        manifest: href('link[rel="manifest"]'),
    };
}"""

# Loads each address as an image, as a browser tab's icon or a preview's picture is loaded:
# resolves with each one's width, 0 if it did not load.
LOAD_IMAGES = """(urls) => Promise.all(urls.map((url) => new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve(image.naturalWidth);
    image.onerror = () => resolve(0);
    image.src = url;
})))"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_shared_page_carries_absolute_addresses_and_its_icons_load(visit, viewport):
    reader = visit("reader", **VIEWPORTS[viewport])
    failed = []
    reader.page.on(
        "response",
        lambda response: (
            response.status >= 400 and failed.append(f"{response.status} {response.url}")
        ),
    )

    for kind, path in PAGES.items():
        reader.go(path)
        tags = reader.page.evaluate(HEAD_TAGS)

        # The address the reader reached the site at (no SITE_URL is set), never the Site
        # record's localhost.
        assert tags["canonicalCount"] == 1, kind
        assert tags["canonical"] == reader.site(path), kind
        assert tags["ogUrl"] == tags["canonical"], kind
        assert tags["ogTitle"], kind
        assert tags["ogType"] == ("article" if kind == "article" else "website")
        assert tags["ogImage"].startswith(reader.site("/static/")), kind
        assert tags["twitterCard"] == "summary_large_image"
        assert reader.site("/favicon.ico") in tags["icons"]
        # Playwright drops every request for a favicon.ico from an intercepted context (ours
        # keeps readers on the site: conftest.py), so /favicon.ico is fetched below instead.
        images = [url for url in tags["icons"] if not url.endswith("/favicon.ico")]
        images.append(tags["ogImage"])
        widths = reader.page.evaluate(LOAD_IMAGES, images)
        assert len(images) >= 3 and all(widths), dict(zip(images, widths, strict=True))
        assert widths[-1] == 1200  # the share image
        manifest = reader.page.request.get(tags["manifest"])
        assert manifest.ok and manifest.json()["icons"], tags["manifest"]
        reader.screenshot(f"{kind}-{viewport}")

    # A tab asks for /favicon.ico itself whatever the page links: an icon file (its header says
    # so) at the site's root.
    favicon = reader.page.request.get(reader.site("/favicon.ico"))
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/")
    assert favicon.body()[:4] == b"\x00\x00\x01\x00"
    assert failed == []
