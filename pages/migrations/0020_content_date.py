"""
A content date on every page, apart from its publish date: "Describes the network as of June
2020". The date, and how much of it readers see (the month, or the day).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0019_first_review_dates"),
    ]

    operations = [
        migrations.AddField(
            model_name="deepdivepage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="deepdivepage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
        migrations.AddField(
            model_name="faqindexpage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="faqindexpage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
        migrations.AddField(
            model_name="faqpage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="faqpage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
        migrations.AddField(
            model_name="homepage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="homepage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
        migrations.AddField(
            model_name="sectionpage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="sectionpage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
        migrations.AddField(
            model_name="topicpage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="topicpage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
        migrations.AddField(
            model_name="videopage",
            name="describes_as_of",
            field=models.DateField(
                blank=True,
                help_text="Optional: when what the page says was true, such as 1 June 2020 for a page written about the network in mid-2020. Readers see 'Describes the network as of June 2020' under the title, apart from 'Last updated'. Leave empty for a page that is not tied to a date.",
                null=True,
                verbose_name="Describes the network as of",
            ),
        ),
        migrations.AddField(
            model_name="videopage",
            name="describes_as_of_precision",
            field=models.CharField(
                choices=[("month", "Month and year (June 2020)"), ("day", "Day (4 June 2020)")],
                default="month",
                help_text="How much of the date readers see: most pages know the month, not the day.",
                max_length=5,
                verbose_name="Shown as",
            ),
        ),
    ]
