"""Landing pages in a real browser, on a 390 px phone and a desktop, light and dark: a section says
what it holds (its introduction, then its pages with their summaries), the FAQ lists its
questions, and a page says when what it describes was true."""

import pytest
from playwright.sync_api import expect

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
SECTION = "/omg-deep-dive/"
FAQ = "/frequently-asked-questions/"
FAQ_INDEX = "/frequently-asked-questions/community-qa/"


def fits_the_screen(reader):
    """Nothing wider than the viewport: no sideways scrolling of the whole page."""
    return reader.page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_landing_pages_say_what_they_hold(visit, scheme, width):
    reader = visit(f"landing-{scheme}-{width}", color_scheme=scheme, **VIEWPORTS[width])

    # A section: its introduction, then "In this section" with each page and its summary.
    reader.go(SECTION)
    main = reader.page.locator("main")
    expect(main.locator(".introduction")).to_be_visible()
    listing = main.locator("section[aria-labelledby=section-pages-heading]")
    expect(listing.get_by_role("heading", name="In this section")).to_be_visible()
    pages = listing.locator(".child-list > .child-list__item")
    assert pages.count() >= 3
    expect(pages.first.locator(".child-list__summary")).to_be_visible()
    assert pages.first.locator(".child-list__summary").inner_text().strip()
    intro_box = main.locator(".introduction").bounding_box()
    assert intro_box["y"] < listing.bounding_box()["y"]  # the introduction comes first
    # When what it describes was true, apart from when it was last updated.
    as_of = main.locator("header .content-date")
    expect(as_of).to_be_visible()
    expect(as_of).to_contain_text("Describes the network as of")
    expect(main.locator(".last-updated")).to_contain_text("Last updated")
    assert fits_the_screen(reader)
    if width == "phone":
        reader.screenshot("section-landing-phone" + ("" if scheme == "light" else "-dark"))

    # The FAQ: each index with its questions, linked, under it.
    reader.go(FAQ)
    questions = reader.page.locator(".child-list__question")
    assert questions.count() >= 5
    first = questions.first.get_by_role("link")
    expect(first).to_be_visible()
    href = first.get_attribute("href")
    assert href.startswith(FAQ_INDEX)
    assert fits_the_screen(reader)

    # An FAQ index: each question with its short summary, the answer a click away.
    reader.go(FAQ_INDEX)
    item = reader.page.locator("details.faq-item").first
    expect(item.locator(".faq-item__summary")).to_be_visible()
    item.locator("summary").click()
    expect(item.locator(".faq-item__answer")).to_be_visible()
    assert fits_the_screen(reader)
    if width == "phone" and scheme == "light":
        reader.screenshot("faq-index-phone")

    # A question from the FAQ's list opens its own page.
    reader.go(href)
    expect(reader.page.locator("h1")).to_be_visible()
