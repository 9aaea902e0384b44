"""
Import a GitBook book (the layout GitBook's Git Sync writes) into the knowledge base.

Safe to repeat: pages remember the file they came from, an unchanged file writes nothing, and a
changed one becomes a new revision. The whole book is imported: what has no exact block is kept
in the closest one and reported, and the report's table counts it (--strict refuses it instead).
Everything happens in one transaction, so an error that stops the import (a path out of the
book, a file too large, YAML that does not parse) leaves the site exactly as it was.
"""

import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from wagtail.models import Page, Site

from pages.gitbook import GitBookError
from pages.gitbook.importer import BookImporter
from pages.gitbook.report import Report
from pages.indexing import deferred_indexing
from pages.models import HomePage, TopicPage
from pages.search.indexer import settle_index

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
            "--strict",
            action="store_true",
            help="All or nothing, for CI: any construct that would be kept in a lesser form "
            "stops the import. Default: keep it as the closest block, and report it.",
        )
        parser.add_argument(
            "--report",
            metavar="FILE.json",
            help="Also write the report (pages, what was degraded, unresolved links and "
            "anchors, every note, or the error that stopped the import) as JSON, for scripts.",
        )
        parser.add_argument(
            "--change-note",
            metavar="TEXT",
            default="",
            help="What changed, shown to readers in What's new for every page the import "
            "creates or updates. Default: none (readers see 'New page' or 'Updated').",
        )

    def handle(
        self,
        *args,
        path,
        parent,
        draft,
        dry_run,
        user,
        change_note,
        strict,
        report,
        verbosity,
        **options,
    ):
        report_file = self.report_file(report)
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
                    strict=strict,
                    progress=self.stdout.write if verbosity >= 1 else None,
                )
                result = importer.run()
                if dry_run:
                    transaction.set_rollback(True)
        except (GitBookError, CommandError) as error:
            if importer is not None:
                importer.discard_stored_files()
            fatal = f"{path}: {error}" if isinstance(error, GitBookError) else str(error)
            self.write_report(
                report_file, importer.report if importer else None, strict, fatal=fatal
            )
            if isinstance(error, CommandError):
                raise
            raise CommandError(f"Nothing was imported. {fatal}") from error
        if dry_run:
            importer.discard_stored_files()
        elif result.created or result.updated:
            self.refresh_planner_statistics()
        self.write_report(report_file, result, strict)
        self.print_report(result, dry_run, draft, verbosity)

    def refresh_planner_statistics(self):
        """PostgreSQL plans readers' queries from table statistics, which a bulk import leaves
        describing the site as it was: until autovacuum next comes by (or never, where it is
        off), a first import of 5,000 pages had What's new take 400 ms instead of 1. ANALYZE
        samples each table, so it takes seconds at any size."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            # And the search index's tables vacuumed, so searches read it from its indexes.
            settle_index()

    def report_file(self, name):
        """Where --report goes, checked before anything is imported."""
        if name is None:
            return None
        target = Path(name)
        if not target.parent.is_dir():
            raise CommandError(f"--report: the folder {target.parent} does not exist.")
        if target.is_dir():
            raise CommandError(f"--report: {target} is a folder; name a file.")
        if not os.access(target if target.exists() else target.parent, os.W_OK):
            raise CommandError(f"--report: {target} cannot be written.")
        return target

    def write_report(self, target, result, strict, fatal=None):
        """The report as JSON, with `fatal`: the error that stopped the import, or null. After
        a failure the pages it counts were rolled back, so only its notes are kept."""
        if target is None:
            return
        if fatal is not None:
            result = Report(strict=strict, notes=list(result.notes) if result else [])
        data = result.as_dict()
        data.update({"fatal": fatal, "strict": strict})
        target.write_text(json.dumps(data, indent=2), encoding="utf-8")

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
        if verbosity >= 1:
            self.stdout.write(report.table())
