"""
Give an empty site a small, real knowledge base to read and edit.

`make run` calls this on every start, so it must be safe to repeat: once a home page exists it
does nothing. The tree is data (fixtures/starter-tree.yaml), validated as strictly as the admin
validates an editor's form, and written in one transaction: a bad file leaves the database as it
was.
"""

from pathlib import Path

import yaml

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wagtail.models import Page, Site

from pages.models import (
    DeepDivePage,
    FaqCategory,
    FaqIndexPage,
    FaqPage,
    HomePage,
    SectionPage,
    TopicPage,
    VideoPage,
)

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "starter-tree.yaml"

COMMON_KEYS = {
    "type",
    "title",
    "slug",
    "summary",
    "in_development",
    "development_note",
    "review_due",
    "tags",
    "children",
}
PAGE_TYPES = {
    "section": (SectionPage, {"introduction"}),
    "topic": (TopicPage, {"body"}),
    "deep-dive": (DeepDivePage, {"body", "current_state", "current_state_as_of", "resources"}),
    "faq-index": (FaqIndexPage, {"introduction"}),
    "faq": (FaqPage, {"category", "answer", "answered_on", "source_url"}),
    "video": (VideoPage, {"video_url", "transcript"}),
}
HOME_KEYS = (COMMON_KEYS - {"type", "children"}) | {"introduction"}
STREAM_FIELDS = {"body", "answer", "resources"}


def describe(error):
    """A validation error as an editor would read it, whether from a block or a model field."""
    if hasattr(error, "as_json_data"):
        return error.as_json_data()
    if hasattr(error, "error_dict"):
        return error.message_dict
    return error.messages


class Command(BaseCommand):
    help = (
        "Create the starter knowledge base (home page, sections, topics, deep dives, FAQ, videos) "
        "from a YAML file when the site has no home page yet, and make it the default site's root."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(DEFAULT_PATH),
            help="The YAML tree to load (default: fixtures/starter-tree.yaml).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate the file and report what would be created, writing nothing.",
        )

    def handle(self, *args, path, dry_run, verbosity, **options):
        self.verbosity = verbosity
        self.path = Path(path)
        if HomePage.objects.exists():
            self.stdout.write("The knowledge base already has a home page; nothing to do.")
            return

        tree = self.read_tree()
        self.counts = {}
        with transaction.atomic():
            self.create_categories(tree.get("faq_categories", []))
            home = self.create_home(tree["home"])
            for child in tree.get("children", []):
                self.create_page(home, child)
            if dry_run:
                transaction.set_rollback(True)

        summary = ", ".join(
            f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"
            for meta, count in self.counts.items()
        )
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {sum(self.counts.values())} pages: {summary}.")
        )

    def read_tree(self):
        try:
            tree = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {self.path}: {error.strerror}.") from error
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise CommandError(f"{self.path} is not valid YAML: {error}") from error
        if not isinstance(tree, dict) or not isinstance(tree.get("home"), dict):
            raise CommandError(f"{self.path} must be a mapping with a 'home' page.")
        unknown = set(tree) - {"home", "faq_categories", "children"}
        if unknown:
            raise CommandError(f"{self.path}: unknown top-level keys {sorted(unknown)}.")
        return tree

    def fail(self, title, message):
        raise CommandError(f"{self.path}: page '{title}': {message}")

    def create_categories(self, categories):
        for position, category in enumerate(categories):
            FaqCategory.objects.get_or_create(
                slug=category["slug"],
                defaults={"name": category["name"], "sort_order": position * 10},
            )

    def create_home(self, data):
        title = data.get("title", "")
        unknown = set(data) - HOME_KEYS
        if unknown:
            self.fail(title, f"unknown keys {sorted(unknown)} for the home page.")
        root = Page.get_first_root_node()
        home = self.build(HomePage, {"slug": "omg-kb", **data}, title)
        self.save(root, home, title)

        # The stock Wagtail welcome page goes once nothing points at it any more.
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
        else:
            site.root_page = home
            site.site_name = home.title
            site.save()
        Page.objects.filter(
            depth=2,
            numchild=0,
            content_type__app_label="wagtailcore",
            content_type__model="page",
            sites_rooted_here__isnull=True,
        ).delete()
        return home

    def create_page(self, parent, data):
        title = data.get("title", "")
        kind = data.get("type")
        if kind not in PAGE_TYPES:
            self.fail(title, f"type must be one of {sorted(PAGE_TYPES)}, not {kind!r}.")
        model, own_keys = PAGE_TYPES[kind]
        unknown = set(data) - COMMON_KEYS - own_keys
        if unknown:
            self.fail(title, f"unknown keys {sorted(unknown)} for a {kind} page.")
        if not model.can_create_at(parent):
            self.fail(title, f"a {kind} page cannot go under '{parent.title}'.")

        fields = {key: value for key, value in data.items() if key not in {"type", "children"}}
        if "category" in fields:
            try:
                fields["category"] = FaqCategory.objects.get(slug=fields["category"])
            except FaqCategory.DoesNotExist:
                self.fail(title, f"no FAQ category with slug {fields['category']!r}.")
        page = self.build(model, fields, title)
        self.save(parent, page, title)
        for child in data.get("children", []):
            self.create_page(page, child)

    def build(self, model, fields, title):
        tags = fields.pop("tags", [])
        for name in STREAM_FIELDS & set(fields):
            fields[name] = self.stream_data(title, name, fields[name])
        page = model(**fields)
        page.tags.set(tags)
        return page

    def stream_data(self, title, name, items):
        if not isinstance(items, list):
            self.fail(title, f"{name} must be a list of blocks.")
        if name == "resources":
            return [{"type": "resource", "value": {"page": None, **item}} for item in items]
        return [self.block_data(title, name, item) for item in items]

    def block_data(self, title, name, item):
        """`{hint: {...}}` in the file is `{"type": "hint", "value": {...}}` in the stream."""
        if not isinstance(item, dict) or len(item) != 1:
            self.fail(title, f"each block in {name} must be a one-key mapping, not {item!r}.")
        [(block_type, value)] = item.items()
        # Expandables and tabs hold a stream of their own, written the same way.
        if block_type == "expandable" and isinstance(value, dict):
            value = {**value, "content": self.stream_data(title, name, value.get("content", []))}
        if block_type == "tabs" and isinstance(value, dict):
            tabs = value.get("tabs", [])
            value = {
                **value,
                "tabs": [
                    {**tab, "content": self.stream_data(title, name, tab.get("content", []))}
                    for tab in tabs
                ],
            }
        return {"type": block_type, "value": value}

    def save(self, parent, page, title):
        try:
            for name in STREAM_FIELDS:
                if hasattr(page, name):
                    field = page._meta.get_field(name)
                    field.stream_block.clean(getattr(page, name))
            parent.add_child(instance=page)
        except ValidationError as error:
            self.fail(title, f"invalid content: {describe(error)}")
        # A first revision gives the page a history to compare against and a publish date.
        page.save_revision().publish()
        self.counts[page._meta] = self.counts.get(page._meta, 0) + 1
        if self.verbosity >= 2:
            self.stdout.write(f"  {page._meta.verbose_name}: {page.url_path}")
