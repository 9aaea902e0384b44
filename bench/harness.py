"""
The bench harness: ports, manage.py and the servers that the benchmarks and the live-server tests
start around the app, each written once.

- free_port(): a TCP port nobody listens on, on 127.0.0.1.
- manage(env, *args) and run_python(argv, env): a program of this project in a process of its
  own, from the project's folder, timed. A failure prints the program's output and raises
  CommandFailed, whose message names the exception.
- Servers: the app as production serves it (start_app_server: granian through
  kbsite/serve.py, or gunicorn with a worker class, to compare), varnishd, nginx (start_varnish,
  start_nginx) or any other program, each in a process group of its own and logging to
  <logs>/<name>.log, waited for until it answers over HTTP (failing at once, with its log, if it
  exits), and stopped with whatever it started on the way out, failure or not.
- The environments the app runs in here: manage_env (a benchmark database, DEBUG off),
  LOCAL_PRODUCTION (production settings over plain HTTP on this machine) and offline_proxy_env
  (no way out to the network).

Standard library only. The bench scripts, run as `python bench/<name>.py`, have bench/ on
sys.path and import it as `harness`; the tests import it as `bench.harness`.
"""

import functools
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# How long a freshly started server may take to answer before the run gives up on it.
READY_SECONDS = 90
# The production settings served over plain HTTP on this machine: no HTTPS redirect, no secure
# cookies, no HSTS. DATABASE_URL, SECRET_KEY and the caches are the caller's.
LOCAL_PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "kbsite.settings.production",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
}


class HarnessError(Exception):
    """A command that failed, or a server that did not start or did not answer as it should."""


class CommandFailed(HarnessError):
    """A program that exited with an error: the message names it and its last error line."""

    def __init__(self, what, result):
        self.returncode = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr
        super().__init__(f"{what} failed: {last_error(result.stderr or result.stdout)}")


class ServerFailed(HarnessError):
    """A server that exited, did not answer in time or answered with a server error."""


# Ports and programs -----------------------------------------------------------------------------


def free_port():
    """A port on 127.0.0.1 that nothing listens on (now: the caller binds it soon after)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def find_tool(name):
    """A program on PATH or in /usr/sbin or /sbin (Debian's servers; a non-root PATH lacks them)."""
    return shutil.which(name) or next(
        (str(path) for path in (Path("/usr/sbin") / name, Path("/sbin") / name) if path.exists()),
        None,
    )


def last_error(output):
    """The line of a traceback that names the exception (the last unindented `Name: ...`), or
    else the last line."""
    lines = output.strip().splitlines() or ["no output"]
    named = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b", line)]
    return (named or lines)[-1]


@dataclass
class Ran:
    """A program that ran: its exit status, how long it took and what it printed."""

    returncode: int
    seconds: float
    stdout: str
    stderr: str


def run_python(argv, env=None, what=None, timeout=None, check=True):
    """`python argv...` from the project's folder with `env` (None: this process's).

    On failure (with `check`) the whole story goes to the console and its last line (usually
    the exception) into CommandFailed's message, short enough for a report's table. Without
    `check`, a failure is returned like a success, for a test to look at."""
    argv = [str(arg) for arg in argv]
    what = what or " ".join(argv)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.perf_counter() - started
    if check and result.returncode != 0:
        print(f"{what} failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}", file=sys.stderr)
        raise CommandFailed(what, result)
    return Ran(result.returncode, seconds, result.stdout, result.stderr)


def manage(env, *args, what=None, timeout=None, check=True):
    """One manage.py command in a process of its own, with `env` as its whole environment."""
    args = [str(arg) for arg in args]
    what = what or f"manage.py {' '.join(args)}"
    return run_python(["manage.py", *args], env, what, timeout, check)


def manage_env(database_url, media_root):
    """manage.py on a benchmark's database and media folder: the development settings with DEBUG
    off, as in production (with DEBUG on, Django also keeps a log of every query)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "kbsite.settings.dev",
        "DEBUG": "0",
    }


@functools.cache
def offline_proxy():
    """A proxy address on a local port nobody listens on."""
    return f"http://{HOST}:{free_port()}"


def offline_proxy_env():
    """HTTP(S) proxy variables that keep the app off the network, loopback excepted.

    The app asks oEmbed providers about the video links it renders. Without a network the DNS
    lookup fails, but now and then only after seconds (bench/design-measurements.md), stalling
    a worker; through a proxy nobody listens on, every such request fails at once, as an
    unreachable provider would, and the page shows a plain link."""
    proxy = offline_proxy()
    return {
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "http_proxy": proxy,
        "https_proxy": proxy,
        # Purges go to Varnish on this machine, never through a proxy.
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


def stop_on_signals():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `finally` stops its servers."""

    def unwind(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, unwind)


# HTTP -------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def header(self, name):
        return self.headers.get(name.lower())


def fetch(port, path, timeout=30, headers=None):
    """One GET to 127.0.0.1:port, redirects not followed, as wrk sends it."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, answer_headers, body)
    finally:
        connection.close()


def expect_200(answer, what, server=None):
    """The answer, if it is a 200; else a HarnessError that says what came instead (and, for a
    server error, the server log's last line, which is usually the exception)."""
    if answer.status == 200:
        return answer
    message = f"{what} answered {answer.status}, not 200"
    if answer.status >= 500 and server is not None:
        raise server.failed(message)
    if answer.header("location"):
        message += f" (Location: {answer.header('location')})"
    raise HarnessError(message)


# Servers ----------------------------------------------------------------------------------------


@dataclass
class Server:
    """A started server: its process (the leader of its own group), port and log file."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path
    # Its first answer, once waited for.
    ready: Answer | None = None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def fetch(self, path, timeout=30):
        return fetch(self.port, path, timeout)

    def get(self, path, what=None):
        """A GET that must be answered 200."""
        return expect_200(self.fetch(path), what or path, self)

    def log_tail(self, lines=25):
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def failed(self, what):
        """A ServerFailed for a server that misbehaved: its log on the console, the last line
        (most often the exception) in the message."""
        print(f"{self.name}'s log ({self.log}):\n{self.log_tail()}", file=sys.stderr)
        last = self.log_tail(1).strip()
        return ServerFailed(f"{what} ({self.name}'s log ends: {last or 'empty'})")

    def wait_until_answering(self, path, timeout=READY_SECONDS):
        """The first answer of any status; ServerFailed if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self.failed(f"{self.name} exited with {self.process.returncode}")
            try:
                return fetch(self.port, path, timeout=5)
            except OSError:
                time.sleep(0.2)
        raise self.failed(f"{self.name} did not answer within {timeout} s")


class Servers:
    """Every server a run starts, each in a process group of its own, all stopped on exit."""

    def __init__(self, logs):
        self.logs = Path(logs)
        self.running = []

    def start(self, name, argv, port, env=None, ready="/healthz/", timeout=READY_SECONDS):
        """Start `argv` (listening on `port`), logging to <logs>/<name>.log, and wait until
        `ready` answers, with any status (None: do not wait). A server that does not answer is
        stopped before the error is raised."""
        log = self.logs / f"{name}.log"
        with log.open("a") as out:
            process = subprocess.Popen(
                [str(arg) for arg in argv],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(name, process, port, log)
        self.running.append(server)
        if ready is not None:
            try:
                server.ready = server.wait_until_answering(ready, timeout)
            except HarnessError:
                self.stop(server)
                raise
        return server

    def stop(self, server):
        """SIGTERM to the whole group; SIGKILL to whatever is left of it after a grace time."""
        if server in self.running:
            self.running.remove(server)
        process = server.process
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        # A worker may outlive its master: the group goes, whoever is still in it.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)

    def stop_all(self):
        for server in reversed(list(self.running)):
            self.stop(server)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()


# The servers start_app_server runs: production's, then gunicorn's worker classes to compare with.
APP_SERVERS = ("granian", "sync", "gthread")


def start_app_server(
    servers,
    name,
    env,
    server="granian",
    workers=2,
    threads=4,
    ready="/healthz/",
    app="kbsite.wsgi",
    access_log=False,
):
    """`app` (a module with a WSGI `application`) on a free port: "granian" as production serves
    it (kbsite/serve.py, its workers forked from a master that loaded the app), or gunicorn with
    the "sync" or "gthread" (`threads` a worker) worker class. `access_log`: each request in the
    server's log."""
    if server == "granian":
        port = free_port()
        argv = [
            sys.executable,
            *("-m", "kbsite.serve"),
            *("--host", HOST, "--port", str(port), "--workers", str(workers)),
            *("--application", f"{app}:application"),
            *(("--access-log",) if access_log else ()),
        ]
        return servers.start(name, argv, port, env, ready)
    options = ["--workers", str(workers), "--worker-class", server]
    if server == "gthread":
        options += ["--threads", str(threads)]
    if access_log:
        options += ["--access-logfile", "-"]
    return start_gunicorn(servers, name, env, *options, ready=ready, app=app)


def describe_app_server(server, workers, threads=4):
    if server == "granian":
        return f"granian, {workers} workers of one thread (kbsite/serve.py)"
    if server == "gthread":
        return f"gunicorn, {workers} gthread workers of {threads} threads"
    return f"gunicorn, {workers} sync workers"


def start_gunicorn(servers, name, env, *options, ready="/healthz/", app="kbsite.wsgi"):
    """gunicorn serving `app` on a free port, with `options` (workers, threads, logs)."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"{HOST}:{port}",
        # gunicorn 27's control socket lives in ~/.gunicorn, shared by every gunicorn run as
        # this user: nothing here uses it.
        "--no-control-socket",
        *options,
    ]
    return servers.start(name, argv, port, env, ready)


def render_vcl(backend, out):
    """deploy/varnish/render.py's VCL for one app server at `backend` (host:port), into `out`."""
    render = BASE_DIR / "deploy" / "varnish" / "render.py"
    run_python([render, "--backend", backend, "-o", out], what="deploy/varnish/render.py")
    out = Path(out)
    # varnishd's worker may run as another user, which must read it.
    out.chmod(0o644)
    return out


def start_varnish(
    servers, vcl, workdir, *options, port=None, storage="malloc,256m", ready="/robots.txt"
):
    """varnishd in the foreground with `vcl` on `port` (None: a free one), its state under
    workdir/varnish."""
    varnishd = find_tool("varnishd")
    if varnishd is None:
        raise HarnessError("varnishd is not installed (apt-get install varnish)")
    port = port or free_port()
    argv = [
        varnishd,
        "-F",
        "-n",
        Path(workdir) / "varnish",
        "-a",
        f"{HOST}:{port}",
        # No management port: nothing here talks to varnishadm.
        "-T",
        "none",
        "-f",
        vcl,
        "-s",
        storage,
        *options,
    ]
    return servers.start("varnishd", argv, port, ready=ready)


NGINX_CONF = """
worker_processes auto;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    types {{
        text/html html;
    }}
    default_type text/html;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def start_nginx(servers, root, workdir, ready="/"):
    """nginx serving the files under `root` as HTML on a free port, its state in `workdir`."""
    nginx = find_tool("nginx")
    if nginx is None:
        raise HarnessError("nginx is not installed (apt-get install nginx)")
    port = free_port()
    conf = Path(workdir) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workdir=workdir, port=port, root=root))
    argv = [
        nginx,
        "-c",
        conf,
        "-p",
        workdir,
        "-e",
        Path(workdir) / "nginx-error.log",
        "-g",
        "daemon off;",
    ]
    return servers.start("nginx", argv, port, ready=ready)
