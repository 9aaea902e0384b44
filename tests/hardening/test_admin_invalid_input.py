"""
Every admin form turns invalid input away: the form comes back (200) with each message beside
its field and the page's summary saying nothing was saved, and nothing was: no page, no
revision, no log entry, no field changed.

One test per form, each going through all of that form's cases in turn (so one setup serves
them all), and reporting every case that failed. The cases are those an editor meets: a required
field left empty, a slug that is taken, text over its length, a date or URL that is not one, a
block whose own checks fail, a table with a cell that is not a number; and the ones only a
broken or hostile browser sends, such as a table whose hidden fields make no sense.
"""

import json
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from django.urls import reverse

from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import ModelLogEntry, Page, PageLogEntry, Revision, Site
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.models import (
    DeepDivePage,
    FaqCategory,
    FaqIndexPage,
    FaqPage,
    HomePage,
    ReaderNotices,
    SectionPage,
    TopicPage,
    VideoPage,
)
from pages.sanitising import WEB_URL_MESSAGE
from tests.conftest import (
    logged_in,
    make_deep_dive,
    make_faq,
    make_faq_index,
    make_section,
    make_topic,
    make_video,
)

pytestmark = pytest.mark.django_db

REQUIRED = "This field is required."
NOT_A_DATE = "Enter a valid date."
TABLE_UNREADABLE = "The table could not be read. Reload the page and try again."


def too_long(limit):
    return f"Ensure this value has at most {limit} characters (it has {limit + 1})."


# What the admin shows -------------------------------------------------------------------------


def field_errors(soup, name):
    """The messages shown beside a field (Wagtail's panel ids end in -child-<name>-errors)."""
    return [
        message.get_text(" ", strip=True)
        for message in soup.select(f'[id$="-child-{name}-errors"] .error-message')
    ]


def block_errors(soup, name):
    """The messages of a StreamField's blocks, by path ('0.anchor', '1.table.0.1'; '' for the
    field itself), from the data the editor's script shows them beside each block with."""
    element = soup.select_one(f'[id="{name}"][data-w-block-arguments-value]')
    if element is None:
        return {}
    _value, errors = json.loads(element["data-w-block-arguments-value"])
    found = {}

    def walk(errors, path):
        if not errors:
            return
        for message in errors.get("messages", []):
            found.setdefault(".".join(path), []).append(message)
        for key, child in (errors.get("blockErrors") or {}).items():
            if isinstance(child, dict) and ("messages" in child or "blockErrors" in child):
                walk(child, [*path, str(key)])
            elif isinstance(child, dict):  # a table's cells: {row: {column: errors}}
                for column, cell in child.items():
                    walk(cell, [*path, str(key), str(column)])

    walk(errors, [])
    return found


def summary(soup):
    messages = soup.select_one(".messages")
    return messages.get_text(" ", strip=True) if messages else ""


@dataclass
class Case:
    """Invalid input for a form: what to change in valid data, and the messages to expect,
    each as (field, message) or (field, block path, message)."""

    name: str
    data: dict
    expected: list
    # Wagtail lets a draft leave required fields empty until it is published.
    draft_may_omit: bool = False


def check_response(response, case, summary_text):
    """What is wrong with the re-rendered form, as a list of readable lines."""
    if response.status_code != 200:
        return [f"{case.name}: status {response.status_code}, not the form again"]
    soup = BeautifulSoup(response.content, "html.parser")
    problems = []
    if summary_text not in summary(soup):
        problems.append(f"{case.name}: summary {summary(soup)!r}")
    for expected in case.expected:
        if len(expected) == 2:
            name, message = expected
            shown = field_errors(soup, name)
        else:
            name, path, message = expected
            shown = block_errors(soup, name).get(path, [])
        # A field can show more than one message (an unreadable date is also a missing one).
        if not any(message in text for text in shown):
            problems.append(f"{case.name}: {expected} not shown; {name} shows {shown}")
    return problems


# Page forms -----------------------------------------------------------------------------------


def listblock(values):
    """A ListBlock's form fields, which are a stream's without the block types."""
    return streamfield([("item", value) for value in values])


def table(columns, cells, **fields):
    """The typed table block's own form fields: columns of (type, heading), rows of cells."""
    data = {"caption": "", "column-count": str(len(columns)), "row-count": str(len(cells))}
    for index, (column_type, heading) in enumerate(columns):
        data |= {
            f"column-{index}-type": column_type,
            f"column-{index}-order": str(index),
            f"column-{index}-heading": heading,
            f"column-{index}-deleted": "",
        }
    for row, values in enumerate(cells):
        data |= {f"row-{row}-order": str(row), f"row-{row}-deleted": ""}
        for column, value in enumerate(values):
            data[f"cell-{row}-{column}"] = value
    return {"table": data | fields}


def tab(title):
    return {"title": title, "content": streamfield([("text", rich_text("<p>A tab.</p>"))])}


def common_cases(sibling_slug):
    """Invalid input for the fields every page type has."""
    return [
        Case("no title", {"title": ""}, [("title", REQUIRED)]),
        Case("title too long", {"title": "x" * 256}, [("title", too_long(255))]),
        Case(
            "a sibling's slug",
            {"slug": sibling_slug},
            [("slug", f"The slug '{sibling_slug}' is already in use within the parent page.")],
        ),
        Case(
            "the reserved slug",
            {"slug": "history"},
            [
                (
                    "slug",
                    "“history” is taken by the site. Readers find every page's history at its "
                    "address + history/.",
                )
            ],
        ),
        Case(
            "a slug with spaces",
            {"slug": "exit game!"},
            [
                (
                    "slug",
                    "Enter a valid “slug” consisting of Unicode letters, numbers, underscores, "
                    "or hyphens.",
                )
            ],
        ),
        Case("summary too long", {"summary": "x" * 301}, [("summary", too_long(300))]),
        Case(
            "development note too long",
            {"in_development": "on", "development_note": "x" * 301},
            [("development_note", too_long(300))],
        ),
        Case("change note too long", {"change_note": "x" * 201}, [("change_note", too_long(200))]),
        Case("no such day", {"review_due": "2024-02-30"}, [("review_due", NOT_A_DATE)]),
        Case("not a date", {"review_due": "next week"}, [("review_due", NOT_A_DATE)]),
    ]


def body_cases(name, sibling):
    """Invalid blocks in an article body (topics and deep dives)."""
    heading = {"text": "Exits", "level": "h2", "anchor": ""}
    return [
        Case(
            "a heading anchor that is not a slug",
            {name: streamfield([("heading", {**heading, "anchor": "Exit Game!"})])},
            [
                (
                    name,
                    "0.anchor",
                    "Use lowercase letters, digits and hyphens only, for example 'exit-game'.",
                )
            ],
        ),
        Case(
            "a heading without text",
            {
                name: streamfield(
                    [("text", rich_text("<p>Intro.</p>")), ("heading", {**heading, "text": ""})]
                )
            },
            [(name, "1.text", REQUIRED)],
            draft_may_omit=True,
        ),
        Case(
            "an embed of a script link",
            {name: streamfield([("embed", {"url": "javascript:alert(1)", "caption": ""})])},
            [(name, "0.url", WEB_URL_MESSAGE)],
        ),
        Case(
            "an embed of something not a URL",
            {name: streamfield([("embed", {"url": "our talk", "caption": ""})])},
            [(name, "0.url", WEB_URL_MESSAGE)],
        ),
        Case(
            "tabs with one tab",
            {name: streamfield([("tabs", {"tabs": listblock([tab("Users")])})])},
            [(name, "0.tabs", "The minimum number of items is 2")],
            draft_may_omit=True,
        ),
        Case(
            "tabs with the same title",
            {name: streamfield([("tabs", {"tabs": listblock([tab("Users"), tab("users")])})])},
            [(name, "0.tabs", "Give each tab a different title.")],
        ),
        Case(
            "a table with a number cell that is not a number",
            {
                name: streamfield(
                    [
                        (
                            "table",
                            table(
                                [("text", "Variant"), ("number", "Year")],
                                [[rich_text("<p>MVP</p>"), "twenty eighteen"]],
                            ),
                        )
                    ]
                )
            },
            [(name, "0.table.0.1", "Enter a number.")],
        ),
        Case(
            # Only a broken or hostile browser sends these: they used to be a server error.
            "a table whose column count is not a number",
            {name: streamfield([("table", {"table": {"caption": "", "column-count": "two"}})])},
            [(name, "0.table", TABLE_UNREADABLE)],
        ),
        Case(
            "a table with a column of no known type",
            {name: streamfield([("table", table([("script", "Evil")], [["1"]]))])},
            [(name, "0.table", TABLE_UNREADABLE)],
        ),
        Case(
            "a table missing its row fields",
            {
                name: streamfield(
                    [("table", table([("number", "Year")], [["2018"]], **{"row-count": "3"}))]
                )
            },
            [(name, "0.table", TABLE_UNREADABLE)],
        ),
    ]


def deep_dive_cases(sibling):
    resource = {"title": "Plasma paper", "page": "", "url": "https://plasma.io/", "note": ""}
    return [
        Case(
            "a current state without its date",
            {"current_state": rich_text("<p>Research only.</p>"), "current_state_as_of": ""},
            [("current_state_as_of", "Say when this current state was true.")],
        ),
        Case(
            # The editor's widget sends null when it is empty.
            "a date without a current state",
            {"current_state": "null", "current_state_as_of": "2020-06-01"},
            [("current_state", "Describe the current state, or clear its date.")],
        ),
        Case(
            "a date with only empty paragraphs for a current state",
            {"current_state": rich_text("<p></p><p> </p>"), "current_state_as_of": "2020-06-01"},
            [("current_state", "Describe the current state, or clear its date.")],
        ),
        Case(
            "a current state dated on no such day",
            {
                "current_state": rich_text("<p>Research only.</p>"),
                "current_state_as_of": "2020-13-01",
            },
            [("current_state_as_of", NOT_A_DATE)],
        ),
        Case(
            "a resource linking nothing",
            {"resources": streamfield([("resource", {**resource, "url": ""})])},
            [("resources", "0.url", "Link a page or a URL.")],
        ),
        Case(
            "a resource elsewhere without a title",
            {"resources": streamfield([("resource", {**resource, "title": ""})])},
            [("resources", "0.title", "Give a link elsewhere a title.")],
        ),
        Case(
            "a resource linking a page and a URL",
            {"resources": streamfield([("resource", {**resource, "page": str(sibling.pk)})])},
            [("resources", "0.url", "Link either a page or a URL, not both.")],
        ),
        Case(
            "a resource with a script link",
            {"resources": streamfield([("resource", {**resource, "url": "javascript:alert(1)"})])},
            [("resources", "0.url", WEB_URL_MESSAGE)],
        ),
        *body_cases("body", sibling),
    ]


def faq_cases(sibling):
    return [
        Case("no category", {"category": ""}, [("category", REQUIRED)], draft_may_omit=True),
        Case(
            "a category that does not exist",
            {"category": "99999"},
            [
                (
                    "category",
                    "Select a valid choice. That choice is not one of the available choices.",
                )
            ],
        ),
        Case(
            "no answer",
            {"answer": streamfield([])},
            [("answer", "", REQUIRED)],
            draft_may_omit=True,
        ),
        Case(
            "an answer embedding a script link",
            {"answer": streamfield([("embed", {"url": "javascript:alert(1)", "caption": ""})])},
            [("answer", "0.url", WEB_URL_MESSAGE)],
        ),
        Case(
            "a source that is not a URL",
            {"source_url": "the AMA"},
            [("source_url", WEB_URL_MESSAGE)],
        ),
        Case(
            "a source that is a script link",
            {"source_url": "javascript:alert(1)"},
            [("source_url", WEB_URL_MESSAGE)],
        ),
        Case(
            "answered on no such day", {"answered_on": "2019-02-29"}, [("answered_on", NOT_A_DATE)]
        ),
    ]


def video_cases(sibling):
    return [
        Case("no video link", {"video_url": ""}, [("video_url", REQUIRED)], draft_may_omit=True),
        Case(
            "a video link that is not a URL",
            {"video_url": "our talk"},
            [("video_url", WEB_URL_MESSAGE)],
        ),
        Case(
            "a video link to a script",
            {"video_url": "javascript:alert(1)"},
            [("video_url", WEB_URL_MESSAGE)],
        ),
        Case(
            "a video link that is not on the web",
            {"video_url": "ftp://example.org/talk.mp4"},
            [("video_url", WEB_URL_MESSAGE)],
        ),
    ]


@dataclass
class PageForm:
    model: type
    valid: dict  # the type's own fields, valid
    cases: object = None  # sibling -> the type's own cases
    make: object = None  # (parent, **fields) -> a published page
    parent: str = "section"


def introduction():
    return {"introduction": rich_text("<p>Where to start.</p>")}


PAGE_FORMS = {
    "home": PageForm(HomePage, introduction(), parent="root"),
    "section": PageForm(SectionPage, introduction(), make=make_section, parent="home"),
    "topic": PageForm(
        TopicPage,
        {"body": streamfield([("text", rich_text("<p>Plasma moves payments.</p>"))])},
        cases=lambda sibling: body_cases("body", sibling),
        make=make_topic,
    ),
    "deep dive": PageForm(
        DeepDivePage,
        {
            "body": streamfield([("text", rich_text("<p>The exit game.</p>"))]),
            "current_state": rich_text("<p>Running.</p>"),
            "current_state_as_of": "2020-06-01",
            "resources": streamfield([]),
        },
        cases=deep_dive_cases,
        make=make_deep_dive,
    ),
    "FAQ index": PageForm(FaqIndexPage, introduction(), make=make_faq_index, parent="home"),
    "FAQ entry": PageForm(
        FaqPage,
        {
            "answer": streamfield([("text", rich_text("<p>For staking.</p>"))]),
            "answered_on": "2019-05-01",
            "source_url": "https://example.org/ama",
        },
        cases=faq_cases,
        parent="FAQ index",
    ),
    "video": PageForm(
        VideoPage,
        {"video_url": "https://www.youtube.com/watch?v=bbbbbbbbbbb", "transcript": "Hello."},
        cases=video_cases,
        make=make_video,
    ),
}


@pytest.fixture
def tree(home, faq_category):
    """A parent of each kind, each with a child called 'sibling' whose slug a case takes."""
    section = make_section(home, slug="section")
    faq_index = make_faq_index(home, slug="faq")
    siblings = {
        "home": make_section(home, title="Sibling", slug="sibling"),
        "section": make_topic(section, title="Sibling", slug="sibling"),
        "FAQ index": make_faq(faq_index, faq_category, title="Sibling", slug="sibling"),
        # Wagtail's own first page stays beside the home page, under the root.
        "root": Page.objects.get(depth=2, slug="home"),
    }
    parents = {"home": home, "section": section, "FAQ index": faq_index}
    return parents, siblings, faq_category


def form_data(kind, category, slug, overrides, action):
    form = PAGE_FORMS[kind]
    data = {"title": "Plasma exits", "slug": slug, "summary": "How funds leave.", **form.valid}
    if form.model is FaqPage:
        data["category"] = str(category.pk)
    data |= overrides
    if action == "publish":
        data["action-publish"] = "action-publish"
    return nested_form_data(data)


def cases_for(kind, sibling):
    form = PAGE_FORMS[kind]
    return common_cases(sibling.slug) + (form.cases(sibling) if form.cases else [])


def page_counts():
    return Page.objects.count(), Revision.objects.count(), PageLogEntry.objects.count()


def test_every_page_type_has_its_forms_checked():
    # A new page type must get its valid data and cases here.
    from pages.models.base import EditorialMixin

    types = set(EditorialMixin.__subclasses__())
    types |= {sub for model in list(types) for sub in model.__subclasses__()}
    concrete = {model for model in types if not model._meta.abstract}
    assert concrete == {form.model for form in PAGE_FORMS.values()}


@pytest.mark.parametrize("kind", [kind for kind in PAGE_FORMS if kind != "home"])
def test_the_valid_create_form_publishes(admin_client, tree, kind):
    # The control for the tests below: their valid data, unchanged, does publish.
    parents, siblings, category = tree
    form = PAGE_FORMS[kind]
    parent = parents[form.parent]
    url = reverse("wagtailadmin_pages:add", args=("pages", form.model._meta.model_name, parent.pk))
    response = admin_client.post(url, form_data(kind, category, "a-new-page", {}, "publish"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert form.model.objects.get(slug="a-new-page").live


@pytest.mark.parametrize("kind", [kind for kind in PAGE_FORMS if kind != "home"])
def test_the_create_form_rejects_invalid_input_and_saves_nothing(admin_client, tree, kind):
    parents, siblings, category = tree
    form = PAGE_FORMS[kind]
    parent = parents[form.parent]
    url = reverse("wagtailadmin_pages:add", args=("pages", form.model._meta.model_name, parent.pk))
    before = page_counts()
    problems = []
    for case in cases_for(kind, siblings[form.parent]):
        response = admin_client.post(url, form_data(kind, category, "new", case.data, "publish"))
        problems += check_response(
            response, case, "The page could not be created due to validation errors."
        )
        # Nothing was made: no page, revision or log entry.
        if page_counts() != before:
            problems.append(f"{case.name}: saved something {page_counts()} != {before}")
            before = page_counts()
    assert not problems, "\n".join(problems)


def page_state(page):
    """Everything stored about a page: its rows, its tags, its revisions and its history."""
    model = type(page)
    return (
        model.objects.filter(pk=page.pk).values().get(),
        sorted(page.tags.names()) if hasattr(page, "tags") else None,
        list(page.revisions.values_list("pk", flat=True)),
        PageLogEntry.objects.filter(page=page).count(),
    )


@pytest.mark.parametrize("kind", PAGE_FORMS)
def test_the_edit_form_rejects_invalid_input_and_changes_nothing(admin_client, tree, kind):
    parents, siblings, category = tree
    form = PAGE_FORMS[kind]
    if kind == "home":
        page = parents["home"]
    elif kind == "FAQ entry":
        page = make_faq(parents["FAQ index"], category, title="Plasma exits", slug="exits")
    else:
        page = form.make(parents[form.parent], title="Plasma exits", slug="exits")
    page = page.specific
    page.tags.add("plasma")
    page.save_revision().publish()
    page.refresh_from_db()
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    before = page_state(page)
    problems = []
    for action in ("publish", "save draft"):
        for case in cases_for(kind, siblings[form.parent]):
            if action == "save draft" and case.draft_may_omit:
                continue
            data = form_data(kind, category, page.slug, case.data, action)
            response = admin_client.post(url, data)
            name = Case(f"{action}, {case.name}", case.data, case.expected)
            problems += check_response(
                response, name, "The page could not be saved due to validation errors."
            )
            if page_state(page) != before:
                problems.append(f"{name.name}: the page changed")
                before = page_state(page)
    assert not problems, "\n".join(problems)


# Snippets and settings ------------------------------------------------------------------------

CATEGORY_CASES = [
    Case("no name", {"name": ""}, [("name", REQUIRED)]),
    Case(
        "another category's name",
        {"name": "Community Q&A"},
        [("name", "FAQ category with this Name already exists.")],
    ),
    Case("name too long", {"name": "x" * 101}, [("name", too_long(100))]),
    Case("no slug", {"slug": ""}, [("slug", REQUIRED)]),
    Case(
        "a slug with spaces",
        {"slug": "official amas!"},
        [("slug", "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.")],
    ),
    Case(
        "another category's slug",
        {"slug": "community-qa"},
        [("slug", "FAQ category with this Slug already exists.")],
    ),
    Case(
        "a negative sort order",
        {"sort_order": "-1"},
        [("sort_order", "Ensure this value is greater than or equal to 0.")],
    ),
    Case(
        "a sort order in words", {"sort_order": "first"}, [("sort_order", "Enter a whole number.")]
    ),
]


def category_state():
    return list(FaqCategory.objects.order_by("pk").values()), ModelLogEntry.objects.count()


@pytest.mark.parametrize("view", ["add", "edit"])
def test_the_faq_category_editor_rejects_invalid_input(admin_client, faq_category, view):
    amas = FaqCategory.objects.create(name="Official AMAs", slug="official-amas", sort_order=1)
    if view == "add":
        url = reverse("wagtailsnippets_pages_faqcategory:add")
        message = "The FAQ category could not be created due to errors."
    else:
        url = reverse("wagtailsnippets_pages_faqcategory:edit", args=(amas.pk,))
        message = "The FAQ category could not be saved due to errors."
    valid = {"name": "Developer questions", "slug": "developers", "sort_order": "2"}
    before = category_state()
    problems = []
    for case in CATEGORY_CASES:
        problems += check_response(admin_client.post(url, valid | case.data), case, message)
        if category_state() != before:
            problems.append(f"{case.name}: saved something")
            before = category_state()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "case",
    [
        Case("no wording", {"development_banner": ""}, [("development_banner", REQUIRED)]),
        Case(
            "wording too long",
            {"development_banner": "x" * 301},
            [("development_banner", too_long(300))],
        ),
    ],
    ids=lambda case: case.name,
)
def test_the_reader_notices_setting_rejects_invalid_input(admin_client, home, case):
    site = Site.objects.get(is_default_site=True)
    notices = ReaderNotices.for_site(site)
    notices.development_banner = "Being written."
    notices.save()
    logs = ModelLogEntry.objects.count()
    url = reverse("wagtailsettings:edit", args=["pages", "readernotices", site.pk])

    response = admin_client.post(url, case.data)

    problems = check_response(response, case, "The setting could not be saved due to errors.")
    assert not problems, "\n".join(problems)
    assert ReaderNotices.objects.get(pk=notices.pk).development_banner == "Being written."
    assert ModelLogEntry.objects.count() == logs


def promotion_data(query="plasma", picks=({"page": None},)):
    data = {
        "query_string": query,
        "editors_picks-TOTAL_FORMS": str(len(picks)),
        "editors_picks-INITIAL_FORMS": "0",
        "editors_picks-MAX_NUM_FORMS": "1000",
    }
    for index, pick in enumerate(picks):
        data |= {
            f"editors_picks-{index}-DELETE": "",
            f"editors_picks-{index}-ORDER": str(index),
            f"editors_picks-{index}-page": pick.get("page") or "",
            f"editors_picks-{index}-external_link_url": pick.get("url", ""),
            f"editors_picks-{index}-external_link_text": pick.get("text", ""),
            f"editors_picks-{index}-description": "",
        }
    return data


def promotion_cases(page):
    """(name, data, message shown in the form)"""
    return [
        ("no search term", promotion_data(query="", picks=[{"page": page.pk}]), REQUIRED),
        (
            "no recommendation",
            promotion_data(picks=[]),
            "Please specify at least one recommendation for this search term.",
        ),
        (
            "a recommendation of nothing",
            promotion_data(picks=[{"page": None, "text": "Plasma"}]),
            "You must recommend a page OR an external link.",
        ),
        (
            "a recommendation of a page and a link",
            promotion_data(picks=[{"page": page.pk, "url": "https://plasma.io/", "text": "x"}]),
            "Please only select a page OR enter an external link.",
        ),
        (
            "a link without its text",
            promotion_data(picks=[{"url": "https://plasma.io/"}]),
            "You must enter an external link text if you enter an external link URL.",
        ),
        (
            "a script link",
            promotion_data(picks=[{"url": "javascript:alert(1)", "text": "Plasma"}]),
            "Enter a valid URL.",
        ),
        (
            "a page that does not exist",
            promotion_data(picks=[{"page": 999999}]),
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ]


def promotion_state():
    return list(SearchPromotion.objects.order_by("pk").values()), ModelLogEntry.objects.count()


@pytest.fixture
def promotion(section):
    page = make_topic(section)
    query = Query.get("exits")
    SearchPromotion.objects.create(query=query, page=page, sort_order=0)
    return query, page


def promotion_url(view, query):
    if view == "add":
        return reverse("wagtailsearchpromotions:add")
    return reverse("wagtailsearchpromotions:edit", args=(query.pk,))


@pytest.mark.parametrize("view", ["add", "edit"])
def test_search_promotions_reject_invalid_input(admin_client, promotion, view):
    query, page = promotion
    url = promotion_url(view, query)
    before = promotion_state()
    problems = []
    for name, data, expected in promotion_cases(page):
        response = admin_client.post(url, data)
        if response.status_code != 200:
            problems.append(f"{name}: status {response.status_code}")
            continue
        soup = BeautifulSoup(response.content, "html.parser")
        # The summary links to the first error...
        if "Go to the first error" not in summary(soup):
            problems.append(f"{name}: summary {summary(soup)!r}")
        # ...which is by its recommendation, or for the formset as a whole in the summary.
        shown = summary(soup) + " " + soup.select_one("main form").get_text(" ", strip=True)
        if expected not in shown:
            problems.append(f"{name}: {expected!r} not shown")
        if promotion_state() != before:
            problems.append(f"{name}: saved something")
            before = promotion_state()
    assert not problems, "\n".join(problems)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Wagtail 8.0.1's search promotion views (contrib/search_promotions/views/settings.py, "
        "is_valid) create the search term's Query before checking the recommendations, and "
        "set the page's error summary to the formset's non-form errors only, so a mistake in "
        "one recommendation leaves the summary without a word of what went wrong"
    ),
)
def test_search_promotions_say_what_failed_and_keep_no_search_term(admin_client, promotion):
    query, page = promotion
    queries = Query.objects.count()
    data = promotion_data(query="staking", picks=[{"url": "javascript:alert(1)", "text": "x"}])

    response = admin_client.post(promotion_url("add", query), data)

    soup = BeautifulSoup(response.content, "html.parser")
    assert "Recommendations have not been created due to errors." in summary(soup)
    assert Query.objects.count() == queries


# The Knowledge base pages listing -------------------------------------------------------------

BAD_FILTERS = [
    ("in_development=maybe", "Select a valid choice. maybe is not one of the available choices."),
    ("review=someday", "Select a valid choice. someday is not one of the available choices."),
    ("awaiting_review=me", "Select a valid choice. me is not one of the available choices."),
    ("content_type=topic", "“topic” is not a valid value."),
    ("owner=eddie", "“eddie” is not a valid value."),
    ("site=main", "“main” is not a valid value."),
    ("latest_revision_created_at_from=yesterday", NOT_A_DATE),
    ("in_development=true&review=overdue&awaiting_review=nobody", "nobody is not one of"),
    # No message for these: the listing falls back to its default order and first page.
    ("ordering=evil", None),
    ("ordering=-review_due&q=plasma", None),
    ("page=last", None),
    ("page=99999", None),
    ("page=-1", None),
    # Once a 500 on PostgreSQL (the search backend recursed too deep); kbsite.security's
    # AdminSearchLimitMiddleware holds admin searches to 255 characters.
    pytest.param("q=" + "plasma " * 400, None, id="a search of 400 words"),
    ("q=%00", None),
    ("locale=xx", None),
]


@pytest.mark.parametrize("query, message", BAD_FILTERS)
def test_the_knowledge_base_pages_listing_answers_bad_filters(section, editor, query, message):
    make_topic(section, in_development=True)
    browser = logged_in(editor)
    for url in ("/admin/knowledge-base-pages/", "/admin/knowledge-base-pages/results/"):
        response = browser.get(f"{url}?{query}")
        # The listing still shows (no server error), with the filter's message beside it.
        assert response.status_code == 200, (url, response.status_code)
        if message and url.endswith("pages/"):
            soup = BeautifulSoup(response.content, "html.parser")
            shown = [e.get_text(" ", strip=True) for e in soup.select(".error-message")]
            assert any(message in text for text in shown), shown
