"""
Readers' search over the index pages.search.indexer writes: what a reader means, not only what
they typed.

A query is a list of slots, one per meaningful word. Each slot has alternatives, each a set of
terms a page must all hold, with a factor for how sure the match is:

- the word's own term (1.0): "Exits" -> "exit", "decentralised" -> "decentral";
- words of the site's vocabulary one edit away (from 4 letters) or two (from 8): "plazma" ->
  "plasma" (rapidfuzz's optimal string alignment distance, in C over the vocabulary);
- words the last word begins, while typing or when it is no word of the site: "plasm";
- an editor's synonym, either way round: "MoreVP" <-> "More Viable Plasma".

A page's score is the sum over slots of its best alternative's weights times their rarity
(IDF); pages holding every slot come first. When fewer than three do and the query has three
slots or more, pages missing one slot follow; when none holds every slot, pages holding any
follow, and the results say so. The top 50 are then reordered by what the weights cannot see:
the query as a phrase in the title or a heading, a title that is the query, an FAQ answer for a
question, and a stub (a page of few words) below a page with substance.

Rankings, and each page of results as shown (snippets cut), are cached (the shared cache) under
the index version, which every index change renews; the vocabulary is kept in each process under
the same version. The scoring runs in the database (ranking_sql), over every page holding a word
of the query, unless its words have more than EXACT_ROWS rows in all: then over each word's
best-weighted rows, so that a word on every page of a 50,000-page site costs what it does on a
small one; the results then say "1000+" (the pages ranked) rather than count every page.
"""

import hashlib
import math
import threading
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from django.core.cache import cache
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

from pages.models import SearchEntry, SearchSynonym, SearchTerm, SearchWord
from pages.models.base import is_review_overdue

from . import text
from .indexer import index_version

RANKING_SECONDS = 600
MOST_RANKED = 1_000
# A query whose words have at most this many rows in the index in all (every query, on all but
# large sites) is scored over all of them; past it, each word gives its best-weighted rows
# (best_rows_sql), at least FEWEST_BEST_ROWS of them.
EXACT_ROWS = 2_000
FEWEST_BEST_ROWS = 200
RERANKED = 50
SNIPPET_LENGTH = 240
STUB_WORDS = 80
TYPO_FACTOR = {1: 0.7, 2: 0.5}
PREFIX_FACTOR = 0.8
SYNONYM_FACTOR = 0.95
PARTS_FACTOR = 0.9
MOST_PREFIX_WORDS = 10
MOST_TYPO_WORDS = 5


@dataclass
class Hit:
    page_id: int
    title: str
    url: str
    place: str
    page_type: str
    kind: str
    in_development: bool
    may_be_out_of_date: bool
    snippet: str


@dataclass
class Results:
    query: str
    total: int = 0
    hits: list = field(default_factory=list)
    suggestion: str | None = None
    widened: bool = False
    # Whether more pages match than `total`, which then counts those ranked ("1000+ results").
    more: bool = False


# The vocabulary ---------------------------------------------------------------------------------


class Vocabulary:
    """The site's written words and synonyms, as of one index version."""

    def __init__(self, version):
        self.version = version
        self.words = {}  # word -> (term, pages)
        for word, term, pages in SearchWord.objects.values_list("word", "term", "pages"):
            self.words[word] = (term, pages)
        self.sorted_words = sorted(self.words)
        self.terms = {term for term, _ in self.words.values()}
        # A term's pages are at least its most used word's: what a ranking takes for a common
        # word's, rather than counting tens of thousands of rows (pages_holding).
        self.term_pages = {}
        for term, pages in self.words.values():
            self.term_pages[term] = max(pages, self.term_pages.get(term, 0))
        self.synonyms = []  # (terms, other terms), both ways round
        for words, means in SearchSynonym.objects.values_list("words", "means"):
            one, other = phrase_terms(words), phrase_terms(means)
            if one and other and one != other:
                self.synonyms += [(one, other), (other, one)]

    def typos(self, word):
        """Vocabulary words within the edits this word's length allows: (word, edits)."""
        most = 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0
        if not most:
            return []
        found = process.extract(
            word,
            self.sorted_words,
            scorer=OSA.distance,
            score_cutoff=most,
            limit=MOST_TYPO_WORDS * 4,
        )
        found = [(match, int(edits)) for match, edits, _ in found if match != word]
        # Closest first, then the most used: "plazma" is "plasma" before "plaza".
        found.sort(key=lambda item: (item[1], -self.words[item[0]][1]))
        return found[:MOST_TYPO_WORDS]

    def split(self, word):
        """Two words of the site that `word` runs together, the most used pair first."""
        best, best_pages = None, 0
        for cut in range(2, len(word) - 1):
            first, second = word[:cut], word[cut:]
            if first in self.words and second in self.words:
                pages = min(self.words[first][1], self.words[second][1])
                if pages > best_pages:
                    best, best_pages = (first, second), pages
        return best

    def starting_with(self, prefix):
        found = []
        index = bisect_left(self.sorted_words, prefix)
        while index < len(self.sorted_words) and self.sorted_words[index].startswith(prefix):
            found.append(self.sorted_words[index])
            index += 1
        found.sort(key=lambda word: -self.words[word][1])
        return found[:MOST_PREFIX_WORDS]


_vocabulary = threading.local()


def vocabulary(version):
    current = getattr(_vocabulary, "current", None)
    if current is None or current.version != version:
        current = _vocabulary.current = Vocabulary(version)
    return current


def phrase_terms(words):
    return tuple(text.term(word) for word in text.query_words(words))


# Understanding the query ------------------------------------------------------------------------


@dataclass
class Slot:
    """One thing the reader asked for: alternatives as {terms: factor}."""

    word: str
    alternatives: dict
    corrected: str | None = None  # the vocabulary word a typo stands for


def slots_for(forms, prefix, known):
    words = [word_forms[0] for word_forms in forms]
    terms = [text.term(word) for word in words]
    slots = []
    index = 0
    while index < len(words):
        synonym = next(
            (
                (one, other)
                for one, other in known.synonyms
                if tuple(terms[index : index + len(one)]) == one
            ),
            None,
        )
        if synonym:
            one, other = synonym
            span = " ".join(words[index : index + len(one)])
            slots.append(Slot(span, {one: 1.0, other: SYNONYM_FACTOR}))
            index += len(one)
            continue
        last = index == len(words) - 1
        slots.append(word_slot(forms[index], prefix and last, last, known))
        index += 1
    return slots


def word_slot(forms, typing, last, vocabulary):
    word, parts = forms[0], forms[1:]
    term = text.term(word)
    alternatives = {(term,): 1.0}
    slot = Slot(word, alternatives)
    # A word written with hyphens also matches its parts: "proof-of-stake", "cash-out".
    part_terms = tuple(text.term(part) for part in parts if not text.is_stop_word(part))
    if part_terms:
        alternatives.setdefault(part_terms, PARTS_FACTOR)
    known = word in vocabulary.words or term in vocabulary.terms
    begun = False
    if (typing or (last and not known)) and len(word) >= 3:
        for found in vocabulary.starting_with(word):
            begun = True
            alternatives.setdefault((vocabulary.words[found][0],), PREFIX_FACTOR)
    if known or begun or word.isdigit():
        return slot
    # Two of the site's words run together: "whitepaper" for "white paper".
    split = vocabulary.split(word)
    if split:
        alternatives.setdefault(tuple(text.term(half) for half in split), PARTS_FACTOR)
        slot.corrected = " ".join(split)
        return slot
    # A word the site's words begin is being typed, not mistyped: "plas" is no typo of "plan".
    typos = vocabulary.typos(word)
    for found, edits in typos:
        alternatives.setdefault((vocabulary.words[found][0],), TYPO_FACTOR[edits])
    if typos:
        slot.corrected = typos[0][0]
    return slot


# Scoring ----------------------------------------------------------------------------------------


def section_path(section_id):
    return (
        SearchEntry.objects.filter(page_id=section_id).values_list("path", flat=True).first()
        or "-"  # a section no reader may see: no page is under it
    )


def term_rows(terms, filters):
    """The index's rows of these terms on the pages the filters leave."""
    rows = SearchTerm.objects.filter(term__in=terms)
    filters = filters or {}
    if filters.get("section"):
        rows = rows.filter(entry__path__startswith=section_path(filters["section"]))
    if filters.get("type"):
        rows = rows.filter(entry__page_type=filters["type"])
    if filters.get("tag"):
        rows = rows.filter(entry__tags__contains=f" {filters['tag']} ")
    if filters.get("development") in ("yes", "no"):
        rows = rows.filter(entry__in_development=filters["development"] == "yes")
    return rows


def query_terms(slots):
    return sorted(
        {term for slot in slots for alternative in slot.alternatives for term in alternative}
    )


def pages_holding(terms, filters, vocabulary):
    """term -> the pages holding it under the filters, counted in one statement up to
    EXACT_ROWS + 1: enough to tell whether a query can be scored over all its rows, without
    counting a common word's tens of thousands. Unfiltered, a term the vocabulary already knows
    to be on more pages than that is not counted: its most used word's pages stand for it
    (Vocabulary.term_pages), and a search for common words reads no count at all."""
    pages, parts, params = {}, [], []
    for index, term in enumerate(terms):
        known = vocabulary.term_pages.get(term, 0)
        if not filters and known > EXACT_ROWS:
            pages[term] = known
            continue
        capped = term_rows([term], filters).values_list("entry_id")[: EXACT_ROWS + 1]
        sql, term_params = capped.query.sql_with_params()
        parts.append(f"SELECT {index}, COUNT(*) FROM ({sql}) AS rows{index}")
        params += term_params
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            counts = dict(cursor.fetchall())
        for index, term in enumerate(terms):
            if term not in pages:
                count = counts.get(index, 0)
                # Past EXACT_ROWS only rarity reads it: every common word is about as rare.
                pages[term] = (
                    count if count <= EXACT_ROWS else max(count, vocabulary.term_pages.get(term, 0))
                )
    return pages


@dataclass
class Bounded:
    """How a query too common to score whole is scored: over the best `each` rows of each
    term, with the pages holding it (pages_holding)."""

    each: int
    pages: dict  # term -> pages holding it

    def complete(self, term):
        """Whether the term's best rows are all its rows."""
        return self.pages[term] <= self.each


def bounded(pages):
    """None when the terms' rows (`pages`, pages_holding's) can all be scored; else how to score
    their best rows. Each term with more than FEWEST_BEST_ROWS gives as many as MOST_RANKED
    shared by the square of their number, since each page of one term's best rows is looked up
    in each other's: the first 1,000 pages of a word alone, the best 250 of each of two."""
    if sum(pages.values()) <= EXACT_ROWS:
        return None
    # A prefix's own letters ("pla"), say, are usually on no page: no share for them.
    common = sum(1 for count in pages.values() if count > FEWEST_BEST_ROWS)
    return Bounded(max(FEWEST_BEST_ROWS, MOST_RANKED // max(common, 1) ** 2), pages)


def best_rows_sql(terms, filters, bound):
    """The rows a bounded ranking scores, as CTEs ending in `hits (entry_id, term, weight)`:
    each term's best `each` rows, and for the pages they name (the candidates) the weights of
    the terms whose best rows miss them, looked up one by one in the index. A page the best
    rows miss entirely is not ranked. What matters is the first pages of results: for a query
    of one term they are the same pages in the same order as a whole ranking's; for several,
    nearly (at 5,000 generated pages, 7 of the 377 queries and prefixes of bench/search_bench.py
    differ in their first ten, each by a page or two).

    A term's best rows come from an index in weight order, (term, weight DESC, entry), where
    there is one: without it the database sorts all the term's rows, which at 50,000 pages is
    most of a search's time."""
    table = connection.ops.quote_name(SearchTerm._meta.db_table)
    ctes, params = [], []
    for index, term in enumerate(terms):
        best = term_rows([term], filters).order_by("-weight", "entry_id")
        best = best.values_list("entry_id", "weight")[: bound.each]
        sql, term_params = best.query.sql_with_params()
        ctes.append(f"best{index} (entry_id, weight) AS (SELECT * FROM ({sql}) AS best{index})")
        params += term_params
    candidates = " UNION ".join(f"SELECT entry_id FROM best{index}" for index in range(len(terms)))
    ctes.append(f"candidates (entry_id) AS ({candidates})")
    rows = []
    for index, term in enumerate(terms):
        rows.append(f"SELECT entry_id, %s, weight FROM best{index}")
        params.append(term)
        if not bound.complete(term):
            # The candidates passed the filters already: they are the pages' own.
            rows.append(
                f"SELECT entry_id, %s, (SELECT weight FROM {table} AS looked_up "
                "WHERE looked_up.term = %s AND looked_up.entry_id = candidates.entry_id) "
                f"FROM candidates WHERE entry_id NOT IN (SELECT entry_id FROM best{index})"
            )
            params += [term, term]
    ctes.append(f"hits (entry_id, term, weight) AS ({' UNION ALL '.join(rows)})")
    return ", ".join(ctes), params


def ranking_sql(slots, filters, bound=None):
    """One statement that scores and orders the pages in the database, answering at most
    MOST_RANKED rows of (page id, slots held, score, pages ranked, pages holding every slot).
    `bound` (bounded()): over the best rows of each term only (best_rows_sql), the terms'
    rarity from the pages counted or estimated.

    A page's score is the sum over slots of its best alternative: a one-term alternative is
    the term's weight × its rarity × the alternative's factor; one of several terms (a synonym,
    a hyphenated word's parts) counts only on pages holding all of them, as the sum of their
    weights × rarities × factor / √terms. Rarity is log(1 + pages matched / pages holding the
    term) + 0.1. At 5,000 pages a common word has a row on most of them: fetched and scored in
    Python, those rows were most of a search's time."""
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    terms = query_terms(slots)
    column = {term: index for index, term in enumerate(terms)}
    if bound is None:
        rows = term_rows(terms, filters).values_list("entry_id", "term", "weight")
        rows, params = rows.query.sql_with_params()
        hits = f"hits (entry_id, term, weight) AS ({rows})"
    else:
        hits, params = best_rows_sql(terms, filters, bound)
    width = len(slots)
    # A page's weight for each term, NULL when it lacks it (weights are above 0).
    weights = ", ".join(
        f"MAX(CASE WHEN term = %s THEN weight END) AS w{i}" for i in range(len(terms))
    )
    # Whether a page holds a slot needs no rarity: any of its alternatives, all its terms.
    holds = []
    for slot in slots:
        either = []
        for alternative in slot.alternatives:
            either.append(" + ".join(f"w{column[term]}" for term in alternative) + " > 0")
        holds.append(f"CASE WHEN {' OR '.join(either)} THEN 1 ELSE 0 END")
    # Counted over every page matched, in one pass: pages holding each term (its rarity), and
    # pages holding every slot, all but one, any one (which tier 1 takes, and how many pages
    # are ranked).
    counts = ", ".join(f"COUNT(w{i}) OVER () AS d{i}" for i in range(len(terms)))
    rarity = {
        i: f"(LN(1.0 + CAST(pages AS DOUBLE PRECISION) / NULLIF(d{i}, 0)) + 0.1)"
        for i in range(len(terms))
    }
    if bound is not None:
        # Worked out here, from all the pages rather than the candidates: a float, written as
        # a number (0.0 for a term no page holds, whose weight is never there to multiply).
        pages = max(bound.pages.values())
        rarity = {
            i: repr(math.log(1.0 + pages / bound.pages[term]) + 0.1 if bound.pages[term] else 0.0)
            for term, i in column.items()
        }
    slot_params = []
    slot_values = []
    for slot in slots:
        values = []
        for alternative, factor in slot.alternatives.items():
            if len(alternative) == 1:
                i = column[alternative[0]]
                values.append(f"COALESCE(w{i} * (%s * {rarity[i]}), 0.0)")
                slot_params.append(factor)
            else:
                # A term written twice in the alternative counts twice.
                summed = " + ".join(
                    f"w{column[term]} * {rarity[column[term]]}" for term in alternative
                )
                values.append(f"COALESCE(%s * ({summed}), 0.0)")
                slot_params.append(factor / len(alternative) ** 0.5)
        slot_values.append(values[0] if len(values) == 1 else f"{greatest}({', '.join(values)})")
    # Tier 0: pages holding every slot. When fewer than three do and the query has three slots
    # or more, pages missing one follow (tier 1); when none does, pages holding any (tier 1).
    narrow = f"complete >= 3 OR ({width} < 3 AND complete > 0)"
    statement = f"""
        WITH {hits}
        SELECT entry_id, held, {" + ".join(slot_values)} AS score,
            CASE WHEN {narrow} THEN complete WHEN complete > 0 THEN nearly ELSE partly END,
            complete
        FROM (
            SELECT *, COUNT(*) OVER () AS pages, {counts},
                SUM(CASE WHEN held = {width} THEN 1 ELSE 0 END) OVER () AS complete,
                SUM(CASE WHEN held >= {width} - 1 THEN 1 ELSE 0 END) OVER () AS nearly,
                SUM(CASE WHEN held >= 1 THEN 1 ELSE 0 END) OVER () AS partly
            FROM (
                SELECT *, {" + ".join(holds)} AS held FROM (
                    SELECT entry_id, {weights} FROM hits GROUP BY entry_id
                ) AS weights
            ) AS holding
        ) AS counted
        WHERE held >= CASE WHEN {narrow} THEN {width} WHEN complete > 0 THEN {width} - 1 ELSE 1 END
        ORDER BY CASE WHEN held = {width} THEN 0 ELSE 1 END, score DESC, entry_id
        LIMIT {MOST_RANKED}
    """
    # In the order their placeholders are written: the rows', the slots', the terms'.
    return statement, [*params, *slot_params, *terms]


@dataclass
class Ranking:
    ids: list
    total: int
    suggestion: str | None
    widened: bool
    marks: list  # the terms to mark in snippets
    more: bool = False  # more pages match than `total`, the pages ranked


def rank(query, filters, prefix, known):
    forms = text.query_word_forms(query)
    if not forms:
        return Ranking([], 0, None, False, [])
    slots = slots_for(forms, prefix, known)
    terms = query_terms(slots)
    bound = None
    # The vocabulary's figures are the fewest pages each term is on: a query whose words are
    # on few, as on any small site, is scored whole without counting anything.
    if sum(known.term_pages.get(term, 0) for term in terms) > EXACT_ROWS:
        bound = bounded(pages_holding(terms, filters, known))
    # Scored, tiered and ordered by the database (ranking_sql): the first MOST_RANKED pages.
    with connection.cursor() as cursor:
        cursor.execute(*ranking_sql(slots, filters, bound))
        rows = cursor.fetchall()
        if bound is not None and not (rows and rows[0][4]):
            # No candidate holds every word: pages that do may lie beyond each word's best rows,
            # and saying "no page has all the words" would be wrong. Rare; scored whole.
            bound = None
            cursor.execute(*ranking_sql(slots, filters))
            rows = cursor.fetchall()
    total = rows[0][3] if rows else 0
    widened = bool(rows) and not rows[0][4]
    ordered = [page_id for page_id, *_ in rows]
    more = bound is not None and not counted_whole(slots, bound, rows)
    if more:
        total = len(ordered)
    found = {page_id: (0 if held == len(slots) else 1, score) for page_id, held, score, *_ in rows}
    ordered = rerank(ordered, found, slots, text.is_question(query), len(forms) > 1)
    suggestion = None
    if any(slot.corrected for slot in slots):
        suggestion = " ".join(slot.corrected or slot.word for slot in slots)
    return Ranking(ordered, total, suggestion, widened, terms, more)


def counted_whole(slots, bound, rows):
    """Whether a bounded ranking found every page holding every slot, and only those: so when
    one slot's pages are all among the candidates (each alternative has a term whose best rows
    are all its rows), as in "plasma debit" with "debit" on fewer pages than `each`."""
    covered = any(
        all(any(bound.complete(term) for term in alternative) for alternative in slot.alternatives)
        for slot in slots
    )
    return covered and all(held == len(slots) for _, held, *_ in rows)


def rerank(ordered, found, slots, question, several_words):
    """The first pages reordered by what weights cannot see."""
    top = ordered[:RERANKED]
    entries = SearchEntry.objects.filter(page_id__in=top).values(
        "page_id", "title", "headings", "is_question", "word_count"
    )
    entries = {entry["page_id"]: entry for entry in entries}

    def adjusted(page_id):
        tier, score = found[page_id]
        entry = entries.get(page_id)
        if entry is None:
            return (tier, score)
        title = title_terms(entry["title"])
        if several_words and phrase_in(title, slots):
            score *= 1.5
        elif several_words and any(phrase_in(title_terms(h), slots) for h in entry["headings"]):
            score *= 1.2
        if phrase_in(title, slots, whole=True):
            score *= 1.5
        if question and entry["is_question"]:
            score *= 1.4
        score *= min(1.0, 0.3 + 0.7 * entry["word_count"] / STUB_WORDS)
        return (tier, score)

    keyed = {page_id: adjusted(page_id) for page_id in top}
    top.sort(key=lambda page_id: (keyed[page_id][0], -keyed[page_id][1]))
    return top + ordered[RERANKED:]


# Kept per process: the same titles and headings come back in the top results of search after
# search, and folding and stemming them was a third of reranking.
@lru_cache(maxsize=20_000)
def title_terms(title):
    return tuple(text.term(word) for word in text.query_words(title))


def phrase_in(terms, slots, whole=False):
    """Whether the query's words stand together in `terms` (each as any of its alternatives:
    "plasm" as "plasma"), or, `whole`, are all of them."""

    def ends(start, index):
        if index == len(slots):
            yield start
            return
        for alternative in slots[index].alternatives:
            if tuple(terms[start : start + len(alternative)]) == alternative:
                yield from ends(start + len(alternative), index + 1)

    if whole:
        return len(terms) in ends(0, 0)
    return any(any(True for _ in ends(start, 0)) for start in range(len(terms)))


# Snippets ---------------------------------------------------------------------------------------


def snippet(passages, marks, prefixes=(), memo=None):
    """The passage (one block: a paragraph, a list item, a table row) that holds most of the
    words searched for, cut around the first of them, with each marked. `memo` keeps each
    written word's verdict across the results of one search: a page repeats its words."""
    marks = set(marks)
    memo = {} if memo is None else memo

    def marked(word):
        folded = text.fold(word)
        forms = text.word_forms(folded) if folded else []
        return any(text.term(form) in marks for form in forms) or any(
            folded.startswith(prefix) for prefix in prefixes
        )

    # Each passage's words judged with set and filter operations over the memo, which run in C:
    # a page has hundreds of words, and only the marked ones need more than a lookup.
    best, best_count = None, -1
    for _, passage in passages:
        words = text.WORD.findall(passage)
        for word in set(words).difference(memo):
            memo[word] = marked(word)
        count = len({word.casefold() for word in set(filter(memo.__getitem__, words))})
        if count > best_count:
            best, best_count = passage, count
    if best is None:
        return ""
    found = [m for m in text.WORD.finditer(best) if memo[m.group()]]
    start = 0
    if found and found[0].start() > SNIPPET_LENGTH // 3:
        start = best.rfind(" ", 0, found[0].start() - SNIPPET_LENGTH // 3) + 1
    end = start + SNIPPET_LENGTH
    if end < len(best):
        end = best.rfind(" ", start, end) if " " in best[start:end] else end
    parts, position = [], start
    for match in found:
        if match.start() < start or match.end() > end:
            continue
        parts.append(escape(best[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(best[position:end]))
    html = "".join(parts)
    return mark_safe(("… " if start else "") + html + (" …" if end < len(best) else ""))


# Searching --------------------------------------------------------------------------------------


def ranking_key(version, query, filters, prefix):
    wanted = repr((text.normalise_query(query), sorted((filters or {}).items()), prefix))
    return f"pages:search:rank:{version}:{hashlib.sha256(wanted.encode()).hexdigest()[:32]}"


@dataclass
class Shown:
    """One page of a ranking as readers see it, kept like the ranking: what a hit shows, its
    snippet cut, and the review date (whether a page may be out of date depends on the day)."""

    total: int
    suggestion: str | None
    widened: bool
    rows: list  # (page_id, title, url, place, page_type, kind, in_development, review_due, snippet)
    more: bool = False


def shown_page(ranking, query, offset, limit):
    ids = ranking.ids[offset : offset + limit]
    entries = SearchEntry.objects.in_bulk(ids) if ids else {}
    words = text.query_words(query)
    prefixes = [words[-1]] if words and len(words[-1]) >= 3 else []
    memo = {}
    rows = [
        (
            entry.page_id,
            entry.title,
            entry.url,
            entry.place,
            entry.page_type,
            entry.kind,
            entry.in_development,
            entry.review_due,
            snippet(entry.passages, ranking.marks, prefixes, memo),
        )
        for entry in (entries.get(page_id) for page_id in ids)
        if entry is not None
    ]
    return Shown(ranking.total, ranking.suggestion, ranking.widened, rows, ranking.more)


def search(query, *, filters=None, offset=0, limit=10, prefix=False, version=None):
    """Live, public pages for a reader's query, best first: `limit` of them from `offset`.
    `version`: the index version (indexer.index_version()), when the caller has read it."""
    query = text.normalise_query(query)
    filters = {name: value for name, value in (filters or {}).items() if value}
    version = version or index_version()
    key = ranking_key(version, query, filters, prefix)
    # The page shown is kept too: asked again (by the next reader, or instant search's next
    # keystroke of the same word), a search is one cache read, snippets included.
    shown_key = f"{key}:{offset}:{limit}"
    cached = cache.get_many([key, shown_key])
    shown = cached.get(shown_key)
    if shown is None:
        ranking = cached.get(key)
        # Written together, in one round trip to the shared cache.
        fresh = {}
        if ranking is None:
            ranking = fresh[key] = rank(query, filters, prefix, vocabulary(version))
        shown = fresh[shown_key] = shown_page(ranking, query, offset, limit)
        cache.set_many(fresh, RANKING_SECONDS)
    hits = [
        Hit(*row[:7], may_be_out_of_date=is_review_overdue(row[7]), snippet=row[8])
        for row in shown.rows
    ]
    return Results(query, shown.total, hits, shown.suggestion, shown.widened, shown.more)
