"""Configuration comes from the environment; production refuses to start without its secret."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
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
    "AWS_STORAGE_BUCKET_NAME",
    "OPENSEARCH_URL",
    "FRONTEND_CACHE_URL",
    "PAGE_CACHE_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_COOKIES",
    "TRUSTED_PROXY_COUNT",
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
            ["django_redis.cache.RedisCache", "redis://cache.internal:6379/1"],
        ),
        # Several workers without a shared cache: no cache rather than stale ones.
        ("production", {}, ["django.core.cache.backends.dummy.DummyCache", "-"]),
    ],
)
def test_the_cache_is_shared_wherever_several_processes_serve(module, environment, expected):
    environment.setdefault("SECRET_KEY", "a-long-random-production-secret")
    result = load_settings(module, PRINT_CACHE, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected


# A production environment as docs/deploy.md describes it, every outside service named.
REALISTIC_PRODUCTION = {
    "SECRET_KEY": "k3y-" + "x7Qp9rT2vW5yZ8bC1dF4gH6jK0mN3pR5sU7wX9zA2cE4fG6hJ8kL0",
    "DATABASE_URL": "postgres://kb:pw@db.internal:5432/omgkb",
    "ALLOWED_HOSTS": "kb.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://kb.example.org",
    "WAGTAILADMIN_BASE_URL": "https://kb.example.org",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "omgkb-media",
    "OPENSEARCH_URL": "http://search.internal:9200",
    "FRONTEND_CACHE_URL": "http://proxy.internal:80",
    "EMAIL_HOST": "smtp.internal",
}


def production_setting(name, **environment):
    """One setting as production computes it from REALISTIC_PRODUCTION and `environment`."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(repr(settings.{name}))"
    )
    result = load_settings("production", code, **{**REALISTIC_PRODUCTION, **environment})
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip())


def test_the_deployment_checklist_passes_with_a_realistic_production_environment():
    environment = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    environment.update(REALISTIC_PRODUCTION, DJANGO_SETTINGS_MODULE="kbsite.settings.production")

    # --fail-level WARNING: any warning, not only an error, fails the command.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


PRINT_SERVICES = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.STORAGES['default']['BACKEND']); "
    "print(s.STORAGES['staticfiles']['BACKEND']); "
    "print(s.WAGTAILSEARCH_BACKENDS['default']['BACKEND']); "
    "proxy = s.WAGTAILFRONTENDCACHE['proxy']; print(proxy['BACKEND'], proxy['LOCATION']); "
    "print(s.KB_PAGE_CACHE_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
    "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER[0]); "
    "print(s.LOGGING['handlers']['console']['stream'])"
)


def test_each_outside_service_is_chosen_by_its_variable():
    result = load_settings("production", PRINT_SERVICES, **REALISTIC_PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "storages.backends.s3.S3Storage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "wagtail.search.backends.opensearch3",
        "pages.caching.purging.VarnishBackend http://proxy.internal:80",
        "3600 True 31536000 True True HTTP_X_FORWARDED_PROTO",
        "ext://sys.stdout",
    ]


def test_without_outside_services_production_uses_the_database_and_its_own_disk():
    environment = {
        name: REALISTIC_PRODUCTION[name] for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS")
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STORAGES['default']['BACKEND'], s.WAGTAILSEARCH_BACKENDS['default']['BACKEND'], "
        "getattr(s, 'WAGTAILFRONTENDCACHE', {}), s.KB_PAGE_CACHE_SECONDS, s.KB_SERVE_MEDIA)"
    )
    result = load_settings("production", code, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.files.storage.FileSystemStorage",
        "wagtail.search.backends.database",
        "{}",
        "0",
        "True",
    ]


def test_production_without_redis_still_throttles():
    """Without a shared cache the default cache is a dummy that stores nothing; the throttles
    (feedback, page passwords) must still count, or every request gets through."""
    environment = {**REALISTIC_PRODUCTION, "REDIS_URL": ""}
    code = (
        "import django; django.setup(); "
        "from django.test import RequestFactory; from kbsite.security import count_this_hour; "
        "request = RequestFactory().post('/feedback/1/', REMOTE_ADDR='203.0.113.9'); "
        "print([count_this_hour(request, 'feedback:') for _ in range(3)])"
    )

    result = load_settings("production", code, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[1, 2, 3]"
