"""Search terms indexed best weight first: a common word's best rows are read from the index
without sorting every row of the word (pages/search/engine.py best_rows_sql). The index also
answers what the one it replaces did (a term's pages and weights, from the index alone)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0023_editorial_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(fields=["term", "-weight", "entry"], name="pages_searchterm_best"),
        ),
        migrations.RemoveIndex(
            model_name="searchterm",
            name="pages_searchterm_term",
        ),
    ]
