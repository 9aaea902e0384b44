"""
"Was this page helpful?": readers' answers (views.py), the figures drawn from them (figures.py)
and the editors' report (report.py).
"""
