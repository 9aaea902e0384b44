"""
Against strangers at the door and in the browser: the admin's sign-in is throttled, and every
response, readers' and the admin's, carries the security headers and a Content-Security-Policy
(kbsite/security.py, "Sign-in throttle and security headers" in kbsite/settings/base.py).

tests/browser/test_csp.py shows, in a real browser, that the admin still works under the policy.
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from wagtail.documents.models import Document
from wagtail.rich_text import RichText

from kbsite import security
from pages.models import TopicPage
from tests.conftest import (
    PAGE_OF_EACH_TYPE,
    make_section,
    make_topic,
    make_video,
    publish,
)
from tests.content.test_embeds import FakeOEmbedResponse
from tests.hardening.builders import account, edit_form
from tests.operations.test_settings import (
    REALISTIC_PRODUCTION,
    load_settings,
    production_setting,
)

PASSWORD = "a-long-editor-password"

# The policies as a browser reads them. Each relaxation of the admin's is Wagtail 8's doing:
# inline <script> blocks without nonces (date pickers, inline panels), style attributes, image
# previews from blob: and data: URIs, and the preview iframe of its own pages. Readers' pages show
# images from any https: address, as an imported book's images from the web are shown from where
# they are (the web image block); scripts, styles and frames stay as strict.
PUBLIC_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "https:"],
    "frame-src": [
        "https://www.youtube-nocookie.com",
        "https://www.youtube.com",
        "https://player.vimeo.com",
    ],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
ADMIN_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-src": [
        "'self'",
        "https://www.youtube-nocookie.com",
        "https://www.youtube.com",
        "https://player.vimeo.com",
    ],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()"
)


def csp(response):
    """The response's Content-Security-Policy as {directive: [sources]}, in its order."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


# The sign-in throttle --------------------------------------------------------------------------


@pytest.fixture
def throttled(settings):
    """django-axes as it runs outside the tests (kbsite/settings/test.py turns it off)."""
    settings.AXES_ENABLED = True


@pytest.fixture
def editor(db):
    return account("editor", "Editors", password=PASSWORD)


def sign_in(client, username, password, **meta):
    """One attempt through the admin's own sign-in form."""
    return client.post(
        reverse("wagtailadmin_login"), {"username": username, "password": password}, **meta
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def fail_five_times(client, username="editor", **meta):
    responses = [sign_in(client, username, f"guess-{n}", **meta) for n in range(5)]
    # The first four are the form again, with its error; the fifth trips the lock.
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert all(
        "Your username and password didn" in r.content.decode().replace("&#x27;", "'")
        for r in responses[:4]
    )
    return responses[-1]


def test_five_wrong_passwords_lock_the_pair_out_even_with_the_right_password(
    client, editor, throttled
):
    fail_five_times(client)

    response = sign_in(client, "editor", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)
    assert client.get(reverse("wagtailadmin_home")).status_code == 302  # to the sign-in form


def test_the_lockout_is_a_page_that_says_what_happened(client, editor, throttled):
    response = fail_five_times(client)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    page = BeautifulSoup(response.content, "html.parser")
    assert page.h1.get_text(strip=True) == "Too many sign-in attempts"
    text = " ".join(page.main.get_text(" ").split())
    assert "paused after 5 failed attempts" in text
    assert "Try again in 15 minutes" in text
    # In the admin's look and under its policy, like the form it replaces.
    assert page.select_one('link[href*="wagtailadmin/css/core.css"]') is not None
    assert csp(response) == ADMIN_CSP


def test_another_user_or_another_address_is_not_locked_out(client, editor, throttled):
    account("colleague", "Editors", password=PASSWORD)
    fail_five_times(client)

    elsewhere = sign_in(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert elsewhere.status_code == 302 and signed_in(client)
    client.logout()

    colleague = sign_in(client, "colleague", PASSWORD)
    assert colleague.status_code == 302 and signed_in(client)


def test_after_the_cool_off_the_right_password_works_again(client, editor, monkeypatch, throttled):
    fail_five_times(client)
    assert sign_in(client, "editor", PASSWORD).status_code == 429

    # Axes stamps each attempt with django.utils.timezone.now, imported into its handler.
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)

    response = sign_in(client, "editor", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert signed_in(client)


def test_within_the_cool_off_a_retry_starts_the_wait_again(client, editor, monkeypatch, throttled):
    fail_five_times(client)
    start = timezone.now()
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: start + timedelta(minutes=10))
    assert sign_in(client, "editor", PASSWORD).status_code == 429

    # Fifteen minutes after the first lockout, but only five after the last try.
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: start + timedelta(minutes=16))
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_a_success_clears_the_count(client, editor, throttled):
    for n in range(4):
        assert sign_in(client, "editor", f"guess-{n}").status_code == 200
    assert sign_in(client, "editor", PASSWORD).status_code == 302
    client.logout()

    # Four more failures are not five in a row.
    for n in range(4):
        assert sign_in(client, "editor", f"guess-{n}").status_code == 200
    assert sign_in(client, "editor", PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_it_saw(client, editor, settings, throttled):
    """Production: X-Forwarded-For, from the right as far as the trusted proxies go."""
    settings.KB_TRUSTED_PROXY_COUNT = 1

    # The client writes whatever it likes in X-Forwarded-For; the proxy appends the real peer.
    for n in range(5):
        sign_in(
            client,
            "editor",
            f"guess-{n}",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
        )
    assert (
        sign_in(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    )

    # Another reader behind the same proxy is someone else.
    response = sign_in(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert response.status_code == 302 and signed_in(client)


def test_without_a_proxy_a_forged_forwarded_address_stays_locked_out(
    client, editor, settings, throttled
):
    """Production as it starts unless told of a proxy: a client reaching the app server directly
    writes a new X-Forwarded-For for every guess, and is still one address."""
    settings.KB_TRUSTED_PROXY_COUNT = production_setting("KB_TRUSTED_PROXY_COUNT")

    for n in range(5):
        sign_in(client, "editor", f"guess-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = sign_in(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")

    assert response.status_code == 429
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy trusted: the header is the client's word
        (1, "", "10.0.0.2"),  # came past the proxy
        (1, "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),  # TLS terminator, then Varnish
        (2, "203.0.113.9", "203.0.113.9"),  # straight to the inner proxy
    ],
)
def test_the_client_address(rf, settings, proxies, forwarded, expected):
    settings.KB_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert security.client_ip_address(request) == expected


@pytest.mark.parametrize(
    ("environment", "proxies"),
    [({}, 0), ({"TRUSTED_PROXY_COUNT": "1"}, 1), ({"TRUSTED_PROXY_COUNT": "2"}, 2)],
    ids=["no proxy unless told", "behind Varnish", "behind a TLS terminator and Varnish"],
)
def test_production_throttles_by_the_address_its_proxies_vouch_for(environment, proxies):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_ENABLED, s.AUTHENTICATION_BACKENDS[0], s.AXES_FAILURE_LIMIT, "
        "s.AXES_COOLOFF_TIME, s.AXES_LOCKOUT_PARAMETERS, s.AXES_RESET_ON_SUCCESS, "
        "s.KB_TRUSTED_PROXY_COUNT, s.MIDDLEWARE[-1])"
    )
    result = load_settings("production", code, **REALISTIC_PRODUCTION, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True axes.backends.AxesStandaloneBackend 5 0:15:00 [['username', 'ip_address']] True "
        f"{proxies} axes.middleware.AxesMiddleware"
    )


# Security headers ------------------------------------------------------------------------------


@pytest.fixture
def topic(home):
    return make_topic(make_section(home, title="Plasma", slug="plasma"), title="Exits")


@pytest.fixture
def editor_client(client, db):
    client.force_login(account("editor", "Editors", password=PASSWORD))
    return client


def assert_security_headers(response, policy):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert csp(response) == policy


READERS_URLS = {
    "home page": lambda topic: "/",
    "topic": lambda topic: topic.url,
    "search": lambda topic: reverse("search") + "?q=exits",
    "what's new": lambda topic: reverse("whats_new"),
    "feed": lambda topic: reverse("feed"),
    "no such page": lambda topic: "/no-such-page/",
    "a stylesheet": lambda topic: "/static/pages/css/kb.css",
}


@pytest.mark.django_db
@pytest.mark.parametrize("what", READERS_URLS)
def test_readers_responses_carry_the_strict_policy(client, topic, what):
    response = client.get(READERS_URLS[what](topic))

    assert response.status_code in (200, 404), response.status_code
    assert_security_headers(response, PUBLIC_CSP)
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_a_page_from_the_apps_own_cache_carries_the_policy_too(client, topic, settings):
    settings.KB_PAGE_CACHE_SECONDS = 60
    client.get(topic.url)

    response = client.get(topic.url)

    assert response["X-Page-Cache"] == "HIT"
    assert_security_headers(response, PUBLIC_CSP)
    assert response["X-Frame-Options"] == "DENY"


def preview(client, topic):
    """The editor's live preview: the form posted, then the page shown in the preview iframe."""
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[topic.pk])
    posted = client.post(url, edit_form(topic, title="Exits, previewed"))
    assert posted.json()["is_valid"], posted.content
    return client.get(url)


ADMIN_VIEWS = {
    # what: (how to get it, its X-Frame-Options)
    "sign-in form": (lambda client, topic: client.get(reverse("wagtailadmin_login")), "DENY"),
    "dashboard": (lambda client, topic: client.get(reverse("wagtailadmin_home")), "DENY"),
    "page explorer": (
        lambda client, topic: client.get(reverse("wagtailadmin_explore", args=[topic.pk])),
        "DENY",
    ),
    "page editor": (
        lambda client, topic: client.get(reverse("wagtailadmin_pages:edit", args=[topic.pk])),
        "DENY",
    ),
    # Shown in the editor's iframe: Wagtail allows its own origin to frame it.
    "live preview": (preview, "SAMEORIGIN"),
    "draft in a new tab": (
        lambda client, topic: client.get(reverse("wagtailadmin_pages:view_draft", args=[topic.pk])),
        "DENY",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("what", ADMIN_VIEWS)
def test_admin_responses_carry_the_admin_policy(editor_client, topic, what):
    get, frame_options = ADMIN_VIEWS[what]
    if what == "sign-in form":
        editor_client.logout()

    response = get(editor_client, topic)

    assert response.status_code == 200
    assert_security_headers(response, ADMIN_CSP)
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == frame_options


@pytest.mark.django_db
def test_the_preview_shows_the_edited_draft(editor_client, topic):
    """The page in the preview iframe is the reader's template, under the admin's policy."""
    response = preview(editor_client, topic)

    assert "Exits, previewed" in response.content.decode()
    assert csp(response)["frame-ancestors"] == ["'self'"]


@pytest.mark.django_db
def test_a_document_keeps_wagtails_own_policy(client, settings, tmp_path):
    """An editor's upload, served from this origin, may run nothing at all."""
    # On disk, as production keeps uploads without a bucket: Wagtail serves local files itself.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    document = Document.objects.create(
        title="Fee schedule", file=ContentFile(b"<script>alert(1)</script>", name="fees.html")
    )

    response = client.get(document.url)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("storage_options", "origin"),
    [
        ({"custom_domain": "media.kb.example.org"}, "https://media.kb.example.org"),
        ({}, "https://omgkb-media.s3.amazonaws.com"),
        ({"endpoint_url": "https://s3.fr-par.scw.cloud"}, "https://s3.fr-par.scw.cloud"),
    ],
)
def test_images_on_a_bucket_are_allowed_from_the_bucket(
    client, topic, settings, monkeypatch, storage_options, origin
):
    """Production serves uploads from S3 or its CDN (production.py): the admin may show images
    from there and from nowhere else; readers' pages name it too, beside the https: their
    images from the web need."""
    # Credentials as production has them, so that boto3 does not go looking for a machine role.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "omgkb-media",
                "querystring_auth": False,
                "default_acl": None,
                **storage_options,
            },
        },
    }
    security.media_origin.cache_clear()
    try:
        public = client.get(topic.url)
        admin = client.get(reverse("wagtailadmin_login"))
    finally:
        security.media_origin.cache_clear()

    assert csp(public)["img-src"] == ["'self'", "https:", origin]
    assert csp(admin)["img-src"] == ["'self'", "data:", "blob:", origin]


@pytest.mark.django_db
def test_every_player_the_site_embeds_is_a_frame_the_policy_allows(client, home, monkeypatch):
    section = make_section(home, title="Plasma", slug="plasma")
    players = {
        "https://www.youtube.com/watch?v=cccccccccc1": "https://www.youtube.com/embed/cccccccccc1",
        "https://vimeo.com/76979871": "https://player.vimeo.com/video/76979871",
    }

    def answer(endpoint, **kwargs):
        response = FakeOEmbedResponse()
        html = f'<iframe src="{players[kwargs["params"]["url"]]}"></iframe>'
        response.json = lambda: {"type": "video", "html": html, "title": "Plasma"}
        return response

    monkeypatch.setattr("wagtail.embeds.finders.oembed.requests.get", answer)
    body = [{"type": "embed", "value": {"url": url}} for url in players]
    pages = [
        publish(section, TopicPage(title="Exits", body=body)),
        make_video(section, video_url="https://vimeo.com/76979871"),
    ]

    for page in pages:
        response = client.get(page.url)
        frames = [
            frame
            for template in BeautifulSoup(response.content, "html.parser").select("template")
            for frame in template.find_all("iframe")
        ]
        assert frames, page.title
        for frame in frames:
            origin = "/".join(frame["src"].split("/")[:3])
            assert origin in csp(response)["frame-src"], frame["src"]


def inline_code(html):
    """What a policy without 'unsafe-inline' would block in `html`."""
    soup = BeautifulSoup(html, "html.parser")
    blocked = [str(tag)[:80] for tag in soup.find_all("script") if not tag.get("src")]
    blocked += [str(tag)[:80] for tag in soup.find_all("style")]
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            is_url = name in ("href", "src", "action")
            if (
                name == "style"
                or name.startswith("on")
                or (is_url and str(value).strip().lower().startswith("javascript:"))
            ):
                blocked.append(f"<{tag.name} {name}={value!r}>")
    return blocked


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PAGE_OF_EACH_TYPE)
def test_readers_pages_have_no_inline_script_or_style(client, home, faq_category, kind):
    """The strict policy costs readers nothing: no page type writes inline code."""
    page = PAGE_OF_EACH_TYPE[kind](home, faq_category)
    if kind == "topic":
        page.specific.body = [
            ("text", RichText('<p>Read <a href="https://example.org">this</a>.</p>')),
        ]
        page.specific.save_revision().publish()

    response = client.get(page.url)

    assert response.status_code == 200
    assert inline_code(response.content) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/search/?q=plasma", "/whats-new/", "/tags/", "/no-such-page/", "/plasma/history/"]
)
def test_the_sites_own_views_have_no_inline_script_or_style(client, topic, path):
    response = client.get(path)

    assert response.status_code in (200, 404)
    assert inline_code(response.content) == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/pages/search/", "/admin/knowledge-base-pages/"])
def test_a_pasted_paragraph_in_an_admin_search_is_searched_not_a_server_error(
    admin_client, home, url
):
    # Hundreds of words once exceeded Python's recursion limit in Wagtail's PostgreSQL search.
    paragraph = " ".join(f"word{number}" for number in range(300))
    admin_client.raise_request_exception = False

    response = admin_client.get(url, {"q": paragraph})

    assert response.status_code == 200
