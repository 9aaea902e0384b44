"""
`make loadtest`: readers and an editor at once against gunicorn and PostgreSQL, then a database
outage under the running server.

    python bench/loadtest.py [--seconds 60] [--readers 50] [--publish-every 3] [--no-abuse]
                             [--no-faults]

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
4. Anonymous abuse, against the same gunicorn, 8 requests at a time: filter floods (the API's
   ?tags= with 300 and 1,000 names, ?type= with 200, ?order= and ?fields= with 300; searches of
   255 characters and of 3,000 on /search/, /search/suggest/ and the API; /search/ with 300
   repeated filters); pages with a junk query string (`?junk=<random>`), and whether the page
   cache stored them and still answers the plain page; then answers to "Was this page
   helpful?" posted with the page's CSRF token, each claiming another address in
   X-Forwarded-For. A 5xx, no answer, or an answer slower than ABUSE_BUDGET_SECONDS fails the
   run; refusals (400, 429) do not, and are counted by status. More accepted answers than one
   client may give in an hour (KB_FEEDBACK_ANSWERS_PER_HOUR) fail it too: gunicorn faces the
   clients here, so every post comes from one.
5. Faults: stops PostgreSQL under the running gunicorn. Pages must answer 503 with the site's
   "temporarily unavailable" page (no traceback) and /healthz/ 503; then PostgreSQL starts again
   and the same gunicorn, never restarted, must serve pages again.

Prints requests, errors, latency percentiles, the abuse phase's requests, statuses and slowest
answer, and the fault checks; exits non-zero when any check fails. Traffic goes to 127.0.0.1
only, and every loop is bounded in time.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

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
    # gunicorn faces the clients itself, with no proxy in front: the app's own default for
    # TRUSTED_PROXY_COUNT decides whose address the feedback throttle counts (the abuse phase).
    for name in ("REDIS_URL", "FRONTEND_CACHE_URL", "OPENSEARCH_URL", "TRUSTED_PROXY_COUNT"):
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
    for name in set(os.environ) - set(env):  # what set_up_site kept from the server
        del os.environ[name]
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


# gunicorn's workers, of 4 threads each.
WORKERS = 3


def serve(servers, env):
    """gunicorn, WORKERS workers of 4 threads, answering /healthz/ with a 200."""
    # The app logs each failure during the outage with its traceback: kept apart from the
    # report, in gunicorn.log, copied out when the run fails.
    gunicorn = start_gunicorn(
        servers,
        "gunicorn",
        env,
        *("--workers", str(WORKERS), "--worker-class", "gthread", "--threads", "4"),
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


# Anonymous abuse ------------------------------------------------------------------------------

# Every answer of the abuse phase must come within this many seconds. The client waits longer
# (ABUSE_TIMEOUT_SECONDS), so that a slow answer is measured rather than cut short, and each of
# the phase's three steps stops sending after ABUSE_STEP_SECONDS (what was not sent is reported).
ABUSE_BUDGET_SECONDS = 10
ABUSE_TIMEOUT_SECONDS = 30
ABUSE_STEP_SECONDS = 90
# Requests at once: most of gunicorn's 12 threads.
ABUSE_CONNECTIONS = 8
# Each filter flood is sent this many times, if its first answer came in time; the junk query
# strings JUNK_REQUESTS times.
FLOOD_REPEATS = 10
JUNK_REQUESTS = 200
# gunicorn's longest request line (limit_request_line): a longer one is its 400, not the app's.
REQUEST_LINE_LIMIT = 4094
# The network set aside for benchmarks (RFC 2544): the addresses feedback posts claim to be from.
FORWARDED_NETWORK = "198.18"
# The feedback view's statuses for an answer it kept (pages/feedback/views.py).
ACCEPTED_FEEDBACK = ("recorded", "ask-comment")
JSON_ACCEPTED = {"Accept": "application/json"}


@dataclass
class Shot:
    """One request of the abuse phase; `kind` names it in the report."""

    kind: str
    url: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Hit:
    """A shot's answer; status None when none came (refused, reset or timed out)."""

    shot: Shot
    status: int | None
    seconds: float
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)
    body: bytes = b""
    error: str = ""

    def header(self, name):
        return self.headers.get(name.lower(), "")

    @property
    def failed(self):
        return self.status is None or self.status >= 500

    @property
    def held_up(self):
        return not self.failed and self.seconds <= ABUSE_BUDGET_SECONDS

    def json(self):
        with contextlib.suppress(ValueError):
            return json.loads(self.body)
        return {}


@dataclass
class Targets:
    """What the abuse phase aims at, looked up in this process (the server's settings)."""

    page_urls: list
    feedback_page_ids: list
    title_words: list
    answers_per_hour: int
    trusted_proxies: int
    counters_shared: bool


@dataclass
class AbuseTally:
    hits: list = field(default_factory=list)
    unsent: int = 0
    seconds: float = 0.0
    cache_lines: list = field(default_factory=list)
    feedback_posts: list = field(default_factory=list)
    # Why no feedback was posted, if none was.
    feedback_problem: str = ""
    # Hours the feedback posts spanned: the throttle counts by the clock's hour.
    feedback_hours: int = 1


def prepare_abuse():
    from django.conf import settings

    from pages.models import EditorialMixin
    from pages.reading.visibility import visible_pages

    pages = list(visible_pages().type(EditorialMixin).filter(depth__gt=2).order_by("path"))
    words = sorted(
        {word.lower() for page in pages for word in re.findall(r"[A-Za-z]{3,}", page.title)}
    )
    return Targets(
        page_urls=[page.url for page in pages],
        feedback_page_ids=[page.pk for page in pages[:10]],
        title_words=words,
        answers_per_hour=settings.KB_FEEDBACK_ANSWERS_PER_HOUR,
        trusted_proxies=settings.KB_TRUSTED_PROXY_COUNT,
        # Where the throttle counts (kbsite.security.counters): per worker without Redis.
        counters_shared="REDIS_URL" in os.environ and bool(os.environ["REDIS_URL"]),
    )


def send(port, shot, deadline):
    """One shot on a connection of its own: a Hit, or None once the phase's time is up."""
    if time.monotonic() > deadline:
        return None
    connection = http.client.HTTPConnection(HOST, port, timeout=ABUSE_TIMEOUT_SECONDS)
    started = time.perf_counter()
    try:
        headers = {"Host": "localhost", **shot.headers}
        connection.request(shot.method, shot.url, body=shot.body, headers=headers)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        seconds = time.perf_counter() - started
        return Hit(shot, None, seconds, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    cookies = {}
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            cookies.update({key: morsel.value for key, morsel in SimpleCookie(value).items()})
    headers = {name.lower(): value for name, value in response.getheaders()}
    return Hit(shot, response.status, seconds, headers, cookies, body)


def fire(port, shots, deadline, tally, at_once=ABUSE_CONNECTIONS):
    """The shots, `at_once` at a time, into the tally; their hits in order."""
    with ThreadPoolExecutor(at_once) as pool:
        answers = list(pool.map(lambda shot: send(port, shot, deadline), shots))
    hits = [hit for hit in answers if hit is not None]
    tally.hits += hits
    tally.unsent += len(answers) - len(hits)
    return hits


def fill(words, length):
    """As many of `words` (cycled) as fit in `length` characters, separated by spaces."""
    text = ""
    for word in (words[index % len(words)] for index in range(length)):
        if len(text) + len(word) + 1 > length:
            return text
        text = f"{text} {word}" if text else word
    return text


def tag_names(count):
    """`count` tag names nobody uses, as short as they come (u0 ... uz, u10 ...): a list of 1,000
    still fits gunicorn's request line, so that the app, not gunicorn, answers it."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    names = []
    for number in range(count):
        name, rest = "", number
        while True:
            rest, digit = divmod(rest, 36)
            name = digits[digit] + name
            if not rest:
                break
        names.append(f"u{name}")
    return ",".join(names)


def filter_floods(targets):
    """Every list-taking parameter a reader may send, with far more values than anyone would."""
    letters = [chr(code) for code in range(ord("a"), ord("z") + 1)]
    few_letters = fill(letters, 255)  # 128 one-letter words, as long as a search is kept
    title_words = fill(targets.title_words or letters, 255)
    long_words = fill(targets.title_words or letters, 3000)
    api, search, suggest = "/api/v2/pages/", "/search/", "/search/suggest/"
    floods = [
        ("API ?tags= 300 names", api, {"type": "pages.TopicPage", "tags": tag_names(300)}),
        ("API ?tags= 1,000 names", api, {"type": "pages.TopicPage", "tags": tag_names(1000)}),
        ("API ?type= 200 types", api, {"type": ",".join(["pages.TopicPage"] * 200)}),
        ("API ?order= 300 fields", api, {"order": ",".join(["title", "-id"] * 150)}),
        ("API ?fields= 300 names", api, {"fields": ",".join(["title", "slug"] * 150)}),
        ("API ?search= 128 words", api, {"search": few_letters}),
        ("API ?search= 255 chars of titles", api, {"search": title_words}),
        ("API ?search= 3,000 chars", api, {"search": long_words}),
        ("/search/?q= 128 words", search, {"q": few_letters}),
        ("/search/?q= 255 chars of titles", search, {"q": title_words}),
        ("/search/?q= 3,000 chars", search, {"q": long_words}),
        ("/search/suggest/?q= 3,000 chars", suggest, {"q": long_words}),
        # The site search's filters take one value each: a list of them, repeated.
        (
            "/search/ 300 repeated filters",
            search,
            [("q", "plasma")]
            + [(name, tag) for tag in tag_names(150).split(",") for name in ("tag", "type")],
        ),
    ]
    # Commas as they are: readers' lists are written that way, and it keeps lines short.
    shots = [Shot(kind, f"{path}?{urlencode(query, safe=',')}") for kind, path, query in floods]
    for shot in shots:
        if len(f"{shot.method} {shot.url} HTTP/1.1") > REQUEST_LINE_LIMIT:
            raise HarnessError(f"{shot.kind}: longer than gunicorn's request line")
    return shots


def flood(port, shots, tally):
    """Each flood once, then FLOOD_REPEATS - 1 more times those answered in time. One failed
    answer fails the run already; sending that kind again would only keep the server's threads
    busy and blind the steps after it."""
    deadline = time.monotonic() + ABUSE_STEP_SECONDS
    held_up = {hit.shot.kind for hit in fire(port, shots, deadline, tally) if hit.held_up}
    again = [shot for _ in range(FLOOD_REPEATS - 1) for shot in shots if shot.kind in held_up]
    fire(port, again, deadline, tally)


def page_cache_state(hits):
    """What X-Page-Cache said over `hits`: e.g. "HIT x5", or "no header" for each without."""
    counts = Counter(hit.header("X-Page-Cache") or "no header" for hit in hits if hit.status)
    return ", ".join(f"{state} x{count}" for state, count in counts.most_common())


def junk_query_strings(port, targets, tally):
    """Pages with random query strings, between plain reads of one page: does the junk take the
    page cache's room, and does the plain page still come from it?"""
    deadline = time.monotonic() + ABUSE_STEP_SECONDS
    page = targets.page_urls[0]
    plain = Shot("page, read plainly", page)
    before = fire(port, [plain, plain], deadline, tally, at_once=1)
    rng = random.Random()
    junk = [
        Shot("page?junk=<random>", f"{rng.choice(targets.page_urls)}?junk={secrets.token_hex(8)}")
        for _ in range(JUNK_REQUESTS)
    ]
    junk_hits = fire(port, junk, deadline, tally)
    after = fire(port, [plain] * 5, deadline, tally, at_once=1)
    if not junk_hits:
        tally.cache_lines.append("not measured: no answer to a junk query string")
        return
    if not any(hit.header("X-Page-Cache") for hit in before + junk_hits + after):
        tally.cache_lines.append(
            "page cache off in this run (no X-Page-Cache on any answer): nothing to crowd out"
        )
    else:
        tally.cache_lines.append(
            f"junk answers: {page_cache_state(junk_hits)} (MISS: stored, no header: not stored)"
        )
        tally.cache_lines.append(
            f"{page} read plainly: before the junk {page_cache_state(before[1:])}, "
            f"after it {page_cache_state(after)}"
        )
    shared = sum("public" in hit.header("Cache-Control") for hit in junk_hits)
    tally.cache_lines.append(
        f"junk answers a shared proxy may keep (Cache-Control public): {shared} of {len(junk_hits)}"
    )


def forwarded_address(number):
    return f"{FORWARDED_NETWORK}.{number // 256 % 256}.{number % 256}"


def feedback_from_many_addresses(port, targets, tally):
    """Answers to "Was this page helpful?", the way kb.js sends them (a token from the feedback
    address as JSON, then a POST with it), each claiming another client in X-Forwarded-For."""
    deadline = time.monotonic() + ABUSE_STEP_SECONDS
    page_ids = targets.feedback_page_ids
    token = fire(
        port,
        [Shot("feedback token (GET)", f"/feedback/{page_ids[0]}/", headers=JSON_ACCEPTED)],
        deadline,
        tally,
    )
    if not token or token[0].status != 200 or not token[0].cookies.get("csrftoken"):
        answer = (token[0].error or f"HTTP {token[0].status}") if token else "no time left"
        tally.feedback_problem = f"the CSRF token's GET: {answer}"
        return
    csrf_token, cookie = token[0].json().get("csrf_token", ""), token[0].cookies.get("csrftoken")
    body = urlencode({"helpful": "yes", "revision": "", "website": ""}).encode()
    posts = [
        Shot(
            "feedback POST, own X-Forwarded-For",
            f"/feedback/{page_ids[number % len(page_ids)]}/",
            method="POST",
            headers={
                **JSON_ACCEPTED,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "X-CSRFToken": csrf_token,
                "X-Forwarded-For": forwarded_address(number + 1),
            },
            body=body,
        )
        # Past the allowance however large it is set.
        for number in range(max(100, 2 * targets.answers_per_hour))
    ]
    first_hour = int(time.time() // 3600)
    tally.feedback_posts = fire(port, posts, deadline, tally)
    tally.feedback_hours = int(time.time() // 3600) - first_hour + 1


def abuse(port, targets):
    """Filter floods, junk query strings and feedback from many addresses, one after another."""
    print(
        f"\nAnonymous abuse: {ABUSE_CONNECTIONS} requests at a time, each answered within "
        f"{ABUSE_BUDGET_SECONDS} s"
    )
    tally = AbuseTally()
    started = time.monotonic()
    flood(port, filter_floods(targets), tally)
    junk_query_strings(port, targets, tally)
    feedback_from_many_addresses(port, targets, tally)
    tally.seconds = time.monotonic() - started
    return tally


def statuses(hits):
    counts = Counter(hit.status or "no answer" for hit in hits)
    return ", ".join(f"{status} x{count}" for status, count in sorted(counts.items(), key=str))


def report_abuse(tally, targets):
    """Per kind of request and in all: requests, statuses, the slowest; the failures."""
    kinds = {}
    for hit in tally.hits:
        kinds.setdefault(hit.shot.kind, []).append(hit)
    width = max(map(len, kinds), default=10)
    print(f"  {'kind':<{width}}  requests  {'statuses':<22} slowest")
    for kind, hits in kinds.items():
        slowest = max(hit.seconds for hit in hits)
        print(f"  {kind:<{width}}  {len(hits):>8}  {statuses(hits):<22} {slowest:.2f} s")
    errors = [hit for hit in tally.hits if hit.failed]
    slowest = max(tally.hits, key=lambda hit: hit.seconds, default=None)
    print(f"requests:      {len(tally.hits)} in {tally.seconds:.0f} s")
    print(f"errors:        {len(errors)} (5xx, or no answer)")
    print(f"statuses:      {statuses(tally.hits)}")
    if slowest is not None:
        print(
            f"slowest:       {slowest.shot.kind}, {slowest.seconds:.2f} s "
            f"(budget {ABUSE_BUDGET_SECONDS} s)"
        )
    for line in tally.cache_lines:
        print(f"page cache:    {line}")
    for (kind, what), count in Counter(
        (hit.shot.kind, hit.error or f"HTTP {hit.status}") for hit in errors
    ).most_common(20):
        print(f"  error: {kind}: {what} x{count}")

    failures = []
    if errors:
        failures.append(f"{len(errors)} errors under anonymous abuse (5xx or no answer)")
    too_slow = [hit for hit in tally.hits if not hit.failed and not hit.held_up]
    if too_slow:
        kinds_too_slow = ", ".join(sorted({hit.shot.kind for hit in too_slow}))
        failures.append(
            f"{len(too_slow)} answers slower than {ABUSE_BUDGET_SECONDS} s under anonymous "
            f"abuse: {kinds_too_slow}"
        )
    if tally.unsent:
        failures.append(
            f"{tally.unsent} abuse requests unsent: a step's {ABUSE_STEP_SECONDS} s ran out"
        )
    return failures + report_feedback(tally, targets)


def report_feedback(tally, targets):
    posts = tally.feedback_posts
    accepted = sum(
        hit.status == 200 and hit.json().get("status") in ACCEPTED_FEEDBACK for hit in posts
    )
    allowed = targets.answers_per_hour * tally.feedback_hours
    if not targets.counters_shared:
        # Without Redis each gunicorn worker counts on its own (docs/deploy.md).
        allowed *= WORKERS
    print(
        f"feedback:      {len(posts)} posts, each from another X-Forwarded-For: {accepted} "
        f"accepted, {sum(hit.status == 429 for hit in posts)} throttled (429); one client may "
        f"give {allowed}"
    )
    if not posts:
        return [f"no feedback was posted ({tally.feedback_problem})"]
    if not accepted:
        return [f"no feedback answer was accepted ({statuses(posts)}): the throttle was not tried"]
    if accepted <= allowed:
        return []
    # What the server's settings say about it (the same as this process's).
    if targets.trusted_proxies:
        print(
            f"  why: TRUSTED_PROXY_COUNT is {targets.trusted_proxies} with no proxy in front: "
            "the client names its own address in X-Forwarded-For"
        )
    return [f"the feedback throttle let {accepted} answers from one client through, not {allowed}"]


def conclude(failures, folder, with_abuse, with_faults):
    """The verdict: 0, or 1 with the failures and the server's log kept in bench/."""
    if failures:
        kept = BASE_DIR / "bench" / "loadtest-gunicorn.log"
        shutil.copy(folder / "gunicorn.log", kept)
        print("\nFAILED:\n  " + "\n  ".join(failures) + f"\nThe server's log: {kept}")
        return 1
    passed = ["0 server errors"]
    passed += ["anonymous abuse held off"] if with_abuse else []
    passed += ["outage survived"] if with_faults else []
    print("\nloadtest passed: " + ", ".join(passed))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--publish-every", type=float, default=3)
    parser.add_argument("--no-abuse", action="store_true", help="skip the anonymous abuse phase")
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
            if not args.no_abuse:
                targets = prepare_abuse()
                failures += report_abuse(abuse(port, targets), targets)
            if not args.no_faults:
                failures += check_faults(cluster, port, reading.edited_url)
            return conclude(
                failures, folder, with_abuse=not args.no_abuse, with_faults=not args.no_faults
            )
    except HarnessError as error:
        # The failed command's or server's output is on the console already.
        sys.exit(f"loadtest could not run: {error}")
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
