"""
Imported pages behave as pages an editor wrote: the first edit of one compares clean (only the
block the editor changed is listed), each has a first review date from the review schedule, and
every version of it, the imported one included, can be reviewed and restored from History.
"""

import datetime
import importlib
import json
import re
from io import StringIO

import pytest
from bs4 import BeautifulSoup

from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.fields import StreamField
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import querydict_from_html

from pages.editorial.attention import pages_with_review_overdue
from pages.models import TopicPage
from tests.conftest import logged_in, make_topic, member_of
from tests.gitbook.books import import_book, write_book

pytestmark = pytest.mark.django_db

BOOK = {
    "guide/README.md": ("Guide", "# Guide\n\nWhere to start.\n"),
    "guide/exits.md": (
        "Exits",
        """
        # Exits

        Anyone can **leave** the chain: see [the guide](README.md).

        Exits take a week.\\
        Challenges come first.

        * Start an exit
        * Wait for the *challenge period*

        | Step | Days |
        | --- | --- |
        | Start | 1 |
        | **Wait** | 7 |

        {% hint style="warning" %}
        Mind the exit period.
        {% endhint %}

        {% tabs %}
        {% tab title="Users" %}
        Press **Exit**.
        {% endtab %}

        {% tab title="Developers" %}
        Call `exit()`.
        {% endtab %}
        {% endtabs %}
        """,
    ),
}


@pytest.fixture
def imported(home, tmp_path):
    import_book(write_book(tmp_path / "book", BOOK))
    return TopicPage.objects.get(slug="exits")


@pytest.fixture
def administrator(django_user_model):
    return member_of(django_user_model, "Administrators", "ada")


# What an editor's browser posts ------------------------------------------------------------------


def posted_form(client, page):
    """The edit form as the editor's browser posts it without a change: its inputs as the page
    renders them, and each StreamField as Wagtail's scripts build it from the blocks' form
    state (the editor's rich text as Draftail's JSON, which the admin converts back on save)."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    page = page.get_latest_revision_as_object()
    for field in type(page)._meta.get_fields():
        if isinstance(field, StreamField):
            for key in [k for k in data if k == field.name or k.startswith(f"{field.name}-")]:
                del data[key]
            state = field.stream_block.get_form_state(getattr(page, field.name))
            data.update(block_form_data(field.stream_block, state, field.name))
    for key in list(data):
        data[key] = as_posted(data[key])
    return data


def block_form_data(block, state, prefix):
    data = {}
    if isinstance(block, blocks.StreamBlock | blocks.ListBlock):
        data[f"{prefix}-count"] = str(len(state))
        for index, child in enumerate(state):
            data.update({f"{prefix}-{index}-id": child.get("id") or ""})
            data.update({f"{prefix}-{index}-deleted": "", f"{prefix}-{index}-order": str(index)})
            if isinstance(block, blocks.StreamBlock):
                data[f"{prefix}-{index}-type"] = child["type"]
                child_block = block.child_blocks[child["type"]]
            else:
                child_block = block.child_block
            data.update(block_form_data(child_block, child["value"], f"{prefix}-{index}-value"))
    elif isinstance(block, blocks.StructBlock) and isinstance(state, dict):
        for name, child in block.child_blocks.items():
            data.update(block_form_data(child, state.get(name), f"{prefix}-{name}"))
    elif isinstance(block, TypedTableBlock):
        data[f"{prefix}-caption"] = state["caption"] or ""
        data[f"{prefix}-column-count"] = str(len(state["columns"]))
        for index, column in enumerate(state["columns"]):
            column_prefix = f"{prefix}-column-{index}"
            data[f"{column_prefix}-type"] = column["type"]
            data[f"{column_prefix}-heading"] = column["heading"]
            data[f"{column_prefix}-order"] = str(index)
            data[f"{column_prefix}-deleted"] = ""
        data[f"{prefix}-row-count"] = str(len(state["rows"]))
        for row_index, row in enumerate(state["rows"]):
            data[f"{prefix}-row-{row_index}-order"] = str(row_index)
            data[f"{prefix}-row-{row_index}-deleted"] = ""
            for column_index, cell in enumerate(row["values"]):
                column_block = block.child_blocks[state["columns"][column_index]["type"]]
                cell_prefix = f"{prefix}-cell-{row_index}-{column_index}"
                data.update(block_form_data(column_block, cell, cell_prefix))
    elif isinstance(block, blocks.BooleanBlock):
        if state:
            data[prefix] = "on"
    elif isinstance(state, dict):  # a chooser's: the chosen object
        data[prefix] = str(state["id"])
    else:
        data[prefix] = "" if state is None else state
    return data


def as_posted(value):
    """Draftail posts an editor without any text as null."""
    if isinstance(value, str) and value.startswith("{") and '"blocks"' in value:
        state = json.loads(value)
        if not state.get("entityMap") and not any(b["text"] for b in state["blocks"]):
            return "null"
    return value


def edit_paragraph(data, old, new):
    """The editor changes the words of one paragraph (a Draftail block's text)."""
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("{") and old in value:
            state = json.loads(value)
            for draft_block in state["blocks"]:
                draft_block["text"] = draft_block["text"].replace(old, new)
            data[key] = json.dumps(state)
            return data
    raise AssertionError(f"no paragraph says {old!r}")


def stored(page, name):
    revision = page.revisions.order_by("-created_at", "-id").first()
    return revision.content[name]


def compare_url(page, revision_a, revision_b):
    return reverse(
        "wagtailadmin_pages:revisions_compare", args=[page.pk, revision_a.pk, revision_b.pk]
    )


# The first edit compares clean ------------------------------------------------------------------


def test_saving_an_imported_page_unchanged_stores_exactly_what_was_imported(imported, editor):
    browser = logged_in(editor)
    before = {name: stored(imported, name) for name in ("body", "summary", "review_due")}

    response = browser.post(
        reverse("wagtailadmin_pages:edit", args=[imported.pk]), posted_form(browser, imported)
    )

    assert response.status_code == 302
    assert imported.revisions.count() == 2
    assert {name: stored(imported, name) for name in before} == before
    # Each paragraph carries the key the editor gives it, from the start.
    assert 'data-block-key=\\"' in before["body"]


def test_the_first_edit_of_an_imported_page_lists_only_the_paragraph_changed(imported, editor):
    browser = logged_in(editor)
    imported_version = imported.revisions.get()
    data = edit_paragraph(
        posted_form(browser, imported), "Exits take a week.", "Exits take 7 days."
    )

    response = browser.post(reverse("wagtailadmin_pages:edit", args=[imported.pk]), data)
    assert response.status_code == 302
    edited_version = imported.revisions.order_by("-created_at", "-id").first()

    page = browser.get(compare_url(imported, imported_version, edited_version))
    assert page.status_code == 200
    html = BeautifulSoup(page.content, "html.parser")
    listed = [
        section.find(class_="kb-diff__heading").get_text(" ", strip=True)
        for section in html.select(".kb-diff__block")
        if "kb-diff__block--unchanged" not in section["class"]
    ]
    assert listed == ["Text changed"]
    assert "Formatting or links changed" not in page.content.decode()
    assert html.select_one(".kb-diff__block--changed del").get_text() == "a week"
    assert html.select_one(".kb-diff__block--changed ins").get_text() == "7 days"


def test_imported_line_breaks_open_in_the_editor(imported, editor):
    # The editor's parser cannot read `<br>`: stored text writes it as the editor does.
    assert "<br/>" in json.dumps(stored(imported, "body"))
    response = logged_in(editor).get(reverse("wagtailadmin_pages:edit", args=[imported.pk]))
    assert response.status_code == 200


def test_text_the_editor_would_change_is_imported_as_the_book_has_it(home, tmp_path):
    # A numbered list starting at 3 is something the editor's form cannot hold: imported as it
    # is, so readers see what the book says.
    pages = {"steps.md": ("Steps", "# Steps\n\n3. third\n4. fourth\n")}
    import_book(write_book(tmp_path / "book", pages))

    text = TopicPage.objects.get(slug="steps").body.raw_data[0]["value"]
    assert '<ol start="3">' in text
    assert "data-block-key" not in text


def test_importing_the_same_book_again_keeps_the_stored_text(imported, tmp_path):
    body = stored(imported, "body")

    assert "0 created, 0 updated, 2 unchanged" in import_book(tmp_path / "book")
    imported.refresh_from_db()
    assert imported.revisions.count() == 1
    assert stored(imported, "body") == body


# A first review date, no review claimed --------------------------------------------------------


def test_imported_pages_get_their_first_review_date_from_the_schedule(imported):
    today = timezone.localdate()
    guide = imported.get_parent().specific

    # Topics are reviewed every 90 days, sections every 180 (Settings → Review schedule).
    assert imported.review_due == today + datetime.timedelta(days=90)
    assert guide.review_due == today + datetime.timedelta(days=180)
    assert (imported.review_due_set_by_editor, imported.last_reviewed) == (False, None)


def test_imported_pages_come_due_for_review_and_reminders(imported, reviewer):
    due = imported.review_due

    def overdue(today):
        return set(pages_with_review_overdue(today=today).values_list("title", flat=True))

    assert overdue(due) == set()
    assert overdue(due + datetime.timedelta(days=1)) == {"Exits"}
    # The import ran without --user: the pages have no owner, so the reviewers are reminded.
    out = StringIO()
    call_command(
        "send_review_reminders", "--dry-run", "--date", due.isoformat(), stdout=out, verbosity=2
    )
    assert "Would send rita@example.com (rita): 1 page" in out.getvalue()
    assert "Exits" in out.getvalue()


def test_a_date_in_the_book_is_kept_as_chosen_and_a_reimport_keeps_any_date(home, tmp_path):
    pages = {
        "dated.md": ("Dated", "---\nreview_due: 2031-03-01\n---\n# Dated\n\nText.\n"),
        "undated.md": ("Undated", "# Undated\n\nText.\n"),
    }
    book = write_book(tmp_path / "book", pages)
    import_book(book)
    dated, undated = TopicPage.objects.get(slug="dated"), TopicPage.objects.get(slug="undated")
    assert (dated.review_due, dated.review_due_set_by_editor) == (datetime.date(2031, 3, 1), True)

    # A reviewer moved the undated page's date; the book changes, and is imported again.
    TopicPage.objects.filter(pk=undated.pk).update(review_due=datetime.date(2030, 1, 1))
    pages["undated.md"] = ("Undated", "# Undated\n\nNew text.\n")
    import_book(write_book(tmp_path / "book", pages))

    undated.refresh_from_db()
    assert "New text." in json.loads(stored(undated, "body"))[0]["value"]
    assert undated.review_due == datetime.date(2030, 1, 1)


# Every version restorable from History ---------------------------------------------------------


def test_history_offers_to_review_the_imported_version_and_it_reads_well(imported, editor):
    browser = logged_in(editor)
    imported_version = imported.revisions.get()
    data = edit_paragraph(
        posted_form(browser, imported), "Exits take a week.", "Exits take 7 days."
    )
    browser.post(reverse("wagtailadmin_pages:edit", args=[imported.pk]), data)

    history = browser.get(reverse("wagtailadmin_pages:history", args=[imported.pk]))
    restore_url = reverse(
        "wagtailadmin_pages:revisions_revert", args=[imported.pk, imported_version.pk]
    )
    assert history.status_code == 200
    links = BeautifulSoup(history.content, "html.parser").find_all("a", href=restore_url)
    assert [link.get_text(strip=True) for link in links] == ["Review this version"]

    restore = browser.get(restore_url)
    text = BeautifulSoup(restore.content, "html.parser").get_text(" ")
    assert restore.status_code == 200
    assert "None" not in text
    assert re.search(r"previous version of this page from .* by\s+the GitBook import", text)

    compare = browser.get(
        compare_url(imported, imported_version, imported.revisions.order_by("-id").first())
    )
    assert "by the GitBook import" in compare.content.decode()


def test_an_import_with_a_user_records_them_as_the_author(home, tmp_path, administrator):
    import_book(write_book(tmp_path / "book", BOOK), "--user", administrator.username)
    page = TopicPage.objects.get(slug="exits")

    assert page.revisions.get().user == administrator
    entries = PageLogEntry.objects.filter(page=page).order_by("id")
    assert [(e.action, e.user, e.revision_id is not None) for e in entries] == [
        ("wagtail.create", administrator, False),
        ("wagtail.edit", administrator, True),
        ("wagtail.publish", administrator, True),
    ]


def test_the_migration_makes_earlier_imports_reviewable_and_restorable(section):
    # A page as earlier imports left it: no review date, its first version logged only as
    # published (History then offers nothing on it).
    page = make_topic(section, title="Old import")
    TopicPage.objects.filter(pk=page.pk).update(review_due=None)
    revision = page.revisions.get()
    PageLogEntry.objects.filter(page=page).delete()
    PageLogEntry.objects.log_action(page, "wagtail.publish", revision=revision)
    reviewed = make_topic(section, title="Reviewed", review_due=datetime.date(2031, 1, 1))

    migration = importlib.import_module("pages.migrations.0019_first_review_dates")
    migration.set_first_review_dates(apps, None)
    migration.log_unlogged_versions(apps, None)

    page.refresh_from_db()
    reviewed.refresh_from_db()
    assert page.review_due == timezone.localdate() + datetime.timedelta(days=90)
    assert reviewed.review_due == datetime.date(2031, 1, 1)
    edit = PageLogEntry.objects.get(page=page, action="wagtail.edit")
    assert (edit.revision, edit.content_changed, edit.timestamp) == (
        revision,
        True,
        revision.created_at,
    )
    # Run again, it adds nothing.
    migration.log_unlogged_versions(apps, None)
    assert PageLogEntry.objects.filter(page=page, action="wagtail.edit").count() == 1
