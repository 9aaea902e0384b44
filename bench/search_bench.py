"""
How well and how fast reader search answers: relevance on the real knowledge base, speed on a
generated 5,000-page site.

    python bench/search_bench.py [--pages 5000] [--compare-pages 100] [--seconds 20 | --quick]
                                 [--skip-relevance] [--no-reindex] [--output FILE]

1. Relevance: fixtures/omg-kb imported into a scratch SQLite database and a scratch PostgreSQL
   one, and every case of tests/search/relevance.py searched on each: the share of queries with
   an expected page in the top 3 (hit rate) and the mean reciprocal rank over the first 10.
2. One search at a time: every relevance query and a set of the generated site's own words
   (with misspellings and pairs), each asked once, in a row, of the app server serving the
   5,000-page site (2 workers, production settings, Redis as the cache, page cache off): p50 / p95.
3. The instant search (/search/suggest/?q=) the same way, with the queries' prefixes.
4. Load: wrk -t2 -c32 on the same app server, a Lua script rotating through the mix of (2).
5. SQL queries of one /search/ request (and one /search/suggest/) at --compare-pages and --pages
   pages, from Django's CaptureQueriesContext in a process of its own.

The generated sites are bench/generate_site.py's, in databases of their own:
<BENCH_POSTGRES_URL's name>_search_<pages> (omgkb_bench_search_5000, omgkb_bench_search_100),
kept and reused like the serving benchmark's; the search index is rebuilt on them
(pages.search.indexer.index_all) unless --no-reindex. Writes bench/search-results.md, ending
with plain `name: value` lines for scripts. Targets met or not are reported, not enforced; the
exit status is 1 only when something could not be measured.

Environment: BENCH_POSTGRES_URL (see bench/generate_site.py), BENCH_SEARCH_REDIS_URL (default
redis://127.0.0.1:6379/13, flushed before each measurement: give it a database of its own).
"""

import argparse
import gc
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus, urlsplit, urlunsplit

# bench/ is on sys.path: this file runs as a script (bench/harness.py says how it is imported).
import generate_site
import harness
import serve_bench
from generate_book import WORDS
from harness import HarnessError, expect_200, fetch, find_tool, manage, run_python

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from tests.search import relevance  # noqa: E402 - the table is plain Python, no Django

BOOK = BASE_DIR / "fixtures" / "omg-kb"
RESULTS = BASE_DIR / "bench" / "search-results.md"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
SEARCH_TERM = "plasma"  # on nearly every generated page (bench/site_probe.py)
SUGGEST_TERM = "pla"
TARGETS = {
    "hit rate": 0.95,
    "search p95 ms": 40,
    "suggest p95 ms": 20,
    "search rps 32": 150,
}
# One search at a time: how many generated-site queries join the relevance queries.
GENERATED_QUERIES = {"full": 60, "quick": 30}


class SearchBenchError(HarnessError):
    """A measurement that could not be made or whose answers were wrong."""


@dataclass
class Report:
    options: argparse.Namespace
    machine: dict = field(default_factory=dict)
    relevance: dict = field(default_factory=dict)  # {"SQLite": probe answer, ...}
    sites: dict = field(default_factory=dict)
    reindex: dict = field(default_factory=dict)  # {pages: probe answer}
    queries: dict = field(default_factory=dict)  # {pages: probe answer}
    search_times: list = field(default_factory=list)
    repeat_times: list = field(default_factory=list)
    suggest_times: list = field(default_factory=list)
    slowest: list = field(default_factory=list)
    slowest_suggest: list = field(default_factory=list)
    engine_times: list = field(default_factory=list)  # [(ms, query)] of search() alone
    load: serve_bench.Load | None = None
    mix: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)


# The Django side: `python bench/search_bench.py probe ...` in a process of its own -------------


def probe_relevance():
    from pages.search.engine import search

    outcomes = relevance.run_cases(search)
    return [
        {
            "query": outcome.case.query,
            "kind": outcome.case.kind,
            "expected": list(outcome.case.expected),
            "titles": outcome.titles,
            "rank": outcome.rank,
        }
        for outcome in outcomes
    ]


def probe_reindex():
    from wagtail.models import Page

    from pages.models import SearchEntry
    from pages.search import indexer

    started = time.perf_counter()
    indexer.index_all()
    indexer.settle_index()  # as manage.py index_search does
    return {
        "seconds": time.perf_counter() - started,
        "entries": SearchEntry.objects.count(),
        # The tree's root is live but no reader's page.
        "live": Page.objects.live().public().filter(depth__gt=1).count(),
    }


def probe_queries():
    """SQL queries of one search and one suggestion as a reader: a new process's first request,
    then the same again (caches warm) and a different query (the results not cached)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pages.models import SearchQueryDay
    from pages.search.engine import search

    reader = Client(HTTP_HOST=site_probe_host())
    # Each query counted as one nobody asked today: the first search of a query in a day adds
    # its row to the search-terms report, later ones update it, so an earlier run (or the
    # timing below) would otherwise change the count.
    asked = [SEARCH_TERM, "exit watcher", "plasm", SUGGEST_TERM, "exi"]
    SearchQueryDay.objects.filter(query__in=asked).delete()

    def count(path):
        with CaptureQueriesContext(connection) as captured:
            response = reader.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}, not 200")
        return len(captured.captured_queries)

    cache.clear()
    first = count(f"/search/?q={SEARCH_TERM}")
    warm = count(f"/search/?q={SEARCH_TERM}")
    # Queries not asked before in this process: nothing of theirs is cached.
    other = count("/search/?q=exit+watcher")
    typo = count("/search/?q=plasm")
    suggest_first = count(f"/search/suggest/?q={SUGGEST_TERM}")
    suggest_warm = count(f"/search/suggest/?q={SUGGEST_TERM}")
    suggest_other = count("/search/suggest/?q=exi")
    return {
        "search": {"first": first, "warm": warm, "other": other, "typo": typo},
        "suggest": {"first": suggest_first, "warm": suggest_warm, "other": suggest_other},
        "matches": search(SEARCH_TERM).total,
    }


def probe_engine():
    """search() alone, in this process, each query of BENCH_SEARCH_QUERIES once: the engine's
    share of a request, without HTTP, the view and its template."""
    from django.core.cache import cache

    from pages.search.engine import search

    queries = json.loads(os.environ["BENCH_SEARCH_QUERIES"])
    search("warm up")  # the vocabulary and the process's imports
    cache.clear()
    # As kbsite/wsgi.py does in each worker: what is loaded stays out of full collections.
    gc.collect()
    gc.freeze()
    times = []
    for query in queries:
        started = time.perf_counter()
        search(query)
        times.append(((time.perf_counter() - started) * 1000, query))
    return times


def site_probe_host():
    import site_probe

    return site_probe.HOST


PROBES = {
    "relevance": probe_relevance,
    "reindex": probe_reindex,
    "queries": probe_queries,
    "engine": probe_engine,
}


def run_probe(name):
    import site_probe

    site_probe.setup_django()
    print(json.dumps(PROBES[name]()))


def probe(env, name):
    output = run_python(
        [Path(__file__), "probe", name], env | {"LOG_LEVEL": "WARNING"}, f"probe {name}"
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# Relevance on the real knowledge base ---------------------------------------------------------


def relevance_on(report, name, database_url, workdir):
    """Import fixtures/omg-kb into an empty database, rebuild the index, run the table."""
    env = harness.manage_env(database_url, workdir / f"media-{name}") | harness.offline_proxy_env()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "import_gitbook", BOOK, "-v0")
    probe(env, "reindex")
    outcomes = probe(env, "relevance")
    report.relevance[name] = outcomes


def measure_relevance(report, workdir):
    print("Relevance (fixtures/omg-kb):", file=sys.stderr)
    sqlite = workdir / "relevance.sqlite3"
    print("  SQLite ...", file=sys.stderr)
    run_step(
        report,
        "relevance on SQLite",
        relevance_on,
        report,
        "SQLite",
        f"sqlite:///{sqlite}",
        workdir,
    )
    url = search_database_url("relevance")
    print(f"  PostgreSQL ({urlsplit(url).path.lstrip('/')}) ...", file=sys.stderr)
    generate_site.recreate_database(url)
    try:
        run_step(
            report, "relevance on PostgreSQL", relevance_on, report, "PostgreSQL", url, workdir
        )
    finally:
        generate_site.drop_database(url)


def scored(outcomes):
    return relevance.Summary(
        [
            relevance.Outcome(
                relevance.Case(o["query"], o["kind"], tuple(o["expected"])), o["titles"], o["rank"]
            )
            for o in outcomes
        ]
    )


# The generated sites -------------------------------------------------------------------------


def search_database_url(suffix):
    """BENCH_POSTGRES_URL's database name + `_search_<suffix>`."""
    parts = urlsplit(generate_site.postgres_base_url())
    name = f"{parts.path.lstrip('/')}_search_{suffix}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare_sites(report, options):
    """bench/generate_site.py's sites, in the search benchmark's own databases."""
    base = search_database_url("x").rsplit("_", 1)[0]
    previous = os.environ.get("BENCH_POSTGRES_URL")
    os.environ["BENCH_POSTGRES_URL"] = base
    try:
        for pages in sorted({options.compare_pages, options.pages}):
            report.sites[pages] = generate_site.build_site(
                pages,
                options.depth,
                options.seed,
                options.rebuild,
                log=lambda line: print(line, file=sys.stderr),
            )
    finally:
        if previous is None:
            os.environ.pop("BENCH_POSTGRES_URL")
        else:
            os.environ["BENCH_POSTGRES_URL"] = previous


def app_env(site, secret, redis_url):
    """The serving benchmark's app environment: production settings, Redis, page cache off."""
    return serve_bench.app_env(site, secret, redis_url, page_cache_seconds=0)


# The queries ---------------------------------------------------------------------------------


def misspell(word, rng):
    """One letter dropped, doubled or swapped with the next: what a hurried reader types."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap"))
    if how == "drop":
        return word[:at] + word[at + 1 :]
    if how == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def generated_queries(count, seed):
    """The generated site's words: single words, pairs, misspellings, in a fixed order."""
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        shape = len(queries) % 4
        if shape == 0:
            query = rng.choice(WORDS)
        elif shape == 1:
            query = " ".join(rng.sample(WORDS, 2))
        elif shape == 2:
            query = misspell(rng.choice(WORDS), rng)
        else:
            query = " ".join(rng.sample(WORDS, 3))
        if query not in queries:
            queries.append(query)
    return queries


def search_path(query):
    return f"/search/?q={quote_plus(query)}"


def suggest_path(query):
    return f"/search/suggest/?q={quote_plus(query)}"


def query_mix(options):
    generated = generated_queries(GENERATED_QUERIES["quick" if options.quick else "full"], 1)
    return [case.query for case in relevance.CASES] + generated


def suggest_mix(queries):
    """What the instant search sends while a reader types: the first 3, 4 and 5 letters."""
    prefixes = []
    for query in queries:
        for length in (3, 4, 5):
            prefix = query[:length].strip()
            if len(prefix) >= 2 and prefix not in prefixes:
                prefixes.append(prefix)
    return prefixes


def timed_get(port, path):
    started = time.perf_counter()
    answer = fetch(port, path, timeout=120)
    return (time.perf_counter() - started) * 1000, answer


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


WRK_ROTATE = """
local paths = {paths}
local counter = 0
local threads = 0
-- Each thread starts at a different place in the list (setup runs in wrk's main state).
function setup(thread)
  thread:set("offset", threads * {offset})
  threads = threads + 1
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + (offset or 0)) % #paths) + 1])
end
"""


def write_wrk_script(path, paths):
    # JSON's string literals are Lua's for these ASCII, URL-quoted paths.
    listing = "{" + ", ".join(json.dumps(p) for p in paths) + "}"
    path.write_text(
        WRK_ROTATE.format(paths=listing, offset=len(paths) // 2) + serve_bench.WRK_REPORT
    )
    path.chmod(0o644)
    return path


def measure_serving(report, options, site, workdir, server_options=None):
    """(2) to (4) on `site`, served as production serves it; bench/serve_bench.py runs it on its
    own sites with its own options (`server_options`: its --server and --threads)."""
    secret = secrets.token_urlsafe(50)
    redis_url = os.environ.get("BENCH_SEARCH_REDIS_URL", DEFAULT_REDIS)
    env = app_env(site, secret, redis_url)
    report.mix = queries = query_mix(options)
    with harness.Servers(workdir) as servers:
        app = harness.start_app_server(
            servers,
            "server-search",
            env,
            server=getattr(server_options, "server", "granian"),
            workers=serve_bench.WORKERS,
            threads=getattr(server_options, "threads", 4),
        )
        port = app.port
        # Both workers started and their imports done, on queries outside the measured mix.
        for warm in ("warm", "up", "bench"):
            for _ in range(serve_bench.WORKERS):
                expect_200(fetch(port, search_path(warm), timeout=120), "warm-up", app)
                expect_200(fetch(port, suggest_path(warm), timeout=120), "warm-up", app)

        print("  one search at a time ...", file=sys.stderr)
        serve_bench.flush_redis(redis_url)
        timings = []
        for query in queries:
            ms, answer = timed_get(port, search_path(query))
            expect_200(answer, f"search {query!r}", app)
            timings.append((ms, query))
        report.search_times = [ms for ms, _ in timings]
        report.slowest = sorted(timings, reverse=True)[:5]
        # The same queries again: what any caching of results or terms saves.
        report.repeat_times = [timed_get(port, search_path(query))[0] for query in queries]

        print("  instant search ...", file=sys.stderr)
        serve_bench.flush_redis(redis_url)
        suggested = []
        for prefix in suggest_mix(queries):
            ms, answer = timed_get(port, suggest_path(prefix))
            expect_200(answer, f"suggest {prefix!r}", app)
            suggested.append((ms, prefix))
        report.suggest_times = [ms for ms, _ in suggested]
        report.slowest_suggest = sorted(suggested, reverse=True)[:5]

        print(f"  wrk -c{serve_bench.CONNECTIONS}, {options.seconds} s ...", file=sys.stderr)
        script = write_wrk_script(workdir / "rotate.lua", [search_path(q) for q in queries])
        serve_bench.flush_redis(redis_url)
        serve_bench.warm_up(port, search_path(SEARCH_TERM), options.seconds, script)
        report.load = serve_bench.run_wrk(f"{app.url}/", options.seconds, script)
        if report.load.failed:
            described = ", ".join(f"{n} {kind}" for kind, n in report.load.errors.items() if n)
            report.problems.append(f"wrk: failed requests: {described} (status = answers ≥ 400)")
        for line in app.log_tail(200).splitlines():
            if "Traceback" in line or "ERROR" in line:
                report.notes.append(f"The app server logged errors: see {app.log}")
                break


def count_queries(report, secret, redis_url):
    for pages, site in sorted(report.sites.items()):
        serve_bench.flush_redis(redis_url)
        report.queries[pages] = probe(app_env(site, secret, redis_url), "queries")


# Running --------------------------------------------------------------------------------------


def run_step(report, name, function, *args):
    """A failed step is reported and the others still run."""
    try:
        function(*args)
    except HarnessError as error:
        report.problems.append(f"{name}: {error}")
    except Exception as error:  # noqa: BLE001 - report it, stop the servers, go on
        traceback.print_exc()
        report.problems.append(f"{name}: {type(error).__name__}: {error}")


def install_wrk():
    if find_tool("wrk"):
        return
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: apt-get install wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)


def describe_machine(report):
    with generate_site.connect(
        generate_site.maintenance_url(generate_site.postgres_base_url())
    ) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    report.machine |= {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "host": platform.node(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": postgres.split()[0],
        "wrk": serve_bench.tool_version(
            [find_tool("wrk"), "--version"], r"wrk (?:debian/)?([\d.]+)"
        ),
    }


def run(options):
    install_wrk()
    report = Report(options, machine={"load": os.getloadavg()[0]})
    describe_machine(report)
    redis_url = os.environ.get("BENCH_SEARCH_REDIS_URL", DEFAULT_REDIS)
    with tempfile.TemporaryDirectory(prefix="omgkb-search-bench-") as temp:
        workdir = Path(temp)
        workdir.chmod(0o755)
        if not options.skip_relevance:
            measure_relevance(report, workdir)
        print("Sites:", file=sys.stderr)
        prepare_sites(report, options)
        secret = secrets.token_urlsafe(50)
        if not options.no_reindex:
            for pages, site in sorted(report.sites.items()):
                print(f"  reindexing {pages} pages ...", file=sys.stderr)
                env = harness.manage_env(site.database_url, site.media_root)
                run_step(report, f"reindex {pages}", reindex, report, pages, env)
        print("Static files and query counts ...", file=sys.stderr)
        # Production's whitenoise manifest storage needs collectstatic before a page renders.
        run_step(
            report,
            "collectstatic",
            serve_bench.collect_static,
            app_env(report.sites[options.pages], secret, redis_url),
        )
        run_step(report, "query counts", count_queries, report, secret, redis_url)
        print("search() alone ...", file=sys.stderr)
        run_step(report, "search() alone", time_engine, report, options, secret, redis_url)
        print(f"Serving {options.pages} pages:", file=sys.stderr)
        run_step(
            report,
            "serving",
            measure_serving,
            report,
            options,
            report.sites[options.pages],
            workdir,
        )
        if report.problems:
            kept = Path(tempfile.mkdtemp(prefix="omgkb-search-bench-logs-"))
            for log in workdir.glob("*.log"):
                (kept / log.name).write_bytes(log.read_bytes())
            report.notes.append(f"The servers' logs are kept in {kept}.")
    report.machine["load_end"] = os.getloadavg()[0]
    return report


def time_engine(report, options, secret, redis_url):
    env = app_env(report.sites[options.pages], secret, redis_url)
    serve_bench.flush_redis(redis_url)
    queries = json.dumps(query_mix(options))
    report.engine_times = probe(env | {"BENCH_SEARCH_QUERIES": queries}, "engine")


def reindex(report, pages, env):
    report.reindex[pages] = probe(env, "reindex")


# The table ------------------------------------------------------------------------------------


def verdict(met):
    return "n/a" if met is None else ("met" if met else "**not met**")


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:.{digits}f}"


def relevance_rows(report):
    rows = []
    for name, outcomes in report.relevance.items():
        summary = scored(outcomes)
        kinds = ", ".join(f"{k} {h}/{n}" for k, (h, n) in summary.by_kind().items())
        rows.append(
            f"| Relevance, {name}: an expected page in the top {relevance.TOP} | "
            f"{summary.hit_rate:.1%} ({summary.hits}/{len(outcomes)}; {kinds}); "
            f"MRR {summary.mrr:.3f} | ≥ {TARGETS['hit rate']:.0%}: "
            f"{verdict(summary.hit_rate >= TARGETS['hit rate'])} |"
        )
    return rows


def miss_lines(report):
    lines = []
    for name, outcomes in report.relevance.items():
        misses = scored(outcomes).misses
        lines += ["", f"### Misses on {name} ({len(misses)})", ""]
        lines += [f"- {miss.describe()}" for miss in misses] or ["- none"]
    return lines


def sizes(report):
    """The sites' page counts, smallest first (those the run meant to build, built or not)."""
    return sorted({report.options.compare_pages, report.options.pages})


def headline(report):
    """The figures the plain lines give: PostgreSQL's relevance when there is one."""
    relevance_run = report.relevance.get("PostgreSQL") or report.relevance.get("SQLite")
    summary = scored(relevance_run) if relevance_run else None
    search_p95 = percentile(report.search_times, 0.95)
    suggest_p95 = percentile(report.suggest_times, 0.95)
    # A query not asked before: one asked again may come from a cache at any size.
    counts = [report.queries.get(n, {}).get("search", {}).get("other") for n in sizes(report)]
    return summary, search_p95, suggest_p95, counts


def render(report):
    options, machine = report.options, report.machine
    summary, search_p95, suggest_p95, counts = headline(report)
    load = report.load
    every = [
        tuple(
            sorted(report.queries[n]["search"].items())
            + sorted(report.queries[n]["suggest"].items())
        )
        for n in sizes(report)
        if n in report.queries
    ]
    same = None if None in counts or not counts else len(set(every)) == 1
    rows = ["| Measure | Value | Target |", "| --- | --- | --- |", *relevance_rows(report)]
    if report.search_times:
        rows.append(
            f"| One search at a time, {len(report.search_times)} distinct queries "
            f"({len(relevance.CASES)} relevance + {len(report.mix) - len(relevance.CASES)} "
            f"generated-site words), {options.pages:,} pages | p50 "
            f"{statistics.median(report.search_times):.1f} ms, p95 {search_p95:.1f} ms, max "
            f"{max(report.search_times):.1f} ms | p95 ≤ {TARGETS['search p95 ms']} ms: "
            f"{verdict(search_p95 <= TARGETS['search p95 ms'])} |"
        )
        rows.append(
            f"| … the same queries asked again | p50 {statistics.median(report.repeat_times):.1f}"
            f" ms, p95 {percentile(report.repeat_times, 0.95):.1f} ms | |"
        )
        slow = "; ".join(f"{q!r} {ms:.0f} ms" for ms, q in report.slowest)
        rows.append(f"| … the slowest | {slow} | |")
    if report.engine_times:
        times = [ms for ms, _ in report.engine_times]
        slow = "; ".join(f"{q!r} {ms:.0f} ms" for ms, q in sorted(report.engine_times)[-5:][::-1])
        rows.append(
            f"| search() alone (no HTTP, view or template), the same queries, "
            f"{options.pages:,} pages | p50 {statistics.median(times):.1f} ms, p95 "
            f"{percentile(times, 0.95):.1f} ms; slowest {slow} | |"
        )
    if report.suggest_times:
        rows.append(
            f"| /search/suggest/ alone, {len(report.suggest_times)} prefixes of the same queries "
            f"| p50 {statistics.median(report.suggest_times):.1f} ms, p95 {suggest_p95:.1f} ms | "
            f"p95 ≤ {TARGETS['suggest p95 ms']} ms: "
            f"{verdict(suggest_p95 <= TARGETS['suggest p95 ms'])} |"
        )
        slow = "; ".join(f"{q!r} {ms:.0f} ms" for ms, q in report.slowest_suggest)
        rows.append(f"| … the slowest | {slow} | |")
    if load:
        rows.append(
            f"| wrk -t{serve_bench.THREADS} -c{serve_bench.CONNECTIONS}, {options.seconds} s, "
            f"{serve_bench.WORKERS} sync workers, rotating {len(report.mix)} searches | "
            f"{load.rps:.0f} requests/s, p50 {load.p50:.1f} ms, p95 {load.p95:.1f} ms, "
            f"{load.failed} errors of {load.requests:,} | ≥ {TARGETS['search rps 32']} rps and 0 "
            f"errors: {verdict(load.rps >= TARGETS['search rps 32'] and not load.failed)} |"
        )
    for pages in sorted(report.queries):
        found = report.queries[pages]
        target = f"same at every size: {verdict(same)}" if pages == max(report.queries) else ""
        searched, suggested = found["search"], found["suggest"]
        rows.append(
            f"| SQL queries of one search, {pages:,} pages | a new query "
            f"(`exit watcher`) {searched['other']}, a typo (`plasm`) {searched.get('typo')}, "
            f"`{SEARCH_TERM}` ({found['matches']:,} results) {searched['first']} on the "
            f"process's first request and {searched['warm']} asked again; /search/suggest/ "
            f"{suggested.get('other')} new, {suggested['warm']} again | {target} |"
        )
    for pages, done in sorted(report.reindex.items()):
        rows.append(
            f"| index_all(), {pages:,} pages | {done['seconds']:.1f} s, {done['entries']:,} "
            f"entries for {done['live']:,} live pages | |"
        )
    for _pages, site in sorted(report.sites.items()):
        built = (
            f"built in this run in {site.build_seconds:.0f} s"
            if site.build_seconds is not None
            else "reused (built earlier with the same inputs)"
        )
        rows.append(f"| Site {site.database_name} | {built} | |")

    notes = [
        "Relevance: every case of tests/search/relevance.py (query, kind, the pages a reader "
        f"wants); a hit has one of them in the top {relevance.TOP}; MRR takes the first "
        f"wanted page's rank in the top {relevance.MRR_DEPTH} (0 below). Prefix cases are "
        "searched with prefix=True. fixtures/omg-kb imported by manage.py import_gitbook into "
        "a scratch database, then pages.search.indexer.index_all().",
        "One search at a time: each distinct query asked once, in a row, over HTTP from this "
        "machine (so the time includes the app server and the HTML), Redis flushed first; the "
        "workers were started on other queries. `search p95 ms` below is this figure. "
        "The SQL count compared across sizes (and in `queries ... vs ...`) is a new query's: "
        "one asked again may come from a cache. "
        "bench/results.md (make bench-serve) has a `search p95 ms` line too: that one is wrk's "
        "p95 under 32 connections for one query, target 150 ms; here that is `search p95 ms 32`.",
        "Load: every wrk connection rotates through the same mix, so under load a query is "
        "asked again many times: any cache of results or terms is in play there.",
        *report.notes,
        *(f"**Problem**: {problem}" for problem in report.problems),
    ]
    lines = [
        f"# Search benchmark: {options.pages:,} pages",
        "",
        f"Measured {machine.get('date')} on {machine.get('host')}: {machine.get('cores')} "
        f"cores, Python {machine.get('python')}, PostgreSQL {machine.get('postgresql')}, wrk "
        f"{machine.get('wrk')}; load average {machine.get('load', 0):.2f} before the run, "
        f"{machine.get('load_end', 0):.2f} at its end; by `make bench-search` "
        "(bench/search_bench.py).",
        "",
        *rows,
        "",
        "## Notes",
        "",
        *(f"- {note}" for note in notes),
        *miss_lines(report),
        "",
        *summary_lines(report),
    ]
    return "\n".join(lines) + "\n"


def summary_lines(report):
    """The plain lines scripts read: no thousands separators, n/a for what was not measured."""
    summary, search_p95, suggest_p95, counts = headline(report)
    load = report.load
    compared = " vs ".join(str(n) for n in sizes(report)) or "n/a"
    return [
        f"relevance hit rate: {fmt(summary.hit_rate if summary else None, 3)}",
        f"relevance mrr: {fmt(summary.mrr if summary else None, 3)}",
        f"search p95 ms: {fmt(search_p95)}",
        f"suggest p95 ms: {fmt(suggest_p95)}",
        f"search rps 32: {fmt(load.rps if load else None, 0)}",
        f"search p95 ms 32: {fmt(load.p95 if load else None)}",
        f"search errors: {load.failed if load else 'n/a'}",
        f"queries {compared}: {' '.join('n/a' if c is None else str(c) for c in counts)}",
    ]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["probe"]:
        run_probe(argv[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000, help="Pages in the served site.")
    parser.add_argument(
        "--compare-pages", type=int, default=100, help="Pages in the site it is compared with."
    )
    parser.add_argument("--depth", type=int, default=4, help="Deepest nesting in both books.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=20, help="Length of the wrk run.")
    parser.add_argument("--quick", action="store_true", help="5 s of wrk and fewer queries.")
    parser.add_argument("--rebuild", action="store_true", help="Build both sites again.")
    parser.add_argument(
        "--skip-relevance", action="store_true", help="Do not import fixtures/omg-kb and score."
    )
    parser.add_argument(
        "--no-reindex", action="store_true", help="Keep the sites' search index as it is."
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="Where to write the table.")
    options = parser.parse_args(argv)
    if options.quick:
        options.seconds = 5
    harness.stop_on_signals()

    report = run(options)
    table = render(report)
    print(table)
    options.output.write_text(table, encoding="utf-8")
    print(f"Written to {options.output}.", file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
