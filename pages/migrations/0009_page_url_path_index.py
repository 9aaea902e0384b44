"""An index on wagtailcore_page.url_path: HomePage.route finds a page by its whole URL path in one
query instead of walking the tree a level at a time (pages/models/home.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0008_editorial_review_workflow"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS pages_page_url_path ON wagtailcore_page (url_path)",
            reverse_sql="DROP INDEX IF EXISTS pages_page_url_path",
        )
    ]
