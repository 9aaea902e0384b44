"""Export the live knowledge base as a GitBook book that import_gitbook (or GitBook) reads back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wagtail.models import Page, Site

from pages.gitbook.exporter import BookExporter


class Command(BaseCommand):
    help = (
        "Write the live page tree as a GitBook book: SUMMARY.md, .gitbook.yaml, markdown, assets."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="The folder to write the book into.")
        parser.add_argument(
            "--root",
            metavar="URL_PATH",
            help="Export only the tree under the page at this URL path. Default: the whole site.",
        )

    def handle(self, *args, out_dir, root, **options):
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty; export into a new or empty folder.")
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("There is no default site to export.")
        page = site.root_page
        if root:
            wanted = (
                site.root_page.url_path + root.strip("/") + "/"
                if root.strip("/")
                else site.root_page.url_path
            )
            page = Page.objects.filter(url_path=wanted).first()
            if page is None:
                raise CommandError(f"No page at {root!r}.")
        if not page.live:
            raise CommandError(f"{page.title!r} is not live, so there is nothing to export.")
        exporter = BookExporter(page, out, progress=self.stdout.write)
        written = exporter.run()
        for warning in exporter.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {written} pages and {len(exporter.asset_names)} files to {out}, "
                f"{len(exporter.warnings)} warnings."
            )
        )
