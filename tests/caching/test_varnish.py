"""
The purge against a real Varnish (Debian's varnishd) in front of a live server: after a publish
the proxy serves the new page on the very next request. Not a timing.

The proxy's rules are deploy/varnish/default.vcl, rendered for one app server by
deploy/varnish/render.py exactly as `make bench` runs it. Without varnishd the tests are
skipped, unless REQUIRE_VARNISH is set (`.ci/run` installs varnish and sets it).
"""

import os
import urllib.request
from urllib.error import HTTPError

import pytest

from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from bench.harness import HarnessError, Servers, find_tool, render_vcl, start_varnish
from pages.models import HomePage
from tests.conftest import make_section, make_topic

VARNISHD = find_tool("varnishd")

pytestmark = [
    # A live server needs committed rows; the rollback restores the tree root and the groups.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        VARNISHD is None and not os.environ.get("REQUIRE_VARNISH"),
        reason="varnishd is not installed (apt-get install varnish); .ci/run requires it",
    ),
]


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    """Varnish on a free port, in front of the live server, purged by the app."""
    assert VARNISHD, "REQUIRE_VARNISH is set but varnishd is not installed"
    vcl = render_vcl(live_server.url.removeprefix("http://"), tmp_path / "kb.vcl")
    with Servers(tmp_path) as servers:
        try:
            # No jail: varnishd runs as this user, who alone can read tmp_path.
            proxy = start_varnish(
                servers, vcl, tmp_path, "-j", "none", storage="malloc,32m", ready="/healthz/"
            )
        except HarnessError as error:
            pytest.fail(f"Varnish did not start: {error}")
        settings.WAGTAILFRONTENDCACHE = {
            "proxy": {"BACKEND": "pages.caching.purging.VarnishBackend", "LOCATION": proxy.url}
        }
        yield proxy.url


def fetch(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def site_pages(db):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="OMG Network Knowledge Base", slug="kb"))
    Site.objects.filter(is_default_site=True).update(root_page=home)
    section = make_section(home, title="Plasma", slug="plasma")
    exits = make_topic(
        section,
        title="Exits",
        slug="exits",
        body=[("text", RichText("<p>Exits take fourteen days.</p>"))],
    )
    deposits = make_topic(section, title="Deposits", slug="deposits")
    return {"section": section, "exits": exits, "deposits": deposits}


def test_a_published_change_is_served_by_the_proxy_on_the_next_request(varnish, site_pages):
    url = f"{varnish}{site_pages['exits'].url}"
    fetch(url)
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["X-Cache"] == "HIT"
    assert "Exits take fourteen days." in body

    # An editor's change goes live: the app purges the page from the proxy on commit.
    exits = site_pages["exits"]
    exits.body = [("text", RichText("<p>Exits take seven days.</p>"))]
    exits.save_revision().publish()

    status, headers, body = fetch(url)
    assert status == 200
    assert headers["X-Cache"] == "MISS"
    assert "Exits take seven days." in body
    assert "fourteen" not in body


def test_a_new_title_reaches_every_cached_page(varnish, site_pages):
    other = f"{varnish}{site_pages['deposits'].url}"
    fetch(other)
    assert fetch(other)[1]["X-Cache"] == "HIT"

    exits = site_pages["exits"]
    exits.title = "Leaving the chain"
    exits.save_revision().publish()

    # The other page's sidebar names the renamed page.
    status, headers, body = fetch(other)
    assert headers["X-Cache"] == "MISS"
    assert "Leaving the chain" in body


def test_the_listing_above_an_edited_page_is_purged_too(varnish, site_pages):
    listing = f"{varnish}{site_pages['section'].url}"
    fetch(f"{varnish}{site_pages['exits'].url}")  # the tree is cached, as on a running site
    fetch(listing)
    assert fetch(listing)[1]["X-Cache"] == "HIT"

    exits = site_pages["exits"]
    exits.summary = "Leaving the chain with your funds."
    exits.save_revision().publish()

    status, headers, body = fetch(listing)
    assert headers["X-Cache"] == "MISS"
    assert "Leaving the chain with your funds." in body


def test_editors_and_the_admin_always_reach_the_app(varnish, site_pages):
    login = f"{varnish}/admin/login/"
    fetch(login)
    assert fetch(login)[1]["X-Cache"] == "PASS"

    page = f"{varnish}{site_pages['exits'].url}"
    fetch(page)
    status, headers, _body = fetch(page, cookie="sessionid=an-editors-session")
    assert status == 200
    assert headers["X-Cache"] != "HIT"
    assert "private" in headers["Cache-Control"]


def test_a_missing_page_is_a_404_through_the_proxy(varnish, site_pages):
    status, _headers, _body = fetch(f"{varnish}/no-such-page/")

    assert status == 404


def test_a_parameter_no_reader_view_reads_is_never_stored(varnish, site_pages):
    """`?junk=<random>` would otherwise be one more copy of the same page per value."""
    page = f"{varnish}{site_pages['exits'].url}"
    junk = [fetch(f"{page}?junk={n}") for n in range(3) for _again in range(2)]

    assert [headers["X-Cache"] for _status, headers, _body in junk] == ["PASS"] * 6
    assert all(status == 200 for status, _headers, _body in junk)

    # What a view reads is cached as before.
    listing = f"{varnish}/whats-new/?page=1"
    fetch(listing)
    assert fetch(listing)[1]["X-Cache"] == "HIT"
