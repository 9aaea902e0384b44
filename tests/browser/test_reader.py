"""A reader on the public site, in a real browser: navigation, search, FAQ, phone, dark mode."""

import re

from playwright.sync_api import expect

DEEP_DIVE = "/omg-deep-dive/plasma/"
FAQ_INDEX = "/frequently-asked-questions/community-qa/"


def sidebar(page):
    return page.get_by_role("navigation", name="Knowledge base")


def test_reader_goes_from_home_through_a_deep_dive_to_a_search_result(visit):
    reader = visit()
    page = reader.page
    reader.go("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    reader.screenshot("home")

    # The sidebar tree leads to a deep dive, which it then marks as the current page.
    sidebar(page).get_by_role("link", name="Plasma", exact=True).click()
    expect(page).to_have_url(reader.site(DEEP_DIVE))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plasma")
    expect(sidebar(page).locator("[aria-current=page]")).to_have_text("Plasma")
    reader.screenshot("deep-dive")

    # "On this page" jumps to its section.
    contents = page.get_by_role("navigation", name="On this page")
    entry = contents.get_by_role("link").nth(1)
    anchor = entry.get_attribute("href")
    entry.click()
    expect(page).to_have_url(reader.site(DEEP_DIVE + anchor))
    expect(page.locator(anchor)).to_be_in_viewport()
    reader.screenshot("table-of-contents-anchor")

    # "Next" follows the tree: the deep dive's first chapter.
    pager = page.get_by_role("navigation", name="Previous and next pages")
    next_link = pager.get_by_role("link", name=re.compile(r"^Next"))
    next_title = next_link.text_content().strip().removeprefix("Next").strip()
    next_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(next_title)
    expect(page.get_by_role("link", name=re.compile(r"^Previous Plasma$"))).to_be_visible()
    reader.screenshot("next-page")

    # Search from the header: matches are highlighted, and a result opens its page.
    search_box = page.get_by_role("combobox", name="Search the knowledge base")
    search_box.fill("exit")
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=exit"))
    results = page.locator("ol.search-results > li")
    expect(results.first).to_be_visible()
    expect(page.locator("main mark").first).to_have_text(re.compile("exit", re.IGNORECASE))
    reader.screenshot("search-results")
    first_result = results.first.get_by_role("link").first
    title = first_result.inner_text().strip()
    first_result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text(re.compile("exit", re.IGNORECASE))
    reader.screenshot("search-result-page")


def test_faq_questions_open_and_close_from_the_keyboard(visit):
    reader = visit()
    page = reader.page
    reader.go(FAQ_INDEX)
    question = page.locator("details.faq-item").first
    answer = question.locator(".faq-item__answer")
    expect(answer).to_be_hidden()

    question.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(question).to_have_attribute("open", "")
    expect(answer).to_be_visible()
    reader.screenshot("faq-question-open")

    page.keyboard.press("Space")
    expect(answer).to_be_hidden()

    # Tab moves on to the next question, which opens the same way.
    page.keyboard.press("Tab")
    second = page.locator("details.faq-item").nth(1)
    expect(second.locator("summary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(second.locator(".faq-item__answer")).to_be_visible()


def test_on_a_phone_the_sidebar_opens_from_the_menu_button(visit):
    reader = visit("phone", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = reader.page
    reader.go(DEEP_DIVE)
    menu = page.get_by_role("button", name="Menu")
    tree = page.locator("#sidebar-tree")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(tree).to_be_hidden()
    # Nothing is wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    reader.screenshot("menu-closed")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(tree).to_be_visible()
    reader.screenshot("menu-open")

    tree.get_by_role("link", name="Frequently Asked Questions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Frequently Asked Questions")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


def relative_luminance(css_colour):
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])

    def linear(channel):
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(foreground, background):
    lighter, darker = sorted(map(relative_luminance, (foreground, background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_dark_mode_follows_the_system_setting(visit):
    colours = {}
    for scheme in ("light", "dark"):
        reader = visit(f"{scheme}-mode", color_scheme=scheme)
        reader.go(DEEP_DIVE)
        colours[scheme] = reader.page.evaluate(
            """() => {
                const root = getComputedStyle(document.documentElement);
                const text = getComputedStyle(document.querySelector("main h1"));
                return {background: root.backgroundColor, text: text.color};
            }"""
        )
        reader.screenshot(scheme)

    light, dark = colours["light"], colours["dark"]
    assert relative_luminance(light["background"]) > 0.8
    assert relative_luminance(dark["background"]) < 0.05
    # The text stays readable: well past WCAG's AAA contrast ratio of 7:1 in both.
    for scheme in (light, dark):
        assert contrast(scheme["text"], scheme["background"]) >= 7


def test_the_markdown_view_opens_from_the_page(visit):
    reader = visit()
    page = reader.page
    reader.go(DEEP_DIVE)
    with page.expect_response(re.compile(r"/omg-deep-dive/plasma\.md$")) as markdown:
        page.get_by_role("link", name="View as Markdown").click()
    assert markdown.value.headers["content-type"].startswith("text/markdown")
    expect(page).to_have_url(reader.site("/omg-deep-dive/plasma.md"))
    text = page.locator("body").inner_text()
    assert re.search(r"^# Plasma$", text, re.MULTILINE)
    assert "## The variants compared" in text
    reader.screenshot("markdown")


def test_the_sidebar_scrolls_to_a_page_far_down_the_tree(visit):
    reader = visit()
    page = reader.page
    # The OMG Network section comes after the long guide, deep dive and FAQ sections.
    reader.go("/omg-network/omg-token/")

    current = sidebar(page).locator("[aria-current=page]")
    expect(current).to_have_text("OMG Token")
    expect(current).to_be_in_viewport()
    reader.screenshot("sidebar-scrolled-to-current-page")
