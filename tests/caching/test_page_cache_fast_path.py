"""
The page cache's hits answered in front of Django (pages/caching/fast_path.py), called as a WSGI
server calls kbsite.wsgi: the same answer as the page built afresh, for the same readers only.
"""

import io
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import pytest

from django.core.cache import cache, caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from wagtail.rich_text import RichText

from pages.caching.fast_path import PageCacheApplication
from pages.caching.http_cache import GENERATION_KEY, PAGE_KEY_PREFIX, forget_pages
from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


@dataclass
class Answer:
    status: str
    headers: list
    body: bytes

    def header(self, name):
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        assert len(values) <= 1, values
        return values[0] if values else None


@contextmanager
def inside_the_tests_transaction():
    """As Django's test client does: a request must not close the connection that holds the
    test's transaction (close_old_connections would, seeing autocommit off)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class DjangoApplication:
    """Django's WSGI handler, counting the requests that reach it. Built on the first request,
    as a worker starts: the middlewares read their settings once, then."""

    def __init__(self):
        self.handler = None
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        self.handler = self.handler or WSGIHandler()
        return self.handler(environ, start_response)


@pytest.fixture
def django_application():
    return DjangoApplication()


@pytest.fixture
def application(django_application, settings):
    settings.KB_PAGE_CACHE_SECONDS = 3600
    return PageCacheApplication(django_application)


def call(application, url, method="GET", host="testserver", scheme="http", **headers):
    """One request, as the web server would make it."""
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started.update(status=status, headers=response_headers)

    with inside_the_tests_transaction():
        body = application(environ, start_response)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
    return Answer(started["status"], started["headers"], content)


def without(headers, *names):
    return [(key, value) for key, value in headers if key.lower() not in names]


def stored_pages():
    return [key for key in cache._cache if PAGE_KEY_PREFIX in key]


@pytest.fixture
def topic(section):
    return make_topic(section, title="Exits", slug="exits", summary="How exits work.")


class TestHits:
    def test_a_hit_is_the_page_as_built_with_every_header_and_no_query(
        self, application, django_application, topic, settings, django_assert_num_queries
    ):
        miss = call(application, topic.url)

        with django_assert_num_queries(0):
            hit = call(application, topic.url)

        assert miss.status == hit.status == "200 OK"
        assert (miss.header("X-Page-Cache"), hit.header("X-Page-Cache")) == ("MISS", "HIT")
        assert without(hit.headers, "x-page-cache") == without(miss.headers, "x-page-cache")
        assert hit.body == miss.body
        assert "Exits" in hit.body.decode()
        # The security middlewares' headers, kept with the page.
        assert hit.header("Content-Security-Policy").startswith("default-src 'self'")
        assert hit.header("Permissions-Policy").startswith("camera=()")
        assert hit.header("X-Frame-Options") == "DENY"
        assert hit.header("X-Content-Type-Options") == "nosniff"
        assert hit.header("Referrer-Policy") == settings.SECURE_REFERRER_POLICY
        assert "s-maxage" in hit.header("Cache-Control")
        # Nor any of one response's own: the server dates each answer.
        assert hit.header("Date") is None
        assert hit.header("Set-Cookie") is None
        # The hit never reached Django: no middleware, session, CSRF or user.
        assert django_application.requests == 1

    def test_head_gets_the_headers_of_get_and_no_body(self, application, topic):
        miss = call(application, topic.url)

        head = call(application, topic.url, method="HEAD")

        assert head.header("X-Page-Cache") == "HIT"
        assert head.body == b""
        assert head.header("Content-Length") == str(len(miss.body))

    def test_https_pages_are_kept_apart_with_their_hsts(self, application, topic, settings):
        settings.SECURE_HSTS_SECONDS = 3600
        plain = call(application, topic.url)

        miss = call(application, topic.url, scheme="https")
        hit = call(application, topic.url, scheme="https")

        assert plain.header("Strict-Transport-Security") is None
        assert miss.header("X-Page-Cache") == "MISS"
        assert hit.header("X-Page-Cache") == "HIT"
        assert hit.header("Strict-Transport-Security") == "max-age=3600"

    def test_each_host_has_its_own_copy(self, application, topic, settings):
        call(application, topic.url)

        other = call(application, topic.url, host="localhost")

        assert other.header("X-Page-Cache") == "MISS"

    def test_a_page_whose_view_reads_the_query_is_answered_too(self, application, topic):
        call(application, "/whats-new/?page=1")

        hit = call(application, "/whats-new/?page=1")

        assert hit.status == "200 OK"
        assert hit.header("X-Page-Cache") == "HIT"

    def test_a_miss_looks_the_page_up_once(self, application, topic):
        backend = caches["default"]
        with mock.patch.object(backend, "get_many", wraps=backend.get_many) as get_many:
            call(application, topic.url)

        lookups = [each for each in get_many.call_args_list if GENERATION_KEY in each.args[0]]
        assert len(lookups) == 1


class TestWhoGetsTheSharedCopy:
    @pytest.mark.parametrize(
        "headers",
        [
            {"HTTP_COOKIE": "sessionid=abc123"},
            {"HTTP_AUTHORIZATION": "Basic ZWRkaWU6c2VjcmV0"},
        ],
        ids=["session cookie", "authorization"],
    )
    def test_editors_and_signed_requests_reach_django(
        self, application, django_application, topic, headers
    ):
        call(application, topic.url)

        answer = call(application, topic.url, **headers)

        assert answer.header("X-Page-Cache") is None
        assert "private" in answer.header("Cache-Control")
        assert django_application.requests == 2

    def test_other_cookies_get_the_shared_copy(self, application, topic):
        call(application, topic.url)

        answer = call(application, topic.url, HTTP_COOKIE="theme=dark")

        assert answer.header("X-Page-Cache") == "HIT"

    @pytest.mark.parametrize("url", ["/admin/", "/_util/login/", "/healthz/"])
    def test_never_shared_paths_reach_django(self, application, django_application, home, url):
        for _ in range(2):
            answer = call(application, url)
            assert answer.header("X-Page-Cache") is None

        assert django_application.requests == 2
        assert stored_pages() == []

    def test_a_parameter_its_view_does_not_read_reaches_django(
        self, application, django_application, topic
    ):
        call(application, topic.url)

        answers = [call(application, f"{topic.url}?junk={n}") for n in range(2)]

        for answer in answers:
            assert answer.status == "200 OK"
            assert answer.header("X-Page-Cache") is None
        assert django_application.requests == 3
        assert len(stored_pages()) == 1

    def test_a_post_to_a_stored_page_reaches_django(self, application, django_application, topic):
        call(application, topic.url)

        answer = call(application, topic.url, method="POST")

        assert answer.header("X-Page-Cache") is None
        assert django_application.requests == 2

    def test_a_refused_host_is_never_stored_nor_served(self, application, topic, settings):
        settings.ALLOWED_HOSTS = ["testserver", "kb.example.org"]
        call(application, topic.url, host="kb.example.org")
        assert call(application, topic.url, host="kb.example.org").header("X-Page-Cache") == "HIT"
        stored = stored_pages()

        refused = [call(application, topic.url, host="evil.example") for _ in range(2)]
        # A host the deployment no longer accepts: its pages are still in Redis.
        settings.ALLOWED_HOSTS = ["testserver"]
        dropped = call(application, topic.url, host="kb.example.org")

        for answer in (*refused, dropped):
            assert answer.status.startswith("400")
            assert answer.header("X-Page-Cache") is None
        assert stored_pages() == stored


class TestFreshness:
    def test_forgetting_pages_makes_the_next_request_a_miss(self, application, topic):
        call(application, topic.url)

        forget_pages()

        assert call(application, topic.url).header("X-Page-Cache") == "MISS"
        assert call(application, topic.url).header("X-Page-Cache") == "HIT"

    def test_a_publish_shows_at_once(self, application, topic, django_capture_on_commit_callbacks):
        call(application, topic.url)

        with django_capture_on_commit_callbacks(execute=True):
            topic.body = [("text", RichText("<p>Exits take seven days.</p>"))]
            topic.save_revision().publish()

        answer = call(application, topic.url)
        assert answer.header("X-Page-Cache") == "MISS"
        assert "Exits take seven days." in answer.body.decode()

    def test_new_header_settings_store_the_page_afresh(self, application, topic, settings):
        call(application, topic.url)

        # A deployment with another setting: new workers, the same Redis.
        settings.SECURE_REFERRER_POLICY = "no-referrer"
        answer = call(PageCacheApplication(DjangoApplication()), topic.url)

        assert answer.header("X-Page-Cache") == "MISS"
        assert answer.header("Referrer-Policy") == "no-referrer"

    def test_with_the_page_cache_off_every_request_reaches_django(
        self, application, django_application, topic, settings
    ):
        settings.KB_PAGE_CACHE_SECONDS = 0

        for _ in range(2):
            assert call(application, topic.url).header("X-Page-Cache") is None

        assert django_application.requests == 2
        assert stored_pages() == []


def test_the_wsgi_entry_point_answers_hits_in_front_of_django():
    # gc.freeze would keep every object the test run holds now for the rest of it.
    with mock.patch("gc.freeze"), mock.patch("gc.collect"):
        from kbsite.wsgi import application

    assert isinstance(application, PageCacheApplication)
    assert isinstance(application.application, WSGIHandler)


def test_a_redis_that_cannot_be_reached_costs_the_hit_not_the_page(application, topic, settings):
    # Production's cache options (kbsite/settings/production.py), on a port nobody listens on.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
        }
    }

    answers = [call(application, topic.url) for _ in range(2)]

    for answer in answers:
        assert answer.status == "200 OK"
        assert "Exits" in answer.body.decode()
        assert answer.header("X-Page-Cache") != "HIT"
