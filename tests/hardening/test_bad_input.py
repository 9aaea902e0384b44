"""
Whatever a reader or a program sends, the site answers 200, 400 or 404 (or a redirect where a
URL leads elsewhere), never a 500, and search stays quick.

Property-based (hypothesis): each property throws a modest number of strings at one URL — empty,
10,000 characters, NUL bytes, lone surrogates and other unicode, SQL metacharacters, the full-text
query syntax of SQLite and PostgreSQL — and asserts only what a reader would see: the status code,
and for search the time it took. The regular tests after them pin each bug these found.

The strings are percent-encoded as UTF-8, as a browser sends them; a lone surrogate becomes the
bytes no valid UTF-8 holds (surrogatepass), which is what a hostile client can send.
"""

import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from django.db import transaction
from django.test import Client

from wagtail.rich_text import RichText

from tests.conftest import (
    make_deep_dive,
    make_faq,
    make_faq_index,
    make_section,
    make_topic,
    make_video,
)

pytestmark = pytest.mark.django_db

# A safety bound on one search request, far above what one takes: a query that makes the database
# backtrack or scan without end fails here rather than tying up a web process.
SEARCH_SECONDS = 2.0
ANSWERS = {200, 400, 404}
# An arbitrary path may also be redirected: a missing trailing slash (APPEND_SLASH), the admin's
# login page.
PATH_ANSWERS = ANSWERS | {301, 302}

# The tree is built once per test, not once per example; examples only read it. Hypothesis keeps
# no database of examples (database=None): a failure prints its example instead.
bad_input = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces of query syntax: SQL, SQLite FTS5 (NEAR, *, ^, column filters), PostgreSQL tsquery
# (& | ! <-> :*), Wagtail's own (quotes, AND OR NOT), and the characters that break parsers.
HOSTILE_PIECES = [
    "",
    " ",
    "\x00",
    "\ud800",
    "\udfff",
    "\ufffd",
    "\u202e",
    "\U0001f4a9",
    "ß",
    "İ",
    "'",
    '"',
    "''",
    '"unbalanced',
    "\\",
    ";",
    "--",
    "/*",
    "*/",
    "' OR 1=1 --",
    "'; DROP TABLE wagtailcore_page; --",
    "%",
    "_",
    "&",
    "|",
    "!",
    "(",
    ")",
    "((",
    "))",
    ":",
    "*",
    ":*",
    "<->",
    "<2>",
    "-",
    "+",
    "^",
    "{",
    "}",
    "[",
    "]",
    "NEAR",
    "NEAR(plasma exit)",
    "NEAR(a b, 2)",
    "AND",
    "OR",
    "NOT",
    "title:",
    "title:plasma",
    "plasma",
    "exit",
    "a",
    "0",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "\n",
    "\t",
    "\r\n",
]
hostile_piece = st.sampled_from(HOSTILE_PIECES)
any_character = st.characters(exclude_categories=())  # every code point, surrogates included


def long_text(piece, times):
    return (piece * times)[:10_000]


hostile_text = st.one_of(
    st.text(alphabet=any_character, max_size=40),
    st.lists(hostile_piece, max_size=12).map(" ".join),
    st.lists(hostile_piece, max_size=12).map("".join),
    st.builds(
        long_text,
        st.sampled_from(["a", "plasma ", '"', "(", "\x00", "é", "NEAR "]),
        st.integers(1, 10_000),
    ),
)


def encoded(text):
    """`text` percent-encoded as a browser sends it, lone surrogates included."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query_string(params):
    return "&".join(f"{encoded(name)}={encoded(value)}" for name, value in params)


@pytest.fixture
def reader():
    # A 500 comes back as a response, as a reader would see it, not as an exception.
    return Client(raise_request_exception=False)


@pytest.fixture
def published_tree(home, faq_category):
    """A small knowledge base with a page of every type, tags and words to find."""
    section = make_section(home, title="OMG Deep Dive")
    topic = make_topic(
        section,
        title="Plasma exits",
        summary="How to leave a plasma chain.",
        body=[("text", RichText("<p>An exit game lets honest users leave with their funds.</p>"))],
    )
    topic.tags.set(["plasma", "exit game"])
    topic.save_revision().publish()
    make_deep_dive(section, title="Plasma", in_development=True)
    make_video(section)
    make_faq(make_faq_index(home), faq_category)
    return {"home": home, "section": section, "topic": topic}


def get(reader, path, params=()):
    """The response to GET `path?params`, and the seconds it took.

    Each request runs in a savepoint, rolled back if it failed: on PostgreSQL a failed query
    aborts the transaction the test runs in, and every later example would fail with it.
    """
    url = f"{path}?{query_string(params)}" if params else path
    savepoint = transaction.savepoint()
    started = time.perf_counter()
    response = reader.get(url)
    seconds = time.perf_counter() - started
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response, seconds


# Search ------------------------------------------------------------------------------------------


@bad_input
@given(q=hostile_text)
@example(q="")
@example(q="\x00")
@example(q="plasma\x00exit")
@example(q="x" * 10_000)
@example(q="\ud800")
@example(q='"plasma exit')
@example(q="((plasma) OR")
@example(q="NEAR(plasma exit, 2)")
@example(q="plasma & !exit | <-> :*")
@example(q=" ".join(["plasma"] * 2_000))
def test_any_search_query_answers_quickly(reader, published_tree, q):
    response, seconds = get(reader, "/search/", [("q", q)])

    assert response.status_code in ANSWERS
    assert seconds < SEARCH_SECONDS, f"{seconds:.2f} s for {q[:80]!r}"


@bad_input
@given(
    q=hostile_text,
    page=hostile_text,
    section=st.one_of(hostile_text, st.integers(0, 20).map(str)),  # the section's id among them
    page_type=st.one_of(hostile_text, st.sampled_from(["topic", "deep-dive", "faq", "listing"])),
    tag=st.one_of(hostile_text, st.just("plasma")),
    development=st.one_of(hostile_text, st.sampled_from(["yes", "no"])),
)
@example(q="plasma", page="0", section="-1", page_type="", tag="", development="")
@example(q="plasma", page="9" * 5_000, section="9" * 30, page_type="x", tag="\x00", development="x")
@example(q="plasma", page="\x00", section="\x00", page_type="\x00", tag="", development="\x00")
def test_any_search_filters_answer_quickly(
    reader, published_tree, q, page, section, page_type, tag, development
):
    params = [
        ("q", q),
        ("page", page),
        ("section", section),
        ("type", page_type),
        ("tag", tag),
        ("development", development),
    ]

    response, seconds = get(reader, "/search/", params)

    assert response.status_code in ANSWERS
    assert seconds < SEARCH_SECONDS, f"{seconds:.2f} s for {params!r}"


@bad_input
@given(name=hostile_text, value=hostile_text)
def test_unknown_and_repeated_search_parameters_are_ignored(reader, published_tree, name, value):
    params = [("q", "plasma"), (name, value), ("q", value), ("page", value), ("page", "2")]

    response, _ = get(reader, "/search/", params)

    assert response.status_code in ANSWERS


# Tags, Markdown, What's new ----------------------------------------------------------------------


@bad_input
@given(slug=hostile_text, page=hostile_text)
@example(slug="plasma", page="\x00")
@example(slug="plasma", page="9" * 10_000)
@example(slug="\x00", page="1")
def test_any_tag_page_answers(reader, published_tree, slug, page):
    response, _ = get(reader, f"/tags/{encoded(slug)}/", [("page", page)])

    assert response.status_code in PATH_ANSWERS


@bad_input
@given(path=hostile_text)
@example(path="index")
@example(path="omg-deep-dive/plasma-exits")
@example(path="omg-deep-dive/\x00")
@example(path="x" * 10_000)
@example(path="ü/ß")
def test_any_markdown_path_answers(reader, published_tree, path):
    quoted = "/".join(encoded(part) for part in path.split("/"))

    response, _ = get(reader, f"/{quoted}.md")

    assert response.status_code in PATH_ANSWERS


@bad_input
@given(page=hostile_text)
def test_any_page_of_whats_new_and_history_answers(reader, published_tree, page):
    for path in ("/whats-new/", "/omg-deep-dive/plasma-exits/history/", "/feed/"):
        response, _ = get(reader, path, [("page", page)])

        assert response.status_code in ANSWERS, path


# The JSON API ------------------------------------------------------------------------------------

# Wagtail's own parameters, then the fields a listing may be filtered by once `type` names a page
# type: text, dates, booleans, a foreign key and the tags.
API_PARAMETERS = [
    "type",
    "fields",
    "limit",
    "offset",
    "order",
    "search",
    "search_operator",
    "child_of",
    "descendant_of",
    "ancestor_of",
    "translation_of",
    "locale",
    "site",
    "format",
    "rich_text_format",
    "id",
    "slug",
    "title",
    "show_in_menus",
    "first_published_at",
    "last_published_at",
    "summary",
    "in_development",
    "review_due",
    "tags",
    "category",
    "answered_on",
    "current_state_as_of",
    "video_url",
]
PAGE_TYPES = ["pages.TopicPage", "pages.DeepDivePage", "pages.FaqPage", "pages.VideoPage"]
api_value = st.one_of(
    hostile_text,
    st.sampled_from(
        [
            *PAGE_TYPES,
            "wagtailcore.Page",
            "pages.Nothing",
            "a.b.c",
            "*",
            "_",
            "-title",
            "title,-title",
            "summary,tags,in_development",
            "*,-title",
            "-*",
            "body(x)",
            "parent(title,parent(title))",
            "title(" * 50 + ")" * 50,
            "random",
            "root",
            "100",
            "101",
            "-1",
            "99999999999999999999",
            str(2**63),
            "2020-06-01",
            "2020-06-01T10:00:00",
            "2020-13-45",
            "plasma",
            "exit game",
            "plasma,exit game",
            "json",
            "api",
            "markdown",
            "and",
            "or",
            "true",
            "maybe",
        ]
    ),
)
api_parameters = st.lists(
    st.tuples(st.one_of(st.sampled_from(API_PARAMETERS), hostile_text), api_value), max_size=5
)


@bad_input
@given(page_type=st.one_of(st.none(), st.sampled_from(PAGE_TYPES)), params=api_parameters)
@example(page_type=None, params=[("search", "plasma\x00")])
@example(page_type=None, params=[("search", '"plasma')])
@example(page_type=None, params=[("search", "-")])
@example(page_type=None, params=[("offset", str(2**63))])
@example(page_type=None, params=[("child_of", "9" * 30)])
@example(page_type=None, params=[("search", "x" * 10_000)])
@example(page_type=None, params=[("search", "plasma"), ("search_operator", "\x00")])
@example(page_type=None, params=[("fields", "parent(" * 3_000 + ")" * 3_000)])
@example(page_type=None, params=[("site", "\x00"), ("locale", "\x00")])
@example(page_type="pages.TopicPage", params=[("tags", "plasma")])
@example(page_type="pages.TopicPage", params=[("review_due", "soon")])
@example(page_type="pages.FaqPage", params=[("category", "9" * 30)])
def test_any_api_listing_query_answers(reader, published_tree, page_type, params):
    if page_type:
        params = [("type", page_type), *params]

    response, seconds = get(reader, "/api/v2/pages/", params)

    assert response.status_code in ANSWERS, response.content[:300]
    assert seconds < SEARCH_SECONDS, f"{seconds:.2f} s for {params!r}"


@bad_input
@given(
    page_id=st.one_of(st.integers(min_value=0, max_value=10**30).map(str), hostile_text),
    params=api_parameters,
)
@example(page_id=str(2**63), params=[])
@example(page_id="9" * 30, params=[("fields", "*")])
def test_any_api_detail_answers(reader, published_tree, page_id, params):
    response, _ = get(reader, f"/api/v2/pages/{encoded(page_id)}/", params)

    assert response.status_code in PATH_ANSWERS, response.content[:300]


@bad_input
@given(html_path=hostile_text, page_id=st.one_of(st.none(), hostile_text))
@example(html_path="/omg-deep-dive/\x00/", page_id=None)
@example(html_path="/" + "a/" * 5_000, page_id=None)
@example(html_path="", page_id="x")
def test_any_api_find_answers(reader, published_tree, html_path, page_id):
    params = [("html_path", html_path)] if html_path else []
    params += [("id", page_id)] if page_id is not None else []

    response, _ = get(reader, "/api/v2/pages/find/", params)

    assert response.status_code in PATH_ANSWERS, response.content[:300]


# Any URL -----------------------------------------------------------------------------------------

path_prefixes = st.sampled_from(
    ["", "omg-deep-dive/", "tags/", "api/v2/pages/", "documents/", "search/", "admin/", "static/"]
)


@bad_input
@given(prefix=path_prefixes, parts=st.lists(hostile_text, max_size=4), slash=st.booleans())
@example(prefix="", parts=["\x00"], slash=True)
@example(prefix="omg-deep-dive/", parts=["\x00"], slash=True)
@example(prefix="documents/", parts=["9" * 30, "x.pdf"], slash=False)
@example(prefix="", parts=["x" * 10_000], slash=True)
def test_any_url_path_answers(reader, published_tree, prefix, parts, slash):
    path = "/" + prefix + "/".join(encoded(part) for part in parts) + ("/" if slash else "")

    response, _ = get(reader, path)

    assert response.status_code in PATH_ANSWERS, path[:200]


# The bugs these properties found, one regular test each -----------------------------------------


def api_get(reader, params, path="/api/v2/pages/"):
    response, _ = get(reader, path, params)
    return response.status_code, response.json()


class TestSearchBugs:
    def test_a_query_of_punctuation_only_finds_nothing(self, reader, published_tree):
        # PostgreSQL's backend splits words on spaces and hyphens; a query of hyphens had no
        # word left and failed (AttributeError, a 500). It matches nothing now, on both.
        response, _ = get(reader, "/search/", [("q", "- --")])

        assert response.status_code == 200
        assert "No pages match “- --”" in response.content.decode()

    def test_a_word_of_punctuation_leaves_the_other_words_to_match(self, reader, published_tree):
        # On SQLite `-` was a word no page holds, so "plasma -" found nothing with every word
        # and widened to any word; it is left out, as PostgreSQL leaves it.
        response, _ = get(reader, "/search/", [("q", "plasma exit -")])

        text = response.content.decode()
        assert "1 result for “plasma exit -”." in text
        assert "no page has all of these words" not in text

    def test_a_nul_byte_in_the_query_separates_words(self, reader, published_tree):
        # A NUL failed the form ("Null characters are not allowed. The q filter was left out.")
        # and nothing was searched; PostgreSQL could not have taken it in a query anyway.
        response, _ = get(reader, "/search/", [("q", "plasma\x00exit")])

        text = response.content.decode()
        assert "1 result for “plasma exit”." in text
        assert "Null characters" not in text


class TestApiBugs:
    @pytest.mark.parametrize(
        "params, path",
        [
            ([("search", "plasma\x00")], "/api/v2/pages/"),
            ([("site", "\x00")], "/api/v2/pages/"),
            ([("locale", "\x00")], "/api/v2/pages/"),
            ([("html_path", "/omg-deep-dive/\x00/")], "/api/v2/pages/find/"),
        ],
        ids=["search", "site", "locale", "find"],
    )
    def test_a_nul_byte_in_any_parameter_is_a_400(self, reader, published_tree, params, path):
        # PostgreSQL refuses NUL in a query: each of these was a 500 there (SQLite's full-text
        # search failed on the search one too).
        assert api_get(reader, params, path) == (
            400,
            {"message": "query parameters cannot contain NUL (\\x00) characters"},
        )

    @pytest.mark.parametrize(
        "query, found",
        [
            # The three pages with "plasma" in their titles; then the one with "exit" as well.
            ('"plasma', 3),
            ('"plasma" "exit', 1),
            ('"a:b"', 0),
            ('"-x"', 0),
        ],
    )
    def test_quotes_in_a_search_make_a_phrase(self, reader, published_tree, query, found):
        # Wagtail passed the raw string to SQLite's full-text index, whose query put each word
        # in quotes unescaped: a quote in the search was a syntax error (a 500, or a 503).
        status, listing = api_get(reader, [("search", query)])

        assert (status, listing["meta"]["total_count"]) == (200, found)

    def test_a_search_of_hyphens_finds_nothing(self, reader, published_tree):
        # PostgreSQL's backend failed on a word with nothing left once split on hyphens.
        assert api_get(reader, [("search", "-")]) == (
            200,
            {"meta": {"total_count": 0}, "items": []},
        )

    def test_an_offset_past_any_integer_is_a_400(self, reader, published_tree):
        # SQLite ("datatype mismatch") and PostgreSQL ("bigint out of range") both failed.
        assert api_get(reader, [("offset", str(2**63))]) == (
            400,
            {"message": "offset cannot be higher than 1000000"},
        )

    def test_an_unknown_search_operator_is_a_400(self, reader, published_tree):
        # The search backend raised ValueError for anything but "and" and "or": a 500.
        assert api_get(reader, [("search", "plasma"), ("search_operator", "xor")]) == (
            400,
            {"message": "search_operator must be 'and' or 'or'"},
        )

    def test_a_search_longer_than_the_sites_is_a_400(self, reader, published_tree):
        # The limit the site's own search cuts to, so that no search costs more than it does.
        assert api_get(reader, [("search", "plasma " * 40)]) == (
            400,
            {"message": "search cannot be longer than 255 characters"},
        )

    def test_fields_nested_thousands_deep_is_a_400(self, reader, published_tree):
        # Wagtail parses ?fields= recursively: RecursionError, a 500.
        assert api_get(reader, [("fields", "parent(" * 3_000 + ")" * 3_000)]) == (
            400,
            {"message": "fields cannot be nested more than 10 levels deep"},
        )

    def test_a_date_filter_that_is_no_date_is_a_400(self, reader, published_tree):
        # Wagtail converts only booleans and integers: "soon" reached the query as a date
        # (ValidationError, a 500).
        status, error = api_get(reader, [("type", "pages.TopicPage"), ("review_due", "soon")])

        assert status == 400
        assert error["message"].startswith(
            "field filter error. 'soon' is not a valid value for review_due"
        )

    def test_a_date_and_time_filter_is_the_sites_time(self, reader, published_tree):
        # Converted and checked like the date above; a time without a zone is the site's time,
        # where Django warned of a naive datetime (RuntimeWarning, an error under pytest).
        topic = published_tree["topic"]
        published = topic.first_published_at.strftime("%Y-%m-%dT%H:%M:%S.%f")

        status, listing = api_get(reader, [("first_published_at", published)])

        assert status == 200
        assert [item["id"] for item in listing["items"]] == [topic.pk]

    def test_a_foreign_key_past_any_integer_is_a_400(self, reader, published_tree):
        # SQLite cannot compare a column with 2**64 (OverflowError, a 500).
        status, error = api_get(reader, [("type", "pages.FaqPage"), ("category", "9" * 20)])

        assert status == 400
        assert error["message"].endswith("is not a valid value for category (out of range)")

    def test_tags_filter_pages_by_tag(self, reader, published_tree):
        # Through a page type's own table the tags were out of reach ("no such column:
        # pages_topicpage.id"): every ?tags= was a 500 (a 503 on SQLite).
        status, listing = api_get(
            reader, [("type", "pages.TopicPage"), ("tags", "plasma,exit game")]
        )

        assert status == 200
        assert [item["title"] for item in listing["items"]] == ["Plasma exits"]
        assert api_get(reader, [("type", "pages.TopicPage"), ("tags", "nothing")])[1]["items"] == []

    def test_find_by_an_id_that_is_no_number_is_a_400(self, reader, published_tree):
        # queryset.get(id="x") raised ValueError: a 500.
        status, error = api_get(reader, [("id", "x")], "/api/v2/pages/find/")

        assert status == 400
        assert "'x' is not a valid value for id" in error["message"]
