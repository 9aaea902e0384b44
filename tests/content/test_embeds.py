"""Embedded videos show the provider's player when it answers and a plain link when it does not."""

import pytest
from bs4 import BeautifulSoup

from wagtail.embeds.models import Embed

from pages.models import TopicPage
from tests.conftest import make_video, publish

VIDEO_URL = "https://www.youtube.com/watch?v=cccccccccc1"


class FakeOEmbedResponse:
    def raise_for_status(self):
        pass

    def json(self):
        return {
            "type": "video",
            "title": "Dear bank, where did my 100 bucks go?",
            "html": '<iframe src="https://www.youtube.com/embed/cccccccccc1"></iframe>',
            "width": 640,
            "height": 360,
            "provider_name": "YouTube",
        }


@pytest.fixture
def provider_answers(monkeypatch):
    calls = []

    def answer(endpoint, **kwargs):
        calls.append(kwargs["params"]["url"])
        return FakeOEmbedResponse()

    monkeypatch.setattr("wagtail.embeds.finders.oembed.requests.get", answer)
    return calls


def embed_page(section):
    body = [{"type": "embed", "value": {"url": VIDEO_URL, "caption": "Where did it go?"}}]
    return publish(section, TopicPage(title="Payments", body=body))


def test_embed_block_falls_back_to_a_link_when_the_provider_is_down(client, section):
    response = client.get(embed_page(section).url)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".embed-fallback a")["href"] == VIDEO_URL
    assert "www.youtube.com" in soup.select_one(".embed-fallback__host").get_text()
    # A failed lookup is not stored, so the player appears once the provider is back.
    assert not Embed.objects.filter(url=VIDEO_URL).exists()


def test_embed_block_shows_the_player_when_the_provider_answers(client, section, provider_answers):
    page = embed_page(section)

    for _ in range(2):
        soup = BeautifulSoup(client.get(page.url).content, "html.parser")
        # CSS selectors, like browsers, do not look inside a <template>.
        frame = soup.select_one(".embed [data-click-to-load] template").find("iframe")
        assert frame["src"] == "https://www.youtube.com/embed/cccccccccc1"
        assert soup.select(".embed-fallback") == []

    # Wagtail stores the provider's answer, so readers do not each wait on YouTube.
    assert provider_answers == [VIDEO_URL]


def test_video_page_shows_the_player_when_the_provider_answers(client, section, provider_answers):
    video = make_video(section, video_url=VIDEO_URL)

    soup = BeautifulSoup(client.get(video.url).content, "html.parser")

    # The player waits, inert, until the reader clicks: no request to YouTube before that.
    player = soup.select_one(".video [data-click-to-load]")
    frame = player.find("template").find("iframe")
    assert frame["src"] == "https://www.youtube.com/embed/cccccccccc1"
    assert all(frame.find_parent("template") for frame in soup.find_all("iframe"))
    assert "Play “The Path to a More Viable Plasma”" in player.select_one("button").get_text()
    assert player.select_one(".click-to-load__link a")["href"] == VIDEO_URL
    assert soup.select_one('script[src$="pages/js/kb.js"]') is not None


@pytest.mark.django_db
def test_video_page_falls_back_to_a_link_when_the_provider_is_down(client, section):
    video = make_video(section, title="Decentralizing Consensus", video_url=VIDEO_URL)

    soup = BeautifulSoup(client.get(video.url).content, "html.parser")

    link = soup.select_one(".video .embed-fallback a")
    assert link["href"] == VIDEO_URL and "Decentralizing Consensus" in link.get_text()


def test_a_provider_that_failed_is_asked_again_only_after_an_hour(
    client, section, monkeypatch, provider_answers
):
    import requests

    from pages import embeds as page_embeds

    page = embed_page(section)
    tries = []

    def refuse(*args, **kwargs):
        tries.append(kwargs["params"]["url"])
        raise requests.ConnectionError("provider unreachable")

    monkeypatch.setattr("wagtail.embeds.finders.oembed.requests.get", refuse)
    for _ in range(3):
        assert "embed-fallback" in client.get(page.url).text

    # One slow failure, not one on every page view.
    assert tries == [VIDEO_URL]

    # The provider answers again, and once the hour is over the player appears.
    monkeypatch.setattr(
        "wagtail.embeds.finders.oembed.requests.get", lambda *a, **k: FakeOEmbedResponse()
    )
    # The hour passes: the cache lets the remembered failure go.
    page_embeds.cache.delete(page_embeds.failed_key(VIDEO_URL))
    assert "embed-fallback" not in client.get(page.url).text
