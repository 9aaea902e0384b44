"""
Readers' search: the words of every page a reader may find, and finding what readers mean.

- text: the same rules for the pages' words and the readers' (folding, spelling, stemming);
- indexer: the index (pages.models.search), written with each change that calls for it;
- engine: a query's matches, ranked, with snippets;
- analytics: what readers searched for, and whether they found it.
"""
