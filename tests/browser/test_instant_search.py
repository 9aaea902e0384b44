"""Instant search in a real browser: the keyboard opens it, results show while typing, and the
arrow keys and Enter open one (pages/static/pages/js/instant-search.js)."""

import re
import time

from playwright.sync_api import expect


def search_box(page):
    return page.get_by_role("combobox", name="Search the knowledge base")


CLICK_BEACON = '"POST /search/clicked/ HTTP/1.1" 204 '


def beacons(site):
    """How many click beacons the live site has answered, from its access log: a beacon leaves
    as the page does, so the browser's own request events may miss it."""
    return site.log.read_text(errors="replace").count(CLICK_BEACON)


def expect_beacon(site, before, seconds=10):
    deadline = time.monotonic() + seconds
    while beacons(site) <= before:
        assert time.monotonic() < deadline, "No click beacon reached the server"
        time.sleep(0.2)


def test_a_reader_finds_a_page_from_the_keyboard_while_typing(visit):
    reader = visit()
    page = reader.page
    reader.go("/")
    box = search_box(page)
    expect(box).to_have_attribute("aria-expanded", "false")

    # "/" anywhere on the page goes to the search box.
    page.keyboard.press("/")
    expect(box).to_be_focused()

    # Half a word is enough: the results show below the box while the reader types.
    page.keyboard.type("plas")
    results = page.get_by_role("listbox", name="Search results")
    options = results.get_by_role("option")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "instant-search-results")
    expect(results.locator("mark").first).to_have_text(re.compile("^plas", re.IGNORECASE))
    expect(options.last).to_have_text(re.compile("See all results for “plas”"))
    reader.screenshot("instant-search-results")

    # ↓ chooses the first result, Enter opens it, and the click is counted on the way.
    first_title = options.first.locator(".instant-search__title").inner_text().strip()
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    before = beacons(reader.site)
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(first_title)
    expect_beacon(reader.site, before)
    reader.screenshot("instant-search-result-page")


def test_ctrl_k_opens_the_search_and_escape_closes_it(visit):
    reader = visit()
    page = reader.page
    reader.go("/omg-deep-dive/plasma/")
    box = search_box(page)

    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    page.keyboard.type("exit")
    expect(page.get_by_role("option").first).to_be_visible()

    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox", name="Search results")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("exit")

    # Enter with no result chosen opens the full search page, as without JavaScript.
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=exit"))


def test_on_a_phone_the_panel_spans_the_width(visit):
    reader = visit(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = reader.page
    reader.go("/")
    box = search_box(page)
    box.fill("plasma")
    panel = page.locator(".instant-search")
    expect(page.get_by_role("option").first).to_be_visible()
    box_width = panel.bounding_box()["width"]
    assert box_width > 390 * 0.9
    reader.screenshot("instant-search-phone")


def test_a_result_followed_from_the_search_page_is_counted(visit):
    reader = visit()
    page = reader.page
    reader.go("/search/?q=exit")
    before = beacons(reader.site)

    result = page.locator("a.search-result__title").first
    title = result.inner_text().strip()
    result.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect_beacon(reader.site, before)
