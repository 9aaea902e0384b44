"""
What in the knowledge base needs attention, for whoever keeps it current without opening the
admin: a weekly mail from cron, or a spreadsheet (`--format csv`).

The figures and lists are the dashboard's "Needs attention" panel's, from pages.editorial.attention
and pages.feedback.figures, except that "drafts awaiting review" counts every draft waiting for any
reviewer. Each page also shows what readers answered to "Was this page helpful?" in the last
KB_FEEDBACK_DAYS.
"""

import csv
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.text import capfirst
from django.utils.timezone import localdate, localtime

from pages.editorial import attention
from pages.feedback.figures import least_helpful_pages, with_feedback

COLUMNS = ["Title", "URL path", "Type", "Review due", "Last published", "Helpful"]


class Command(BaseCommand):
    help = (
        "Report the knowledge-base pages that need attention: pages in development, pages whose "
        "review is overdue, drafts awaiting review and the pages readers found least helpful, "
        "each with its title, URL path, type, review date, last publication and readers' "
        "helpful ratio (share of 'Yes' answers, last 30 days). Prints the figures and an "
        "aligned table per list; "
        "with --format csv, writes one CSV table of every list to standard output instead. "
        "--verbosity 0 prints the figures alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=["table", "csv"],
            default="table",
            help="'table' (the default) for reading, 'csv' for a spreadsheet.",
        )

    def handle(self, *args, output_format, verbosity, **options):
        today = localdate()
        try:
            lists = {
                "In development": attention.pages_in_development(),
                "Review overdue": attention.pages_with_review_overdue(today),
                "Drafts awaiting review": attention.pages_awaiting_review(),
            }
            lists = {name: with_feedback(pages) for name, pages in lists.items()}
            lists[f"Least helpful ({settings.KB_FEEDBACK_DAYS} days)"] = least_helpful_pages(
                attention.knowledge_base_pages()
            )
            rows = {name: [PageRow.of(page) for page in pages] for name, pages in lists.items()}
        except DatabaseError as error:
            raise CommandError(
                f"Could not read the pages: {error}. Is the database set up? "
                "Run `manage.py migrate` first."
            ) from error
        if output_format == "csv":
            self.write_csv(rows)
        else:
            self.write_table(rows, today, show_lists=verbosity > 0)

    def write_csv(self, rows):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["List", *COLUMNS])
        for name, pages in rows.items():
            writer.writerows([name, *page.as_csv()] for page in pages)

    def write_table(self, rows, today, show_lists):
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Knowledge base: needs attention on {today.isoformat()}")
        )
        label_width = max(len(name) for name in rows) + 1
        for name, pages in rows.items():
            self.stdout.write(f"  {name + ':':<{label_width}} {len(pages)}")
        if not show_lists:
            return

        tables = {name: [page.as_text() for page in pages] for name, pages in rows.items()}
        # One set of widths for every list, so the columns line up down the whole report.
        every_row = [COLUMNS, *(row for table in tables.values() for row in table)]
        widths = [max(len(value) for value in column) for column in zip(*every_row, strict=True)]
        for name, table in tables.items():
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name} ({len(table)})"))
            if not table:
                self.stdout.write("  None.")
                continue
            self.stdout.write(aligned(COLUMNS, widths))
            self.stdout.write(aligned(["-" * width for width in widths], widths))
            for row in table:
                self.stdout.write(aligned(row, widths))


def aligned(values, widths):
    cells = (f"{value:<{width}}" for value, width in zip(values, widths, strict=True))
    return ("  " + "  ".join(cells)).rstrip()


@dataclass
class PageRow:
    title: str
    url_path: str
    page_type: str
    review_due: date | None
    last_published: datetime | None
    answers: int
    helpful_answers: int

    @classmethod
    def of(cls, page):
        url_parts = page.get_url_parts()
        return cls(
            title=page.get_admin_display_title(),
            # The address readers see, relative to the page's site; the tree path for a page
            # under no site.
            url_path=url_parts[2] if url_parts and url_parts[2] else page.url_path,
            page_type=capfirst(page.page_type_display_name),
            review_due=page.review_due,
            last_published=localtime(page.last_published_at) if page.last_published_at else None,
            answers=page.feedback_answers,
            helpful_answers=page.helpful_answers,
        )

    @property
    def helpful(self):
        """'67% of 9': the share of readers' answers that were "Yes", rounded like the admin's."""
        if not self.answers:
            return ""
        return f"{round(100 * self.helpful_answers / self.answers)}% of {self.answers}"

    def as_csv(self):
        return [
            self.title,
            self.url_path,
            self.page_type,
            self.review_due.isoformat() if self.review_due else "",
            self.last_published.isoformat(timespec="seconds") if self.last_published else "",
            self.helpful,
        ]

    def as_text(self):
        return [
            self.title,
            self.url_path,
            self.page_type,
            self.review_due.isoformat() if self.review_due else "not set",
            self.last_published.strftime("%Y-%m-%d %H:%M") if self.last_published else "never",
            self.helpful or "no answers",
        ]
