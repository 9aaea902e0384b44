"""
The reader's tools, in Chromium on a phone (390 px) and a laptop (1,366 px), in light and dark:
a heading's "#" link copies its address and puts it in the address bar, a code block's Copy
button copies its code, and the header's theme toggle switches light and dark, remembers the
choice across a reload, and on "System" follows the system. All under the strict CSP, with no
error from any script.
"""

import pytest
from playwright.sync_api import expect
from test_reader import relative_luminance

# The eWallet implementation page: headings, and a code block (fixtures/omg-kb).
PAGE = "/omg-deep-dive/ewallet-suite/ewallet-implementation/"
HEADING_ID = "getting-the-code"
CODE = "git clone https://github.com/omgnetwork/ewallet.git\ncd ewallet"

SCREENS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}

# As tests/browser/test_csp.py: each policy violation reported from the page itself.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.kbCspViolation(`${event.effectiveDirective} refused ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def reader(visit, request):
    """open(screen, scheme) -> a reader allowed the clipboard, whose page must end the test
    with no policy violation and no script error."""
    troubles = []

    def open_reader(screen, scheme):
        visitor = visit(
            f"{screen}-{scheme}",
            viewport=SCREENS[screen],
            color_scheme=scheme,
            permissions=["clipboard-read", "clipboard-write"],
        )
        visitor.context.expose_function("kbCspViolation", lambda text: troubles.append(text))
        visitor.context.add_init_script(REPORT_VIOLATIONS)
        visitor.page.on(
            "console",
            lambda message: (
                troubles.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        visitor.page.on("pageerror", lambda error: troubles.append(f"script error: {error}"))
        return visitor

    yield open_reader
    assert not troubles, "\n".join(troubles)


def clipboard(visitor):
    return visitor.page.evaluate("navigator.clipboard.readText()")


def background_luminance(visitor):
    colour = visitor.page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    return relative_luminance(colour)


def copy_status(visitor):
    return visitor.page.locator(".copy-status[role=status]")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", SCREENS)
def test_a_headings_anchor_link_copies_its_address(reader, screen, scheme):
    visitor = reader(screen, scheme)
    page = visitor.page
    visitor.go(PAGE)

    link = page.get_by_role("link", name="Link to section: Getting the code")
    # Shown when a keyboard reaches it (on a laptop it is hidden until hover or focus).
    link.focus()
    expect(link).to_have_css("opacity", "1")
    link.click()

    expect(page).to_have_url(visitor.site(PAGE) + f"#{HEADING_ID}")
    assert clipboard(visitor) == visitor.site(PAGE) + f"#{HEADING_ID}"
    expect(copy_status(visitor)).to_have_text("Link copied")
    # The heading it links to is on screen.
    expect(page.locator(f"h2#{HEADING_ID}")).to_be_in_viewport()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", SCREENS)
def test_a_code_blocks_copy_button_copies_its_code(reader, screen, scheme):
    visitor = reader(screen, scheme)
    page = visitor.page
    visitor.go(PAGE)

    button = page.get_by_role("button", name="Copy code")
    expect(button).to_have_count(1)
    expect(button).to_have_text("Copy")
    button.click()

    assert clipboard(visitor) == CODE
    expect(button).to_have_text("Copied")
    expect(copy_status(visitor)).to_have_text("Copied")
    visitor.screenshot("code-copy", of=page.locator(".code-block"))
    # The button sits inside the code block's box, over its top right corner.
    code_box = page.locator(".code-block pre").bounding_box()
    button_box = button.bounding_box()
    assert code_box["x"] < button_box["x"]
    assert button_box["x"] + button_box["width"] <= code_box["x"] + code_box["width"]
    assert code_box["y"] <= button_box["y"] < code_box["y"] + code_box["height"]


@pytest.mark.parametrize(
    ("system", "chosen"), [("light", "dark"), ("dark", "light")], ids=["to-dark", "to-light"]
)
@pytest.mark.parametrize("screen", SCREENS)
def test_the_theme_toggle_switches_remembers_and_can_follow_the_system(
    reader, screen, system, chosen
):
    visitor = reader(screen, system)
    page = visitor.page
    visitor.go(PAGE)

    def is_dark():
        return background_luminance(visitor) < 0.05

    def pressed():
        return page.get_by_role("group", name="Colour theme").locator('[aria-pressed="true"]')

    # At first the system decides, and the toggle says so.
    expect(page.get_by_role("group", name="Colour theme")).to_be_visible()
    expect(pressed()).to_have_text("System")
    assert is_dark() == (system == "dark")

    page.get_by_role("button", name=chosen.capitalize()).click()
    expect(pressed()).to_have_text(chosen.capitalize())
    expect(page.locator("html")).to_have_attribute("data-theme", chosen)
    assert is_dark() == (chosen == "dark")
    # The browser's bar takes the chosen scheme's colour too.
    expect(page.locator(f'meta[data-theme-color="{chosen}"]')).to_have_attribute("media", "all")
    expect(page.locator(f'meta[data-theme-color="{system}"]')).to_have_attribute("media", "not all")
    if chosen == "dark":
        visitor.screenshot("theme-dark-toggle", of=page.locator(".site-header"))

    # The choice outlives a reload, applied before the page is drawn.
    visitor.go(PAGE)
    expect(pressed()).to_have_text(chosen.capitalize())
    assert is_dark() == (chosen == "dark")

    # "System" hands the decision back, and follows the system when it changes.
    page.get_by_role("button", name="System").click()
    expect(page.locator("html")).not_to_have_attribute("data-theme", chosen)
    expect(page.locator(f'meta[data-theme-color="{chosen}"]')).to_have_attribute(
        "media", f"(prefers-color-scheme: {chosen})"
    )
    assert is_dark() == (system == "dark")
    page.emulate_media(color_scheme=chosen)
    assert is_dark() == (chosen == "dark")
    visitor.go(PAGE)
    expect(pressed()).to_have_text("System")
    assert is_dark() == (chosen == "dark")
