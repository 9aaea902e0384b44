"""
Keeping the knowledge base reviewed and current, in the admin: the approval loop and its emails
(approvals.py), last reviewed and "Mark as reviewed" (reviews.py), what needs attention
(attention.py) and where editors see it (listing.py, dashboard.py), review reminders
(reminders.py), comparing revisions (revisions.py, compare.py) and who manages users (users.py).
"""
