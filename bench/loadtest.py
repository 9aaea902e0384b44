"""
`make loadtest`: readers and an editor at once against gunicorn and PostgreSQL, then a database
outage under the running server.

    python bench/loadtest.py [--seconds 60] [--readers 50] [--publish-every 3] [--no-faults]

1. Starts a PostgreSQL cluster of its own (initdb in a temporary folder, on a free port of
   127.0.0.1), so that stopping it later disturbs nothing else on the machine; migrates it and
   imports the knowledge base (fixtures/omg-kb).
2. Serves it with gunicorn and the production settings (no page cache, no proxy: every request
   is built from the database, the hardest case), 3 workers of 4 threads.
3. For --seconds, --readers threads read pages (every live page, its Markdown, search, what's
   new, the feed, the API) on keep-alive connections, while an editor publishes a new version of
   one page every --publish-every seconds through Wagtail's API. Every answer must be a 200 and
   a whole page (it ends with </html>); every read of the edited page must show exactly one
   version, one already published when the request began or published while it ran: the old or
   the new page, never a broken or an older one.
4. Faults: stops PostgreSQL under the running gunicorn. Pages must answer 503 with the site's
   "temporarily unavailable" page (no traceback) and /healthz/ 503; then PostgreSQL starts again
   and the same gunicorn, never restarted, must serve pages again.

Prints requests, errors, latency percentiles and the fault checks; exits non-zero when any check
fails. Traffic goes to 127.0.0.1 only, and every loop is bounded in time.
"""

import argparse
import contextlib
import http.client
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    HOST,
    LOCAL_PRODUCTION,
    HarnessError,
    Servers,
    fetch,
    free_port,
    manage,
    start_gunicorn,
    stop_on_signals,
)

BASE_DIR = Path(__file__).resolve().parent.parent
EDITED_PAGE_MARKER = re.compile(rb"Load test version (\d+)\.")


def postgres_binaries():
    """The newest PostgreSQL server's bin folder (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if not versions:
        sys.exit("PostgreSQL's server programs are missing (apt-get install postgresql).")
    return versions[0].parent


class PostgresCluster:
    """A throwaway cluster: started, stopped and started again at will."""

    def __init__(self, folder):
        self.bin = postgres_binaries()
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self.folder = folder
        # As root, PostgreSQL's programs must run as another user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(folder, "postgres")

    def run(self, program, *args):
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def create(self):
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def start(self):
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off "
            "-c max_connections=100"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database="postgres"):
        return f"postgres://postgres@{HOST}:{self.port}/{database}"


@dataclass
class Tally:
    latencies: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    edited_page_reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, message):
        with self.lock:
            if len(self.errors) < 1000:
                self.errors.append(message)


class Editor:
    """Publishes a new version of one page through Wagtail, and says which versions are live."""

    def __init__(self, page_id):
        from pages.models import TopicPage

        self.page = TopicPage.objects.get(pk=page_id)
        self.committed = 0  # the newest version whose publish has committed
        self.publishes = 0

    def publish(self, version):
        from wagtail.rich_text import RichText

        self.page.body = [("text", RichText(f"<p>Load test version {version}.</p>"))]
        self.page.change_note = f"Load test version {version}."
        self.page.save_revision().publish()
        self.committed = version
        self.publishes += 1


def read_pages(port, urls, edited_url, editor, deadline, tally):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    rng = random.Random()
    while time.monotonic() < deadline:
        # A fifth of the reads go to the page being edited.
        url = edited_url if rng.random() < 0.2 else rng.choice(urls)
        committed_before = editor.committed
        started = time.perf_counter()
        try:
            connection.request("GET", url, headers={"Host": "localhost"})
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.error(f"{url}: {type(error).__name__}: {error}")
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        with tally.lock:
            tally.latencies.append(elapsed)
        if response.status != 200:
            tally.error(f"{url}: HTTP {response.status}")
            continue
        if response.getheader("Content-Type", "").startswith("text/html") and (
            b"</html>" not in body[-200:]
        ):
            tally.error(f"{url}: an incomplete page ({len(body)} bytes)")
        if url == edited_url:
            versions = [int(number) for number in EDITED_PAGE_MARKER.findall(body)]
            committed_after = editor.committed
            with tally.lock:
                tally.edited_page_reads += 1
            if len(versions) != 1:
                tally.error(f"{url}: {len(versions)} versions on one page: {versions}")
            # The version live when the request began, or one published while it ran (the
            # editor marks a version committed just after its transaction commits).
            elif not committed_before <= versions[0] <= committed_after + 1:
                expected = f"{committed_before}..{committed_after + 1}"
                tally.error(f"{url}: version {versions[0]} outside {expected}")
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def get(port, url):
    """A reader's GET: (status, text), or (None, what went wrong)."""
    try:
        answer = fetch(port, url, timeout=10, headers={"Host": "localhost"})
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
    return answer.status, answer.body.decode("utf-8", "replace")


def check_faults(cluster, port, page_url):
    """Stop PostgreSQL under the running server, then start it again. Returns failures."""
    failures = []
    cluster.stop()
    print("\nPostgreSQL stopped.")
    for url in (page_url, "/search/?q=plasma", "/"):
        status, body = get(port, url)
        ok = status == 503 and "temporarily unavailable" in body and "Traceback" not in body
        print(f"  {url}: {status} {'the 503 page' if ok else 'NOT the 503 page'}")
        if not ok:
            failures.append(f"{url} answered {status} while the database was down: {body[:200]}")
    status, body = get(port, "/healthz/")
    print(f"  /healthz/: {status} {body.strip()}")
    if status != 503 or '"unavailable"' not in body:
        failures.append(f"/healthz/ answered {status} while the database was down: {body[:200]}")

    cluster.start()
    started = time.monotonic()
    print("PostgreSQL started again (gunicorn not restarted).")
    while True:
        status, body = get(port, page_url)
        if status == 200 and "Load test version" in body:
            print(f"  {page_url}: 200 again after {time.monotonic() - started:.1f} s")
            break
        if time.monotonic() - started > 30:
            failures.append(f"the site did not recover within 30 s: last answer {status}")
            break
        time.sleep(0.2)
    status, _body = get(port, "/healthz/")
    print(f"  /healthz/: {status}")
    if status != 200:
        failures.append(f"/healthz/ answered {status} after the database came back")
    return failures


# Phases -------------------------------------------------------------------------------------


def set_up_site(cluster):
    """The cluster, a database holding the knowledge base, and the app's environment."""
    import psycopg

    cluster.create()
    with psycopg.connect(cluster.url(), autocommit=True) as connection:
        connection.execute("CREATE DATABASE omgkb_load")
    env = {
        **os.environ,
        **LOCAL_PRODUCTION,
        "SECRET_KEY": "loadtest-only-" + "x" * 40,
        "DATABASE_URL": cluster.url("omgkb_load"),
        # Connections kept between requests must notice the outage and reconnect.
        "DB_CONN_MAX_AGE": "60",
        "PAGE_CACHE_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL", "FRONTEND_CACHE_URL", "OPENSEARCH_URL"):
        env.pop(name, None)
    manage(env, "migrate", "--noinput")
    manage(env, "import_gitbook", "fixtures/omg-kb")
    manage(env, "collectstatic", "--noinput", "-v0")
    return env


@dataclass
class Reading:
    """What the readers read, and the editor who changes one of those pages."""

    urls: list
    edited_url: str
    editor: Editor


def prepare_reading(env):
    """The editor works in this process, on the same database, with the same settings."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from pages.models import TopicPage
    from pages.reading.navigation import markdown_url
    from pages.reading.visibility import visible_pages

    pages = list(visible_pages().filter(depth__gt=1).order_by("path"))
    edited = TopicPage.objects.live().order_by("path").first()
    editor = Editor(edited.pk)
    editor.publish(1)
    urls = [page.url for page in pages] + [markdown_url(page.url) for page in pages[:20]]
    urls += ["/search/?q=plasma", "/search/?q=exit+game", "/whats-new/", "/feed/"]
    urls += ["/api/v2/pages/?limit=20", "/tags/", "/sitemap.xml", "/llms.txt"]
    return Reading(urls, edited.url, editor)


def serve(servers, env):
    """gunicorn, 3 workers of 4 threads, answering /healthz/ with a 200."""
    # The app logs each failure during the outage with its traceback: kept apart from the
    # report, in gunicorn.log, copied out when the run fails.
    gunicorn = start_gunicorn(
        servers,
        "gunicorn",
        env,
        *("--workers", "3", "--worker-class", "gthread", "--threads", "4"),
        *("--keep-alive", "5", "--log-level", "warning"),
    )
    if gunicorn.ready.status != 200:
        raise gunicorn.failed(f"/healthz/ answered {gunicorn.ready.status}")
    return gunicorn.port


def read_while_publishing(port, reading, args):
    """--readers threads read for --seconds while the editor publishes every --publish-every."""
    print(
        f"{args.readers} readers for {args.seconds:.0f} s, a publish every "
        f"{args.publish_every:.0f} s, {len(reading.urls)} URLs, gunicorn 3x4 threads, PostgreSQL"
    )
    tally = Tally()
    started = time.monotonic()
    end = started + args.seconds
    readers = [
        threading.Thread(
            target=read_pages,
            args=(port, reading.urls, reading.edited_url, reading.editor, end, tally),
            daemon=True,
        )
        for _ in range(args.readers)
    ]
    for reader in readers:
        reader.start()
    version = 1
    while time.monotonic() + args.publish_every < end:
        time.sleep(args.publish_every)
        version += 1
        try:
            reading.editor.publish(version)
        except Exception as error:  # a failed publish is a failure of the run
            tally.error(f"publish {version}: {type(error).__name__}: {error}")
    for reader in readers:
        reader.join(timeout=args.seconds + 60)
    return tally, time.monotonic() - started


def report_load(tally, editor, elapsed):
    """Requests, errors and latency; the failures among them."""
    latencies = [value * 1000 for value in tally.latencies]
    print(f"requests:      {len(latencies)} ({len(latencies) / elapsed:.0f}/s)")
    print(f"errors:        {len(tally.errors)}")
    print(
        "latency ms:    "
        f"p50 {percentile(latencies, 0.50):.0f}  p95 {percentile(latencies, 0.95):.0f}  "
        f"p99 {percentile(latencies, 0.99):.0f}  max {max(latencies, default=0):.0f}"
    )
    print(f"publishes:     {editor.publishes} (versions 1..{editor.committed})")
    print(f"edited page:   {tally.edited_page_reads} reads, each the old or the new version")
    for message in tally.errors[:20]:
        print(f"  error: {message}")
    failures = [f"{len(tally.errors)} reader errors"] if tally.errors else []
    if not latencies:
        failures.append("no request was answered")
    return failures


def conclude(failures, folder, with_faults):
    """The verdict: 0, or 1 with the failures and the server's log kept in bench/."""
    if failures:
        kept = BASE_DIR / "bench" / "loadtest-gunicorn.log"
        shutil.copy(folder / "gunicorn.log", kept)
        print("\nFAILED:\n  " + "\n  ".join(failures) + f"\nThe server's log: {kept}")
        return 1
    print("\nloadtest passed: 0 server errors" + (", outage survived" if with_faults else ""))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--publish-every", type=float, default=3)
    parser.add_argument("--no-faults", action="store_true", help="skip the database outage")
    args = parser.parse_args(argv)
    stop_on_signals()

    folder = Path(tempfile.mkdtemp(prefix="omgkb-loadtest-"))
    cluster = PostgresCluster(folder)
    try:
        with Servers(folder) as servers:
            env = set_up_site(cluster)
            reading = prepare_reading(env)
            port = serve(servers, env)
            tally, elapsed = read_while_publishing(port, reading, args)
            failures = report_load(tally, reading.editor, elapsed)
            if not args.no_faults:
                failures += check_faults(cluster, port, reading.edited_url)
            return conclude(failures, folder, with_faults=not args.no_faults)
    except HarnessError as error:
        # The failed command's or server's output is on the console already.
        sys.exit(f"loadtest could not run: {error}")
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
