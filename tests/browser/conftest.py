"""
The real-browser suite (`make test-browser`): the site served by the production web server
(kbsite/serve.py) from a fresh SQLite database holding the whole knowledge base and the demo
accounts, driven by Playwright in Debian's Chromium.

The server is a separate process, as in production, so what the tests see went through HTTP,
templates, static files and JavaScript. It and the browser are kept off the network: the
server's outbound HTTP goes to a closed proxy port (oEmbed falls back to plain links), and the
browser aborts every request that does not go to the server, and records it so a test can fail
on it.
"""

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.harness import (
    HarnessError,
    Servers,
    expect_200,
    manage,
    offline_proxy_env,
    start_app_server,
)
from pages.management.commands.create_demo_accounts import DEMO_ACCOUNTS

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "tests" / "artifacts"
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORDS = {username: password for username, password, _, _ in DEMO_ACCOUNTS}

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    # Playwright's sync API runs an asyncio loop, which needs a local socket pair.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.enable_socket)


@dataclass
class LiveSite:
    url: str
    log: Path

    def __call__(self, path=""):
        return self.url + path


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """The knowledge base on a fresh database, served by the web server on a free local port."""
    workdir = tmp_path_factory.mktemp("live-site")
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    } | {
        "DJANGO_SETTINGS_MODULE": "kbsite.settings.dev",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        **offline_proxy_env(),
        "PYTHONUNBUFFERED": "1",
    }
    with Servers(ARTIFACTS) as servers:
        try:
            server = serve_live_site(servers, env)
        except HarnessError as error:
            pytest.fail(f"The live site did not start: {error} (output above, log in {ARTIFACTS})")
        yield LiveSite(url=server.url, log=server.log)


def serve_live_site(servers, env):
    """Migrate, import the knowledge base, add the demo accounts (their output starts
    server.log), then the web server as production runs it, once its home page answers 200."""
    with (ARTIFACTS / "server.log").open("w") as log:
        for command in (
            ["migrate", "--noinput"],
            ["import_gitbook", BASE_DIR / "fixtures" / "omg-kb"],
            ["create_demo_accounts"],
        ):
            ran = manage(env, *command)
            log.write(ran.stdout + ran.stderr)
    # DEBUG off from here on: readers get the production error pages and templates.
    server = start_app_server(
        servers, "server", env | {"DEBUG": "false"}, workers=2, ready="/", access_log=True
    )
    expect_200(server.ready, "the home page", server)
    return server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install chromium (or set CHROMIUM).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visitor:
    """One browser context (its own cookies): a reader, an editor or a reviewer."""

    context: object
    page: object
    site: LiveSite
    name: str
    artifacts: Path
    steps: Iterator[int]  # shared by the test's visitors, so screenshots sort in journey order
    offsite_requests: list = field(default_factory=list)

    def go(self, path):
        response = self.page.goto(self.site(path))
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        return response

    def screenshot(self, step, of=None):
        """Save the whole page, or the screen around `of`, for a person to look at."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{next(self.steps):02d}-{self.name}-{step}.png"
        if of is not None:
            of.scroll_into_view_if_needed()
        self.page.screenshot(path=path, full_page=of is None)
        return path

    def log_in(self, username):
        self.go("/admin/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORDS[username])
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.site("/admin/"))


@pytest.fixture
def visit(request, browser, live_site):
    """visit(name, **context options) -> a Visitor in a fresh browser context."""
    contexts = []
    steps = itertools.count(1)
    test_dir = ARTIFACTS / request.node.name.replace("[", "-").rstrip("]")

    def open_visitor(name="reader", **options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_site.url, **options)
        context.set_default_timeout(15_000)
        visitor = Visitor(context, None, live_site, name, test_dir, steps)

        def keep_local(route):
            if route.request.url.startswith(live_site.url):
                route.continue_()
            else:
                visitor.offsite_requests.append(route.request.url)
                route.abort()

        context.route("**/*", keep_local)
        visitor.page = context.new_page()
        contexts.append(visitor)
        return visitor

    yield open_visitor
    for visitor in contexts:
        visitor.context.close()
    for visitor in contexts:
        assert not visitor.offsite_requests, (
            f"{visitor.name} left the site: {visitor.offsite_requests}"
        )


@pytest.fixture(scope="session")
def axe_script():
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"{AXE_SCRIPT} is missing: npm ci --prefix tests/browser (make test-browser does)."
        )
    return AXE_SCRIPT.read_text()
