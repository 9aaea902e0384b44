"""A reader on a 390 px phone (and on a desktop where the layout differs), in light and dark:
wide tables scroll sideways in a box the keyboard can reach, the tree opens as a drawer, "On this
page" folds above the article and follows the section being read, and search results start on the
first screen. The HTML they rest on: tests/reading/test_phone_layout.py."""

import pytest
from playwright.sync_api import expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PLASMA = "/omg-deep-dive/plasma/"  # the variants compared in a five-column table
MOREVP = "/omg-deep-dive/plasma/plasma-morevp/"  # MVP and MoreVP side by side, three headings
DRAWER_PAGE = "/omg-deep-dive/plasma/plasma-cash/"

SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])


def scroll_left(locator):
    return locator.evaluate("(element) => element.scrollLeft")


@SCHEMES
def test_a_wide_table_scrolls_sideways_on_a_phone(visit, scheme):
    reader = visit(f"phone-{scheme}", color_scheme=scheme, **PHONE)
    page = reader.page
    reader.go(PLASMA)
    wrapper = page.get_by_role("region", name="Table: Variant, How value is held")
    table = wrapper.locator("table")

    # The table is wider than the screen; its box scrolls, the page itself does not.
    widths = wrapper.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
    assert widths[0] > widths[1], widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    hint = page.get_by_text("Scroll sideways to see every column")
    expect(hint).to_be_visible()
    # The screenshots show the hint and the table's first rows, at the top of the screen.
    hint.evaluate("(hint) => hint.scrollIntoView()")
    reader.screenshot("phone-table-before-scrolling", of=hint)

    # A keyboard reader reaches the box with Tab (tabindex 0) and scrolls it with the arrows.
    wrapper.focus()
    expect(wrapper).to_be_focused()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=wrapper.element_handle())
    assert scroll_left(wrapper) > 0
    # Further on, the last column comes into view.
    for _ in range(16):
        page.keyboard.press("ArrowRight")
    last_heading = table.locator("th").last
    expect(last_heading).to_have_text("Role in the OMG Network")
    # Each press scrolls smoothly: on a busy machine the last ones are still under way here.
    page.wait_for_function(
        "([box, heading]) => heading.getBoundingClientRect().left"
        " < box.getBoundingClientRect().right",
        arg=[wrapper.element_handle(), last_heading.element_handle()],
    )
    box, heading = wrapper.bounding_box(), last_heading.bounding_box()
    assert heading["x"] < box["x"] + box["width"]
    reader.screenshot("phone-table-scrolled", of=hint)

    # MoreVP's comparison scrolls the same way: its box is named after its columns.
    reader.go(MOREVP)
    morevp = page.get_by_role("region", name="Table: Plasma MVP, Plasma MoreVP")
    assert morevp.evaluate("(box) => box.scrollWidth > box.clientWidth")
    expect(morevp).to_have_attribute("tabindex", "0")


def test_a_table_that_fits_a_desktop_is_no_extra_tab_stop(visit):
    reader = visit("desktop", **DESKTOP)
    page = reader.page
    reader.go(PLASMA)
    wrapper = page.locator(".table-wrapper").first

    assert wrapper.evaluate("(box) => box.scrollWidth <= box.clientWidth")
    expect(page.get_by_text("Scroll sideways to see every column")).to_be_hidden()
    expect(wrapper).not_to_have_attribute("tabindex", "0")


def test_without_javascript_a_wide_table_still_scrolls_and_takes_focus(visit):
    reader = visit("phone-no-js", java_script_enabled=False, **PHONE)
    page = reader.page
    reader.go(PLASMA)
    wrapper = page.locator(".table-wrapper").first

    assert wrapper.evaluate("(box) => box.scrollWidth > box.clientWidth")
    expect(wrapper).to_have_attribute("tabindex", "0")
    wrapper.evaluate("(box) => { box.scrollLeft = 200; }")
    assert scroll_left(wrapper) > 0
    # And the tree is open in the page, the menu button (which needs kb.js) hidden.
    expect(page.locator("#sidebar-tree").get_by_role("link", name="Plasma Cash")).to_be_visible()
    expect(page.locator(".sidebar__toggle")).to_be_hidden()


@SCHEMES
def test_the_tree_opens_as_a_drawer_on_a_phone(visit, scheme):
    reader = visit(f"phone-{scheme}", color_scheme=scheme, **PHONE)
    page = reader.page
    reader.go(DRAWER_PAGE)
    menu = page.get_by_role("button", name="Menu")
    tree = page.locator("#sidebar-tree")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(tree).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(tree).to_be_visible()
    drawer = page.get_by_role("dialog", name="Pages of the knowledge base")
    expect(drawer).to_be_visible()
    # Over the content from the left edge, not pushing it down; focus is in the drawer.
    assert tree.evaluate("(tree) => getComputedStyle(tree).position") == "fixed"
    expect(tree).to_have_css("transform", "none")  # it has slid in
    assert tree.bounding_box()["x"] == 0
    expect(drawer.get_by_role("button", name="Close")).to_be_focused()
    expect(drawer.locator("[aria-current=page]")).to_have_text("Plasma Cash")
    # The page behind neither scrolls nor takes focus.
    assert page.evaluate("document.querySelector('main').inert")
    scrolled = page.evaluate("window.scrollY")
    page.mouse.move(380, 600)
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") == scrolled
    reader.screenshot("phone-drawer-open", of=drawer.get_by_role("button", name="Close"))

    # Escape closes it and gives focus back to the menu button.
    page.keyboard.press("Escape")
    expect(tree).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    assert not page.evaluate("document.querySelector('main').inert")

    # So does its Close button.
    menu.click()
    drawer.get_by_role("button", name="Close").click()
    expect(tree).to_be_hidden()
    expect(menu).to_be_focused()

    # And a tap on the dimmed page beside it.
    menu.click()
    expect(tree).to_be_visible()
    page.mouse.click(380, 600)
    expect(tree).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    reader.screenshot("phone-drawer-closed", of=menu)


@SCHEMES
def test_on_this_page_folds_above_the_article_on_a_phone(visit, scheme):
    reader = visit(f"phone-{scheme}", color_scheme=scheme, **PHONE)
    page = reader.page
    reader.go(MOREVP)
    contents = page.get_by_role("navigation", name="On this page")
    first_entry = contents.get_by_role("link", name="The problem it solves")

    # Folded, between the menu and the article's title.
    expect(contents).to_be_visible()
    expect(first_entry).to_be_hidden()
    title = page.get_by_role("heading", level=1)
    assert contents.bounding_box()["y"] < title.bounding_box()["y"]
    reader.screenshot("phone-on-this-page-folded", of=contents)

    contents.locator("summary").click()
    expect(first_entry).to_be_visible()
    reader.screenshot("phone-on-this-page-open", of=contents)
    first_entry.click()
    expect(page.locator("#the-problem-it-solves")).to_be_in_viewport()


@SCHEMES
def test_on_this_page_stays_in_the_right_column_and_follows_the_reading(visit, scheme):
    reader = visit(f"desktop-{scheme}", color_scheme=scheme, **DESKTOP)
    page = reader.page
    reader.go(MOREVP)
    contents = page.get_by_role("navigation", name="On this page")
    article = page.locator("main")

    # Beside the article, on its right, open.
    assert (
        contents.bounding_box()["x"]
        >= article.bounding_box()["x"] + article.bounding_box()["width"]
    )
    expect(contents.get_by_role("link").first).to_be_visible()

    # Reading down the page moves the mark to the section on screen.
    for anchor in ("what-morevp-changes", "the-trade-off"):
        page.locator(f"#{anchor}").evaluate("(heading) => heading.scrollIntoView()")
        current = contents.locator(f'a[href="#{anchor}"]')
        expect(current).to_have_attribute("aria-current", "true")
        expect(contents.locator("a[aria-current]")).to_have_count(1)
    reader.screenshot("desktop-on-this-page-follows")

    # Back at the top, the first section is the current one again.
    page.evaluate("window.scrollTo(0, 0)")
    expect(contents.locator('a[href="#the-problem-it-solves"]')).to_have_attribute(
        "aria-current", "true"
    )


@SCHEMES
def test_the_first_search_result_starts_on_a_phones_first_screen(visit, scheme):
    reader = visit(f"phone-{scheme}", color_scheme=scheme, **PHONE)
    page = reader.page
    reader.go("/search/?q=plasma")
    first = page.locator("ol.search-results > li").first

    # One search landmark: the page's own form (the header's box is not repeated here).
    expect(page.get_by_role("search")).to_have_count(1)
    expect(page.get_by_role("search")).to_have_accessible_name("Search the knowledge base")
    top = first.bounding_box()["y"]
    assert top + 40 < 844, f"the first result starts {top:.0f} px down"
    reader.screenshot("phone-search-first-screen", of=page.locator("body"))

    # The header's shortcut still finds a search box here: the page's own.
    page.keyboard.press("Control+k")
    expect(page.locator("main").get_by_role("searchbox")).to_be_focused()
