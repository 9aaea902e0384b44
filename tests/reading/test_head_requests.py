"""
HEAD answers as GET does, without the body, on every address readers and their programs GET:
link checkers and uptime monitors ask with HEAD, and a 405 reads to them as a dead link.
"""

import pytest

pytestmark = pytest.mark.django_db


def readers_get_endpoints(topic):
    markdown = topic.url.rstrip("/") + ".md"
    return [
        "/",
        topic.get_parent().url,
        topic.url,
        markdown,
        "/index.md",
        f"{topic.url}history/",
        "/robots.txt",
        "/llms.txt",
        "/sitemap.xml",
        "/feed/",
        "/search/?q=exit",
        "/search/suggest/?q=exi",
        "/tags/",
        "/tags/plasma/",
        "/whats-new/",
        "/healthz/",
        "/api/v2/pages/",
        f"/api/v2/pages/{topic.pk}/",
        "/favicon.ico",
        "/site.webmanifest",
    ]


def test_head_answers_every_readers_get_endpoint_as_get_does(client, topic):
    answers = {}
    for path in readers_get_endpoints(topic):
        got = client.get(path)
        head = client.head(path)
        answers[path] = (got.status_code, head.status_code)
        assert got.status_code == 200, (path, got.status_code)
        assert head.status_code == got.status_code, (path, head.status_code)
        # The same kind of answer, with nothing in it.
        assert head["Content-Type"] == got["Content-Type"], path
        assert head.content == b"", path
    assert len(answers) == 20


def test_head_on_an_address_with_no_page_is_a_404_as_get_is(client, topic):
    for path in ("/no-such-page/", "/no-such-page.md", "/tags/no-such-tag/"):
        assert client.get(path).status_code == 404
        assert client.head(path).status_code == 404


def test_the_machine_readable_views_still_refuse_writes(client, topic):
    for path in ("/llms.txt", "/robots.txt", "/healthz/", topic.url.rstrip("/") + ".md"):
        assert client.post(path).status_code == 405, path
