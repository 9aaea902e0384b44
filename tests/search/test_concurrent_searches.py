"""
A server may answer searches on several threads at once (gunicorn's gthread workers, granian's
blocking threads). Every search turns its words into index terms; two at once must not garble
each other's words, which a shared stemmer did: an IndexError, so a 500, for one reader in a few
hundred under load.
"""

import random
import string
import threading

from pages.search.text import term

THREADS = 8


def invented_words(count, seed=22):
    """Words no cache has seen, of the shapes the stemmer works hardest on."""
    pick = random.Random(seed)
    endings = ("ing", "ations", "fulness", "ies", "ed", "ly", "ement")
    return [
        "".join(pick.choice(string.ascii_lowercase) for _ in range(pick.randint(3, 12)))
        + pick.choice(endings)
        + str(number)  # distinct, so that term()'s cache answers none of them
        for number in range(count)
    ]


def test_searches_at_once_get_the_terms_one_search_alone_gets():
    words = invented_words(40_000)
    alone = {word: term(word) for word in words[::THREADS]}
    term.cache_clear()
    results, errors = {}, []

    def search(chunk):
        try:
            results.update((word, term(word)) for word in chunk)
        except Exception as error:  # the garbled stemmer's IndexError
            errors.append(error)

    threads = [threading.Thread(target=search, args=(words[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == len(words)
    assert {word: results[word] for word in alone} == alone
