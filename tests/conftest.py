from pathlib import Path

import pytest

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client

from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import GroupPagePermission, Page, Site
from wagtail.rich_text import RichText

from pages.models import (
    DeepDivePage,
    FaqCategory,
    FaqIndexPage,
    FaqPage,
    HomePage,
    ReviewRules,
    SectionPage,
    TopicPage,
    VideoPage,
)


def pytest_addoption(parser):
    parser.addoption(
        "--browser",
        action="store_true",
        help="Also run the real-browser suite in tests/browser (make test-browser runs it alone).",
    )


def pytest_ignore_collect(collection_path, config):
    # The browser suite needs Chromium, axe-core from npm and a live server: `make test` leaves
    # it to `make test-browser`.
    if collection_path == Path(__file__).parent / "browser" and not config.getoption("--browser"):
        return True
    return None


def publish(parent, page):
    """Add `page` under `parent` and publish it through a revision, as an editor's publish does."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def make_section(home, **fields):
    fields.setdefault("title", "OMG Deep Dive")
    return publish(home, SectionPage(**fields))


def make_topic(parent, **fields):
    fields.setdefault("title", "What is OmiseGO?")
    fields.setdefault("body", [("text", RichText("<p>OmiseGO builds payment software.</p>"))])
    return publish(parent, TopicPage(**fields))


def make_deep_dive(parent, **fields):
    fields.setdefault("title", "Plasma")
    return publish(parent, DeepDivePage(**fields))


def make_faq_index(parent, **fields):
    fields.setdefault("title", "Frequently Asked Questions")
    return publish(parent, FaqIndexPage(**fields))


def make_faq(parent, category, **fields):
    fields.setdefault("title", "What is the OMG token for?")
    fields.setdefault("answer", [("text", RichText("<p>Staking, once it launches.</p>"))])
    return publish(parent, FaqPage(category=category, **fields))


def make_video(parent, **fields):
    fields.setdefault("title", "The Path to a More Viable Plasma")
    fields.setdefault("video_url", "https://www.youtube.com/watch?v=aaaaaaaaaaa")
    return publish(parent, VideoPage(**fields))


# One published page of each type, built from the home page and a FAQ category, for tests that
# must hold for every type.
PAGE_OF_EACH_TYPE = {
    "home": lambda home, category: home,
    "section": lambda home, category: make_section(home),
    "topic": lambda home, category: make_topic(make_section(home)),
    "deep dive": lambda home, category: make_deep_dive(make_section(home)),
    "FAQ index": lambda home, category: make_faq_index(home),
    "FAQ entry": lambda home, category: make_faq(make_faq_index(home), category),
    "video": lambda home, category: make_video(make_section(home)),
}


def member_of(django_user_model, group, username):
    """A user in one of the editorial groups (Editors, Reviewers, Administrators)."""
    user = django_user_model.objects.create_user(username, email=f"{username}@example.com")
    user.groups.add(Group.objects.get(name=group))
    return user


def editor_of_only(django_user_model, section, username="wally"):
    """A user who may reach the admin and edit `section` and below, and nothing else."""
    group = Group.objects.create(name=f"{section.title} editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group, page=section, permission=Permission.objects.get(codename="change_page")
    )
    user = django_user_model.objects.create_user(username)
    user.groups.add(group)
    return user


def logged_in(user):
    """A browser of its own, signed in as `user`, beside the anonymous `client`."""
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def editor(django_user_model):
    return member_of(django_user_model, "Editors", "eddie")


@pytest.fixture
def reviewer(django_user_model):
    return member_of(django_user_model, "Reviewers", "rita")


@pytest.fixture
def home(db):
    """The knowledge base's home page, made the default site's root."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="OMG Network Knowledge Base", slug="kb"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def four_eyes_off(db):
    """
    The four-eyes rule turned off for the default site (Settings → Review rules), for tests whose
    subject is something else: a reviewer's or administrator's Publish then publishes, as before
    the rule. Tests of the rule itself are in tests/editorial/test_four_eyes.py.
    """
    rules = ReviewRules.for_site(Site.objects.get(is_default_site=True))
    rules.four_eyes = False
    rules.save()
    return rules


@pytest.fixture
def section(home):
    return make_section(home)


@pytest.fixture
def faq_category(db):
    return FaqCategory.objects.create(name="Community Q&A", slug="community-qa", sort_order=0)


@pytest.fixture
def diagram(db):
    """An image, for the blocks that show one."""
    return Image.objects.create(title="Plasma chain diagram", file=get_test_image_file())


@pytest.fixture
def white_paper(db):
    """A document, for the blocks that offer one."""
    return Document.objects.create(
        title="OmiseGO white paper", file=ContentFile(b"%PDF-1.4\n", name="white-paper.pdf")
    )


@pytest.fixture(autouse=True)
def provider_unreachable(monkeypatch):
    """
    Every oEmbed provider is down unless a test says otherwise: tests never reach the network,
    and a page must render without its provider.
    """
    import requests

    def refuse(*args, **kwargs):
        raise requests.ConnectionError("oEmbed provider unreachable in tests")

    monkeypatch.setattr("wagtail.embeds.finders.oembed.requests.get", refuse)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the sidebar tree cached by one must not leak into
    the next, whose database was rolled back."""
    cache.clear()
    yield
    cache.clear()
