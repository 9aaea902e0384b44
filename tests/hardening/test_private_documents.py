"""
A document in a private collection reaches only those Wagtail's view lets in
(/documents/<id>/<name>, which checks the collection's restriction), never anyone at its /media/
address, when the app serves uploads itself: production without a bucket (KB_SERVE_MEDIA, the
compose default) and development (DEBUG). Images are still served from /media/ (issue 22, L1).
"""

import importlib

import pytest

from django.core.files.base import ContentFile
from django.urls import clear_url_caches, reverse

from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, CollectionViewRestriction

import kbsite.urls
from tests.operations.test_settings import REALISTIC_PRODUCTION, load_settings

pytestmark = pytest.mark.django_db

MINUTES = b"%PDF-1.4 board minutes: the token sale moves to March"


def reload_urls():
    """kbsite.urls picks its media routes from the settings when it is imported."""
    importlib.reload(kbsite.urls)
    clear_url_caches()


@pytest.fixture(params=["production without a bucket", "development"])
def media_served_by_the_app(request, settings, tmp_path):
    """Uploads on disk under MEDIA_ROOT, and the app's own /media/ route in front of them."""
    before = (settings.DEBUG, settings.KB_SERVE_MEDIA)
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    if request.param == "development":
        settings.DEBUG = True
    else:
        settings.KB_SERVE_MEDIA = True
    reload_urls()
    yield
    settings.DEBUG, settings.KB_SERVE_MEDIA = before
    reload_urls()


@pytest.fixture
def private_document(media_served_by_the_app):
    """An editor's upload to a collection only signed-in users may read."""
    board = Collection.get_first_root_node().add_child(name="Board papers")
    CollectionViewRestriction.objects.create(
        collection=board, restriction_type=CollectionViewRestriction.LOGIN
    )
    return Document.objects.create(
        title="Board minutes", collection=board, file=ContentFile(MINUTES, name="minutes.pdf")
    )


def test_a_private_document_is_not_served_from_media(client, private_document):
    assert private_document.file.name.startswith("documents/")

    response = client.get(f"/media/{private_document.file.name}")

    assert response.status_code == 404
    assert MINUTES not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/../documents/{name}",
        "/media/original_images/%2e%2e/documents/{name}",
        "/media/avatar_images/..%2fdocuments/{name}",
    ],
)
def test_no_way_round_from_an_image_folder_leads_to_a_document(client, private_document, path):
    response = client.get(path.format(name=private_document.filename))

    assert response.status_code in (400, 404)
    assert MINUTES not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_wagtails_view_asks_a_stranger_to_sign_in_and_serves_a_user(
    client, django_user_model, private_document
):
    stranger = client.get(private_document.url)

    assert stranger.status_code == 302
    assert stranger["Location"].startswith(reverse("wagtailcore_login"))

    client.force_login(django_user_model.objects.create_user("reader"))
    member = client.get(private_document.url)

    assert member.status_code == 200
    assert b"".join(member.streaming_content) == MINUTES


def test_images_and_their_renditions_are_still_served(client, media_served_by_the_app):
    image = Image.objects.create(title="Exit queue", file=get_test_image_file("queue.png"))
    rendition = image.get_rendition("width-100")

    for url in (image.file.url, rendition.url):
        assert url.startswith("/media/")
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/png"


def test_production_without_a_bucket_routes_no_document_to_media():
    """The production settings themselves, as docker-compose runs them (no bucket)."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from django.urls import Resolver404, resolve\n"
        "def view(path):\n"
        "    try:\n"
        "        return resolve(path).func.__name__\n"
        "    except Resolver404:\n"
        "        return '-'\n"
        "print(s.KB_SERVE_MEDIA, s.WAGTAILDOCS_SERVE_METHOD, view('/media/documents/minutes.pdf'),"
        " view('/media/original_images/queue.png'), view('/media/images/queue.width-100.png'))"
    )
    result = load_settings(
        "production", code, **{**REALISTIC_PRODUCTION, "AWS_STORAGE_BUCKET_NAME": ""}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "serve_view", "-", "serve", "serve"]
