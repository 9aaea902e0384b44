"""
What readers type and the pages they want: the relevance table for reader search, over the real
knowledge base (fixtures/omg-kb).

Each case is a query as a reader types it, what kind of difficulty it tests, and the titles of
the pages a reader asking it wants; the case is a hit when any of them is in the top 3. The
expected pages were chosen by reading the book, not by running an engine: where several pages
answer the query equally well, all of them count.

Kinds:
    typo      a misspelt or truncated word ("plazma", "stakeing")
    variant   another spelling or form of a word the pages use ("ERC20", "decentralised")
    question  a natural question, with words the page may not use ("how do I withdraw")
    keyword   one or two words that name the subject
    synonym   what readers call something the pages name otherwise ("PoS", "MoreVP")
    prefix    an unfinished word, as the instant search sends it (searched with prefix=True)

Used by tests/search/test_relevance.py (hit rate and the must-hold orderings) and by
bench/search_bench.py (hit rate and mean reciprocal rank on SQLite and PostgreSQL). Plain
Python: nothing here imports Django, so the benchmark can read the table without settings.
"""

from dataclasses import dataclass

# A case is a hit when an expected page is among this many first results.
TOP = 3
# Mean reciprocal rank looks this far down (the first page of results).
MRR_DEPTH = 10
KINDS = ("typo", "variant", "question", "keyword", "synonym", "prefix")

PLASMA = "Plasma"
MOREVP = "Plasma MoreVP (More Viable Plasma)"
MOREVP_VIDEO = "The Path to a More Viable Plasma"
OPERATOR_STOPS = "What happens to my funds if the operator stops?"
POS_GUIDE = "Proof of Stake (PoS)"
POS_DEEP_DIVE = "Proof of Stake Consensus Mechanism"
STAKING = "What does staking mean?"
EWALLET = "eWallet Suite"  # Two pages carry it: the guide's and the deep dive's chapter.
OMG_TOKEN = "OMG Token"
TOKEN_FUNCTION = "OMG token function"
THREE_NAMES = "What is the difference between OmiseGO, OMG and the OMG Network?"
AIRDROP = "OMG token allocation & airdrop"
LAUNCHED = "How was OmiseGO launched?"
DECENTRALIZED = (
    "Decentralized Network",
    "Decentralized Exchange (DEX)",
    "Decentralized Exchange Layer",
    "Decentralized Cash In/Out Layer",
)
SEPARATE_CHAIN = "Is the OMG Network a separate blockchain?"
OMG_NETWORK = "What is the OMG Network?"
SCALABILITY = (
    "Scalability with Plasma",
    "Scalability?",
    "Scalability Network Mechanism",
)


@dataclass(frozen=True)
class Case:
    query: str
    kind: str
    expected: tuple
    # Why the case is in the table, when the query alone does not say.
    why: str = ""

    @property
    def prefix(self):
        return self.kind == "prefix"


def case(query, kind, *expected, why=""):
    assert kind in KINDS, kind
    assert expected, query
    return Case(query, kind, tuple(expected), why)


CASES = [
    # Misspellings and truncations ------------------------------------------------------------
    case("plasm", "typo", PLASMA, why="reported: a reader stopped typing one letter short"),
    case("plasmaa", "typo", PLASMA, why="reported: a doubled last letter"),
    case("plazma", "typo", PLASMA, why="reported: spelt as it sounds"),
    case("ewalet", "typo", EWALLET),
    case("stakeing", "typo", STAKING, POS_GUIDE),
    case("airdorp", "typo", AIRDROP, LAUNCHED),
    case("tengan", "typo", "Tengen: The End Game"),
    case("plasma cahs", "typo", "Plasma Cash"),
    case("integration libaries", "typo", "What Are Integration Libraries?"),
    case("ecosytem roadmap", "typo", "OMG Ecosystem Roadmap"),
    case("proof of steak", "typo", POS_GUIDE, POS_DEEP_DIVE),
    case("scalibility", "typo", *SCALABILITY),
    case("omisgo", "typo", "What is OmiseGO?", THREE_NAMES),
    # Other spellings and forms ---------------------------------------------------------------
    case(
        "ERC20",
        "variant",
        OMG_TOKEN,
        TOKEN_FUNCTION,
        THREE_NAMES,
        LAUNCHED,
        why="reported: the pages write ERC-20",
    ),
    case("ERC-20", "variant", OMG_TOKEN, TOKEN_FUNCTION, THREE_NAMES, LAUNCHED),
    case("e-wallet", "variant", EWALLET, why="reported: the pages write eWallet"),
    case("ewallet", "variant", EWALLET),
    case(
        "decentralised",
        "variant",
        *DECENTRALIZED,
        why="reported: British spelling; only Tengen and the roadmap use it",
    ),
    case("decentralized", "variant", *DECENTRALIZED),
    case(
        "decentralised exchange",
        "variant",
        "Decentralized Exchange (DEX)",
        "Decentralized Exchange Layer",
    ),
    case("centralisation risks", "variant", "Hazards of Centralization"),
    case(
        "whitepaper",
        "variant",
        LAUNCHED,
        "What is OmiseGO?",
        why="the pages write white paper, in two words",
    ),
    case("proof-of-stake", "variant", POS_GUIDE, POS_DEEP_DIVE),
    case("cash-out", "variant", "Decentralized Cash In/Out Layer"),
    case("unbanked", "variant", "Unbanking the Banked"),
    case(
        "minimal viable plasma",
        "variant",
        "Plasma MVP (Minimum Viable Plasma)",
        why="the title says Minimum, the text Minimal",
    ),
    # Natural questions -----------------------------------------------------------------------
    case(
        "how do I withdraw",
        "question",
        OPERATOR_STOPS,
        why="reported: the answer calls it an exit and says withdraw once",
    ),
    case("what happens if the operator goes offline", "question", OPERATOR_STOPS),
    case("what is omisego", "question", "What is OmiseGO?"),
    case("is the network finished", "question", "Is the OMG Network finished?"),
    case("do I need OMG to send payments", "question", "Do I need OMG tokens to use the network?"),
    case(
        "why not just launch a new blockchain",
        "question",
        "Why build on Plasma rather than launch a new blockchain?",
    ),
    case("how was the token distributed", "question", AIRDROP),
    case("what is staking", "question", STAKING),
    case("is my money safe", "question", "Security?", OPERATOR_STOPS),
    case("difference between omg and omisego", "question", THREE_NAMES),
    case("how does plasma scale ethereum", "question", *SCALABILITY, PLASMA),
    case(
        "when will the network move to proof of stake",
        "question",
        "Will the network move to Proof of Stake?",
    ),
    case("who will use the network", "question", "Who will use the network?"),
    case(
        "why would a company build a public network",
        "question",
        "Why did a for-profit company choose to invest in building a public network?",
    ),
    case("is omisego part of omise", "question", "How does OmiseGO relate to Omise?"),
    case("what is a child chain", "question", SEPARATE_CHAIN, *SCALABILITY),
    case("where can I ask questions", "question", "Community & Communication", "Community Q&A"),
    # Short keywords --------------------------------------------------------------------------
    case("plasma", "keyword", PLASMA, "Scalability with Plasma"),
    case("airdrop", "keyword", AIRDROP, LAUNCHED),
    case("plasma debit", "keyword", "Plasma Debit"),
    case("checkpoints", "keyword", "Plasma XT"),
    case("coin id", "keyword", "Plasma Cash"),
    case("elixir", "keyword", "eWallet Implementation", "Plasma Current State"),
    case("thailand", "keyword", "How does OmiseGO relate to Omise?", "What is OmiseGO?"),
    case("vitalik", "keyword", "Plasma MVP (Minimum Viable Plasma)", PLASMA),
    case("dan robinson", "keyword", "Plasma Debit"),
    case("scams", "keyword", "Community & Communication"),
    case("roadmap", "keyword", "OMG Ecosystem Roadmap"),
    case("persona", "keyword", "Introductions by persona/profiles"),
    case("100 bucks", "keyword", "Dear bank, where did my 100 bucks go?"),
    case("validators", "keyword", POS_GUIDE, POS_DEEP_DIVE, STAKING),
    case("DEX", "keyword", "Decentralized Exchange (DEX)", "Decentralized Exchange Layer"),
    # Synonyms --------------------------------------------------------------------------------
    case("MoreVP", "synonym", MOREVP),
    case(
        "more viable plasma",
        "synonym",
        MOREVP,
        why="reported: the deep dive must come before the video that only has the words",
    ),
    case("PoS", "synonym", POS_GUIDE, POS_DEEP_DIVE, "Will the network move to Proof of Stake?"),
    case("proof of stake", "synonym", POS_GUIDE, POS_DEEP_DIVE),
    case("MVP", "synonym", "Plasma MVP (Minimum Viable Plasma)"),
    case("layer 2", "synonym", SEPARATE_CHAIN, OMG_NETWORK, "What is OmiseGO?"),
    case(
        "omg coin",
        "synonym",
        OMG_TOKEN,
        TOKEN_FUNCTION,
        why="readers say coin; the pages say token",
    ),
    case("bizdev", "synonym", "Business Development", "BizDev Current State"),
    case(
        "sdk",
        "synonym",
        "White-label Wallet Software Development Kit (SDK)",
        "What Are Integration Libraries?",
    ),
    # Unfinished words, as the instant search sends them --------------------------------------
    case("plas", "prefix", PLASMA, "Scalability with Plasma"),
    case("ewal", "prefix", EWALLET),
    case("teng", "prefix", "Tengen: The End Game"),
    case("airdr", "prefix", AIRDROP, LAUNCHED),
    case("integrat", "prefix", "What Are Integration Libraries?"),
    case("what does stak", "prefix", STAKING),
]


# Scoring -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One case as an engine answered it: its titles in order, and where the first wanted page
    came (1-based; None when it is not on the first page of results)."""

    case: Case
    titles: list
    rank: int | None

    @property
    def hit(self):
        return self.rank is not None and self.rank <= TOP

    @property
    def reciprocal_rank(self):
        return 1 / self.rank if self.rank else 0.0

    def describe(self):
        top = "; ".join(f"{n}. {title}" for n, title in enumerate(self.titles[:TOP], 1))
        wanted = " | ".join(self.case.expected)
        return (
            f"{self.case.query!r} ({self.case.kind}): wanted {wanted}; "
            f"rank {self.rank or '>' + str(MRR_DEPTH)}; top {TOP}: {top or 'no results'}"
        )


def first_rank(titles, expected):
    for position, title in enumerate(titles[:MRR_DEPTH], 1):
        if title in expected:
            return position
    return None


def judge(case, titles):
    titles = list(titles)
    return Outcome(case, titles, first_rank(titles, case.expected))


def run_cases(search, cases=CASES):
    """Every case through `search` (pages.search.engine.search), in the table's order."""
    outcomes = []
    for each in cases:
        results = search(each.query, limit=MRR_DEPTH, prefix=each.prefix)
        outcomes.append(judge(each, [hit.title for hit in results.hits]))
    return outcomes


@dataclass
class Summary:
    outcomes: list

    @property
    def hits(self):
        return sum(outcome.hit for outcome in self.outcomes)

    @property
    def hit_rate(self):
        return self.hits / len(self.outcomes) if self.outcomes else 0.0

    @property
    def mrr(self):
        ranks = [outcome.reciprocal_rank for outcome in self.outcomes]
        return sum(ranks) / len(ranks) if ranks else 0.0

    @property
    def misses(self):
        return [outcome for outcome in self.outcomes if not outcome.hit]

    def by_kind(self):
        """{kind: (hits, cases)} in the table's order of kinds."""
        counts = {}
        for kind in KINDS:
            mine = [outcome for outcome in self.outcomes if outcome.case.kind == kind]
            if mine:
                counts[kind] = (sum(outcome.hit for outcome in mine), len(mine))
        return counts


def expected_titles(cases=CASES):
    return {title for each in cases for title in each.expected}
