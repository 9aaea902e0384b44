"""docker-compose.yml describes the production shape (Docker itself cannot run on our machines)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((PROJECT / "docker-compose.yml").read_text())


def test_database_is_postgres_16_with_a_volume_and_a_readiness_check():
    db = compose()["services"]["db"]

    assert db["image"] == "postgres:16"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata" in compose()["volumes"]


def test_the_production_shape_has_its_services_and_opensearch_behind_a_profile():
    services = compose()["services"]

    assert set(services) == {"proxy", "web", "migrate", "scheduler", "db", "redis", "opensearch"}
    assert services["opensearch"]["profiles"] == ["opensearch"]
    others = [service for name, service in services.items() if name != "opensearch"]
    assert all("profiles" not in service for service in others)


def test_readers_reach_web_through_the_varnish_proxy_which_web_purges():
    services = compose()["services"]
    proxy, web = services["proxy"], services["web"]

    assert proxy["image"].startswith("varnish:")
    assert "./deploy/varnish/default.vcl:/etc/varnish/default.vcl:ro" in proxy["volumes"]
    assert proxy["ports"] == ["8000:80"]
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert web["environment"]["FRONTEND_CACHE_URL"] == "http://proxy:80"


def test_the_app_trusts_the_one_proxy_in_front_of_it():
    """Production trusts no X-Forwarded-For unless told (production.py); compose puts Varnish,
    which appends the address it saw, in front of every replica, and no port past it."""
    services = compose()["services"]

    for name in ("web", "migrate", "scheduler"):
        proxies = services[name]["environment"]["TRUSTED_PROXY_COUNT"]
        assert interpolated(proxies, {}) == "1", name
        assert interpolated(proxies, {"TRUSTED_PROXY_COUNT": "2"}) == "2", name
    assert "ports" not in services["web"]


def test_web_is_stateless_and_can_be_scaled():
    web = compose()["services"]["web"]

    # `--scale web=N` needs no fixed name and no host port; state lives in db, redis and media.
    assert "container_name" not in web
    assert "ports" not in web
    assert web["volumes"] == ["media:/app/media"]
    assert web["command"][:3] == ["python", "-m", "kbsite.serve"]
    assert "migrate" not in " ".join(web["command"])


def test_web_is_healthy_while_its_database_answers():
    web = compose()["services"]["web"]

    assert "/healthz/" in " ".join(web["healthcheck"]["test"])
    assert web["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_every_app_process_shares_the_database_redis_and_a_required_secret():
    services = compose()["services"]
    environment = services["web"]["environment"]

    for name in ("migrate", "scheduler"):
        assert services[name]["environment"] == environment
        assert services[name]["build"] == services["web"]["build"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert services["redis"]["image"].startswith("redis:")
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    # A missing secret stops `docker compose up` instead of starting with a guessable one.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_migrations_and_the_knowledge_base_load_once_before_web_serves():
    command = compose()["services"]["migrate"]["command"]

    assert command.index("manage.py migrate") < command.index(
        "manage.py import_gitbook fixtures/omg-kb"
    )
    assert compose()["services"]["migrate"]["restart"] == "no"


def test_dockerfile_builds_the_production_settings():
    dockerfile = (PROJECT / "Dockerfile").read_text()

    assert "FROM python:3.11" in dockerfile
    assert "DJANGO_SETTINGS_MODULE=kbsite.settings.production" in dockerfile
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile


def test_a_scheduler_publishes_and_expires_pages_every_minute_after_the_migrations():
    scheduler = compose()["services"]["scheduler"]

    assert "manage.py publish_scheduled" in scheduler["command"]
    assert "sleep 60" in scheduler["command"]
    assert scheduler["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "ports" not in scheduler


def test_review_mail_goes_through_the_smtp_server_given_in_the_environment():
    environment = compose()["services"]["web"]["environment"]

    for name in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        assert environment[name].startswith(f"${{{name}:-"), name


def interpolated(text, environment):
    """`text` as docker compose reads it: `${NAME:-default}` from `environment`, `$$` a `$`."""
    text = text.replace("$$", "\0")
    text = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: environment.get(m.group(1), m.group(2)), text)
    return text.replace("\0", "$")


def run_scheduler(tmp_path, hours, failing_reminder_runs=0, environment=None):
    """
    The scheduler's shell loop, run for real with a clock that moves an hour at each `sleep`
    (from 2031-03-01 05:00 UTC), and `python` standing in for manage.py: it logs each command
    with the time it ran, and fails the first `failing_reminder_runs` reminder runs.
    """
    command = compose()["services"]["scheduler"]["command"]
    argv = shlex.split(interpolated(command, environment or {}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clock, log, failures = tmp_path / "clock", tmp_path / "log", tmp_path / "failures"
    clock.write_text("2031-03-01T05:00")
    failures.write_text(str(failing_reminder_runs))
    stubs = {
        "date": f"""
import datetime, sys
now = datetime.datetime.fromisoformat(open({str(clock)!r}).read())
assert sys.argv[1] == "-u", sys.argv
print(now.strftime(sys.argv[2].lstrip("+")))
""",
        "sleep": f"""
import datetime, os, signal
now = datetime.datetime.fromisoformat(open({str(clock)!r}).read()) + datetime.timedelta(hours=1)
open({str(clock)!r}, "w").write(now.isoformat(timespec="minutes"))
if now >= datetime.datetime(2031, 3, 1, 5) + datetime.timedelta(hours={hours}):
    os.kill(os.getppid(), signal.SIGTERM)
""",
        "python": f"""
import sys
now = open({str(clock)!r}).read()
failing = int(open({str(failures)!r}).read())
fails = sys.argv[2] == "send_review_reminders" and failing > 0
if fails:
    open({str(failures)!r}, "w").write(str(failing - 1))
outcome = " (failed)" if fails else ""
open({str(log)!r}, "a").write(f"{{now}} {{' '.join(sys.argv[1:])}}{{outcome}}\\n")
sys.exit(1 if fails else 0)
""",
    }
    for name, source in stubs.items():
        stub = bin_dir / name
        stub.write_text(f"#!{sys.executable}\n{source}")
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(argv, env=env, timeout=30, check=False)
    return log.read_text().splitlines()


def test_the_scheduler_sends_review_reminders_once_a_day_from_seven_utc(tmp_path):
    runs = run_scheduler(tmp_path, hours=30)

    # publish_scheduled at every turn of the loop, reminders once a day.
    assert sum("manage.py publish_scheduled" in run for run in runs) == 30
    assert [run for run in runs if "send_review_reminders" in run] == [
        "2031-03-01T07:00 manage.py send_review_reminders",
        "2031-03-02T07:00 manage.py send_review_reminders",
    ]


def test_a_failed_reminder_run_is_tried_again_at_the_next_turn(tmp_path):
    runs = run_scheduler(tmp_path, hours=6, failing_reminder_runs=2)

    # The command records whom it reminded, so a retry only sends what the failure left out.
    assert [run for run in runs if "send_review_reminders" in run] == [
        "2031-03-01T07:00 manage.py send_review_reminders (failed)",
        "2031-03-01T08:00 manage.py send_review_reminders (failed)",
        "2031-03-01T09:00 manage.py send_review_reminders",
    ]


def test_the_reminder_hour_comes_from_the_environment(tmp_path):
    runs = run_scheduler(tmp_path, hours=6, environment={"REVIEW_REMINDER_HOUR": "9"})

    assert [run for run in runs if "send_review_reminders" in run] == [
        "2031-03-01T09:00 manage.py send_review_reminders"
    ]
