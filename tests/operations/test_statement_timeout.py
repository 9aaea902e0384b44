"""
On PostgreSQL a statement of a web request runs for DB_STATEMENT_TIMEOUT milliseconds at most
(production: 5,000), set in the connection's options, so it costs no query; past it the database
cancels it and the reader gets the 503 page with Retry-After, the API included, and the log one
line. Editors' admin requests may run longer, and hand the connection on with the readers'
limit; management commands have none (issue 22).

The settings are read in a process of their own, as in test_settings.py; the cancelling is
PostgreSQL's own, on a real connection opened with the options production gives it, against a
view made slow with pg_sleep.
"""

import logging
import os
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from kbsite.api import KnowledgeBasePagesAPIViewSet
from kbsite.settings.base import set_statement_timeout
from kbsite.statement_timeout import AdminStatementTimeoutMiddleware, admin_statement_timeout
from pages.reading import changes
from tests.conftest import logged_in, make_topic
from tests.operations.test_settings import CONFIG_VARIABLES, PROJECT

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "kbsite.settings.production",
    "SECRET_KEY": "a-long-random-production-secret",
    "DATABASE_URL": "postgres://kb:pw@db.internal:5432/omgkb",
}
PRINT_TIMEOUT = (
    "from django.conf import settings as s; "
    "options = s.DATABASES['default'].get('OPTIONS', {}); "
    "print(s.KB_STATEMENT_TIMEOUT_MS, repr(options.get('options')))"
)


def statement_timeout_in(*command, **environment):
    """(KB_STATEMENT_TIMEOUT_MS, the connection's `options`) as a process started with
    `command` and `environment` sees them."""
    ignored = (*CONFIG_VARIABLES, "DJANGO_SETTINGS_MODULE", "DB_STATEMENT_TIMEOUT")
    env = {name: value for name, value in os.environ.items() if name not in ignored}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    milliseconds, options = result.stdout.split(maxsplit=1)
    return int(milliseconds), options.strip()


def settings_of(**environment):
    return statement_timeout_in(
        "-c", f"import django; django.setup(); {PRINT_TIMEOUT}", **environment
    )


# The settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, (5000, "'-c statement_timeout=5000'")),
        ({"DB_STATEMENT_TIMEOUT": "2500"}, (2500, "'-c statement_timeout=2500'")),
        ({"DB_STATEMENT_TIMEOUT": "0"}, (0, "None")),
        # Options the database's URL gives are kept.
        (
            {"DATABASE_URL": PRODUCTION["DATABASE_URL"] + "?options=-c%20lock_timeout%3D1000"},
            (5000, "'-c lock_timeout=1000 -c statement_timeout=5000'"),
        ),
        # SQLite has no statement timeout.
        ({"DATABASE_URL": "sqlite:////tmp/omgkb.sqlite3"}, (0, "None")),
    ],
)
def test_production_cuts_statements_off_after_five_seconds_unless_told(environment, expected):
    assert settings_of(**{**PRODUCTION, **environment}) == expected


def test_development_and_tests_have_no_statement_timeout_unless_told():
    database = PRODUCTION["DATABASE_URL"]
    for module in ("dev", "test"):
        settings_module = f"kbsite.settings.{module}"
        assert settings_of(DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=database) == (
            0,
            "None",
        )


def test_a_malformed_statement_timeout_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT,
        env={**os.environ, **PRODUCTION, "DB_STATEMENT_TIMEOUT": "5s"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DB_STATEMENT_TIMEOUT must be a number of milliseconds" in result.stderr


def test_management_commands_run_without_a_statement_timeout():
    # migrate, import_gitbook and the backups share the web processes' environment (compose's
    # x-app-environment), limit included; manage.py lifts it.
    assert statement_timeout_in(
        "manage.py",
        "shell",
        "--verbosity",
        "0",
        "-c",
        PRINT_TIMEOUT,
        **PRODUCTION,
        DB_STATEMENT_TIMEOUT="5000",
    ) == (0, "None")


# The admin's longer limit, and what it costs -----------------------------------------------------


def test_without_a_statement_timeout_no_request_pays_for_one(rf, settings):
    settings.KB_STATEMENT_TIMEOUT_MS = 0  # SQLite, development, the tests
    request = rf.get("/admin/")
    middleware = AdminStatementTimeoutMiddleware(lambda request: HttpResponse())

    # No query (this test may not reach the database: one would fail it), and not even the
    # user is looked up (the request has none).
    assert middleware(request).status_code == 200


def test_only_editors_admin_requests_get_the_longer_limit(rf, settings, django_user_model):
    settings.KB_STATEMENT_TIMEOUT_MS, settings.KB_ADMIN_STATEMENT_TIMEOUT_MS = 5_000, 30_000
    administrator = django_user_model(username="ada", is_superuser=True, is_active=True)

    def limit(path, user):
        request = rf.get(path)
        request.user = user
        return admin_statement_timeout(request)

    assert limit("/admin/pages/", administrator) == 30_000
    assert limit("/whats-new/", administrator) is None
    # The sign-in page is anyone's.
    assert limit("/admin/login/", AnonymousUser()) is None
    # An admin limit no longer than the readers' changes nothing.
    settings.KB_ADMIN_STATEMENT_TIMEOUT_MS = 5_000
    assert limit("/admin/pages/", administrator) is None


# PostgreSQL cancelling a statement ---------------------------------------------------------------

READER_MS = 200
ADMIN_MS = 10_000
# Past the readers' limit, well within the editors'.
SLOW_SECONDS = 1


def current_limit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.fixture
def topic(home):
    return make_topic(home, title="Exits", slug="exits")


@pytest.fixture
def statement_timeouts(transactional_db, settings):
    """From here on the database connection opens as production's settings open it
    (set_statement_timeout), READER_MS for every statement, and is kept between requests, as a
    web server's worker keeps it; editors' admin requests get ADMIN_MS."""
    database = connection.settings_dict
    saved = {"OPTIONS": dict(database["OPTIONS"]), "CONN_MAX_AGE": database["CONN_MAX_AGE"]}
    connection.close()
    settings.KB_STATEMENT_TIMEOUT_MS = set_statement_timeout(database, READER_MS)
    settings.KB_ADMIN_STATEMENT_TIMEOUT_MS = ADMIN_MS
    database["CONN_MAX_AGE"] = 60
    assert current_limit() == f"{READER_MS}ms"
    yield
    # Before the test's data is flushed, which must not be cut off.
    connection.close()
    database.update(saved)


def slowed(function):
    """`function`, run after a statement that takes SLOW_SECONDS."""

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [SLOW_SECONDS])
        return function(*args, **kwargs)

    return slow


@pytest.fixture
def slow_readers_views(monkeypatch):
    monkeypatch.setattr(changes, "publishes", slowed(changes.publishes))
    monkeypatch.setattr(
        KnowledgeBasePagesAPIViewSet,
        "get_queryset",
        slowed(KnowledgeBasePagesAPIViewSet.get_queryset),
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no statement timeout")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("topic", "statement_timeouts", "slow_readers_views")
class TestPostgreSQLCancelsASlowStatement:
    @pytest.mark.parametrize("path", ["/whats-new/", "/api/v2/pages/"])
    def test_a_readers_request_gets_a_503_and_the_log_one_line(self, path, monkeypatch, caplog):
        reader = Client(raise_request_exception=False)

        with caplog.at_level(logging.INFO):
            response = reader.get(path)

        # Cancelled after READER_MS, not SLOW_SECONDS later; the API (Django REST framework)
        # passes the error on to the same handler.
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        soup = BeautifulSoup(response.content, "html.parser")
        assert soup.h1.get_text() == "The knowledge base is temporarily unavailable"
        assert "took too long to answer" in soup.get_text()
        [record] = caplog.records
        assert record.getMessage() == (
            f"Service Unavailable: {path} "
            "(OperationalError: canceling statement due to statement timeout)"
        )
        assert record.exc_info is None
        # The worker's connection is still good for the next reader.
        monkeypatch.undo()
        assert reader.get(path).status_code == 200

    def test_an_editors_admin_request_runs_longer_then_hands_on_the_readers_limit(
        self, django_user_model, monkeypatch
    ):
        from wagtail.admin.views.home import HomeView

        monkeypatch.setattr(HomeView, "get_context_data", slowed(HomeView.get_context_data))
        administrator = django_user_model.objects.create_superuser("ada", "ada@example.com", "pw")
        editor = logged_in(administrator)

        assert editor.get("/admin/").status_code == 200

        # The same connection, back at the readers' limit.
        assert current_limit() == f"{READER_MS}ms"
        assert Client(raise_request_exception=False).get("/whats-new/").status_code == 503
