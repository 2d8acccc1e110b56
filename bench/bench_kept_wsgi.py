"""A kept page's cost in-process, CPU µs a request, no server: Django's WSGI handler
(KeptPageMiddleware's early answer) against KeptPageApplication (the answer before the
handler, newsroom/wsgi.py), locmem and Redis; and the floor (bench/floor_site.py) in a
process of its own.

    DATABASE_URL=sqlite:////tmp/kept.sqlite3 python bench/bench_kept_wsgi.py [--redis URL]

The database is migrated and given one article (a throwaway SQLite file will do)."""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def environ(path):
    from django.test import RequestFactory

    return RequestFactory().get(path).environ


def cpu_us(app, path, requests, rounds):
    """Median over rounds of the CPU µs a request, body read and closed."""
    base = environ(path)

    def start_response(status, headers):
        assert status.startswith("200"), status

    times = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            body = app(dict(base), start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        times.append((time.process_time() - started) / requests * 1e6)
    return statistics.median(times)


def floor(requests, rounds):
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import floor_site

    floor_site.settings.ALLOWED_HOSTS.append("testserver")
    print(f"floor (floor_site.py): {cpu_us(floor_site.application, '/', requests, rounds):.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        return floor(args.requests, args.rounds)
    subprocess.run(
        [sys.executable, __file__, "--floor", f"--requests={args.requests}",
         f"--rounds={args.rounds}"],
        check=True,
    )  # fmt: skip
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings", DEBUG="0", ALLOWED_HOSTS="testserver",
        SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL_REDIRECT="0",
    )  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test import override_settings

    from articles.kept_pages import KeptPageApplication
    from tests.factories import ArticleFactory

    call_command("migrate", verbosity=0)
    path = ArticleFactory(slug=f"kept-{secrets.token_hex(4)}").get_absolute_url()
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": args.redis,
            "KEY_PREFIX": f"bench-kept-wsgi-{secrets.token_hex(4)}",
        }
    }
    # Static addresses without collectstatic's manifest: made once, in the kept page.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    for label, cache_settings in [("locmem", settings.CACHES), ("Redis", redis)]:
        with override_settings(PAGE_CACHE=True, CACHES=cache_settings, STORAGES=storages):
            handler = WSGIHandler()
            app = KeptPageApplication(handler)
            cpu_us(app, path, 3, 1)  # kept, and its headers recorded
            figures = {
                name: cpu_us(answering, path, args.requests, args.rounds)
                for name, answering in [
                    ("Django's handler (KeptPageMiddleware)", handler),
                    ("KeptPageApplication", app),
                ]
            }
        for name, value in figures.items():
            print(f"{label:<6} {name:<40} {value:.0f}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
