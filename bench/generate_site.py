"""
Build (or reuse) a generated knowledge base on PostgreSQL for the serving benchmark.

    python bench/generate_site.py [--pages 5000] [--depth 4] [--seed 1] [--rebuild]

A site is a GitBook book written by bench/generate_book.py and loaded the way an editor loads
one: `manage.py migrate`, then `manage.py import_gitbook`, so every page is a live Wagtail page
with its revision and its search index entry. Its database is named after the base URL and the
page count: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/omgkb_bench, as in
bench/import_bench.py) gives omgkb_bench_5000 for 5,000 pages. The images and files the book
uploads live next to it, in BENCH_CACHE_DIR (default ~/.cache/omgkb-bench), because pages
render from them.

Building 5,000 pages takes minutes, so a built site is kept: once the import succeeds, the
database gets a comment holding the generator's inputs (pages, depth, seed and a hash of
generate_book.py) and how long `import_gitbook` took. A later run whose inputs match (and whose
media folder is still there) only runs `migrate`, which applies any migration added since, and
reports the import time recorded then; anything else drops the database and builds it again, as
does --rebuild.

Depth: sites of more than 5,000 pages are built 5 deep (issue 24's 50,000 pages, "generated, 5
deep"), smaller ones 4 deep, unless --depth says otherwise (default_depth).
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness import manage, manage_env

BASE_DIR = Path(__file__).resolve().parent.parent
GENERATOR = BASE_DIR / "bench" / "generate_book.py"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/omgkb_bench"
MARKER_PREFIX = "omgkb-bench site:"
# After the fingerprint in the marker: seconds of `import_gitbook` alone when the site was built.
IMPORT_MARKER = " import_seconds="
# The largest site built 4 deep; larger ones are built 5 deep.
SHALLOW_SITE_PAGES = 5000


@dataclass
class Site:
    """A built benchmark site: where its database and media are, and what it took to build."""

    pages: int
    database_url: str
    media_root: Path
    fingerprint: str
    # Seconds spent generating and importing in this run; None when the built site was reused.
    build_seconds: float | None = None
    import_report: str = ""
    # Seconds of `import_gitbook` alone, in this run or (reused) as recorded when it was built;
    # None for a site built before the time was recorded.
    import_seconds: float | None = None
    depth: int = 4

    @property
    def database_name(self):
        return urlsplit(self.database_url).path.lstrip("/")


def postgres_base_url():
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


def database_url(pages, suffix=None):
    """BENCH_POSTGRES_URL with `_<suffix or pages>` added to the database name."""
    parts = urlsplit(postgres_base_url())
    name = f"{parts.path.lstrip('/')}_{suffix or pages}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def maintenance_url(url):
    """The same server's `postgres` database, from which others are dropped and created."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def cache_dir():
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "omgkb-bench"
    return Path(os.environ.get("BENCH_CACHE_DIR", default))


def default_depth(pages):
    """How deep a site of `pages` pages is built when no depth is asked for."""
    return 4 if pages <= SHALLOW_SITE_PAGES else 5


def fingerprint(pages, depth, seed):
    """What decides the generated content: a different value means a different site."""
    generator = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:12]
    return f"{MARKER_PREFIX} pages={pages} depth={depth} seed={seed} generator={generator}"


def connect(url):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def stored_marker(url):
    """The marker comment on the database, or None when it does not exist or has none."""
    name = urlsplit(url).path.lstrip("/")
    with connect(maintenance_url(url)) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    return row[0] if row else None


def split_marker(marker):
    """(fingerprint, import seconds or None) of a stored marker."""
    if marker is None:
        return None, None
    stored, _, seconds = marker.partition(IMPORT_MARKER)
    try:
        return stored, float(seconds) if seconds else None
    except ValueError:
        return stored, None


def stored_fingerprint(url):
    """The fingerprint part of the marker comment, or None."""
    return split_marker(stored_marker(url))[0]


def recreate_database(url):
    name = urlsplit(url).path.lstrip("/")
    with connect(maintenance_url(url)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url):
    name = urlsplit(url).path.lstrip("/")
    with connect(maintenance_url(url)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mark_database(url, marker):
    name = urlsplit(url).path.lstrip("/")
    with connect(maintenance_url(url)) as connection:
        # COMMENT takes no parameters: quote the literal the way PostgreSQL does.
        literal = "'" + marker.replace("'", "''") + "'"
        connection.execute(f'COMMENT ON DATABASE "{name}" IS {literal}')


def generate_book(out, pages, depth, seed):
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            str(out),
            f"--pages={pages}",
            f"--depth={depth}",
            f"--seed={seed}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build_site(pages, depth=None, seed=1, rebuild=False, log=print):
    """The benchmark site of `pages` pages, built now unless an identical one is there."""
    depth = depth or default_depth(pages)
    url = database_url(pages)
    media_root = cache_dir() / f"media-{urlsplit(url).path.lstrip('/')}"
    marker = fingerprint(pages, depth, seed)
    site = Site(
        pages=pages, database_url=url, media_root=media_root, fingerprint=marker, depth=depth
    )
    env = manage_env(url, media_root)

    stored, import_seconds = split_marker(stored_marker(url))
    if not rebuild and stored == marker and media_root.is_dir():
        inputs = marker.removeprefix(MARKER_PREFIX).strip()
        log(f"  {site.database_name}: reusing the built site ({inputs})")
        site.import_seconds = import_seconds
        # Any migration added since it was built.
        manage(env, "migrate", "--noinput", "-v0")
        # import_gitbook analyses what it imported (and vacuums the search index); a site built
        # before it did is here, or its plans are made without statistics and its searches
        # check every row in the table (autovacuum is off on some machines).
        with connect(url) as connection:
            connection.execute("VACUUM (ANALYZE)")
        return site

    log(f"  {site.database_name}: building {pages} pages, {depth} deep, seed {seed} ...")
    started = time.perf_counter()
    recreate_database(url)
    if media_root.exists():
        shutil.rmtree(media_root)
    media_root.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="omgkb-bench-book-") as temp:
        book = Path(temp) / "book"
        generate_book(book, pages, depth, seed)
        manage(env, "migrate", "--noinput", "-v0")
        imported = manage(env, "import_gitbook", book, "-v0")
    site.build_seconds = time.perf_counter() - started
    site.import_seconds = imported.seconds
    output = imported.stdout
    site.import_report = output.strip().splitlines()[-1] if output.strip() else ""
    # Again: a long build gives the code time to gain a migration (in a tree others edit).
    manage(env, "migrate", "--noinput", "-v0")
    # Only a complete import is marked as reusable; the import time goes with it, so a run that
    # reuses the site still reports it.
    mark_database(url, f"{marker}{IMPORT_MARKER}{site.import_seconds:.1f}")
    log(
        f"  {site.database_name}: built in {site.build_seconds:.0f} s (import_gitbook "
        f"{site.import_seconds:.0f} s). {site.import_report}"
    )
    return site


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000, help="Pages in the generated book.")
    parser.add_argument(
        "--depth",
        type=int,
        default=None,
        help=f"Deepest nesting of pages (default: 4 up to {SHALLOW_SITE_PAGES:,} pages, else 5).",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rebuild", action="store_true", help="Build again even if an identical site is there."
    )
    options = parser.parse_args(argv)
    site = build_site(options.pages, options.depth, options.seed, options.rebuild)
    recorded = "not recorded" if site.import_seconds is None else f"{site.import_seconds:.1f} s"
    print(f"{site.database_url} (media in {site.media_root}; import_gitbook {recorded})")


if __name__ == "__main__":
    main()
