"""
Diagrams drawn in a reader's browser: the knowledge base's Mermaid diagrams become SVG with their
boxes' words visible, on a phone (390 px) and a desktop (1,366 px), light and dark, under the
strict Content-Security-Policy without one refusal, described to screen readers, and never wider
than the page (a wide diagram scrolls inside its own frame). Without JavaScript the source and the
description are there instead.
"""

import pytest
from test_csp import REPORT_VIOLATIONS

PLASMA_MVP = "/omg-deep-dive/plasma/plasma-mvp/"
DIAGRAM_PAGES = {
    PLASMA_MVP: ["Deposit", "Transfer", "Challenge period", "The exit is cancelled"],
    "/omg-deep-dive/plasma/plasma-morevp/": ["Input A", "Input B", "Exit priority"],
    "/omg-network/what-is-the-omg-network/": ["Operator", "Plasma chain", "Watchers"],
}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# What a reader sees of the first diagram on the page, once drawn.
DRAWN = """
(figure) => {
    const svg = figure.querySelector("[data-diagram-canvas] svg");
    const canvas = figure.querySelector("[data-diagram-canvas]");
    const labels = [...svg.querySelectorAll(".nodeLabel, .edgeLabel, text")]
        .filter((label) => {
            const box = label.getBoundingClientRect();
            const shown = getComputedStyle(label).visibility !== "hidden";
            return box.width > 0 && box.height > 0 && shown;
        })
        .map((label) => label.textContent.trim())
        .filter(Boolean);
    const description = document.getElementById(svg.getAttribute("aria-describedby"));
    const box = svg.getBoundingClientRect();
    const label = figure.querySelector(".nodeLabel");
    return {
        labels,
        nodes: svg.querySelectorAll(".node").length,
        role: svg.getAttribute("role"),
        description: description ? description.textContent.trim() : "",
        labelledBy: svg.getAttribute("aria-labelledby"),
        sourceHidden: figure.querySelector("[data-diagram-source]").hidden,
        width: box.width,
        height: box.height,
        canvasWidth: canvas.clientWidth,
        canvasScrolls: getComputedStyle(canvas).overflowX === "auto",
        pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        labelColour: getComputedStyle(label).color,
        adoptedSheets: document.adoptedStyleSheets.length,
        styleElements: document.querySelectorAll("style").length,
    };
}
"""


def lightness(colour):
    """0 (black) to 255 (white), from a computed rgb()/rgba() colour."""
    red, green, blue = (float(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return (red + green + blue) / 3


@pytest.fixture
def reader_in(visit):
    """visit() as a reader in a given viewport and colour scheme, with every refusal of the
    Content-Security-Policy collected (as tests/browser/test_csp.py collects them)."""
    watching = []

    def open_reader(viewport, scheme):
        reader = visit(
            f"reader-{viewport['width']}-{scheme}", viewport=viewport, color_scheme=scheme
        )
        violations = []
        reader.context.expose_function("kbCspViolation", lambda text: violations.append(text))
        reader.context.add_init_script(REPORT_VIOLATIONS)
        reader.page.on(
            "console",
            lambda message: (
                violations.append(f"console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        # A script error while drawing counts too.
        reader.page.on("pageerror", lambda error: violations.append(f"error: {error}"))
        watching.append((reader, violations))
        return reader

    yield open_reader
    for reader, violations in watching:
        assert not violations, f"{reader.name}:\n" + "\n".join(violations)


def drawn_diagram(reader, path, scheme):
    reader.go(path)
    figure = reader.page.locator("figure.diagram").first
    figure.scroll_into_view_if_needed()
    reader.page.wait_for_selector(f'figure.diagram[data-diagram-drawn="{scheme}"]', timeout=30_000)
    return figure, figure.evaluate(DRAWN)


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [(PHONE, "light"), (PHONE, "dark"), (DESKTOP, "light"), (DESKTOP, "dark")],
    ids=["phone-light", "phone-dark", "desktop-light", "desktop-dark"],
)
def test_the_plasma_diagram_is_drawn_and_described(reader_in, viewport, scheme):
    reader = reader_in(viewport, scheme)
    figure, seen = drawn_diagram(reader, PLASMA_MVP, scheme)

    # A real drawing: its boxes, with their words where a reader sees them.
    assert seen["nodes"] >= 6
    for words in DIAGRAM_PAGES[PLASMA_MVP]:
        assert any(words in label for label in seen["labels"]), (words, seen["labels"])
    assert seen["sourceHidden"]
    # For screen readers: one image, named by its caption, described by the text alternative.
    assert seen["role"] == "img"
    assert seen["labelledBy"] and seen["description"].startswith("A user deposits funds")
    # Mermaid's styles reached the page through the CSSOM, not as <style> elements.
    assert seen["adoptedSheets"] >= 1
    assert seen["styleElements"] == 0
    # Within the page at every width: the diagram fits its frame or scrolls inside it.
    assert seen["pageOverflow"] <= 0
    assert seen["canvasScrolls"]
    assert seen["width"] <= seen["canvasWidth"] + 1 or seen["canvasScrolls"]
    assert seen["height"] > 100
    # The colour scheme's theme: light words on dark boxes, dark words on light ones.
    if scheme == "dark":
        assert lightness(seen["labelColour"]) > 150, seen["labelColour"]
    else:
        assert lightness(seen["labelColour"]) < 100, seen["labelColour"]

    if viewport is PHONE and scheme == "light":
        reader.screenshot("diagram-plasma-phone", of=figure)
    if viewport is DESKTOP and scheme == "dark":
        reader.screenshot("diagram-desktop-dark", of=figure)


def test_every_diagram_of_the_knowledge_base_is_drawn_on_a_phone(reader_in):
    reader = reader_in(PHONE, "light")
    for path, words in DIAGRAM_PAGES.items():
        _, seen = drawn_diagram(reader, path, "light")
        for word in words:
            assert any(word in label for label in seen["labels"]), (path, word, seen["labels"])
        assert seen["pageOverflow"] <= 0, path
        assert seen["description"], path


def test_the_diagram_follows_the_theme_chosen_on_the_page(reader_in):
    # The theme toggle sets data-theme on <html>; the diagram is drawn again in that theme.
    reader = reader_in(DESKTOP, "light")
    figure, light = drawn_diagram(reader, PLASMA_MVP, "light")
    reader.page.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")
    reader.page.wait_for_selector('figure.diagram[data-diagram-drawn="dark"]', timeout=30_000)
    dark = figure.evaluate(DRAWN)
    assert lightness(dark["labelColour"]) > lightness(light["labelColour"])
    assert reader.page.locator("figure.diagram svg").count() == 1


def test_without_javascript_readers_get_the_source_and_the_description(visit):
    reader = visit("reader-no-js", viewport=PHONE, java_script_enabled=False)
    reader.go(PLASMA_MVP)
    figure = reader.page.locator("figure.diagram").first
    assert figure.locator("pre[data-diagram-source]").is_visible()
    assert "flowchart TD" in figure.locator("pre[data-diagram-source]").inner_text()
    figure.get_by_text("Describe this diagram").click()
    assert figure.locator("[data-diagram-description]").is_visible()
    # Nothing asked for Mermaid.
    sources = reader.page.evaluate("[...document.scripts].map((script) => script.src)")
    assert not [src for src in sources if "mermaid" in src or "diagrams" in src]
    assert reader.page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
