"""
Editors working at the same moment, for real: two threads, two database connections, the real
admin forms. Two saves of one page keep both revisions; two pages created under one parent at
once both land, in a tree that treebeard's own check (`fixtree`) finds nothing wrong with.

PostgreSQL only: it is the production database, and the one where requests run in parallel.
SQLite (development, one process) serialises every write anyway.
"""

import threading

import pytest

from django.db import connection
from django.urls import reverse

from wagtail.models import Page, Revision
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.models import HomePage, TopicPage
from tests.conftest import logged_in, make_section, make_topic, member_of

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"
    ),
]

EDITORS = 8


@pytest.fixture
def section(db):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="OMG Network Knowledge Base", slug="kb"))
    return make_section(home, title="Plasma", slug="plasma")


@pytest.fixture
def editors(django_user_model):
    return [member_of(django_user_model, "Editors", f"editor{number}") for number in range(EDITORS)]


def all_at_once(actions):
    """Run each action in its own thread (its own database connection), released together."""
    start = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(number, action):
        try:
            start.wait()
            results[number] = action()
        except Exception as error:  # reported below with the others' results
            results[number] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(number, action)) for number, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def tree_problems():
    """What `manage.py fixtree` would report and repair: an empty tuple of lists when sound."""
    return [problem for problem in Page.find_problems() if problem]


def topic_form(title, slug, text):
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "summary": "",
            "tags": "",
            "body": streamfield([("text", rich_text(f"<p>{text}</p>"))]),
        }
    )


def test_editors_saving_one_page_at_once_lose_no_revision(section, editors):
    topic = make_topic(section, title="Exits", slug="exits")
    revisions_before = Revision.page_revisions.filter(object_id=str(topic.pk)).count()
    browsers = [logged_in(editor) for editor in editors]
    url = reverse("wagtailadmin_pages:edit", args=[topic.pk])

    results = all_at_once(
        [
            lambda browser=browser, number=number: browser.post(
                url, topic_form("Exits", "exits", f"Version {number}.")
            )
            for number, browser in enumerate(browsers)
        ]
    )

    assert [getattr(result, "status_code", result) for result in results] == [302] * EDITORS
    revisions = Revision.page_revisions.filter(object_id=str(topic.pk))
    assert revisions.count() == revisions_before + EDITORS
    saved = " ".join(str(revision.content["body"]) for revision in revisions)
    for number in range(EDITORS):
        assert f"Version {number}.</p>" in saved
    topic.refresh_from_db()
    assert topic.latest_revision_id == revisions.order_by("-created_at", "-pk").first().pk
    assert tree_problems() == []


def test_editors_creating_pages_under_one_parent_at_once_all_land(section, editors):
    make_topic(section, title="Already there", slug="already-there")
    browsers = [logged_in(editor) for editor in editors]
    url = reverse("wagtailadmin_pages:add", args=["pages", "topicpage", section.pk])

    results = all_at_once(
        [
            lambda browser=browser, number=number: browser.post(
                url, topic_form(f"Topic {number}", f"topic-{number}", "New.")
            )
            for number, browser in enumerate(browsers)
        ]
    )

    assert [getattr(result, "status_code", result) for result in results] == [302] * EDITORS
    children = TopicPage.objects.child_of(section)
    assert sorted(children.values_list("slug", flat=True)) == sorted(
        ["already-there"] + [f"topic-{number}" for number in range(EDITORS)]
    )
    section.refresh_from_db()
    assert section.numchild == EDITORS + 1
    assert len(set(children.values_list("path", flat=True))) == EDITORS + 1
    assert tree_problems() == []
