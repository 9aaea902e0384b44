"""What a web worker loads (issue 24: a worker's peak RSS): the application as production loads it
leaves out what only rare requests or other processes need (that the server loads it once, before
forking its workers, is in test_web_server.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from django.core.exceptions import ImproperlyConfigured

PROJECT = Path(__file__).resolve().parents[2]
LOADED = "import sys, kbsite.wsgi; print(' '.join(sorted(sys.modules)))"
# The sockets and database connections the process holds once the application is loaded, as
# the web server's master would.
SOCKETS = (
    "import os, kbsite.wsgi; links = []\n"
    "for fd in os.listdir('/proc/self/fd'):\n"
    "    try: links.append(os.readlink(f'/proc/self/fd/{fd}'))\n"
    "    except OSError: pass\n"
    "from django.db import connections\n"
    "print(sum(link.startswith('socket:') for link in links),\n"
    "      sum(c.connection is not None for c in connections.all()))"
)


def load_production(code, **environment):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="kbsite.settings.production", SECRET_KEY="x" * 50)
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def production_modules():
    return set(load_production(LOADED).split())


def test_a_production_worker_leaves_out_the_unmounted_api_and_the_markdown_exporter():
    modules = production_modules()

    assert "wagtail.images" in modules  # the app did load
    # Wagtail's v3 API (django-ninja) is not in INSTALLED_APPS, and the GitBook exporter is
    # loaded by the first request for a page's Markdown.
    assert not {"ninja", "wagtail.api.v3.routers.pages", "pages.gitbook.exporter"} & modules


def test_the_v3_api_stand_in_says_how_to_get_the_real_one():
    from wagtail.api.v3.api import api

    with pytest.raises(ImproperlyConfigured, match="wagtail.api.v3"):
        api.urls  # noqa: B018 - the attribute a URL conf would mount


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_loading_the_application_opens_no_connection_a_worker_would_inherit(tmp_path):
    # With Redis and a database configured, as in production: nothing is asked of either yet.
    sockets = load_production(
        SOCKETS,
        REDIS_URL="redis://127.0.0.1:6379/15",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert sockets.split() == ["0", "0"]
