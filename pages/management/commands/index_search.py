"""
Rebuild the readers' search index from the live site.

The index follows every publish, unpublish, move and restriction on its own, and is built after
`migrate` when it is empty; this is for after a restore from a backup taken without it, or a
bulk change made around the ORM (SQL by hand).
"""

import time

from django.core.management.base import BaseCommand

from pages.models import SearchTerm, SearchWord
from pages.search.indexer import index_all, settle_index


class Command(BaseCommand):
    help = "Rebuild the readers' search index (pages, terms, vocabulary) from the live site."

    def handle(self, *args, **options):
        started = time.monotonic()
        pages = index_all()
        settle_index()
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {pages} pages: {SearchTerm.objects.count()} terms, "
                f"{SearchWord.objects.count()} words, in {time.monotonic() - started:.1f} s."
            )
        )
