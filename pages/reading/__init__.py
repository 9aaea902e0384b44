"""
What readers (and their programs) get: the navigation tree and the URL rules, search, What's new
and each page's public history, the Markdown views and llms.txt, tag pages, robots.txt, the
health check and the error pages. Nothing here writes, and nothing here shows a page a reader
may not see (visibility.py).
"""
