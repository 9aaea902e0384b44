"""axe-core, from the npm registry, on the pages readers use most, in light and dark mode."""

import pytest

PAGES = {
    "home": "/",
    "topic": "/omisego-official-guide/what-is-omisego/",
    "deep-dive": "/omg-deep-dive/plasma/plasma-mvp/",
    "search-results": "/search/?q=plasma",
    "faq-index": "/frequently-asked-questions/community-qa/",
}
# Pages reached from a page's form, by the address that form gives: {name: (page, form)}.
FORM_PAGES = {
    # "Was this page helpful?" without JavaScript, after "No": the answer and a comment box.
    "feedback-form": ("/omisego-official-guide/what-is-omisego/", "form.page-feedback__ask"),
}
BLOCKING = {"serious", "critical"}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def describe(violation):
    targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
    return f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", [*PAGES, *FORM_PAGES])
def test_no_serious_accessibility_violations(visit, axe_script, name, scheme):
    # axe-core is injected as an inline script, which the readers' CSP rightly refuses:
    # tests/browser/test_csp.py checks the pages under their real policy.
    reader = visit(f"{name}-{scheme}", color_scheme=scheme, bypass_csp=True)
    if name in FORM_PAGES:
        page, form = FORM_PAGES[name]
        reader.go(page)
        reader.go(reader.page.locator(form).get_attribute("action") + "?helpful=no")
    else:
        reader.go(PAGES[name])
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
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    reader.screenshot("axe")
    assert not blocking, "\n".join(describe(v) for v in blocking)
