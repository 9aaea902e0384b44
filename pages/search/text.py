"""
Words as search compares them: the same rules for the pages' text and for what readers type,
so that "Decentralised", "decentralized" and "decentralization" meet, and "ERC20" meets "ERC-20".

A written word is folded (case, accents), put in American spelling and stemmed (Snowball's
English stemmer, the one PostgreSQL and Lucene use). A word with hyphens or with letters and
digits run together also counts as its parts: "e-wallet" is "ewallet", "e" and "wallet".
"""

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_QUERY_LENGTH = 255
MAX_WORD_LENGTH = 64


# Words too common to tell pages apart. "more" and "not" stay: "More Viable Plasma", "not
# working". Question words stay out of matching but mark a question (see is_question).
def word_set(words):
    return frozenset(words.split())


STOP_WORDS = word_set(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me my myself no nor of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours yourself yourselves
    """
)
QUESTION_WORDS = word_set(
    "how what why when where which who whom can could do does did is are will should"
)

# British spellings readers type, in American spelling as most of the pages are written.
BRITISH_WORDS = {
    "analyse": "analyze",
    "analysed": "analyzed",
    "analysing": "analyzing",
    "behaviour": "behavior",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "catalogue": "catalog",
    "centre": "center",
    "cheque": "check",
    "colour": "color",
    "defence": "defense",
    "dialogue": "dialog",
    "endeavour": "endeavor",
    "enrol": "enroll",
    "favour": "favor",
    "favourite": "favorite",
    "fibre": "fiber",
    "fulfil": "fulfill",
    "grey": "gray",
    "honour": "honor",
    "labelled": "labeled",
    "labour": "labor",
    "licence": "license",
    "metre": "meter",
    "modelling": "modeling",
    "neighbour": "neighbor",
    "offence": "offense",
    "programme": "program",
    "travelled": "traveled",
    "travelling": "traveling",
}
# "-ise" words that are not British spellings of "-ize" words.
NOT_BRITISH_ISE = word_set(
    """
    advertise advise chastise comprise compromise concise despise devise disguise enterprise
    excise exercise expertise franchise improvise incise merchandise otherwise paradise precise
    premise promise raise revise rise supervise surmise surprise televise wise noise praise
    """
)
BRITISH_ISE = re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations|er|ers)$")

WORD = re.compile(r"\w+(?:[-'’.]\w+)*")  # a word, with its inner hyphens, apostrophes and dots
LETTERS_AND_DIGITS = re.compile(r"[^\W\d_]+|\d+")

# A snowball stemmer keeps the word it works on in itself: shared by a server's threads, two
# searches at once stem each other's words (IndexError, a 500). One per thread.
_stemmers = threading.local()


def stem(word):
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


def fold(text):
    """Lower case without accents: "Café" -> "cafe"."""
    if text.isascii():  # no accents to take off, and the same lower case: most of a page's text
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def americanise(word):
    if word in BRITISH_WORDS:
        return BRITISH_WORDS[word]
    match = BRITISH_ISE.match(word)
    if match and f"{match.group(1)}ise" not in NOT_BRITISH_ISE:
        return f"{match.group(1)}iz{match.group(2)}"
    return word


@lru_cache(maxsize=50_000)
def term(word):
    """The term a folded word is indexed and searched under."""
    return stem(americanise(word))[:MAX_WORD_LENGTH]


def tokens(text):
    """The words of `text` as written, folded: "ERC-20 tokens" -> "erc-20", "tokens"."""
    return [match.group() for match in WORD.finditer(fold(text))]


def word_forms(token):
    """A written word and its parts, each as a folded word without punctuation:
    "e-wallet" -> ["ewallet", "e", "wallet"], "erc20" -> ["erc20", "erc", "20"],
    "don't" -> ["dont", "don", "t"]. The first form is the whole word."""
    return list(known_word_forms(token))


# Indexing a page splits each of its words: the same few thousand words, page after page.
@lru_cache(maxsize=100_000)
def known_word_forms(token):
    parts = [part for part in re.split(r"[-'’._]+", token) if part]
    whole = "".join(parts)
    forms = [whole]
    pieces = []
    for part in parts:
        pieces += LETTERS_AND_DIGITS.findall(part) or [part]
    if len(pieces) > 1:
        forms += [piece for piece in pieces if piece != whole]
    return tuple(form[:MAX_WORD_LENGTH] for form in forms)


def index_words(text):
    """Every folded word form of `text` for the index, in order, stop words included (the
    weighting counts them once; the vocabulary leaves them out)."""
    for token in tokens(text):
        yield from known_word_forms(token)


def normalise_query(text):
    """A query as it is counted and cached: folded case, single spaces, no NUL, at most 255
    characters."""
    return " ".join(text.replace("\x00", " ").casefold().split())[:MAX_QUERY_LENGTH]


def query_words(text):
    """The words a query searches for: each whole written word ("erc-20" -> "erc20"), stop
    words dropped unless nothing else is left."""
    return [forms[0] for forms in query_word_forms(text)]


def query_word_forms(text):
    """Each word a query searches for with its parts: "proof-of-stake" -> ["proofofstake",
    "proof", "of", "stake"]; stop words dropped unless nothing else is left."""
    words = [word_forms(token) for token in tokens(text)]
    words = [forms for forms in words if forms[0]]
    meaningful = [forms for forms in words if forms[0] not in STOP_WORDS]
    return meaningful or words


def is_question(text):
    """A query asked as a question: "how do I withdraw", "can I stake?"."""
    words = tokens(text)
    return text.rstrip().endswith("?") or bool(words and words[0] in QUESTION_WORDS)


def is_stop_word(word):
    return word in STOP_WORDS
