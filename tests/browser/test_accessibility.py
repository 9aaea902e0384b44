"""axe-core, from the npm registry, on the pages readers use most, in light and dark mode, on a
390 px phone and a 1,366 px desktop (the phone layout has its own drawer, folded "On this page"
and scrolling tables, which a desktop-only run never sees)."""

import pytest

PAGES = {
    "home": "/",
    "topic": "/omisego-official-guide/what-is-omisego/",
    "deep-dive": "/omg-deep-dive/plasma/plasma-mvp/",
    "search-results": "/search/?q=plasma",
    "faq-index": "/frequently-asked-questions/community-qa/",
    # Tables wider than a phone: their scrolling boxes must take keyboard focus.
    "plasma-table": "/omg-deep-dive/plasma/",
    "morevp-table": "/omg-deep-dive/plasma/plasma-morevp/",
}
# Pages reached from a page's form, by the address that form gives: {name: (page, form)}.
FORM_PAGES = {
    # "Was this page helpful?" without JavaScript, after "No": the answer and a comment box.
    "feedback-form": ("/omisego-official-guide/what-is-omisego/", "form.page-feedback__ask"),
}
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
BLOCKING = {"serious", "critical"}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def describe(violation):
    targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
    return f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"


def blocking_violations(reader, axe_script):
    """axe-core's serious and critical violations on the page as the reader sees it now."""
    reader.page.add_script_tag(content=axe_script)
    results = reader.page.evaluate(
        """(rules) => axe.run(document, {
            runOnly: {type: "tag", values: rules},
            resultTypes: ["violations"],
        })""",
        RULES,
    )
    assert results["testEngine"]["name"] == "axe-core"
    assert results["passes"] or results["violations"] or results["incomplete"]
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", [*PAGES, *FORM_PAGES])
def test_no_serious_accessibility_violations(visit, axe_script, name, scheme, width):
    # axe-core is injected as an inline script, which the readers' CSP rightly refuses:
    # tests/browser/test_csp.py checks the pages under their real policy.
    reader = visit(
        f"{name}-{scheme}-{width}", color_scheme=scheme, bypass_csp=True, **VIEWPORTS[width]
    )
    if name in FORM_PAGES:
        page, form = FORM_PAGES[name]
        reader.go(page)
        reader.go(reader.page.locator(form).get_attribute("action") + "?helpful=no")
    else:
        reader.go(PAGES[name])
    blocking = blocking_violations(reader, axe_script)
    reader.screenshot("axe")
    assert not blocking, "\n".join(describe(v) for v in blocking)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_drawer_has_no_serious_accessibility_violations(visit, axe_script, scheme):
    reader = visit(f"drawer-{scheme}", color_scheme=scheme, bypass_csp=True, **VIEWPORTS["phone"])
    reader.go(PAGES["deep-dive"])
    reader.page.get_by_role("button", name="Menu").click()
    drawer = reader.page.get_by_role("dialog", name="Pages of the knowledge base")
    drawer.wait_for()
    blocking = blocking_violations(reader, axe_script)
    reader.screenshot("axe-drawer-open")
    assert not blocking, "\n".join(describe(v) for v in blocking)
