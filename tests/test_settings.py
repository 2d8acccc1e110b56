"""Settings read from the environment: production refuses to start on development defaults,
with a message rather than a traceback, and passes Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SITE_URL": "https://news.example",
    "ALLOWED_HOSTS": "news.example",
}


# Not inherited: the first two are what the tests vary, and the browser fixture sets the
# third for this process (check --deploy rightly refuses it).
NOT_INHERITED = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **environment):
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "too-short",
        "a" * 60,  # long, but five different characters at least are needed
        "django-insecure-" + secrets.token_urlsafe(50),  # Django's own development keys
    ],
    ids=["missing", "short", "repetitive", "django-insecure"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    environment = dict(PRODUCTION)
    if secret_key is not None:
        environment["SECRET_KEY"] = secret_key
    result = manage("check", **environment)
    assert result.returncode == 1
    assert result.stderr.startswith("Configuration error: SECRET_KEY must be set")
    assert "Traceback" not in result.stderr


def test_a_bad_site_url_is_named_without_a_traceback():
    result = manage("check", SITE_URL="news.example")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: SITE_URL must be an absolute http(s) URL, got 'news.example'."
    )


def test_development_defaults_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("debug, max_age", [("0", "60"), ("1", "0")])
def test_favicon_ico_is_served_in_production_and_in_development(debug, max_age):
    """By WhiteNoise, from the source tree: no collectstatic needed, no view involved."""
    request = (
        "from django.test import Client; "
        "r = Client().get('/favicon.ico', secure=True, headers={'host': 'news.example'}); "
        "print(r.status_code, r['Content-Type'], r['Cache-Control'], "
        "len(b''.join(r.streaming_content)))"
    )
    environment = {**PRODUCTION, "DEBUG": debug, "SECRET_KEY": secrets.token_urlsafe(50)}
    result = manage("shell", "--no-imports", "-c", request, **environment)
    assert result.returncode == 0, result.stderr
    size = (PROJECT_ROOT / "static/root/favicon.ico").stat().st_size
    assert result.stdout.split() == [
        "200", "image/x-icon", f"max-age={max_age},", "public", str(size)
    ]


def test_make_run_on_another_port_makes_links_to_that_port():
    """Reviewer links and canonical URLs come from SITE_URL; `make run PORT=…` sets it
    unless it is set already."""
    result = subprocess.run(
        ["make", "--dry-run", "run", "PORT=8001"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (runserver,) = [line for line in result.stdout.splitlines() if "runserver" in line]
    assert runserver.startswith('SITE_URL="${SITE_URL:-http://127.0.0.1:8001}" ')
    assert runserver.endswith("manage.py runserver 127.0.0.1:8001")
    # migrate copies the host into the sites framework, which the sitemap index reads.
    (migrate,) = [line for line in result.stdout.splitlines() if "manage.py migrate" in line]
    assert migrate.startswith('SITE_URL="${SITE_URL:-http://127.0.0.1:8001}" ')


def test_production_compiles_each_template_once_per_process():
    """Django's cached template loader, which keeps compiled templates: without it every
    include in a listing's loop is read and parsed again."""
    result = manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.template import engines; "
        "print([type(loader).__module__ for loader in engines['django'].engine.template_loaders])",
        **PRODUCTION,
        SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['django.template.loaders.cached']"
