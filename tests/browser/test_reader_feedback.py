"""
"Was this page helpful?" in Chromium: answered in place with JavaScript, through the form page
without it, and read back by an editor in Reports → Reader feedback.
"""

import re

from playwright.sync_api import expect

WITH_SCRIPT = "/omg-deep-dive/plasma/plasma-cash/"
WITHOUT_SCRIPT = "/omisego-official-guide/what-is-omisego/"
COMMENT = "An example of an exit game, step by step, please."


def feedback_box(page):
    return page.get_by_role("region", name="Was this page helpful?")


def test_with_javascript_no_and_a_comment_are_sent_without_leaving_the_page(visit):
    reader = visit("reader-with-script")
    page = reader.page
    reader.go(WITH_SCRIPT)
    box = feedback_box(page)
    box.scroll_into_view_if_needed()
    reader.screenshot("asked", of=box)
    # Marks this document: a reload or navigation would lose it.
    page.evaluate("window.stillTheSamePage = true")

    box.get_by_role("button", name="No").click()
    comment = box.get_by_role("textbox", name="What was missing? (optional)")
    expect(comment).to_be_focused()
    expect(box.get_by_role("status")).to_contain_text("What was missing?")
    comment.fill(COMMENT)
    reader.screenshot("comment", of=box)
    box.get_by_role("button", name="Send").click()

    expect(box.get_by_role("status")).to_have_text(
        "Thank you for telling us: an editor will read it."
    )
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(reader.site(WITH_SCRIPT))
    reader.screenshot("thanked", of=box)

    # The same browser, back later today: thanked, not asked again.
    page.reload()
    expect(feedback_box(page).get_by_role("status")).to_have_text(
        "You already told us about this page today. Thank you!"
    )
    expect(feedback_box(page).get_by_role("button", name="Yes")).to_have_count(0)


def test_without_javascript_yes_goes_through_the_form_page(visit):
    reader = visit("reader-without-script", java_script_enabled=False)
    page = reader.page
    reader.go(WITHOUT_SCRIPT)
    title = page.get_by_role("heading", level=1).inner_text()

    feedback_box(page).get_by_role("button", name="Yes").click()
    expect(page).to_have_url(re.compile(r"/feedback/\d+/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Was “{title}” helpful?")
    expect(page.get_by_role("radio", name="Yes")).to_be_checked()
    reader.screenshot("form-page")
    page.get_by_role("button", name="Send answer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    reader.screenshot("thanked")
    page.get_by_role("link", name=f"Back to “{title}”").click()
    expect(page).to_have_url(reader.site(WITHOUT_SCRIPT))


def test_an_editor_reads_the_answers_in_the_report(visit):
    reader = visit("reader-for-report")
    reader.go(WITH_SCRIPT)
    title = reader.page.get_by_role("heading", level=1).inner_text()
    box = feedback_box(reader.page)
    box.get_by_role("button", name="No").click()
    box.get_by_role("textbox").fill("<b>Fees?</b> Not explained.")
    box.get_by_role("button", name="Send").click()
    expect(box.get_by_role("status")).to_contain_text("Thank you")

    editor = visit("editor")
    editor.log_in("editor")
    editor.go("/admin/")
    attention = editor.page.locator("#needs-attention-least-helpful")
    expect(attention).to_contain_text("Least helpful pages (30 days)")
    editor.page.get_by_role("button", name="Reports").click()
    editor.page.get_by_role("link", name="Reader feedback").click()
    expect(editor.page.get_by_role("heading", level=1)).to_contain_text("Reader feedback")
    row = editor.page.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("<b>Fees?</b> Not explained.")
    editor.screenshot("report")

    row.get_by_role("link", name=title).click()
    expect(editor.page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(editor.page.get_by_role("table")).to_contain_text("<b>Fees?</b> Not explained.")
    editor.screenshot("page-answers")
