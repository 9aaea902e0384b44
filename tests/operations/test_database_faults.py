"""
When the database cannot be reached, readers get a 503 page in the site's layout (never a
traceback), the health check says so, the log has one line for each 503 (a bug's 500 keeps its
traceback), and the next request after the database is back is served as usual. `make loadtest`
does the same with a real PostgreSQL stopped and started again under the running web server.
A statement the database cancels for running too long is a 503 too (test_statement_timeout.py).
"""

import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from bs4 import BeautifulSoup

from django.db import InterfaceError, OperationalError

from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


@contextmanager
def database_unreachable(error=OperationalError):
    """Every query fails the way psycopg fails when PostgreSQL has gone away."""
    failure = error("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
    with (
        mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=failure),
        mock.patch("django.db.backends.utils.CursorWrapper.executemany", side_effect=failure),
    ):
        yield


@pytest.fixture
def topic(section):
    return make_topic(section, title="Exits", slug="exits")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("url", ["topic", "/search/?q=exits", "/whats-new/", "/api/v2/pages/"])
def test_readers_get_a_503_page_while_the_database_is_unreachable(client, topic, url, error):
    client.raise_request_exception = False
    url = topic.url if url == "topic" else url

    with database_unreachable(error):
        response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "public" not in response["Cache-Control"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == "The knowledge base is temporarily unavailable"
    assert soup.select_one("header.site-header") is not None
    assert "Traceback" not in response.text
    assert "Connection refused" not in response.text


def test_the_site_answers_again_as_soon_as_the_database_does(client, topic):
    client.raise_request_exception = False
    url = topic.url
    with database_unreachable():
        assert client.get(url).status_code == 503
        assert client.get("/healthz/").status_code == 503

    # No restart: the next request finds the database.
    assert client.get("/healthz/").status_code == 200
    response = client.get(url)
    assert response.status_code == 200
    assert "Exits" in response.text


def test_a_bug_is_still_a_500_not_a_503(client, topic, monkeypatch):
    from pages.models import TopicPage

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(TopicPage, "serve", broken)
    client.raise_request_exception = False

    response = client.get(topic.url)

    assert response.status_code == 500
    assert "Retry-After" not in response


# The logs: one line per 503, a traceback per bug ------------------------------------------------


@pytest.mark.parametrize("url", ["topic", "/api/v2/pages/"])
def test_a_503_is_logged_as_one_line_without_a_traceback(client, topic, url, caplog):
    # An outage wrote a traceback for every request (two, chained): 1,514 for 828 503s.
    client.raise_request_exception = False
    path = topic.url if url == "topic" else url

    with database_unreachable(), caplog.at_level(logging.INFO):
        client.get(path)

    [record] = caplog.records
    assert (record.name, record.levelname) == ("django.request", "ERROR")
    assert record.getMessage() == (
        f"Service Unavailable: {path} (OperationalError: connection to server at 127.0.0.1, "
        "port 5432 failed: Connection refused)"
    )
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_bug_is_still_logged_with_its_traceback(client, topic, monkeypatch, caplog):
    from pages.models import TopicPage

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(TopicPage, "serve", broken)
    client.raise_request_exception = False

    with caplog.at_level(logging.INFO):
        client.get(topic.url)

    [record] = caplog.records
    assert record.getMessage() == f"Internal Server Error: {topic.url}"
    assert record.exc_info[0] is ValueError
    assert "Traceback" in caplog.text
    assert 'raise ValueError("a bug")' in caplog.text
