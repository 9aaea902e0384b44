"""
The first edit of an imported page compares clean: the importer stores rich text as the editor
would (pages/gitbook/editor_form.py), so saving one changed paragraph shows that paragraph, and
nothing else, as changed. Before, every untouched text block read "Formatting or links changed"
and the untouched table as removed and added again.

Works on its own deep dive ("Plasma XT", which has text, headings and a table), which no other
browser journey touches; the draft is never submitted, so readers are not affected.
"""

import re

from playwright.sync_api import expect

from tests.browser.test_editorial import add_to_first_paragraph, open_in_editor

TITLE = "Plasma XT"


def test_the_first_edit_of_an_imported_page_compares_only_the_edited_block(visit):
    sentence = "Checkpoints were proposed in 2018."

    editor = visit("editor")
    editor.log_in("editor")
    open_in_editor(editor, TITLE)
    add_to_first_paragraph(editor, sentence)
    page = editor.page
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("has been updated")).to_be_visible()

    # History: the newest entry is the draft just saved; compare it with the imported version.
    page.get_by_role("link", name="History", exact=True).click()
    newest = page.locator("main tbody tr").first
    newest.get_by_role("button", name="Actions").click()
    newest.get_by_role("link", name="Compare with previous version").click()
    page.wait_for_url(re.compile(r"/revisions/compare/\d+\.\.\.\d+/$"))

    main = page.locator("main")
    # The header names both versions: the earlier one is the import's.
    expect(main.locator(".kb-compared-versions")).to_contain_text("the GitBook import")

    # One block changed, the edited paragraph; nothing added, removed or moved; the rest folded.
    changed = main.locator(".kb-diff__block--changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text(sentence)
    for kind in ("added", "removed", "moved"):
        expect(main.locator(f".kb-diff__block--{kind}")).to_have_count(0)
    expect(main).not_to_contain_text("Formatting or links changed")
    expect(main.locator(".kb-diff__unchanged summary").first).to_contain_text(
        re.compile(r"\d+ unchanged blocks")
    )
    # The table is among the unchanged blocks, not removed and added again.
    unchanged = main.locator(".kb-diff__unchanged").filter(has_text="Table")
    expect(unchanged).to_have_count(1)
    editor.screenshot("first-edit-compare", of=main)
