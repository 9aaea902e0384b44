"""
Time `import_gitbook` on a generated book, on SQLite and on PostgreSQL, as a user runs it.

    python bench/import_bench.py [--pages 1000] [--depth 4] [--seed 1] [--databases sqlite,postgres]

For each database: a fresh, migrated database; the first import of the whole book; a re-import of
the unchanged book (which must write nothing); and a re-import after 10 pages changed. Each import
is a separate `manage.py import_gitbook` process, so the times include Django's start-up, as a
user would see them, with DEBUG off as in production. Prints a table and writes it to
bench/import-results.md.

PostgreSQL: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/omgkb_bench); the
database is dropped and created again.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness import CommandFailed, manage, manage_env

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "import-results.md"
TARGETS = {"first import": 60.0, "unchanged re-import": 15.0}
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/omgkb_bench"


def report_line(output):
    match = re.search(r"Imported: .*", output)
    return match.group(0) if match else output.strip().splitlines()[-1]


def recreate_postgres(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        return f"PostgreSQL is not reachable at {maintenance}: {error}".strip()
    return None


def change_pages(book, count):
    """Append a sentence to `count` page files, as an author's edit would."""
    files = sorted(p for p in (book / "guide").rglob("*.md"))[:count]
    for path in files:
        path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added later.\n")
    return len(files)


def run_database(label, url, book, workdir):
    env = manage_env(url, workdir / f"media-{label.lower()}")
    manage(env, "migrate", "--noinput", "-v0")
    rows = []
    ran = manage(env, "import_gitbook", book, "-v0")
    rows.append((label, "first import", ran.seconds, report_line(ran.stdout)))
    ran = manage(env, "import_gitbook", book, "-v0")
    rows.append((label, "unchanged re-import", ran.seconds, report_line(ran.stdout)))
    changed = f"re-import, {change_pages(book, 10)} pages changed"
    ran = manage(env, "import_gitbook", book, "-v0")
    rows.append((label, changed, ran.seconds, report_line(ran.stdout)))
    # Leave the book as generated for the next database.
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=book, check=True)
    return rows


def table(rows, options):
    lines = [
        f"# Import benchmark: {options.pages} pages, {options.depth} deep, seed {options.seed}",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}) by "
        "`make bench-import`. Targets: first import under 60 s, unchanged re-import under 15 s.",
        "",
        "| Database | Run | Seconds | Target | Report |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for label, run, seconds, report in rows:
        target = TARGETS.get(run)
        verdict = (
            ""
            if target is None
            else f"< {target:.0f} s " + ("met" if seconds < target else "**missed**")
        )
        lines.append(f"| {label} | {run} | {seconds:.1f} | {verdict} | {report} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgres")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="omgkb-bench-") as temp:
        workdir = Path(temp)
        book = workdir / "book"
        subprocess.run(
            [
                sys.executable,
                str(BASE_DIR / "bench" / "generate_book.py"),
                str(book),
                f"--pages={options.pages}",
                f"--depth={options.depth}",
                f"--seed={options.seed}",
            ],
            check=True,
        )
        # A throwaway repository, so the edits between runs can be undone exactly.
        subprocess.run(["git", "init", "-q"], cwd=book, check=True)
        subprocess.run(["git", "add", "-A"], cwd=book, check=True)
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@localhost",
                "commit",
                "-qm",
                "book",
            ],
            cwd=book,
            check=True,
        )
        rows = []
        for database in options.databases.split(","):
            if database == "sqlite":
                url = f"sqlite:///{workdir / 'bench.sqlite3'}"
                rows += run_database("SQLite", url, book, workdir)
            elif database == "postgres":
                url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
                problem = recreate_postgres(url)
                if problem:
                    print(f"Skipping PostgreSQL: {problem}", file=sys.stderr)
                    continue
                rows += run_database("PostgreSQL", url, book, workdir)
            else:
                sys.exit(f"Unknown database {database!r}: use sqlite and/or postgres.")
            print(f"  {rows[-3][0]}: done", file=sys.stderr)

    result = table(rows, options)
    print(result)
    RESULTS.write_text(result, encoding="utf-8")
    print(f"Written to {RESULTS.relative_to(BASE_DIR)}.")
    missed = [row for row in rows if row[1] in TARGETS and row[2] >= TARGETS[row[1]]]
    return 1 if missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CommandFailed as error:
        # Its output is on the console already.
        sys.exit(str(error))
