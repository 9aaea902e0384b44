"""docker-compose.yml describes the production shape (Docker itself cannot run on our machines)."""

from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((PROJECT / "docker-compose.yml").read_text())


def test_database_is_postgres_16_with_a_volume_and_a_readiness_check():
    db = compose()["services"]["db"]

    assert db["image"] == "postgres:16"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata" in compose()["volumes"]


def test_web_waits_for_a_healthy_database_and_cache_and_is_pointed_at_them():
    web = compose()["services"]["web"]

    assert web["build"] == "."
    assert web["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "cache": {"condition": "service_healthy"},
    }
    assert web["environment"]["REDIS_URL"] == "redis://cache:6379/0"
    assert compose()["services"]["cache"]["image"].startswith("redis:")
    assert "@db:5432/" in web["environment"]["DATABASE_URL"]
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    # A missing secret stops `docker compose up` instead of starting with a guessable one.
    assert web["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_web_migrates_loads_the_knowledge_base_then_serves_with_gunicorn():
    command = compose()["services"]["web"]["command"]

    migrate = command.index("manage.py migrate")
    load = command.index("manage.py import_gitbook fixtures/omg-kb")
    assert migrate < load < command.index("gunicorn kbsite.wsgi")


def test_dockerfile_builds_the_production_settings():
    dockerfile = (PROJECT / "Dockerfile").read_text()

    assert "FROM python:3.11" in dockerfile
    assert "DJANGO_SETTINGS_MODULE=kbsite.settings.production" in dockerfile
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile


def test_a_scheduler_publishes_and_expires_pages_every_minute_with_the_webs_settings():
    services = compose()["services"]
    scheduler = services["scheduler"]

    assert scheduler["build"] == services["web"]["build"]
    assert scheduler["environment"] == services["web"]["environment"]
    assert "manage.py publish_scheduled" in scheduler["command"]
    assert "sleep 60" in scheduler["command"]
    # It waits for the web service's migrations rather than racing them.
    assert scheduler["command"].index("migrate --check") < scheduler["command"].index(
        "publish_scheduled"
    )
    assert "ports" not in scheduler


def test_review_mail_goes_through_the_smtp_server_given_in_the_environment():
    environment = compose()["services"]["web"]["environment"]

    for name in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        assert environment[name].startswith(f"${{{name}:-"), name
