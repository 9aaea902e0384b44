"""
Import a GitBook book (the layout GitBook's Git Sync writes) into the knowledge base.

Safe to repeat: pages remember the file they came from, an unchanged file writes nothing, and a
changed one becomes a new revision. Everything happens in one transaction, so a book with an
error anywhere leaves the site exactly as it was.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wagtail.models import Page, Site

from pages.gitbook import GitBookError
from pages.gitbook.importer import BookImporter
from pages.indexing import deferred_indexing
from pages.models import HomePage, TopicPage

CHANGE_NOTE_LENGTH = TopicPage._meta.get_field("change_note").max_length


class Command(BaseCommand):
    help = "Import a GitBook book (SUMMARY.md, .gitbook.yaml, markdown pages) as pages."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="The book's folder (where .gitbook.yaml or SUMMARY.md is)."
        )
        parser.add_argument(
            "--parent",
            metavar="URL_PATH",
            help="Import under the page at this URL path, such as /omg-deep-dive/. "
            "Default: the site's home page, created from the book's README if there is none.",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Leave new and changed pages as drafts for review instead of publishing them.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created and updated, and write nothing.",
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="Record the revisions as this user's work."
        )
        parser.add_argument(
            "--change-note",
            metavar="TEXT",
            default="",
            help="What changed, shown to readers in What's new for every page the import "
            "creates or updates. Default: none (readers see 'New page' or 'Updated').",
        )

    def handle(self, *args, path, parent, draft, dry_run, user, change_note, verbosity, **options):
        user = self.find_user(user)
        change_note = change_note.strip()
        if len(change_note) > CHANGE_NOTE_LENGTH:
            raise CommandError(
                f"--change-note is {len(change_note)} characters; at most {CHANGE_NOTE_LENGTH} fit."
            )
        importer = None
        try:
            with transaction.atomic(), deferred_indexing():
                parent_page, parent_is_new = self.find_parent(parent)
                importer = BookImporter(
                    path,
                    parent=parent_page,
                    parent_is_new=parent_is_new,
                    draft=draft,
                    user=user,
                    change_note=change_note,
                    progress=self.stdout.write if verbosity >= 1 else None,
                )
                report = importer.run()
                if dry_run:
                    transaction.set_rollback(True)
        except GitBookError as error:
            if importer is not None:
                importer.discard_stored_files()
            raise CommandError(f"Nothing was imported. {path}: {error}") from error
        if dry_run:
            importer.discard_stored_files()
        self.print_report(report, dry_run, draft, verbosity)

    def find_user(self, username):
        if username is None:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None

    def find_parent(self, url_path):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if url_path is None:
            if site is not None and isinstance(site.root_page.specific, HomePage):
                return site.root_page, False
            return self.create_home(site)
        if site is None:
            raise CommandError("There is no default site to resolve --parent against.")
        wanted = (
            site.root_page.url_path + url_path.strip("/") + ("/" if url_path.strip("/") else "")
        )
        page = Page.objects.filter(url_path=wanted).first()
        if page is None:
            raise CommandError(f"No page at {url_path!r} (looked for {wanted}).")
        return page, False

    def create_home(self, site):
        """A fresh site: the book's README becomes the home page, and the site's root."""
        if HomePage.objects.exists():
            return HomePage.objects.first(), False
        home = HomePage(title="Home", slug="knowledge-base", live=False)
        Page.get_first_root_node().add_child(instance=home)
        if site is None:
            Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
        else:
            old_root = site.root_page
            site.root_page = home
            site.save()
            # Wagtail's stock welcome page goes once nothing points at it any more.
            if old_root.specific_class is Page and old_root.numchild == 0:
                old_root.delete()
        return home, True

    def print_report(self, report, dry_run, draft, verbosity):
        if verbosity >= 1:
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        if verbosity >= 2:
            for label, paths in (("created", report.created), ("updated", report.updated)):
                for path in paths:
                    self.stdout.write(f"  {label}: {path}")
        state = " as drafts" if draft and (report.created or report.updated) else ""
        prefix = "Dry run, nothing written: would have" if dry_run else "Imported:"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {len(report.created)} created, {len(report.updated)} updated{state}, "
                f"{len(report.unchanged)} unchanged, {len(report.warnings)} warnings."
            )
        )
