"""
Quick revision comparisons ("since last published", "since the version you last reviewed", any
two versions) and minor edits, through the real admin and the public pages.
"""

from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import Permission
from django.urls import reverse

from wagtail.models import PageLogEntry

from pages.editorial import revisions
from pages.models import TopicPage
from tests.conftest import logged_in, make_topic, member_of
from tests.editorial.test_editorial_workflow import edit_url
from tests.editorial.test_editorial_workflow import topic_form as editorial_topic_form

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# Every version keeps the one text block, so a comparison shows it changed, not replaced.
BLOCK_ID = "exits-text"


def text_body(text):
    return [{"type": "text", "value": f"<p>{text}</p>", "id": BLOCK_ID}]


@pytest.fixture
def exits(section):
    return make_topic(
        section,
        title="Exits",
        body=text_body("Exits take seven days."),
    )


def history_url(page, query=""):
    return reverse("wagtailadmin_pages:history", args=[page.pk]) + query


def compare_url(page, a, b):
    return reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, a, b])


def choose_url(page):
    return reverse("page_revisions_choose", args=[page.pk])


def topic_form(page, text, action=None, **fields):
    """The edit form, keeping the body block's id: a compare then sees it changed, not replaced."""
    return {**editorial_topic_form(page, text, action, **fields), "body-0-id": BLOCK_ID}


def save_draft(browser, page, text, **fields):
    """The editor's "Save draft", through the edit form."""
    response = browser.post(edit_url(page), topic_form(page, text, **fields))
    assert response.status_code == 302, response.content.decode()[:1000]
    page.refresh_from_db()
    return page.latest_revision


def publish_version(page, text, user=None, **fields):
    """A new version of `page`, published through a revision (as a reviewer's publish)."""
    page = TopicPage.objects.get(pk=page.pk)
    page.body = text_body(text)
    for name, value in {"change_note": "", "minor_edit": False, **fields}.items():
        setattr(page, name, value)
    revision = page.save_revision(user=user)
    revision.publish(user=user)
    return revision


def links(response):
    """Every link of an admin page: {comparison name or text: href}."""
    assert response.status_code == 200, response.content.decode()[:500]
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        (a.get("data-revision-comparison") or a.get_text(" ", strip=True)): a["href"]
        for a in soup.select("a[href]")
    }


def comparisons(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        a["data-revision-comparison"]: (a.get_text(" ", strip=True), a["href"])
        for a in soup.select("a[data-revision-comparison]")
    }


def changed_words(response):
    """The words a compare view marks as removed and as added."""
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return (
        [tag.get_text() for tag in soup.select(".kb-diff del")],
        [tag.get_text() for tag in soup.select(".kb-diff ins")],
    )


def record_review(page, user, revision):
    # What "Mark as reviewed" logs (pages/editorial/reviews.py): the revision the reviewer saw.
    return PageLogEntry.objects.log_action(page, "pages.reviewed", user=user, revision=revision)


# Since last published -------------------------------------------------------------------------


def test_since_last_published_compares_the_live_version_with_the_draft(exits, editor):
    browser = logged_in(editor)
    live_id = exits.live_revision_id
    # Nothing to compare while the page is as published.
    assert "since-published" not in comparisons(browser.get(edit_url(exits)))

    draft = save_draft(browser, exits, "Exits take fourteen days.")

    expected = compare_url(exits, live_id, draft.pk)
    for url in (edit_url(exits), history_url(exits)):
        label, href = comparisons(browser.get(url))["since-published"]
        assert (label, href) == ("Changes since last published", expected)
    assert changed_words(browser.get(expected)) == (["seven"], ["fourteen"])

    # Once the draft is published there are no unpublished changes to compare.
    draft.publish()
    assert "since-published" not in comparisons(browser.get(edit_url(exits)))
    assert "since-published" not in comparisons(browser.get(history_url(exits)))


def test_the_links_are_only_for_those_who_may_edit_the_page(exits, editor, django_user_model):
    save_draft(logged_in(editor), exits, "Exits take fourteen days.")
    # A user who may use the admin but edit no page.
    outsider = django_user_model.objects.create_user("otto")
    outsider.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    browser = logged_in(outsider)
    assert browser.get(choose_url(exits)).status_code in (302, 403)
    assert revisions.quick_comparisons(exits, outsider) == []
    assert browser.get(compare_url(exits, exits.live_revision_id, "latest")).status_code in (
        302,
        403,
    )


# Since you last reviewed ----------------------------------------------------------------------


def test_since_you_last_reviewed_points_at_your_own_latest_review(
    exits, editor, reviewer, django_user_model
):
    other_reviewer = member_of(django_user_model, "Reviewers", "rob")
    first = exits.live_revision
    record_review(exits, reviewer, first)
    second = publish_version(exits, "Exits take ten days.", user=other_reviewer)
    record_review(exits, other_reviewer, second)
    draft = save_draft(logged_in(editor), exits, "Exits take fourteen days.")

    # Each reviewer is pointed at the version they reviewed, not at anyone else's.
    rita, rob = logged_in(reviewer), logged_in(other_reviewer)
    for browser, reviewed in ((rita, first), (rob, second)):
        for url in (edit_url(exits), history_url(exits)):
            label, href = comparisons(browser.get(url))["since-reviewed"]
            assert label == "Changes since the version you last reviewed"
            assert href == compare_url(exits, reviewed.pk, draft.pk)
    # The editor reviewed nothing.
    assert "since-reviewed" not in comparisons(logged_in(editor).get(edit_url(exits)))

    assert changed_words(rita.get(compare_url(exits, first.pk, draft.pk))) == (
        ["seven"],
        ["fourteen"],
    )
    assert changed_words(rob.get(compare_url(exits, second.pk, draft.pk))) == (
        ["ten"],
        ["fourteen"],
    )

    # With no draft, the review is compared with the live version.
    draft.publish()
    exits.refresh_from_db()
    _, href = comparisons(rob.get(edit_url(exits)))["since-reviewed"]
    assert href == compare_url(exits, second.pk, exits.live_revision_id)
    # A reviewer who has reviewed the live version has nothing to compare.
    record_review(exits, other_reviewer, exits.live_revision)
    assert "since-reviewed" not in comparisons(rob.get(edit_url(exits)))


def test_approving_a_draft_in_the_workflow_counts_as_reviewing_it(exits, editor, reviewer):
    editor_browser, reviewer_browser = logged_in(editor), logged_in(reviewer)
    record_review(exits, reviewer, exits.live_revision)

    # The editor submits a change; the reviewer approves it, and it goes live.
    response = editor_browser.post(
        edit_url(exits), topic_form(exits, "Exits take fourteen days.", "submit")
    )
    assert response.status_code == 302
    exits.refresh_from_db()
    approved = exits.latest_revision
    task_state = exits.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[exits.pk, "approve", task_state.pk])
    assert reviewer_browser.post(url, {"comment": ""}).status_code == 302

    # The next draft is compared with the version the reviewer approved.
    draft = save_draft(editor_browser, exits, "Exits take three weeks.")
    _, href = comparisons(reviewer_browser.get(edit_url(exits)))["since-reviewed"]
    assert href == compare_url(exits, approved.pk, draft.pk)


# Any two versions -----------------------------------------------------------------------------


def test_any_two_versions_can_be_chosen_from_the_history(exits, editor):
    browser = logged_in(editor)
    first = exits.live_revision
    second = publish_version(exits, "Exits take ten days.")
    third = save_draft(browser, exits, "Exits take fourteen days.")

    # Linked from the editor's menu and from the history.
    assert links(browser.get(edit_url(exits)))["choose"] == choose_url(exits)
    assert links(browser.get(history_url(exits)))["choose"] == choose_url(exits)

    page = BeautifulSoup(browser.get(choose_url(exits)).content, "html.parser")
    options = [option["value"] for option in page.select("select[name=a] option")]
    assert options == [str(third.pk), str(second.pk), str(first.pk)]
    assert "(live)" in page.select_one(f"select[name=a] option[value='{second.pk}']").get_text()

    # Chosen newest first, compared oldest first.
    response = browser.get(choose_url(exits), {"a": third.pk, "b": first.pk})
    assert response.status_code == 302
    assert response["Location"] == compare_url(exits, first.pk, third.pk)
    assert changed_words(browser.get(response["Location"])) == (["seven"], ["fourteen"])

    same = browser.get(choose_url(exits), {"a": first.pk, "b": first.pk})
    assert same.status_code == 200 and "Choose two different versions." in same.content.decode()
    # A revision of another page is not a choice.
    other = make_topic(exits.get_parent(), title="Deposits")
    response = browser.get(choose_url(exits), {"a": other.live_revision_id, "b": first.pk})
    assert response.status_code == 200


# Minor edits ----------------------------------------------------------------------------------


def test_the_editor_saves_a_minor_edit_and_the_admin_history_marks_and_hides_it(
    exits, editor, reviewer
):
    browser = logged_in(editor)
    minor = save_draft(browser, exits, "Exits take seven days!", minor_edit="on")
    assert minor.content["minor_edit"] is True
    minor.publish(user=reviewer)
    # The next change to the published page starts unticked, like its note.
    form = BeautifulSoup(browser.get(edit_url(exits)).content, "html.parser")
    assert not form.select_one("input[name=minor_edit]").has_attr("checked")
    major = save_draft(browser, exits, "Exits take fourteen days.")
    assert major.content["minor_edit"] is False

    def rows(query=""):
        response = logged_in(reviewer).get(history_url(exits, query))
        assert response.status_code == 200
        soup = BeautifulSoup(response.content, "html.parser")
        return [
            (row.select_one("[data-minor-edit]") is not None, row.get_text(" ", strip=True))
            for row in soup.select("tbody tr")
        ]

    everything = rows()
    # The minor draft's save and its publish are marked; nothing else is.
    marked = [text for is_minor, text in everything if is_minor]
    assert len(marked) == 2
    assert any(text.startswith("Published") for text in marked)
    assert any(text.startswith("Draft saved") for text in marked)

    shown = rows("?hide_minor_edits=on")
    assert len(shown) == len(everything) - 2
    assert not any(is_minor for is_minor, _ in shown)
    assert any(text.startswith("Draft saved") for _, text in shown)  # the major draft


def test_readers_history_marks_minor_edits_and_whats_new_leaves_them_out(client, exits):
    publish_version(exits, "Exits take seven days!", change_note="Typo fixed.", minor_edit=True)
    publish_version(exits, "Exits take ten days.", change_note="Exit window shortened.")

    def history(query=""):
        response = client.get(exits.url + "history/" + query)
        assert response.status_code == 200
        soup = BeautifulSoup(response.content, "html.parser")
        return soup, [
            (
                change.select_one(".change__note").get_text()
                if change.select_one(".change__note")
                else "",
                change.select_one(".badge--minor") is not None,
            )
            for change in soup.select(".change")
        ]

    soup, changes = history()
    assert changes == [("Exit window shortened.", False), ("Typo fixed.", True), ("", False)]
    assert soup.find("a", string="Hide minor edits")["href"] == "?minor=hide"
    soup, changes = history("?minor=hide")
    assert changes == [("Exit window shortened.", False), ("", False)]
    assert soup.find("a", string="Show minor edits") is not None

    whats_new = client.get("/whats-new/").content.decode()
    feed = ElementTree.fromstring(client.get("/feed/").content)
    summaries = [entry.findtext(f"{ATOM}summary") for entry in feed.iter(f"{ATOM}entry")]
    assert "Exit window shortened." in whats_new and "Typo fixed." not in whats_new
    assert "Exit window shortened." in summaries and "Typo fixed." not in summaries


def test_a_new_page_is_news_even_when_marked_minor(client, section):
    make_topic(section, title="Deposits", minor_edit=True)
    assert "Deposits" in client.get("/whats-new/").content.decode()
    assert "Deposits" in client.get("/feed/").content.decode()
