"""
Readers' pages kept in caches, and emptied when they change: the Cache-Control they carry and the
app's own page cache (http_cache.py, its hits answered in front of Django by fast_path.py), and
what a publish purges there and in the proxy (purging.py).
"""
