"""Indexes on wagtailcore_page for what readers' pages read of the tree, so that each read costs
the same at 50,000 pages as at 5,000 (issue 24; pages/reading/navigation.py):

- (depth, path): the navigation's outline reads the top levels of the tree in (depth, path)
  order with a LIMIT (read_top_rows); without it the database sorted every page of the site
  before returning the first row (21 ms at 5,000 pages, 0.5 ms with it).
- path, of drafts only: the outline also reads the site's drafts (they hide the pages under
  them); without it the database read every page to find the few that are not live (9 ms at
  5,000 pages, 0.2 ms with it). Partial, so it stays as small as the number of drafts.

Plain SQL both PostgreSQL and SQLite run; Wagtail's Page model is not ours to give Meta.indexes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0021_diagram_block"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS pages_page_depth_path ON wagtailcore_page (depth, path)",
            reverse_sql="DROP INDEX IF EXISTS pages_page_depth_path",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS pages_page_not_live ON wagtailcore_page (path) "
            "WHERE NOT live",
            reverse_sql="DROP INDEX IF EXISTS pages_page_not_live",
        ),
    ]
