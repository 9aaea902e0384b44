"""
Feedback triage in Chromium: readers say a page was not helpful, it shows among the dashboard's
"Least helpful pages"; an editor marks those answers handled in Reports → Reader feedback, and
the page leaves the list.
"""

from playwright.sync_api import expect

# A page no other browser journey answers about, so its figures are this journey's alone.
PAGE = "/omisego-official-guide/key-concepts/hazards-of-centralization/"
READERS = 3  # the answers a page needs to be ranked (FEEDBACK_MIN_ANSWERS)


def feedback_box(page):
    return page.get_by_role("region", name="Was this page helpful?")


def least_helpful(editor):
    editor.go("/admin/")
    return editor.page.locator("#needs-attention-least-helpful")


def test_answers_marked_handled_leave_least_helpful(visit):
    # Three readers, each in a browser of their own, find the page unhelpful.
    for number in range(READERS):
        reader = visit(f"reader-{number + 1}")
        reader.go(PAGE)
        box = feedback_box(reader.page)
        box.get_by_role("button", name="No").click()
        box.get_by_role("textbox").fill(f"Which hazards? (reader {number + 1})")
        box.get_by_role("button", name="Send").click()
        expect(box.get_by_role("status")).to_contain_text("Thank you")
        title = reader.page.get_by_role("heading", level=1).inner_text()

    editor = visit("editor")
    editor.log_in("editor")
    expect(least_helpful(editor).get_by_role("link", name=title)).to_be_visible()
    editor.screenshot("least-helpful", of=least_helpful(editor))

    # Reports → Reader feedback → the page's answers, the open ones by default.
    editor.page.get_by_role("button", name="Reports").click()
    editor.page.get_by_role("link", name="Reader feedback").click()
    editor.page.get_by_role("row").filter(has_text=title).get_by_role("link", name=title).click()
    expect(editor.page.get_by_role("heading", level=1)).to_contain_text(title)
    mark = editor.page.get_by_role("button", name="Mark handled")
    expect(mark).to_have_count(READERS)
    editor.screenshot("open-answers")

    # Nothing was changed for them yet: "No version" is the choice; each is marked in turn.
    for remaining in range(READERS, 0, -1):
        expect(mark).to_have_count(remaining)
        mark.first.click()
    expect(mark).to_have_count(0)
    editor.screenshot("all-handled")

    # The handled answers are listed as such, by whom.
    editor.go(editor.page.url.split("?")[0].removeprefix(editor.site()) + "?status=handled")
    handled = editor.page.locator("[data-handled]")
    expect(handled).to_have_count(READERS)
    expect(handled.first).to_contain_text("Handled by")
    editor.screenshot("handled-answers")

    # Back on the dashboard, the page is no longer among the least helpful.
    expect(least_helpful(editor).get_by_role("link", name=title)).to_have_count(0)
    editor.screenshot("least-helpful-after", of=least_helpful(editor))
