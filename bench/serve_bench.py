"""
How fast the knowledge base serves readers, on one machine, from the app to the proxy to a file.

    python bench/serve_bench.py [--sizes 100,5000[,50000]] [--seconds 20 | --quick] [--rebuild]
                                [--skip-import] [--server granian | sync | gthread --threads 4]

Builds (or reuses, see bench/generate_site.py) a generated knowledge base of each of --sizes
pages on PostgreSQL (4 deep up to 5,000 pages, 5 deep above, unless --depth), serves the largest
as production does (granian through kbsite/serve.py, 2 workers (--server to compare gunicorn's),
kbsite.settings.production, Redis as
the shared cache, Varnish in front) and drives it with wrk (-t2 -c32, a fixed time per scenario):

    a0  a deep page with every cache off (no REDIS_URL: the navigation tree is read each time)
    a   the same page, app uncached (PAGE_CACHE_SECONDS=0), navigation cached in Redis
    b   the same page from the app's own page cache (X-Page-Cache: HIT), straight at the app server
    c   the same page through Varnish (X-Cache: HIT)
    d   a search for a word on nearly every page, app uncached
    e   the HTML of (a) as a file from nginx: what this machine can serve at all
    f   the HTML of (a) from a WSGI app that only returns it (bench/bytes_app.py), under the
        same app server: what the server itself can serve here, the ceiling of (a) and (b)

Besides, at every size: SQL queries of the deep page (navigation cache cold and warm), the
time of one uncached request for it alone (median of 50, the app server, navigation in Redis), and
the scale measures of bench/site_probe.py's `scale` (sidebar, breadcrumbs, previous / next,
sitemap, llms.txt, What's new, the admin's page explorer and KB listing, "Needs attention"; time
and queries, with the largest size's ratio to 5,000 pages). At 5,000 pages and up (else at the
largest size): search as bench/search_bench.py measures it (one search at a time, the instant
search, wrk with 32 connections). On the largest: the admin edit view's queries, SQL run per
request in (b) (from PostgreSQL's own statistics), the app server's workers' peak RSS, and a purge
check (publish a change, read it through Varnish at once; the purge itself timed). Also the import
time of a 1,000-page book and that of each site built (`import_gitbook` alone, recorded with the
site when it is reused). Issue 24's targets are in TARGETS. Prints a Markdown table and writes
it to bench/results.md, ending with plain `name: value` lines for scripts.

Missing nginx, varnish or wrk are installed with apt-get (as root). Every server runs on
127.0.0.1 in its own process group and is stopped on the way out, failure or not (ports, servers
and manage.py come from bench/harness.py). Exits 1 when a scenario could not be measured or
verified (errors, non-200 answers, a cache that does not hit, a stale page after the purge), 0
otherwise; targets met or not are reported, not enforced.

Environment: BENCH_POSTGRES_URL (see bench/generate_site.py), BENCH_REDIS_URL (default
redis://127.0.0.1:6379/12, flushed before every scenario: give the benchmark a database of
its own).
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

# bench/ is on sys.path: this file runs as a script (bench/harness.py says how it is imported).
import generate_site
import harness
from harness import HarnessError, expect_200, fetch, find_tool, manage, run_python

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results.md"
IMPORT_RESULTS = BASE_DIR / "bench" / "import-results.md"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
WORKERS = 2
# wrk's threads (not the app server's).
THREADS = 2
CONNECTIONS = 32
# Long enough that a queue of 32 slow requests is measured as latency, not dropped as errors.
WRK_TIMEOUT = "30s"
# Requests (not timed) that fill the caches and start every worker before each timed run.
WARM_SECONDS = {"full": 3, "quick": 1}
SEQUENTIAL_REQUESTS = 20
# One uncached request alone at each size: the median of this many, after the workers are warm.
SINGLE_REQUESTS = {"full": 50, "quick": 15}
# Timed runs of each scale measure (bench/site_probe.py scale --repeat).
SCALE_REPEAT = {"full": 7, "quick": 3}
# Search is measured at this size and up (issue 24: at 5,000 and 50,000 pages).
SEARCH_FROM_PAGES = 5000
# The size the scale measures of the largest are compared with.
SCALE_REFERENCE_PAGES = 5000
# The programs this needs, and the Debian package of each.
TOOLS = {"nginx": "nginx", "varnishd": "varnish", "wrk": "wrk"}
# The only variables the app inherits from this process: everything else is set here, so a
# DATABASE_URL or REDIS_URL in the caller's environment cannot leak into a scenario.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "USER", "TERM")

# Issue 24's targets (search's are bench/search_bench.py's TARGETS, the search issue's).
TARGETS = {
    "proxy ratio": 0.5,  # (c) at least half of (e)
    "cached rps": 6000,  # (b), with 0 SQL
    "uncached rps": 300,  # (a), on 2 workers
    "uncached single ms": 6,  # (a) one request alone, median, at every size
    "uncached queries": 8,  # the deep page, navigation cache warm, at every size
    "search rps": 150,  # (d), 32 connections: the search issue's (its mix: search_rows)
    "admin queries": 45,
    "worker rss mb": 120,  # at the largest size
    "scale ratio": 1.5,  # each scale measure at the largest size / at 5,000 pages
    "purge ms": 100,  # a publish's purge
    "import 50000 s": 8 * 60,  # import_gitbook of the 50,000-page site
}

# wrk's done() hook: every number the table needs, on one line this script parses.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f duration_us=%.0f bytes=%.0f connect=%.0f read=%.0f write=%.0f " ..
    "status=%.0f timeout=%.0f p50=%.0f p95=%.0f p99=%.0f max=%.0f\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


class BenchError(HarnessError):
    """A scenario that could not be run or whose answers were not what it measures. Caught as
    a HarnessError, with the harness's own: a server that would not start, a failed command."""


# Results ------------------------------------------------------------------------------------


@dataclass
class Load:
    """One wrk run: throughput, latency (ms) and every kind of failed request."""

    requests: int
    seconds: float
    bytes: int
    p50: float
    p95: float
    p99: float
    max: float
    errors: dict

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self):
        return sum(self.errors.values())


@dataclass
class Scenario:
    key: str
    title: str
    load: Load | None = None
    checks: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)


@dataclass
class Report:
    options: argparse.Namespace
    machine: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    descriptions: dict = field(default_factory=dict)
    queries: dict = field(default_factory=dict)
    scenarios: dict = field(default_factory=dict)
    worker_rss_kb: list = field(default_factory=list)
    # {server name: its workers' peak RSS in kB}: which configuration needs the memory.
    worker_rss_by_server: dict = field(default_factory=dict)
    # {server name: PSS of each worker after its load, kB}
    worker_pss_by_server: dict = field(default_factory=dict)
    cached_sql: dict | None = None
    uncached_sql: dict | None = None
    service_ms: float | None = None
    # (median, p95) of one search at a time: the target's p95 without wrk's queue.
    search_service_ms: tuple | None = None
    import_seconds: float | None = None
    import_source: str = ""
    # {pages: median ms of one uncached request alone}
    single_ms: dict = field(default_factory=dict)
    # {pages: bench/site_probe.py scale's answer}
    scale: dict = field(default_factory=dict)
    # {pages: bench/search_bench.py's Report after measure_serving}
    search: dict = field(default_factory=dict)
    purge: str = "not run"
    purge_ok: bool = False
    # ms of the purge call itself ("purge"), and from the publish's start to the purge sent
    # ("publish to purge"), of the first publish in the purge check.
    purge_ms: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def scenario(self, key, title):
        self.scenarios[key] = Scenario(key, title)
        return self.scenarios[key]


# Tools and the machine ----------------------------------------------------------------------


def install_missing_tools():
    """nginx, varnish and wrk from Debian's packages; apt-get update only if the install fails."""
    missing = sorted({package for tool, package in TOOLS.items() if not find_tool(tool)})
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"Missing {', '.join(missing)}: apt-get install {' '.join(missing)}")
    print(f"Installing {', '.join(missing)} ...", file=sys.stderr)
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)
    still = [tool for tool in TOOLS if not find_tool(tool)]
    if still:
        raise SystemExit(f"Still missing after apt-get install: {', '.join(still)}")


def tool_version(argv, pattern):
    result = subprocess.run(argv, capture_output=True, text=True)
    match = re.search(pattern, result.stdout + result.stderr)
    return match.group(1) if match else "?"


def describe_machine(database_url):
    with generate_site.connect(generate_site.maintenance_url(database_url)) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    return {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "host": platform.node(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": postgres.split()[0],
        "varnish": tool_version([find_tool("varnishd"), "-V"], r"varnish-([\d.]+)"),
        "nginx": tool_version([find_tool("nginx"), "-v"], r"nginx/([\d.]+)"),
        "wrk": tool_version([find_tool("wrk"), "--version"], r"wrk (?:debian/)?([\d.]+)"),
    }


# wrk ----------------------------------------------------------------------------------------


def run_wrk(url, seconds, script):
    """wrk -t2 -c32 for `seconds`; the done() hook reports requests, latency and errors."""
    argv = [
        find_tool("wrk"),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^BENCH (.*)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        raise BenchError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    values = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", match.group(1))}
    errors = {key: int(values[key]) for key in ("connect", "read", "write", "timeout", "status")}
    return Load(
        requests=int(values["requests"]),
        seconds=values["duration_us"] / 1e6,
        bytes=int(values["bytes"]),
        p50=values["p50"] / 1000,
        p95=values["p95"] / 1000,
        p99=values["p99"] / 1000,
        max=values["max"] / 1000,
        errors=errors,
    )


def warm_up(port, path, seconds, script):
    """Untimed load first: both workers started, every cache in the path filled. Then one more
    request, answered only once the requests wrk left queued in the server's backlog are done,
    so the timed run starts on an idle server."""
    run_wrk(
        f"http://127.0.0.1:{port}{path}", WARM_SECONDS["quick" if seconds < 10 else "full"], script
    )
    fetch(port, path, timeout=120)


def measure(scenario, port, path, seconds, script, expected):
    """The timed run of a scenario; every answer must be the expected 200.

    wrk counts answers of 400 and up as status errors but not redirects, so the average size
    of an answer is compared with the verified one's as well: a run of redirects or error
    pages would be a fraction of it."""
    load = run_wrk(f"http://127.0.0.1:{port}{path}", seconds, script)
    scenario.load = load
    if load.requests == 0:
        scenario.problems.append("no request completed")
        return load
    if load.failed:
        described = ", ".join(f"{count} {kind}" for kind, count in load.errors.items() if count)
        scenario.problems.append(f"failed requests: {described} (status = answers ≥ 400)")
    size = len(expected.body)
    average = load.bytes / load.requests
    if not size <= average <= size + 4096:
        scenario.problems.append(
            f"answers averaged {average:.0f} bytes against {size} for the verified 200: "
            "some were not that page"
        )
    else:
        scenario.checks.append(f"all {load.requests:,} answers page-sized")
    return load


# The app ------------------------------------------------------------------------------------


def app_env(site, secret, redis_url=None, page_cache_seconds=0, frontend_cache_url=None):
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env |= harness.LOCAL_PRODUCTION | harness.offline_proxy_env()
    env |= {
        "SECRET_KEY": secret,
        "DATABASE_URL": site.database_url,
        "MEDIA_ROOT": str(site.media_root),
        "PAGE_CACHE_SECONDS": str(page_cache_seconds),
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    if frontend_cache_url:
        env["FRONTEND_CACHE_URL"] = frontend_cache_url
    return env


def probe(env, *args):
    """bench/site_probe.py's JSON answer, run quietly with the app's settings."""
    output = run_python(
        [BASE_DIR / "bench" / "site_probe.py", *args],
        env | {"LOG_LEVEL": "WARNING"},
        f"site_probe.py {args[0]}",
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def collect_static(env):
    """Production's whitenoise manifest storage needs collectstatic before any page renders."""
    manage(env, "collectstatic", "--noinput", "-v0", what="collectstatic")


def worker_memory_kb(master, field, file="status"):
    """A memory field (kB) of each of the app server's workers (the master's children), read from
    /proc/<pid>/<file>."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    values = []
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/{file}").read_text()
        except (FileNotFoundError, PermissionError):
            continue
        match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
        if match:
            values.append(int(match.group(1)))
    return values


def worker_peak_rss_kb(master):
    """VmHWM of each worker: its peak resident memory, counting in full the pages it shares with
    the master and the other workers (the code of every library, the preloaded app)."""
    return worker_memory_kb(master, "VmHWM")


def worker_pss_kb(master):
    """PSS of each worker now: its own pages, plus its share of those it shares."""
    return worker_memory_kb(master, "Pss", file="smaps_rollup")


def flush_redis(redis_url):
    import redis

    redis.Redis.from_url(redis_url, socket_timeout=5).flushdb()


def database_activity(site, app):
    """PostgreSQL's counters for the site's database: transactions (every query Django runs in
    autocommit is one) and sessions (connections opened).

    A backend reports its counters when its transaction ends but at most once a second, and an
    idle one kept open (production's CONN_MAX_AGE) may hold them back for 10 s. So the app is
    left to finish what wrk left queued, then its connections are ended, which makes each
    backend report on the way out; Django opens a new one on its next query."""
    fetch(app.port, "/robots.txt", timeout=120)
    name = site.database_name
    with generate_site.connect(generate_site.maintenance_url(site.database_url)) as db:
        others = "datname = %s AND pid <> pg_backend_pid()"
        db.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}", [name])
        for _attempt in range(50):
            count = f"SELECT count(*) FROM pg_stat_activity WHERE {others}"
            if db.execute(count, [name]).fetchone()[0] == 0:
                break
            time.sleep(0.1)
    query = "SELECT xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = %s"
    previous = None
    for _attempt in range(20):
        # A fresh connection each time: no cached snapshot of the statistics.
        with generate_site.connect(generate_site.maintenance_url(site.database_url)) as db:
            current = db.execute(query, [name]).fetchone()
        if current == previous:
            break
        previous = current
        time.sleep(0.5)
    return {"transactions": current[0], "sessions": current[1]}


def sql_per_request(before, after, load):
    delta = {key: after[key] - before[key] for key in before}
    return delta | {"per_request": delta["transactions"] / max(load.requests, 1)}


def service_times_ms(port, path, count=SEQUENTIAL_REQUESTS):
    """Times of one request at a time, sorted: the app's own work, without wrk's queue."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        expect_200(fetch(port, path), path)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def service_time_ms(port, path, count=SEQUENTIAL_REQUESTS):
    """Median time of one request at a time."""
    return statistics.median(service_times_ms(port, path, count))


# Scenarios ----------------------------------------------------------------------------------


@contextmanager
def reported(scenario):
    """A scenario that cannot go on records why; the next one still runs."""
    with reported_all(scenario):
        yield


@contextmanager
def reported_all(*scenarios):
    """The same for scenarios that share a server: if it does not start, none of them runs."""
    try:
        yield
    except HarnessError as error:
        for scenario in scenarios:
            scenario.problems.append(str(error))


def start_server(servers, name, env, options, ready="/healthz/", app="kbsite.wsgi"):
    """The app server every scenario here runs (--server), WORKERS workers."""
    return harness.start_app_server(
        servers,
        name,
        env,
        server=options.server,
        workers=WORKERS,
        threads=options.threads,
        ready=ready,
        app=app,
    )


def describe_workers(options):
    return harness.describe_app_server(options.server, WORKERS, options.threads)


@contextmanager
def serving(report, servers, name, env, record_rss=True):
    """The app server for a group of scenarios; its workers' peak RSS is read before it stops (and
    counted towards the target only with `record_rss`: the largest site's scenarios)."""
    app = start_server(servers, name, env, report.options)
    try:
        yield app
    finally:
        peaks = worker_peak_rss_kb(app.process)
        if record_rss:
            report.worker_rss_kb += peaks
            report.worker_rss_by_server[name] = peaks
            report.worker_pss_by_server[name] = worker_pss_kb(app.process)
        servers.stop(app)


def note_healthz(report, context, app):
    context["healthz"] = app.ready.status == 200
    if not context["healthz"] and "healthz" not in context.get("noted", ()):
        context.setdefault("noted", set()).add("healthz")
        report.notes.append(
            f"/healthz/ answered {app.ready.status}: no health check yet, so Varnish's probe was "
            "left out of the rendered VCL (it would mark the app sick)."
        )


def verify_uncached(scenario, answer):
    state = answer.header("x-page-cache")
    if state == "HIT":
        scenario.problems.append("X-Page-Cache: HIT with PAGE_CACHE_SECONDS=0")
    else:
        scenario.checks.append(f"X-Page-Cache: {state or 'absent'}")


def run_all_caches_off(report, servers, context):
    """(a0): no Redis, so neither the page cache nor the navigation cache."""
    scenario = report.scenario("a0", "deep page, every cache off (no REDIS_URL), app server")
    env = app_env(context["site"], context["secret"], page_cache_seconds=0)
    with reported(scenario), serving(report, servers, "server-a0", env) as app:
        note_healthz(report, context, app)
        answer = app.get(context["path"], "the deep page")
        verify_uncached(scenario, answer)
        warm_up(app.port, context["path"], *context["timing"])
        measure(scenario, app.port, context["path"], *context["timing"], answer)


def run_app_uncached(report, servers, context):
    """(a) the deep page and (d) a search, page cache off, navigation cached in Redis."""
    site, redis_url, path = context["site"], context["redis_url"], context["path"]
    env = app_env(site, context["secret"], redis_url, 0, context["varnish_url"])
    page = report.scenario(
        "a", "deep page, app uncached (PAGE_CACHE_SECONDS=0, navigation in Redis), app server"
    )
    term = context["description"]["search"]
    search = report.scenario(
        "d", f"search ?q={term['term']} ({term['matches']:,} pages match), app uncached, app server"
    )
    with reported_all(page, search), serving(report, servers, "server-a", env) as app:
        note_healthz(report, context, app)
        with reported(page):
            flush_redis(redis_url)
            answer = app.get(path, "the deep page")
            verify_uncached(page, answer)
            context["html"] = answer.body
            warm_up(app.port, path, *context["timing"])
            before = database_activity(site, app)
            load = measure(page, app.port, path, *context["timing"], answer)
            report.uncached_sql = sql_per_request(before, database_activity(site, app), load)
            report.service_ms = service_time_ms(app.port, path)

        with reported(search):
            flush_redis(redis_url)
            search_path = f"/search/?q={term['term']}"
            answer = app.get(search_path, "the search")
            if b"<mark>" in answer.body:
                search.checks.append("results shown")
            else:
                search.problems.append("the search page shows no highlighted result")
            warm_up(app.port, search_path, *context["timing"])
            measure(search, app.port, search_path, *context["timing"], answer)
            times = service_times_ms(app.port, search_path, 2 * SEQUENTIAL_REQUESTS)
            report.search_service_ms = (
                statistics.median(times),
                times[min(len(times) - 1, int(0.95 * len(times)))],
            )


def verify_page_cache(scenario, app, path):
    """Two GETs: the first may fill the page cache, the second must come from it."""
    app.get(path, "the deep page")
    answer = app.get(path, "the deep page")
    state = answer.header("x-page-cache")
    if state is None:
        scenario.problems.append(
            "no X-Page-Cache header: the app's page cache (PageCacheMiddleware) is not there "
            "or not on"
        )
    elif state != "HIT":
        scenario.problems.append(f"X-Page-Cache: {state} on the second request, not HIT")
    else:
        scenario.checks.append("X-Page-Cache: HIT")
    return answer


def verify_varnish(scenario, port, path):
    """Two GETs through Varnish: the second must be a hit."""
    fetch(port, path)
    answer = expect_200(fetch(port, path), "the deep page through Varnish")
    state = answer.header("x-cache")
    if state != "HIT":
        scenario.problems.append(
            f"X-Cache: {state or 'absent'} on the second request, not HIT "
            f"(Cache-Control: {answer.header('cache-control') or 'none'})"
        )
    else:
        scenario.checks.append("X-Cache: HIT")
    return answer


def render_vcl(workdir, backend_port, with_probe):
    """deploy/varnish/render.py's VCL for this app server (without the probe if there is no
    /healthz/ to answer it)."""
    vcl = harness.render_vcl(f"127.0.0.1:{backend_port}", workdir / "bench.vcl")
    if not with_probe:
        vcl.write_text(re.sub(r"^\s*\.probe = healthz;\n", "", vcl.read_text(), flags=re.M))
    return vcl


# The purge is timed where it is sent: pages/caching/purging.py's PendingPurge.send (the page
# cache's generation, then the proxy's PURGE batch and BAN), wrapped for this process only.
PUBLISH_SUMMARY = """
import json, os, time
from wagtail.models import Page
from pages.caching import purging
sends = []
pending = getattr(purging, "PendingPurge", None)
if pending is not None and hasattr(pending, "send"):
    send = pending.send
    def timed_send(self):
        started = time.perf_counter()
        try:
            return send(self)
        finally:
            sends.append((started, time.perf_counter()))
    pending.send = timed_send
page = Page.objects.get(pk=int(os.environ["BENCH_PAGE_ID"])).specific
page.summary = os.environ["BENCH_SUMMARY"]
revision = page.save_revision()
started = time.perf_counter()
revision.publish()
if sends:
    print("BENCH_PURGE " + json.dumps({
        "purge": sum(end - start for start, end in sends) * 1000,
        "publish to purge": (max(end for _, end in sends) - started) * 1000,
        "sends": len(sends),
    }))
"""


def publish_summary(env, page_id, summary):
    """A change published through Wagtail's API, in a process of its own, as an editor's is.
    The purge's timing ({"purge": ms, "publish to purge": ms}), or {} if it was not timed."""
    ran = manage(
        env | {"BENCH_PAGE_ID": str(page_id), "BENCH_SUMMARY": summary, "LOG_LEVEL": "WARNING"},
        *("shell", "-c", PUBLISH_SUMMARY),
        what="publishing the deep page",
    )
    match = re.search(r"^BENCH_PURGE (.*)$", ran.stdout, re.MULTILINE)
    return json.loads(match.group(1)) if match else {}


def check_purge(report, env, varnish_port, context):
    """Publish a new summary on the deep page; the very next read through Varnish shows it.
    The old summary is published again afterwards, and must show at once too."""
    page = context["description"]["deep_page"]
    path = context["path"]
    token = f"Purge check {secrets.token_hex(4)}."
    before = fetch(varnish_port, path)
    report.purge_ms = publish_summary(env, page["id"], f"{page['summary']} {token}")
    if not report.purge_ms:
        report.notes.append(
            "The purge was not timed: pages/caching/purging.py has no PendingPurge.send to wrap."
        )
    after = fetch(varnish_port, path)
    shows_change = after.status == 200 and token.encode() in after.body
    publish_summary(env, page["id"], page["summary"])
    restored = fetch(varnish_port, path)
    shows_restore = restored.status == 200 and token.encode() not in restored.body
    report.purge_ok = shows_change and shows_restore
    states = f"X-Cache: {before.header('x-cache')} before, {after.header('x-cache')} after"
    if report.purge_ok:
        report.purge = (
            f"met: the published change was served through Varnish on the next request ({states}"
            f"), and so was the summary published back ({restored.header('x-cache')})"
        )
    elif not shows_change:
        report.purge = (
            f"**not met**: after publishing, Varnish still served the old page ({states}; "
            f"status {after.status})"
        )
    else:
        report.purge = "**not met**: the change showed, but the restored summary did not"


def run_cached(report, servers, context):
    """(b) the app's page cache, then (c) Varnish in front of the same app server; the purge."""
    site, redis_url, path = context["site"], context["redis_url"], context["path"]
    env = app_env(site, context["secret"], redis_url, 3600, context["varnish_url"])
    cached = report.scenario("b", "deep page from the app's page cache (3600 s), app server")
    proxied = report.scenario("c", "deep page through Varnish (in front of b's app server)")
    with reported_all(cached, proxied), serving(report, servers, "server-b", env) as app:
        note_healthz(report, context, app)
        with reported(cached):
            flush_redis(redis_url)
            answer = verify_page_cache(cached, app, path)
            warm_up(app.port, path, *context["timing"])
            before = database_activity(site, app)
            load = measure(cached, app.port, path, *context["timing"], answer)
            report.cached_sql = sql_per_request(before, database_activity(site, app), load)

        with reported(proxied):
            vcl = render_vcl(context["workdir"], app.port, context["healthz"])
            varnish = harness.start_varnish(
                servers, vcl, context["workdir"], port=context["varnish_port"]
            )
            port = varnish.port
            try:
                flush_redis(redis_url)
                answer = verify_varnish(proxied, port, path)
                if answer.body != context.get("html", answer.body):
                    proxied.notes.append("not the same bytes as (a)")
                warm_up(port, path, *context["timing"])
                measure(proxied, port, path, *context["timing"], answer)
                try:
                    check_purge(report, env, port, context)
                except HarnessError as error:
                    report.purge = f"**not run**: {error}"
            finally:
                servers.stop(varnish)


def run_static(report, servers, context):
    """(e) the HTML of (a), saved as a file and served by nginx."""
    scenario = report.scenario("e", "the same HTML as a file from nginx (the machine's limit)")
    html = context.get("html")
    if html is None:
        scenario.problems.append("not run: (a) did not produce the page's HTML")
        return
    workdir = context["workdir"] / "nginx"
    root = workdir / "site"
    root.mkdir(parents=True)
    for folder in (workdir, root):
        folder.chmod(0o755)
    (root / "deep.html").write_bytes(html)
    (root / "deep.html").chmod(0o644)
    with reported(scenario):
        nginx = harness.start_nginx(servers, root, workdir, ready="/deep.html")
        try:
            measure_same_bytes(scenario, nginx, "nginx", "/deep.html", html, context)
        finally:
            servers.stop(nginx)


def measure_same_bytes(scenario, server, what, path, html, context):
    """wrk on `path` of `server`, once its first answer is checked to be (a)'s page."""
    answer = expect_200(server.ready, what, server)
    if answer.body == html:
        scenario.checks.append("same bytes as (a)")
    else:
        scenario.problems.append(f"{what} served other bytes than (a)'s page")
    warm_up(server.port, path, *context["timing"])
    measure(scenario, server.port, path, *context["timing"], answer)


def run_server_limit(report, servers, context):
    """(f) the HTML of (a) from a WSGI app that does nothing else, under the app server with the
    same workers: what the server itself serves on this machine, the ceiling of (a) and (b)."""
    scenario = report.scenario(
        "f", "the same HTML from a WSGI app that only returns it, app server (the server's limit)"
    )
    html = context.get("html")
    if html is None:
        scenario.problems.append("not run: (a) did not produce the page's HTML")
        return
    page = context["workdir"] / "bytes-app-page.html"
    page.write_bytes(html)
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env["BENCH_BYTES_FILE"] = str(page)
    with reported(scenario):
        app = start_server(
            servers, "server-f", env, report.options, ready="/", app="bench.bytes_app"
        )
        try:
            measure_same_bytes(scenario, app, "bench/bytes_app.py", "/", html, context)
        finally:
            servers.stop(app)


def run_single(report, servers, context):
    """One uncached request for the deep page alone, at every size: the app server, page cache
    off and the navigation in Redis, as (a), the median of SINGLE_REQUESTS after a warm-up."""
    count = SINGLE_REQUESTS["quick" if report.options.quick else "full"]
    for pages, site in sorted(report.sites.items()):
        path = report.descriptions[pages]["deep_page"]["url"]
        env = app_env(site, context["secret"], context["redis_url"], 0)
        name = f"server-single-{pages}"
        try:
            with serving(report, servers, name, env, record_rss=False) as app:
                flush_redis(context["redis_url"])
                # Every worker's first requests load templates, content types and the tree.
                for _ in range(5 * WORKERS):
                    expect_200(fetch(app.port, path, timeout=120), path, app)
                report.single_ms[pages] = service_time_ms(app.port, path, count)
        except HarnessError as error:
            report.problems.append(f"one request alone, {pages:,} pages: {error}")


def run_scale(report, context):
    """bench/site_probe.py scale at every size, page cache off, navigation in Redis."""
    repeat = SCALE_REPEAT["quick" if report.options.quick else "full"]
    for pages, site in sorted(report.sites.items()):
        deep = report.descriptions[pages]["deep_page"]
        env = app_env(site, context["secret"], context["redis_url"], 0)
        flush_redis(context["redis_url"])
        try:
            args = ("--path", deep["url"], "--page-id", str(deep["id"]), "--repeat", str(repeat))
            report.scale[pages] = answer = probe(env, "scale", *args)
        except HarnessError as error:
            report.problems.append(f"scale measures, {pages:,} pages: {error}")
            continue
        for name, measured in answer["measures"].items():
            if "error" in measured:
                report.problems.append(f"{name}, {pages:,} pages: {measured['error']}")


def search_sizes(report):
    """The sizes search is measured at: SEARCH_FROM_PAGES and up, else the largest."""
    big = [pages for pages in sorted(report.sites) if pages >= SEARCH_FROM_PAGES]
    return big or [max(report.sites)]


def run_search(report, context):
    """bench/search_bench.py's one search at a time, instant search and wrk, on these sites."""
    import search_bench

    timing = argparse.Namespace(quick=report.options.quick, seconds=report.options.seconds)
    for pages in search_sizes(report):
        measured = search_bench.Report(timing)
        workdir = context["workdir"] / f"search-{pages}"
        workdir.mkdir()
        try:
            search_bench.measure_serving(
                measured,
                timing,
                report.sites[pages],
                workdir,
                report.options,
            )
        except HarnessError as error:
            report.problems.append(f"search, {pages:,} pages: {error}")
            continue
        report.search[pages] = measured
        report.problems += [f"search, {pages:,} pages: {p}" for p in measured.problems]


# The import ---------------------------------------------------------------------------------


def time_import(workdir, pages=1000, depth=4, seed=1):
    """First import of a generated 1,000-page book into a fresh PostgreSQL database, timed as
    bench/import_bench.py times it (one manage.py process, DEBUG off)."""
    import import_bench

    url = generate_site.database_url(pages, suffix="import")
    problem = import_bench.recreate_postgres(url)
    if problem:
        raise BenchError(problem)
    try:
        book = workdir / "import-book"
        generate_site.generate_book(book, pages, depth, seed)
        env = harness.manage_env(url, workdir / "import-media")
        manage(env, "migrate", "--noinput", "-v0")
        ran = manage(env, "import_gitbook", book, "-v0")
        return ran.seconds, import_bench.report_line(ran.stdout)
    finally:
        generate_site.drop_database(url)


def read_import_results():
    """The PostgreSQL first import from bench/import-results.md (make bench-import)."""
    if not IMPORT_RESULTS.exists():
        return None, f"{IMPORT_RESULTS.name} is missing: run make bench-import"
    text = IMPORT_RESULTS.read_text(encoding="utf-8")
    row = re.search(r"^\| PostgreSQL \| first import \| ([\d.]+) \|", text, re.MULTILINE)
    when = re.search(r"Measured (.+? UTC)", text)
    heading = text.splitlines()[0].removeprefix("# Import benchmark: ")
    if not row:
        return None, f"no PostgreSQL first import in {IMPORT_RESULTS.name}"
    return float(row.group(1)), (
        f"from bench/{IMPORT_RESULTS.name} ({heading}, {when.group(1) if when else '?'})"
    )


# The table ----------------------------------------------------------------------------------


def verdict(met):
    if met is None:
        return "n/a"
    return "met" if met else "**not met**"


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def scenario_target(report, key):
    """The targets a scenario has, each met or not."""
    scenarios = report.scenarios
    load = scenarios[key].load if key in scenarios else None
    static = scenarios["e"].load if "e" in scenarios else None
    if load is None:
        return ""
    if key == "a":
        queries = warm_query_counts(report)
        same = None if None in queries else len(set(queries)) == 1
        limit = TARGETS["uncached rps"]
        return (
            f"≥ {limit} rps: {verdict(load.rps >= limit)}; "
            f"same queries at every size: {verdict(same)}"
        )
    if key == "b":
        sql = report.cached_sql
        zero = None if sql is None else sql["transactions"] == 0
        limit = TARGETS["cached rps"]
        target = f"≥ {limit:,} rps: {verdict(load.rps >= limit)}; "
        target += f"0 SQL per request: {verdict(zero)}"
        limit_load = scenarios["f"].load if "f" in scenarios else None
        if limit_load is not None:
            target += f"; {load.rps / limit_load.rps:.2f} × the server's own limit (f)"
        return target
    if key == "c" and static:
        limit = TARGETS["proxy ratio"]
        return f"≥ {limit} × (e): {verdict(load.rps / static.rps >= limit)}"
    if key == "d":
        limit = TARGETS["search rps"]
        return f"≥ {limit} rps: {verdict(load.rps >= limit)}"
    return ""


def sizes(report):
    return sorted(report.queries)


def warm_query_counts(report):
    """The deep page's queries with the navigation cache warm, smallest site first."""
    return [report.queries[n].get("deep_page", {}).get("warm") for n in sizes(report)]


def scenario_rows(report):
    static = report.scenarios.get("e")
    static_rps = static.load.rps if static and static.load else None
    rows = [
        "| | Scenario | Requests/s | p50 ms | p95 ms | p99 ms | × (e) | Failed | Target "
        "| Checked |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for key in ("a0", "a", "b", "c", "d", "e", "f"):
        scenario = report.scenarios.get(key)
        if scenario is None:
            continue
        load = scenario.load
        checked = scenario.checks + scenario.notes
        if scenario.problems:
            checked = ["**FAILED: " + "; ".join(scenario.problems) + "**", *checked]
        checked = "; ".join(checked).replace("|", "\\|").replace("\n", " ")
        if load is None:
            rows.append(f"| {key} | {scenario.title} | | | | | | | | {checked} |")
            continue
        ratio = f"{load.rps / static_rps:.2f}" if static_rps else "n/a"
        rows.append(
            f"| {key} | {scenario.title} | {load.rps:,.0f} | {load.p50:.1f} | {load.p95:.1f} | "
            f"{load.p99:.1f} | {ratio} | {load.failed} | {scenario_target(report, key)} | "
            f"{checked} |"
        )
    return rows


def measure_rows(report):
    rows = ["| Measure | Value | Target |", "| --- | --- | --- |"]
    warm = warm_query_counts(report)
    same = None if None in warm else len(set(warm)) == 1
    for pages in sizes(report):
        counts = report.queries[pages]
        if "error" in counts:
            rows.append(f"| SQL queries, deep page, {pages:,} pages | {counts['error']} | |")
            continue
        page = counts["deep_page"]
        deep = report.descriptions[pages]["deep_page"]
        limit = TARGETS["uncached queries"]
        target = f"≤ {limit}: {verdict(page['warm'] <= limit)}"
        if pages == max(report.queries):
            target += f"; same at every size: {verdict(same)}"
        rows.append(
            f"| SQL queries, deep page ({deep['book_depth']} deep), {pages:,} pages | "
            f"{page['warm']} with the navigation cache warm, {page['cold']} cold "
            f"({page['first']} on a new process's first request) | {target} |"
        )
    rows += single_rows(report)
    big = report.queries.get(report.options.pages, {})
    if "admin_edit" in big:
        admin = big["admin_edit"]
        rows.append(
            f"| SQL queries, admin edit view of the deep page (superuser), "
            f"{report.options.pages:,} pages | {admin['warm']} "
            f"({admin['first']} on the process's first) | ≤ {TARGETS['admin queries']}: "
            f"{verdict(admin['warm'] <= TARGETS['admin queries'])} |"
        )
    if report.cached_sql is not None:
        sql = report.cached_sql
        rows.append(
            f"| SQL per request in (b), from pg_stat_database | {sql['per_request']:.3f} "
            f"({sql['transactions']:,} transactions and {sql['sessions']:,} connections over "
            f"{report.scenarios['b'].load.requests:,} requests) | 0: "
            f"{verdict(sql['transactions'] == 0)} |"
        )
    if report.uncached_sql is not None:
        sql = report.uncached_sql
        rows.append(
            f"| The same counter in (a), for comparison | {sql['per_request']:.1f} per request "
            f"({sql['transactions']:,} transactions over {report.scenarios['a'].load.requests:,}"
            " requests; a little high, as the requests wrk left queued are served too) | |"
        )
    if report.service_ms is not None:
        limit = TARGETS["uncached single ms"]
        rows.append(
            f"| (a) one request at a time after its load, median of {SEQUENTIAL_REQUESTS} | "
            f"{report.service_ms:.1f} ms | ≤ {limit} ms: {verdict(report.service_ms <= limit)} |"
        )
    if report.search_service_ms is not None:
        median, p95 = report.search_service_ms
        rows.append(
            f"| (d) one search for ?q=plasma at a time, {2 * SEQUENTIAL_REQUESTS} in a row | "
            f"median {median:.1f} ms, p95 {p95:.1f} ms | |"
        )
    if report.worker_rss_kb:
        peak_mb = max(report.worker_rss_kb) * 1024 / 1e6
        rows.append(
            f"| app server worker peak RSS (VmHWM after the load, max of "
            f"{len(report.worker_rss_kb)} workers) | {peak_mb:.1f} MB | "
            f"≤ {TARGETS['worker rss mb']} MB: {verdict(peak_mb <= TARGETS['worker rss mb'])} |"
        )
        for name, peaks in report.worker_rss_by_server.items():
            if peaks:
                pss = report.worker_pss_by_server.get(name)
                shared = f"; PSS after the load {max(pss) * 1024 / 1e6:.1f} MB" if pss else ""
                rows.append(
                    f"| … of the workers of {name} | {max(peaks) * 1024 / 1e6:.1f} MB{shared} | |"
                )
    rows.append(
        f"| Import of a 1,000-page book, PostgreSQL, first import | "
        f"{fmt(report.import_seconds)} s {report.import_source} | |"
    )
    for pages, site in sorted(report.sites.items()):
        built = (
            f"built in this run in {site.build_seconds:.0f} s ({site.import_report})"
            if site.build_seconds is not None
            else "reused (built in an earlier run with the same inputs)"
        )
        if site.import_seconds is not None:
            built += f"; import_gitbook {site.import_seconds:.0f} s"
        elif site.build_seconds is None:
            built += "; its import time was not recorded (built before it was)"
        target = ""
        if pages >= 50000 and site.import_seconds is not None:
            limit = TARGETS["import 50000 s"]
            target = f"import ≤ {limit / 60:.0f} min: {verdict(site.import_seconds <= limit)}"
        live = report.descriptions.get(pages, {}).get("live_pages")
        rows.append(
            f"| Site {site.database_name} ({site.depth} deep) | {fmt(live, 0)} live pages, "
            f"{built} | {target} |"
        )
    rows.append(
        f"| Purge check (publish through Wagtail, read through Varnish) | {report.purge} | |"
    )
    if report.purge_ms:
        limit = TARGETS["purge ms"]
        purge = report.purge_ms["purge"]
        rows.append(
            f"| The purge of that publish (PendingPurge.send: page cache, PURGE batch, BAN) | "
            f"{purge:.1f} ms ({report.purge_ms['publish to purge']:.0f} ms from the publish's "
            f"start to the purge sent) | ≤ {limit} ms: {verdict(purge <= limit)} |"
        )
    return rows


def single_rows(report):
    """One uncached request alone at each size, and how the largest compares with the smallest."""
    rows = []
    limit = TARGETS["uncached single ms"]
    smallest = min(report.single_ms) if report.single_ms else None
    for pages, ms in sorted(report.single_ms.items()):
        target = f"≤ {limit} ms: {verdict(ms <= limit)}"
        if pages != smallest:
            ratio = ms / report.single_ms[smallest]
            target += f"; {ratio:.2f} × the {smallest:,}-page time"
        rows.append(
            f"| Deep page, app uncached, one request alone (median of "
            f"{SINGLE_REQUESTS['quick' if report.options.quick else 'full']}), {pages:,} pages | "
            f"{ms:.1f} ms | {target} |"
        )
    return rows


def scale_reference(report):
    """The size the largest is compared with: 5,000 pages, else the next smaller one."""
    measured = sorted(report.scale)
    if len(measured) < 2:
        return None
    if SCALE_REFERENCE_PAGES in measured[:-1]:
        return SCALE_REFERENCE_PAGES
    return measured[-2]


def scale_rows(report):
    """Each scale measure's time and queries at every size, the largest's ratio to 5,000."""
    if not report.scale:
        return []
    measured = sorted(report.scale)
    largest, reference = measured[-1], scale_reference(report)
    names = []
    for pages in measured:
        names += [n for n in report.scale[pages]["measures"] if n not in names]
    limit = TARGETS["scale ratio"]
    heading = "| Measure | " + " | ".join(f"{pages:,} pages" for pages in measured)
    if reference:
        heading += f" | {largest:,} / {reference:,} | Target"
    rule = "| --- |" + " ---: |" * len(measured) + (" ---: | --- |" if reference else "")
    rows = [heading + " |", rule]
    for name in names:
        cells = []
        for pages in measured:
            one = report.scale[pages]["measures"].get(name)
            if one is None:
                cells.append("")
            elif "error" in one:
                cells.append("error")
            else:
                cells.append(f"{one['ms']:.1f} ms, {one['queries']} q")
        row = f"| {name} | " + " | ".join(cells)
        if reference:
            big = report.scale[largest]["measures"].get(name, {})
            base = report.scale[reference]["measures"].get(name, {})
            if "ms" in big and "ms" in base and base["ms"] > 0:
                ratio = big["ms"] / base["ms"]
                queries = (
                    "same queries"
                    if big["queries"] == base["queries"]
                    else (f"queries {base['queries']} → {big['queries']}")
                )
                row += f" | {ratio:.2f} | within {limit}×: {verdict(ratio <= limit)}; {queries}"
            else:
                row += " | n/a | "
        rows.append(row + " |")
    return rows


def search_rows(report):
    """The search issue's targets at each size search was measured at."""
    if not report.search:
        return []
    import search_bench

    targets = search_bench.TARGETS
    rows = [
        "| Search, pages | One search alone p50 / p95 ms | Instant search p95 ms | "
        f"Requests/s, {CONNECTIONS} connections (p95 ms) | Targets |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for pages, measured in sorted(report.search.items()):
        search = search_bench.percentile(measured.search_times, 0.95)
        median = statistics.median(measured.search_times) if measured.search_times else None
        suggest = search_bench.percentile(measured.suggest_times, 0.95)
        load = measured.load
        met = [
            f"p95 ≤ {targets['search p95 ms']} ms: "
            f"{verdict(None if search is None else search <= targets['search p95 ms'])}",
            f"instant p95 ≤ {targets['suggest p95 ms']} ms: "
            f"{verdict(None if suggest is None else suggest <= targets['suggest p95 ms'])}",
            f"≥ {targets['search rps 32']} rps: "
            f"{verdict(None if load is None else load.rps >= targets['search rps 32'])}",
        ]
        rows.append(
            f"| {pages:,} ({len(measured.search_times)} queries, "
            f"{len(measured.suggest_times)} prefixes) | {fmt(median)} / {fmt(search)} | "
            f"{fmt(suggest)} | {fmt(load.rps if load else None, 0)} "
            f"({fmt(load.p95 if load else None)}) | {'; '.join(met)} |"
        )
    return rows


def summary_lines(report):
    """The plain lines scripts read: no thousands separators, n/a for what was not measured."""
    loads = {key: scenario.load for key, scenario in report.scenarios.items()}

    def plain(key, attribute, digits=1):
        load = loads.get(key)
        return "n/a" if load is None else f"{getattr(load, attribute):.{digits}f}"

    ratio = "n/a"
    if loads.get("c") and loads.get("e"):
        ratio = f"{loads['c'].rps / loads['e'].rps:.2f}"
    warm = ["n/a" if count is None else str(count) for count in warm_query_counts(report)]
    lines = [
        f"ratio proxy/static: {ratio}",
        f"cached rps: {plain('b', 'rps', 0)}",
        f"uncached p50 ms: {plain('a', 'p50')}",
        f"search p95 ms: {plain('d', 'p95')}",
        f"queries {' vs '.join(str(n) for n in sizes(report))}: {' '.join(warm)}",
    ]
    # The line scripts have always read, when the sizes are more than these two.
    pair = [100, 5000]
    if sizes(report) != pair and all(n in report.queries for n in pair):
        counts = dict(zip(sizes(report), warm, strict=True))
        lines.append(f"queries 100 vs 5000: {counts[100]} {counts[5000]}")
    if report.single_ms:
        lines.append(f"uncached single ms: {report.single_ms[max(report.single_ms)]:.1f}")
    # A number or no line: a site reused from before import times were recorded has none
    # (the table says so).
    for pages, site in sorted(report.sites.items()):
        if pages >= 50000 and site.import_seconds is not None:
            lines.append(f"pages {pages} import s: {site.import_seconds:.1f}")
    return lines


def render_table(report):
    options, machine = report.options, report.machine
    deep = report.descriptions.get(options.pages, {}).get("deep_page", {})
    lines = [
        f"# Serving benchmark: {options.pages:,} pages",
        "",
        f"Measured {machine.get('date')} on {machine.get('host')}: {machine.get('cores')} cores, "
        f"Python {machine.get('python')}, PostgreSQL {machine.get('postgresql')}, "
        f"Varnish {machine.get('varnish')}, nginx {machine.get('nginx')}, "
        f"wrk {machine.get('wrk')}; load average {machine.get('load', 0):.2f} before the "
        f"run, {machine.get('load_end', 0):.2f} at its end; by `make bench-serve` "
        "(bench/serve_bench.py).",
        "",
        f"Each scenario: wrk -t{THREADS} -c{CONNECTIONS} --timeout {WRK_TIMEOUT} for "
        f"{options.seconds} s after a warm-up, on the same machine as the servers. App server: "
        f"{describe_workers(options)} (--server {options.server}), `kbsite.wsgi`, "
        "kbsite.settings.production, no access log; the same for the one-request and search "
        "measures. Sites: "
        f"{', '.join(f'{pages:,}' for pages in sorted(report.sites))} pages; the scenarios serve "
        f"the largest. "
        f"The deep page: `{deep.get('url')}` ({deep.get('type')}, {deep.get('book_depth')} "
        "deep in the book). Latency in milliseconds, from wrk's own histogram.",
        "",
        *scenario_rows(report),
        "",
        *measure_rows(report),
        "",
    ]
    scale = scale_rows(report)
    if scale:
        reference = scale_reference(report)
        target = (
            f" Target: the largest within {TARGETS['scale ratio']}× of the {reference:,}-page time."
            if reference
            else " One size only: no ratio."
        )
        lines += [
            "Scale: each measure at every size, median of "
            f"{next(iter(report.scale.values()))['repeat']} after one untimed run, and SQL "
            "queries (q), from bench/site_probe.py scale (Django's test Client, or the template "
            "tag alone, in a process with the app's settings, page cache off, navigation in "
            f"Redis).{target}",
            "",
            *scale,
            "",
        ]
    search = search_rows(report)
    if search:
        lines += [
            "Search, as bench/search_bench.py measures it (its query mix: the relevance queries "
            "and the generated site's words; the search issue's targets), on these sites:",
            "",
            *search,
            "",
        ]
    notes = [
        "SQL per cached request is the change in PostgreSQL's pg_stat_database counters "
        "(xact_commit + xact_rollback) for the site's database across the timed run: in "
        "autocommit every query Django runs is a transaction of its own, nothing else uses "
        "that database meanwhile, and the app's connections are ended before each reading so "
        "that every backend has reported. The same counter in (a) shows it sees the queries.",
        "The app runs with HTTP(S)_PROXY set to a closed local port, as in the browser "
        "tests: the pages' made-up video links make the embed block ask the provider on every "
        "render, and without it this network-less machine's DNS sometimes takes 5 s to say no, "
        "stalling both workers.",
        "Query counts come from Django's test Client with CaptureQueriesContext in a process "
        "of their own (bench/site_probe.py), page cache off; 'cold' is the first request after "
        "the cache was cleared, 'warm' the next.",
        *report.notes,
        *report.problems,
    ]
    uncached = report.scenarios.get("a")
    if uncached and uncached.load and uncached.load.rps:
        notes.insert(
            0,
            f"(a)'s latency under load is mostly waiting: {CONNECTIONS} connections share "
            f"{describe_workers(report.options)}, so a request waits for those ahead of it "
            "and the p50 is "
            f"about {CONNECTIONS} / rps = {CONNECTIONS / uncached.load.rps * 1000:.0f} ms. "
            "The time of one request alone is in the second table.",
        )
    depths = {
        pages: described["deep_page"]["book_depth"]
        for pages, described in sorted(report.descriptions.items())
    }
    if len(set(depths.values())) > 1:
        notes.append(
            "The deep page is not as deep at every size (the books' depth follows their size, "
            "bench/generate_site.py): "
            + ", ".join(f"{depth} deep at {pages:,} pages" for pages, depth in depths.items())
            + "."
        )
    notes.append(
        "Where a target is not met, bench/profile-uncached.md gives the profile and the reason "
        "(its last section is the latest round)."
    )
    missing_import = [
        pages
        for pages, site in sorted(report.sites.items())
        if pages >= 50000 and site.import_seconds is None
    ]
    if missing_import:
        notes.append(
            f"No `pages {missing_import[0]} import s:` line: the site was built before its "
            "import time was recorded (--rebuild records it)."
        )
    if not any(pages >= 50000 for pages in report.sites):
        notes.append(
            "No 50,000-page site in this run (--sizes 100,5000,50000 adds it), so no "
            "`pages 50000 import s:` line."
        )
    lines += [f"- {note}" for note in notes]
    lines += ["", *summary_lines(report)]
    return "\n".join(lines) + "\n"


# Main ---------------------------------------------------------------------------------------


def prepare_sites(report, options):
    print("Sites:", file=sys.stderr)
    for pages in options.sizes:
        report.sites[pages] = generate_site.build_site(
            pages,
            options.depth,
            options.seed,
            options.rebuild,
            log=lambda line: print(line, file=sys.stderr),
        )


def count_site_queries(report, context):
    for pages, site in sorted(report.sites.items()):
        env = app_env(site, context["secret"], context["redis_url"], 0)
        report.descriptions[pages] = description = probe(env, "describe")
        deep = description["deep_page"]
        if deep["book_depth"] < 4:
            report.notes.append(
                f"The {pages}-page site's deepest topic is only {deep['book_depth']} deep."
            )
        flush_redis(context["redis_url"])
        try:
            report.queries[pages] = probe(
                env, "queries", "--path", deep["url"], "--page-id", str(deep["id"])
            )
        except HarnessError as error:
            report.queries[pages] = {"error": "could not count"}
            report.problems.append(f"The {pages}-page site: {error}")


def run_phase(report, name, function, *args):
    """One group of scenarios: a failure is reported and the others still run."""
    print(f"  {name} ...", file=sys.stderr)
    try:
        function(report, *args)
    except HarnessError as error:
        report.problems.append(f"{name}: {error}")
    except Exception as error:  # noqa: BLE001 - report it, stop the servers, go on
        traceback.print_exc()
        report.problems.append(f"{name}: {type(error).__name__}: {error}")


def run(options):
    install_missing_tools()
    # The machine may be shared: how busy it was before this run started.
    report = Report(options, machine={"load": os.getloadavg()[0]})
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    flush_redis(redis_url)
    prepare_sites(report, options)
    site = report.sites[options.pages]
    report.machine |= describe_machine(site.database_url)

    with tempfile.TemporaryDirectory(prefix="omgkb-serve-bench-") as temp:
        workdir = Path(temp)
        # varnishd and nginx's workers run as unprivileged users and read from here.
        workdir.chmod(0o755)
        script = workdir / "report.lua"
        script.write_text(WRK_REPORT)
        script.chmod(0o644)
        varnish_port = harness.free_port()
        context = {
            "site": site,
            "secret": secrets.token_urlsafe(50),
            "redis_url": redis_url,
            "script": script,
            "workdir": workdir,
            "varnish_port": varnish_port,
            "varnish_url": f"http://127.0.0.1:{varnish_port}",
        }
        context["timing"] = (options.seconds, script)

        print("Static files and query counts ...", file=sys.stderr)
        static_env = app_env(site, context["secret"])
        collect_static(static_env)
        count_site_queries(report, context)
        description = context["description"] = report.descriptions[options.pages]
        context["path"] = description["deep_page"]["url"]
        report.notes.append(
            f"collectstatic (for whitenoise's manifest) wrote to {description['static_root']}: "
            "STATIC_ROOT is fixed in kbsite/settings/base.py, not read from the environment."
        )

        if options.skip_import:
            report.import_seconds, report.import_source = read_import_results()
        else:
            print("Timing a 1,000-page import ...", file=sys.stderr)
            seconds, line = time_import(workdir)
            report.import_seconds, report.import_source = seconds, f"(this run: {line})"

        print("Scale measures ...", file=sys.stderr)
        run_phase(report, "scale", run_scale, context)

        print("Scenarios:", file=sys.stderr)
        with harness.Servers(workdir) as servers:
            run_phase(report, "one request alone", run_single, servers, context)
            run_phase(report, "a0", run_all_caches_off, servers, context)
            run_phase(report, "a, d", run_app_uncached, servers, context)
            run_phase(report, "b, c, purge", run_cached, servers, context)
            run_phase(report, "e", run_static, servers, context)
            run_phase(report, "f", run_server_limit, servers, context)
        print("Search:", file=sys.stderr)
        run_phase(report, "search", run_search, context)
        if report.problems or any(s.problems for s in report.scenarios.values()):
            kept = Path(tempfile.mkdtemp(prefix="omgkb-serve-bench-logs-"))
            for log in workdir.glob("**/*.log"):
                name = log.relative_to(workdir).as_posix().replace("/", "-")
                shutil.copy(log, kept / name)
            report.notes.append(f"The servers' logs are kept in {kept}.")
    report.machine["load_end"] = os.getloadavg()[0]
    return report


def page_counts(text):
    """--sizes: "100,5000,50000" → [100, 5000, 50000]."""
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not page counts: {text!r}") from None
    if not counts or min(counts) < 10:
        raise argparse.ArgumentTypeError("every size must be at least 10 pages")
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.strip().splitlines()[0],
        epilog="Issue 24's run: --sizes 100,5000,50000 (the 50,000-page site takes long to "
        "build the first time; it is kept and reused like the others).",
    )
    parser.add_argument(
        "--sizes",
        type=page_counts,
        default=[100, 5000],
        help="Comma-separated page counts of the sites (default 100,5000). Queries, one request "
        "alone and the scale measures run at every size, search at 5,000 and up, the scenarios "
        "at the largest.",
    )
    parser.add_argument(
        "--depth",
        type=int,
        default=None,
        help="Deepest nesting in every book (default: 4 up to 5,000 pages, 5 above).",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server",
        choices=harness.APP_SERVERS,
        default="granian",
        help="The app server of every scenario: granian as production runs it (default), or "
        "gunicorn's sync or gthread workers, to compare.",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="Threads per gthread worker (with --server gthread; default 4).",
    )
    parser.add_argument("--seconds", type=int, default=20, help="Length of each timed run.")
    parser.add_argument("--quick", action="store_true", help="3 s per scenario, to try it out.")
    parser.add_argument(
        "--rebuild", action="store_true", help="Build every site again even if unchanged."
    )
    parser.add_argument(
        "--skip-import",
        action="store_true",
        help="Take the 1,000-page import time from bench/import-results.md instead of timing it.",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="Where to write the table.")
    options = parser.parse_args(argv)
    if options.quick:
        options.seconds = 3
    # The served site: the scenarios, the admin edit view's queries and the purge check.
    options.pages = max(options.sizes)
    harness.stop_on_signals()

    report = run(options)
    table = render_table(report)
    print(table)
    options.output.write_text(table, encoding="utf-8")
    print(f"Written to {options.output}.", file=sys.stderr)
    failed = report.problems or any(s.problems for s in report.scenarios.values())
    return 1 if failed or not report.purge_ok else 0


if __name__ == "__main__":
    sys.exit(main())
