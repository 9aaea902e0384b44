"""
One vocabulary across the admin, its emails and readers' pages (issue 21, point 10): the
workflow is "Editorial review", a page is "in review", reviewers approve or request changes
(never "reject", never "moderation"), and a date reads "4 December 2026" or "4 December 2026,
14:05" wherever people see it.

Wagtail's own wording is reworded by locale/en (its compiled .mo is what the site reads); our
templates and the reader's banner say the same.
"""

import datetime
import importlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from wagtail.models import GroupApprovalTask, PageLogEntry, Task, Workflow, WorkflowTask
from wagtail.rich_text import RichText

from pages.models import ReaderNotices
from tests.conftest import logged_in, make_topic, member_of
from tests.editorial.test_editorial_workflow import edit_url, submit, topic_form, workflow_action

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
OLD_WORDS = re.compile(r"moderation|\brejected?\b|Restart workflow|Cancel workflow", re.I)


@pytest.fixture
def exits(section):
    return make_topic(
        section, title="Exits", body=[("text", RichText("<p>Exits take seven days.</p>"))]
    )


def text_of(response):
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


# The catalog: every rewording in locale/en is what the running site says.


def catalog_entries():
    """(context, msgid, msgid_plural, [msgstr...]) for each entry of our .po file."""
    entries, entry, field = [], None, None
    for line in CATALOG.read_text(encoding="utf-8").splitlines() + [""]:
        keyword = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
        if keyword:
            field = keyword.group(1)
            if field in ("msgctxt", "msgid") and (entry is None or "msgstr" in entry):
                if entry is not None:
                    entries.append(entry)
                entry = {}
            entry[field] = eval(keyword.group(2))  # a C-style quoted string, as Python reads it
        elif line.startswith('"') and entry is not None:
            entry[field] += eval(line)
    entries.append(entry)
    found = []
    for entry in entries:
        if not entry.get("msgid"):
            continue  # the header
        strs = [entry[key] for key in sorted(entry) if key.startswith("msgstr")]
        found.append((entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"), strs))
    return found


def test_every_rewording_in_the_catalog_is_what_the_site_says():
    entries = catalog_entries()
    assert len(entries) > 30
    # The site's language and any other English the admin might be in read the same catalog.
    for language in (settings.LANGUAGE_CODE, "en", "en-gb"):
        with translation.override(language):
            for context, msgid, plural, strs in entries:
                assert all(strs), f"untranslated: {msgid!r}"
                if plural:
                    assert translation.ngettext(msgid, plural, 1) == strs[0], msgid
                    assert translation.ngettext(msgid, plural, 2) == strs[1], msgid
                elif context:
                    assert translation.pgettext(context, msgid) == strs[0], msgid
                else:
                    # A stale django.mo (the .po edited, not compiled) fails here.
                    assert translation.gettext(msgid) == strs[0], msgid
                assert not OLD_WORDS.search(" ".join(strs)), strs


def test_the_admin_offers_no_language_that_would_bring_the_old_words_back(editor):
    account = logged_in(editor).get(reverse("wagtailadmin_account"))
    assert account.status_code == 200
    assert 'name="locale-preferred_language"' not in account.content.decode()


# Submitting, and a page in review.


def test_a_submitted_page_is_in_review(exits, editor, reviewer, django_user_model):
    ruth = member_of(django_user_model, "Reviewers", "ruth")
    editor_browser = logged_in(editor)

    response = editor_browser.post(
        edit_url(exits), topic_form(exits, "Exits take fourteen days.", "submit"), follow=True
    )

    # Back in the page explorer, which says so and lists the page as in review.
    explorer = text_of(response)
    assert "Page 'Exits' has been submitted for review." in explorer
    assert "live + in review" in explorer
    editing = text_of(editor_browser.get(edit_url(exits)))
    assert "In review" in editing and "This page is in review." in editing
    for text in (explorer, editing):
        assert not OLD_WORDS.search(text), OLD_WORDS.findall(text)
    dashboard = text_of(editor_browser.get(reverse("wagtailadmin_home")))
    assert "Your pages in review" in dashboard and "live + in review" in dashboard
    assert not OLD_WORDS.search(dashboard), OLD_WORDS.findall(dashboard)
    # The reviewers' group email, which is Wagtail's, in the same words.
    [group_email] = [message for message in mail.outbox if message.to == [ruth.email]]
    assert group_email.subject == 'Please review "Exits" ("Reviewer approval")'
    assert (
        'The page "Exits" has been submitted for review ("Reviewer approval"). Approve it or '
        "request changes." in group_email.body
    )
    assert not OLD_WORDS.search(group_email.subject + group_email.body)


def test_a_named_reviewers_request_gives_the_date_as_everywhere_else(exits, editor, reviewer):
    due = timezone.localdate() + datetime.timedelta(days=3)
    fields = {"requested_reviewer": str(reviewer.pk), "review_needed_by": due.isoformat()}
    response = logged_in(editor).post(
        edit_url(exits), topic_form(exits, "Exits take fourteen days.", "submit", **fields)
    )
    assert response.status_code == 302

    [request] = [message for message in mail.outbox if message.to == [reviewer.email]]
    day = f"{due.day} {due:%B %Y}"
    assert request.subject == f'eddie asked you to review "Exits" by {day}'
    assert f"by {day} (" in request.body


# Sent back: "Changes requested", then "Resubmit for review".


def test_a_page_sent_back_reads_changes_requested_and_offers_resubmit(exits, editor, reviewer):
    editor_browser, reviewer_browser = logged_in(editor), logged_in(reviewer)
    task_state = submit(editor_browser, exits, "Exits take one day.")
    mail.outbox.clear()

    workflow_action(reviewer_browser, exits, "reject", task_state, comment="Which contract?")

    [email] = mail.outbox
    assert email.subject == 'Changes requested on "Exits" by rita'
    assert not OLD_WORDS.search(email.subject + email.body)
    editing = editor_browser.get(edit_url(exits))
    soup = BeautifulSoup(editing.content, "html.parser")
    actions = [
        " ".join(button.get_text(" ").split())
        for button in soup.select("footer button[name^=action-], footer [data-kb-withdraw-review]")
    ]
    assert "Resubmit for review" in actions
    assert "Cancel review…" in actions
    # One step: restarting the workflow would be the same as resubmitting, so it is not offered.
    assert soup.select('[name="action-restart-workflow"]') == []
    assert not OLD_WORDS.search(text_of(editing)), OLD_WORDS.findall(text_of(editing))

    history = text_of(reviewer_browser.get(reverse("wagtailadmin_pages:history", args=[exits.pk])))
    assert "Changes requested at 'Reviewer approval'" in history
    assert "Review: request changes" in history and "Review: submit" in history
    assert not OLD_WORDS.search(history), OLD_WORDS.findall(history)

    # The editor resubmits; the history says so in the same words.
    response = editor_browser.post(
        edit_url(exits),
        {**topic_form(exits, "Exits take two days."), "action-submit": "Resubmit"},
    )
    assert response.status_code == 302
    exits.refresh_from_db()
    assert exits.current_workflow_task_state.status == "in_progress"
    history = text_of(reviewer_browser.get(reverse("wagtailadmin_pages:history", args=[exits.pk])))
    assert "Resubmitted for review at 'Reviewer approval'" in history


def test_a_workflow_of_several_steps_keeps_restart_as_its_own_choice(exits, editor, reviewer):
    workflow = Workflow.objects.get(name="Editorial review")
    second = GroupApprovalTask.objects.create(name="Second look")
    second.groups.set(Task.objects.get(name="Reviewer approval").specific.groups.all())
    WorkflowTask.objects.create(workflow=workflow, task=second, sort_order=99)
    editor_browser = logged_in(editor)
    task_state = submit(editor_browser, exits, "Exits take one day.")
    workflow_action(logged_in(reviewer), exits, "reject", task_state)

    soup = BeautifulSoup(editor_browser.get(edit_url(exits)).content, "html.parser")

    [restart] = soup.select('footer [name="action-restart-workflow"]')
    assert " ".join(restart.get_text(" ").split()) == "Restart review from the first step"


# Restoring an old version: named by its date, never by its id, in one date format.


def test_restoring_a_version_names_it_by_its_date(exits, editor, reviewer):
    first = exits.live_revision
    exits.body = [("text", RichText("<p>Exits take ten days.</p>"))]
    exits.save_revision(user=reviewer).publish(user=reviewer)
    saved_at = timezone.localtime(first.created_at)
    when = f"{saved_at.day} {saved_at:%B %Y, %H:%M}"
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=[exits.pk, first.pk])

    response = logged_in(editor).post(
        revert_url, topic_form(exits, "Exits take seven days."), follow=True
    )

    assert f"Page 'Exits' has been replaced with version from {when}." in text_of(response)
    history = text_of(
        logged_in(reviewer).get(reverse("wagtailadmin_pages:history", args=[exits.pk]))
    )
    assert f"Restored the version of {when}" in history
    assert "with id" not in history and "p.m." not in history and "a.m." not in history
    assert PageLogEntry.objects.filter(page=exits, action="wagtail.revert").exists()


# The history's "Hide minor edits" filter.


def test_the_minor_edits_filter_shows_a_chip_only_when_it_hides_them(exits, reviewer):
    browser = logged_in(reviewer)
    history_url = reverse("wagtailadmin_pages:history_results", args=[exits.pk])

    def chips(query=""):
        soup = BeautifulSoup(browser.get(history_url + query).content, "html.parser")
        return [" ".join(chip.get_text(" ").split()) for chip in soup.select(".w-pill__content")]

    assert chips() == []
    assert chips("?hide_minor_edits=on") == ["Minor edits: Hidden"]


# Readers: the banner says "still in development" once.


def test_the_development_banner_says_it_once(client, section):
    page = make_topic(section, title="Staking", in_development=True)

    response = client.get(page.url)

    banner = BeautifulSoup(response.content, "html.parser").select_one(".development-banner")
    words = " ".join(banner.get_text(" ").split())
    assert words == "Still in development. Some details are missing, and the page will be revised."


def test_sites_still_showing_the_old_wording_get_the_new_one(section):
    old, new = (
        "This page is still in development: some details are missing, and it will be revised.",
        "Some details are missing, and the page will be revised.",
    )
    site = section.get_site()
    notices = ReaderNotices.for_site(site)
    migration = importlib.import_module("pages.migrations.0018_development_banner_once")
    assert (old, new) == (migration.OLD_DEFAULT, migration.NEW_DEFAULT)
    ReaderNotices.objects.filter(pk=notices.pk).update(development_banner=old)

    migration.replace_wording(old, new)(apps, None)
    assert ReaderNotices.objects.get(pk=notices.pk).development_banner == new

    # Wording someone chose is theirs.
    ReaderNotices.objects.filter(pk=notices.pk).update(development_banner="Being written.")
    migration.replace_wording(old, new)(apps, None)
    assert ReaderNotices.objects.get(pk=notices.pk).development_banner == "Being written."
