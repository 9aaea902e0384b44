"""
Readers' pages and the admin work under their Content-Security-Policy (kbsite/security.py): in
Chromium, nothing the site or Wagtail's admin does is refused by it, from reading a topic to
editing one and watching the preview.

Every refusal is caught twice: the `securitypolicyviolation` event, reported from each document
(the preview's iframe included) by a script Playwright injects before the page's own, and
Chromium's console message about it.
"""

import re

import pytest
from playwright.sync_api import expect
from test_editorial import add_to_first_paragraph, open_in_editor

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.kbCspViolation(
        `${location.pathname}: ${event.effectiveDirective} refused ` +
        `${event.blockedURI || "inline code"} (${event.sourceFile}:${event.lineNumber})`
    );
});
"""


@pytest.fixture
def watched(visit):
    """visit(), with every policy violation in its browser context collected."""
    watching = []

    def open_visitor(name):
        visitor = visit(name)
        violations = []
        visitor.context.expose_function("kbCspViolation", lambda text: violations.append(text))
        visitor.context.add_init_script(REPORT_VIOLATIONS)

        def on_console(message):
            if "Content Security Policy" in message.text:
                violations.append(f"console: {message.text}")

        visitor.page.on("console", on_console)
        watching.append((visitor, violations))
        return visitor

    yield open_visitor
    for visitor, violations in watching:
        assert not violations, f"{visitor.name}:\n" + "\n".join(violations)


READERS_PAGES = {
    "home": "/",
    "topic": "/omisego-official-guide/what-is-omisego/",
    "deep dive": "/omg-deep-dive/plasma/plasma-mvp/",
    "video": "/videos/decentralizing-consensus/",
    "search": "/search/?q=plasma",
    "what's new": "/whats-new/",
}


def test_readers_pages_break_no_rule_of_the_strict_policy(watched):
    reader = watched("reader")
    for name, path in READERS_PAGES.items():
        response = reader.go(path)
        assert "script-src 'self';" in response.headers["content-security-policy"], name
        # The stylesheet applied (a refused one leaves its <link> without a sheet).
        sheets = "[...document.styleSheets].filter((sheet) => sheet.href.includes('kb.css'))"
        assert reader.page.evaluate(f"{sheets}.length") == 1, name
    # kb.js runs: on a phone, the sidebar opens from its menu button.
    reader.page.set_viewport_size({"width": 390, "height": 844})
    reader.go(READERS_PAGES["topic"])
    reader.page.get_by_role("button", name="Menu").click()
    expect(reader.page.get_by_role("button", name="Menu")).to_have_attribute(
        "aria-expanded", "true"
    )


def test_the_admin_works_under_its_policy(watched):
    title = "Hazards of Centralization"
    sentence = "Custodians can freeze what they hold."

    editor = watched("editor")
    # The sign-in form and the dashboard, under the admin's policy.
    editor.log_in("editor")
    expect(editor.page.get_by_role("heading", name="Needs attention")).to_be_visible()

    # The editor: Draftail, the date pickers' inline scripts, the side panels.
    open_in_editor(editor, title)
    add_to_first_paragraph(editor, sentence)
    editor.page.get_by_role("button", name="Toggle checks").click()
    checks = editor.page.get_by_role("complementary", name="Checks")
    expect(checks.get_by_role("heading", name="Content metrics")).to_be_visible()

    # The live preview: the page, in an iframe of the admin's own origin.
    editor.page.get_by_role("button", name="Toggle preview").click()
    # Wagtail loads each refresh in a second iframe, which takes the first one's id once loaded.
    preview = editor.page.frame_locator("iframe#w-preview-iframe[src]")
    expect(preview.locator("main")).to_contain_text(sentence)
    editor.screenshot("preview")

    # The page explorer, from the tree's root to the sections of the home page.
    editor.go("/admin/pages/")
    editor.page.get_by_role(
        "link", name="Explore child pages of 'OMG Network Knowledge Base'"
    ).click()
    editor.page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    section = editor.page.get_by_role("link", name="OmiseGO Official Guide", exact=True)
    expect(section.first).to_be_visible()
    editor.screenshot("explorer")
