"""
A private page's password, and a private collection's, cannot be guessed at leisure: after as
many wrong passwords from one address in an hour as the admin's sign-in allows (5), that address
is refused with a 429 page, the right password too, and nothing is stored
(pages/reading/passwords.py; issue 22, R2).
"""

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction
from wagtail.rich_text import RichText

from tests.conftest import make_topic

pytestmark = pytest.mark.django_db

PASSWORD = "open-sesame-2019"
SECRET = "Exits take fourteen days on the private chain."
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture
def private_page(section):
    page = make_topic(
        section, title="Exits", slug="exits", body=[("text", RichText(f"<p>{SECRET}</p>"))]
    )
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password=PASSWORD
    )
    return page, restriction


def enter(client, private_page, password, **meta):
    page, restriction = private_page
    return client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]),
        {"password": password, "return_url": page.url},
        **meta,
    )


def reads_the_page(client, private_page, **meta):
    page, _restriction = private_page
    return SECRET in client.get(page.url, **meta).content.decode()


def fail_five_times(client, private_page, **meta):
    responses = [enter(client, private_page, f"guess-{n}", **meta) for n in range(5)]
    # Wagtail's form again, each time with its error.
    assert [response.status_code for response in responses] == [200] * 5
    assert all("password you have entered is not correct" in r.text for r in responses)


def test_five_wrong_passwords_then_the_right_one_is_refused(client, private_page):
    fail_five_times(client, private_page)

    response = enter(client, private_page, PASSWORD)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    # Nothing was checked, so nothing was stored: the page still asks for its password.
    assert not reads_the_page(client, private_page)


def test_the_refusal_is_a_page_that_says_what_happened(client, private_page):
    fail_five_times(client, private_page)

    response = enter(client, private_page, "guess-6")

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    page = BeautifulSoup(response.content, "html.parser")
    assert page.h1.get_text(strip=True) == "Too many wrong passwords"
    text = " ".join(page.main.get_text(" ").split())
    assert "paused after 5 failed attempts" in text
    assert "Try again in" in text
    # In the readers' layout, and never kept by a cache.
    assert page.select_one('link[href$="pages/css/kb.css"]') is not None
    assert {"private", "no-cache"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


def test_four_wrong_passwords_then_the_right_one_is_let_in(client, private_page):
    for n in range(4):
        assert enter(client, private_page, f"guess-{n}").status_code == 200

    response = enter(client, private_page, PASSWORD)

    assert response.status_code == 302
    assert reads_the_page(client, private_page)


def test_another_address_is_not_held_up(client, private_page):
    fail_five_times(client, private_page)

    response = enter(client, private_page, PASSWORD, **ELSEWHERE)

    assert response.status_code == 302
    assert reads_the_page(client, private_page, **ELSEWHERE)


def test_another_private_page_is_not_held_up(client, section, private_page):
    fail_five_times(client, private_page)
    other = make_topic(section, title="Deposits", slug="deposits")
    restriction = PageViewRestriction.objects.create(
        page=other, restriction_type=PageViewRestriction.PASSWORD, password="another-one"
    )

    assert enter(client, (other, restriction), "another-one").status_code == 302


def test_the_next_hour_the_right_password_works_again(client, private_page):
    fail_five_times(client, private_page)
    assert enter(client, private_page, PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        response = enter(client, private_page, PASSWORD)

    assert response.status_code == 302


def test_a_private_collections_password_is_limited_too(client):
    board = Collection.get_first_root_node().add_child(name="Board papers")
    restriction = CollectionViewRestriction.objects.create(
        collection=board, restriction_type=CollectionViewRestriction.PASSWORD, password=PASSWORD
    )
    document = Document.objects.create(
        title="Minutes", collection=board, file=ContentFile(b"minutes", name="minutes.txt")
    )
    url = reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk])

    guesses = [
        client.post(url, {"password": f"guess-{n}", "return_url": document.url}).status_code
        for n in range(5)
    ]
    right = client.post(url, {"password": PASSWORD, "return_url": document.url})

    assert guesses == [200] * 5
    assert right.status_code == 429
    # The password form again, not the file.
    assert not client.get(document.url).streaming
