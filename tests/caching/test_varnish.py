"""
The purge against a real Varnish (Debian's varnishd) in front of a live server: after a publish
the proxy serves the new page on the very next request. Not a timing.

The proxy's rules are deploy/varnish/default.vcl, rendered for one app server by
deploy/varnish/render.py exactly as `make bench` runs it. Without varnishd the tests are
skipped, unless REQUIRE_VARNISH is set (`.ci/run` installs varnish and sets it).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError

import pytest

from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from pages.models import HomePage
from tests.conftest import make_section, make_topic

PROJECT = Path(__file__).resolve().parents[2]
# Debian puts it in /usr/sbin, which a non-root PATH may not hold.
VARNISHD = shutil.which("varnishd", path=f"{os.environ.get('PATH', '')}:/usr/sbin")

pytestmark = [
    # A live server needs committed rows; the rollback restores the tree root and the groups.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        VARNISHD is None and not os.environ.get("REQUIRE_VARNISH"),
        reason="varnishd is not installed (apt-get install varnish); .ci/run requires it",
    ),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    """Varnish on a free port, in front of the live server, purged by the app."""
    assert VARNISHD, "REQUIRE_VARNISH is set but varnishd is not installed"
    backend = live_server.url.removeprefix("http://")
    vcl = tmp_path / "kb.vcl"
    subprocess.run(
        [sys.executable, "deploy/varnish/render.py", "--backend", backend, "-o", str(vcl)],
        cwd=PROJECT,
        check=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [VARNISHD, "-F", "-j", "none", "-n", str(tmp_path / "varnish"), "-a", f"127.0.0.1:{port}"]
        + ["-f", str(vcl), "-s", "malloc,32m"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{port}"
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {"BACKEND": "pages.caching.purging.VarnishBackend", "LOCATION": address}
    }
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{address}/healthz/", timeout=2)
                break
            except (OSError, HTTPError):
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    pytest.fail(f"Varnish did not start:\n{process.stdout.read().decode()}")
                time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


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
