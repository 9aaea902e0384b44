"""Configuration comes from the environment; production refuses to start without its secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.DEBUG, "
    "','.join(s.ALLOWED_HOSTS), ','.join(s.CSRF_TRUSTED_ORIGINS), s.WAGTAILADMIN_BASE_URL)"
)
CONFIG_VARIABLES = [
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "WAGTAILADMIN_BASE_URL",
    "REDIS_URL",
]


def load_settings(module, code=PRINT_SETTINGS, **environment):
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE=f"kbsite.settings.{module}", **environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings("production")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_reads_its_configuration_from_the_environment():
    result = load_settings(
        "production",
        SECRET_KEY="a-long-random-production-secret",
        DATABASE_URL="postgres://kb:pw@db.internal:5432/omgkb",
        ALLOWED_HOSTS="kb.example.org,www.kb.example.org",
        CSRF_TRUSTED_ORIGINS="https://kb.example.org",
        WAGTAILADMIN_BASE_URL="https://kb.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "omgkb",
        "False",
        "kb.example.org,www.kb.example.org",
        "https://kb.example.org",
        "https://kb.example.org",
    ]


def test_sqlite_is_the_default_database_for_development():
    result = load_settings("dev")

    assert result.returncode == 0, result.stderr
    engine, name, debug, *_ = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(PROJECT / "db.sqlite3")
    assert debug == "True"


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_debug_flag_is_an_error_not_a_guess(value):
    result = load_settings("dev", DEBUG=value)

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


PRINT_CACHE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.CACHES['default']['BACKEND'], s.CACHES['default'].get('LOCATION', '-'))"
)


@pytest.mark.parametrize(
    ("module", "environment", "expected"),
    [
        ("dev", {}, ["django.core.cache.backends.locmem.LocMemCache", "-"]),
        (
            "production",
            {"REDIS_URL": "redis://cache.internal:6379/1"},
            ["django.core.cache.backends.redis.RedisCache", "redis://cache.internal:6379/1"],
        ),
        # Several gunicorn workers without a shared cache: no cache rather than stale ones.
        ("production", {}, ["django.core.cache.backends.dummy.DummyCache", "-"]),
    ],
)
def test_the_cache_is_shared_wherever_several_processes_serve(module, environment, expected):
    environment.setdefault("SECRET_KEY", "a-long-random-production-secret")
    result = load_settings(module, PRINT_CACHE, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected
