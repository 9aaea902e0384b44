"""Two indexes on wagtailcore_page for the admin's page lists, which show a few pages of
thousands, in order, and without an index sort every page of the site to find them (issue 24):

- (latest_revision_created_at DESC NULLS LAST): Admin → Knowledge base pages, like Wagtail's own
  page listings, shows the most recently changed first, pages never changed last
  (pages/editorial/listing.py);
- (title, id): the dashboard's "Pages in development" shows the first five by title
  (pages/editorial/attention.py), and the listing sorts by title on request.
"""

from django.db import migrations

INDEXES = {
    "pages_page_latest_revision_created_at": "latest_revision_created_at DESC NULLS LAST",
    "pages_page_title": "title, id",
}


def create_indexes(apps, schema_editor):
    for name, columns in INDEXES.items():
        if schema_editor.connection.vendor == "sqlite":
            # SQLite has no NULLS LAST in an index, and sorts NULL last when descending anyway.
            columns = columns.replace(" NULLS LAST", "")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON wagtailcore_page ({columns})")


def drop_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0022_reading_indexes"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
