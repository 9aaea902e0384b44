"""
What caches may keep, and how publishing empties them: the Cache-Control readers' pages carry,
the app's own page cache, the purges sent to the proxy, and the health check.
"""

import re
from pathlib import Path
from unittest import mock

import pytest

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import OperationalError
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from wagtail.contrib.frontend_cache.backends import HTTPBackend
from wagtail.models import PageViewRestriction, Site
from wagtail.rich_text import RichText

from pages.caching.http_cache import PAGE_KEY_PREFIX
from pages.caching.purging import EVERYTHING, VarnishBackend, content_urls, purge_after_commit
from pages.models import ReaderNotices, SearchQueryDay
from pages.reading.query import query_parameters
from tests.conftest import logged_in, make_section, make_topic

pytestmark = pytest.mark.django_db

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "default.vcl"


class RecordingProxy(VarnishBackend):
    """The Varnish backend, with what it would send kept in a list instead."""

    sent = []

    def purge(self, url):
        self.sent.append(("PURGE", url))

    def ban(self, path_pattern):
        self.sent.append(("BAN", path_pattern))


class PurgingOnlyProxy(HTTPBackend):
    """A proxy (a CDN, say) that takes PURGE only, with what it would be sent kept in a list."""

    sent = []

    def purge(self, url):
        self.sent.append(url)


@pytest.fixture
def proxy(settings):
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "tests.caching.test_http_cache.RecordingProxy",
            "LOCATION": "http://proxy.invalid",
        }
    }
    RecordingProxy.sent = []
    return RecordingProxy.sent


@pytest.fixture
def page_cache(settings):
    settings.KB_PAGE_CACHE_SECONDS = 3600


@pytest.fixture
def topic(section):
    return make_topic(section, title="Exits", slug="exits", summary="How exits work.")


@pytest.fixture
def committed(proxy, django_capture_on_commit_callbacks):
    """The fixtures' pages as if committed. A test runs in one transaction, where each change
    joins the purge still waiting for its commit: this sends that one, so a test sees the
    purges of its own change only."""
    with django_capture_on_commit_callbacks(execute=True):
        purge_after_commit(everything=True)
    proxy.clear()


def stored_pages():
    """The page cache's copies, as the tests' local-memory cache holds them."""
    return [key for key in cache._cache if PAGE_KEY_PREFIX in key]


def directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


def publish_change(page, user=None, **fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision(user=user).publish(user=user)


class TestCacheControl:
    def test_a_readers_page_may_be_kept_by_shared_caches_only(self, client, topic, settings):
        response = client.get(topic.url)

        assert response.status_code == 200
        assert directives(response) == {
            "public",
            "max-age=0",
            f"s-maxage={settings.KB_SHARED_CACHE_SECONDS}",
            f"stale-while-revalidate={settings.KB_STALE_WHILE_REVALIDATE_SECONDS}",
        }

    @pytest.mark.parametrize(
        "url",
        [
            "/",
            "/search/suggest/?q=exits",
            "/whats-new/",
            "/feed/",
            "/sitemap.xml",
            "/llms.txt",
            "/tags/",
        ],
    )
    def test_listings_and_feeds_are_shared_too(self, client, topic, url):
        response = client.get(url)

        assert response.status_code == 200
        assert "public" in directives(response)

    def test_the_search_page_is_counted_so_never_shared(self, client, topic, page_cache):
        client.get("/search/?q=exits")
        response = client.get("/search/?q=exits")

        assert {"private", "no-cache"} <= directives(response)
        assert response.get("X-Page-Cache") != "HIT"
        assert SearchQueryDay.objects.get(query="exits").searches == 2

    def test_a_missing_page_is_kept_for_a_minute_at_most(self, client, home):
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        assert "s-maxage=60" in directives(response)

    def test_a_signed_in_editor_gets_a_private_page(self, topic, editor):
        response = logged_in(editor).get(topic.url)

        assert response.status_code == 200
        assert {"private", "no-cache"} <= directives(response)
        assert "public" not in directives(response)

    def test_previews_and_the_admin_are_never_shared(self, topic, editor):
        browser = logged_in(editor)
        preview = browser.get(reverse("wagtailadmin_pages:view_draft", args=[topic.pk]))
        dashboard = browser.get(reverse("wagtailadmin_home"))

        for response in (preview, dashboard):
            assert response.status_code == 200
            assert "public" not in directives(response)
            assert "private" in directives(response)

    @pytest.mark.parametrize("restriction", ["password", "login", "groups"])
    def test_restricted_pages_are_never_shared(self, client, topic, restriction, settings):
        record = PageViewRestriction.objects.create(
            page=topic, restriction_type=restriction, password="secret"
        )
        if restriction == "groups":
            record.groups.add(Group.objects.get(name="Editors"))

        response = client.get(topic.url)

        assert response.status_code in (200, 302)
        assert "public" not in directives(response)
        assert "no-cache" in directives(response)

    def test_a_page_seen_after_entering_its_password_is_private(self, client, topic):
        restriction = PageViewRestriction.objects.create(
            page=topic, restriction_type="password", password="secret"
        )
        client.post(
            reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, topic.pk]),
            {"password": "secret", "return_url": topic.url},
        )

        response = client.get(topic.url)

        assert response.status_code == 200
        assert "Exits" in response.text
        assert "public" not in directives(response)

    def test_forms_that_set_a_cookie_are_not_shared(self, client, home):
        response = client.get(reverse("wagtailcore_login"))

        assert "public" not in directives(response)

    def test_a_page_holding_a_readers_csrf_token_is_not_shared(self, rf, settings):
        from django.middleware.csrf import get_token

        from pages.caching.http_cache import ReaderCacheHeadersMiddleware

        def page_with_a_form(request):
            return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

        # The reader already has a CSRF cookie, so no Set-Cookie goes out with the page.
        request = rf.get("/a-page-with-a-form/")
        request.COOKIES[settings.CSRF_COOKIE_NAME] = "x" * 32
        response = ReaderCacheHeadersMiddleware(page_with_a_form)(request)

        assert not response.cookies
        assert "public" not in directives(response)

    def test_zero_turns_shared_caching_off(self, client, topic, settings):
        settings.KB_SHARED_CACHE_SECONDS = 0

        assert "public" not in directives(client.get(topic.url))


class TestPageCache:
    def test_a_second_reader_gets_the_page_without_a_query(
        self, client, topic, page_cache, django_assert_num_queries
    ):
        first = client.get(topic.url)

        with django_assert_num_queries(0):
            second = client.get(topic.url)

        assert first["X-Page-Cache"] == "MISS"
        assert second["X-Page-Cache"] == "HIT"
        assert second.status_code == 200
        assert second.content == first.content
        assert second["Cache-Control"] == first["Cache-Control"]
        assert second["Content-Type"] == first["Content-Type"]

    def test_a_publish_shows_at_once(
        self, client, topic, page_cache, django_capture_on_commit_callbacks
    ):
        client.get(topic.url)

        with django_capture_on_commit_callbacks(execute=True):
            publish_change(topic, body=[("text", RichText("<p>Exits take seven days.</p>"))])

        response = client.get(topic.url)
        assert response["X-Page-Cache"] == "MISS"
        assert "Exits take seven days." in response.text

    def test_a_publish_elsewhere_refreshes_every_page(
        self, client, section, topic, page_cache, django_capture_on_commit_callbacks
    ):
        client.get(topic.url)

        # A new page appears in every page's sidebar.
        with django_capture_on_commit_callbacks(execute=True):
            make_topic(section, title="Deposits", slug="deposits")

        response = client.get(topic.url)
        assert response["X-Page-Cache"] == "MISS"
        assert "Deposits" in response.text

    def test_editors_always_get_a_fresh_page(self, client, topic, editor, page_cache):
        client.get(topic.url)

        response = logged_in(editor).get(topic.url)

        assert "X-Page-Cache" not in response
        assert "private" in directives(response)

    def test_head_is_answered_from_the_cache(self, client, topic, page_cache):
        client.get(topic.url)

        response = client.head(topic.url)

        assert response.status_code == 200
        assert response["X-Page-Cache"] == "HIT"

    def test_pages_with_other_query_strings_are_kept_apart(self, client, topic, page_cache):
        client.get("/search/suggest/?q=exits")

        response = client.get("/search/suggest/?q=deposits")

        assert response["X-Page-Cache"] == "MISS"
        assert "Exits" not in response.text

    def test_a_hundred_junk_parameters_store_no_more_copies(self, client, topic, page_cache):
        """`?junk=<random>` is read by no view: one copy per value would fill Redis with the
        same page and push the sidebar tree and the throttles' counts out."""
        client.get(topic.url)
        assert len(stored_pages()) == 1

        responses = [client.get(topic.url, {f"junk{n}": n}) for n in range(50)]
        responses += [client.get(topic.url, {"junk": n}) for n in range(50)]

        assert len(stored_pages()) == 1
        for response in responses:
            assert response.status_code == 200
            assert "X-Page-Cache" not in response
            # Nor may the proxy keep it.
            assert {"private", "no-cache"} <= directives(response)

    def test_made_up_addresses_store_nothing(self, client, topic, page_cache):
        """Every made-up address is a 404 of its own: none may take room in Redis."""
        responses = [client.get(f"/no-such-page-{n}/") for n in range(50)]
        responses += [client.get(f"/tags/no-such-tag-{n}/") for n in range(50)]

        assert stored_pages() == []
        for response in responses:
            assert response.status_code == 404
            assert "X-Page-Cache" not in response

    @pytest.mark.parametrize(
        "url",
        [
            "/whats-new/?page=1&junk=1",
            "/search/suggest/?q=exits&utm_source=newsletter",
            "/api/v2/pages/?_=1700000000000",
            "/api/v2/pages/?type=pages.TopicPage&slug=exits&junk=1",
            "/feed/?junk=1",
        ],
    )
    def test_a_parameter_its_view_does_not_read_is_never_stored(
        self, client, topic, page_cache, url
    ):
        client.get(url)
        response = client.get(url)

        assert response.get("X-Page-Cache") != "HIT"
        assert "public" not in directives(response)
        assert stored_pages() == []

    @pytest.mark.parametrize(
        "url",
        [
            "/whats-new/?page=1",
            "/search/suggest/?q=exits",
            "/api/v2/pages/?type=pages.TopicPage&slug=exits&fields=summary",
            "/api/v2/pages/?limit=5&offset=0",
        ],
    )
    def test_parameters_a_view_reads_are_stored_as_before(self, client, topic, page_cache, url):
        first = client.get(url)
        second = client.get(url)

        assert first.status_code == 200, first.content
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
        assert second.content == first.content

    def test_the_api_detail_stores_no_copy_for_a_parameter_it_ignores(
        self, client, topic, page_cache
    ):
        url = reverse("wagtailapi:pages:detail", args=[topic.pk])
        for n in range(20):
            assert client.get(url, {"junk": n}).status_code == 200

        assert stored_pages() == []

    def test_the_proxy_passes_the_parameters_no_reader_view_reads(self):
        """deploy/varnish/default.vcl names the parameters readers' views read; the API's,
        one per page field, it leaves to the app's Cache-Control."""
        [names] = re.findall(r'"\[\?&\]\(\?!\(([\w|]+)\)\(=\|&\|\$\)\)"', VCL.read_text())

        def read_by_views(patterns):
            for pattern in patterns:
                if isinstance(pattern, URLResolver):
                    if not str(pattern.pattern).startswith("api/"):
                        yield from read_by_views(pattern.url_patterns)
                elif isinstance(pattern, URLPattern):
                    yield from query_parameters(pattern.callback)

        assert set(names.split("|")) == set(read_by_views(get_resolver().url_patterns))

    def test_restricted_pages_are_not_stored(self, client, topic, page_cache):
        PageViewRestriction.objects.create(
            page=topic, restriction_type="password", password="secret"
        )
        client.get(topic.url)

        assert "X-Page-Cache" not in client.get(topic.url)


class TestPurge:
    def test_an_edited_page_purges_itself_its_parents_and_the_site_listings(
        self, client, section, topic, committed, proxy, django_capture_on_commit_callbacks
    ):
        client.get(topic.url)  # the sidebar tree is cached, as on a running site

        with django_capture_on_commit_callbacks(execute=True):
            publish_change(topic, summary="How exits work, step by step.")

        # One request to the proxy, banning what a PURGE of each URL would drop.
        [(method, pattern)] = proxy
        assert method == "BAN"
        purged = {
            "/",
            "/history/",
            "/index.md",
            section.url,
            f"{section.url}history/",
            f"{section.url.rstrip('/')}.md",
            topic.url,
            f"{topic.url}history/",
            f"{topic.url.rstrip('/')}.md",
        }
        listings = ["/tags/plasma/", "/search/?q=exit", "/whats-new/", "/sitemap.xml", "/llms.txt"]
        for path in [*purged, *listings]:
            assert re.search(pattern, path), path
        other = make_topic(section, title="Deposits", slug="deposits")
        kept = [other.url, f"{other.url}history/", f"{topic.url}?utm=1", f"{topic.url}more/"]
        for path in kept:
            assert not re.search(pattern, path), path

    def test_a_proxy_without_bans_gets_one_purge_per_url(
        self, settings, client, section, topic, django_capture_on_commit_callbacks
    ):
        settings.WAGTAILFRONTENDCACHE = {
            "cdn": {
                "BACKEND": "tests.caching.test_http_cache.PurgingOnlyProxy",
                "LOCATION": "http://cdn.invalid",
            }
        }
        PurgingOnlyProxy.sent = []
        with django_capture_on_commit_callbacks(execute=True):
            purge_after_commit(everything=True)
        client.get(topic.url)

        with django_capture_on_commit_callbacks(execute=True):
            publish_change(topic, summary="How exits work, step by step.")

        site = topic.get_site().root_url
        assert set(PurgingOnlyProxy.sent) == {
            f"{site}{path}"
            for path in ("/", "/history/", "/index.md", section.url, f"{section.url}history/")
        } | {
            f"{site}{section.url.rstrip('/')}.md",
            f"{site}{topic.url}",
            f"{site}{topic.url}history/",
            f"{site}{topic.url.rstrip('/')}.md",
        }

    def test_purged_addresses_are_the_ones_wagtail_gives_the_pages(
        self, home, section, topic, settings
    ):
        # A second site rooted at the section (more specific than the default site for the pages
        # under it), a non-ASCII slug, and a page five deep.
        Site.objects.create(hostname="exits.example.org", port=443, root_page=section)
        settings.WAGTAIL_ALLOW_UNICODE_SLUGS = True
        deep = make_topic(make_topic(topic, title="Exit games", slug="exit-games"), slug="ausgänge")
        expected = []
        for page in deep.get_ancestors(inclusive=True).filter(depth__gt=1):
            url = page.get_full_url()
            origin, path = re.match(r"(https?://[^/]+)(/.*)", url).groups()
            expected += [url, f"{url}history/", f"{origin}{path.rstrip('/') or '/index'}.md"]

        assert content_urls(deep, Site.get_site_root_paths()) == expected
        assert "https://exits.example.org/exits/exit-games/ausg%C3%A4nge/" in expected

    def test_a_purge_reads_nothing_from_the_database(
        self,
        client,
        topic,
        committed,
        proxy,
        django_capture_on_commit_callbacks,
        django_assert_max_num_queries,
    ):
        client.get(topic.url)
        Site.get_site_root_paths()  # kept in the cache, as on a site that has served a page
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publish_change(topic, summary="How exits work, step by step.")

        purges = [callback for callback in callbacks if "PendingPurge" in repr(callback)]
        # However deep the page, its ancestors' addresses come from its own url_path.
        with django_assert_max_num_queries(0):
            for purge in purges:
                purge()
        [(method, _pattern)] = proxy
        assert method == "BAN"

    def test_a_new_title_changes_every_sidebar(
        self, client, topic, committed, proxy, django_capture_on_commit_callbacks
    ):
        client.get(topic.url)

        with django_capture_on_commit_callbacks(execute=True):
            publish_change(topic, title="Exiting the chain")

        assert proxy == [("BAN", EVERYTHING)]

    def test_without_a_cached_tree_any_publish_bans_everything(
        self, topic, committed, proxy, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            publish_change(topic, summary="Changed")

        assert proxy == [("BAN", EVERYTHING)]

    @pytest.fixture
    def tree(self, home, section, topic):
        make_topic(topic, title="Exit games", slug="exit-games")
        return {"section": section, "topic": topic, "other": make_section(home, title="Other")}

    @pytest.mark.parametrize("change", ["new page", "unpublish", "move", "delete", "restrict"])
    def test_changes_to_the_tree_ban_everything_once(
        self, client, tree, committed, proxy, change, django_capture_on_commit_callbacks
    ):
        topic = tree["topic"]
        client.get(topic.url)

        with django_capture_on_commit_callbacks(execute=True):
            if change == "new page":
                make_topic(tree["section"], title="Deposits", slug="deposits")
            elif change == "unpublish":
                topic.unpublish()
            elif change == "move":
                topic.move(tree["other"], pos="last-child")
            elif change == "delete":
                topic.delete()  # with the page under it: one ban all the same
            else:
                PageViewRestriction.objects.create(page=topic, restriction_type="login")

        assert proxy == [("BAN", EVERYTHING)]

    def test_nothing_is_sent_before_the_transaction_commits(
        self, client, topic, committed, proxy, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publish_change(topic, summary="Changed")

        assert proxy == []
        purges = [callback for callback in callbacks if "PendingPurge" in repr(callback)]
        assert len(purges) == 1

    def test_reader_notices_change_every_page(
        self, home, committed, proxy, django_capture_on_commit_callbacks
    ):
        notices = ReaderNotices.for_site(Site.objects.get(is_default_site=True))

        with django_capture_on_commit_callbacks(execute=True):
            notices.save()

        assert proxy == [("BAN", EVERYTHING)]

    def test_an_unreachable_proxy_is_logged_and_the_publish_stands(
        self, settings, topic, caplog, django_capture_on_commit_callbacks
    ):
        # Nothing listens on port 9 of this machine: the ban fails at once.
        settings.WAGTAILFRONTENDCACHE = {
            "proxy": {
                "BACKEND": "pages.caching.purging.VarnishBackend",
                "LOCATION": "http://127.0.0.1:9",
            }
        }

        with django_capture_on_commit_callbacks(execute=True):
            publish_change(topic, title="Exits, again")

        topic.refresh_from_db()
        assert topic.title == "Exits, again"
        assert "Couldn't ban '^/' in the proxy" in caplog.text


class TestHealthCheck:
    def test_answers_ok_while_the_database_answers(self, client, db):
        response = client.get("/healthz/")

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert "no-store" in directives(response)

    def test_answers_503_when_the_database_is_unreachable(self, client, db):
        with mock.patch(
            "django.db.backends.utils.CursorWrapper.execute",
            side_effect=OperationalError("connection refused"),
        ):
            response = client.get("/healthz/")

        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "unreachable"}
        assert "no-store" in directives(response)
