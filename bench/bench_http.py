"""Pages per second over HTTP, side by side with the framework's floor and nginx's limit,
then the home page and search in-process at 100,000 articles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_http.py
    … bench/bench_http.py --rounds 3 --seconds 4 --port 8150       # a busy machine

In one run, on 127.0.0.1 only: a throwaway PostgreSQL database (`newsroom_bench_http`, or
--database) with the seed articles and --n generated ones; gunicorn (2 sync workers,
production settings) serving the site with the page cache off (PAGE_CACHE=off), on
(locmem) and on with Redis (REDIS_URL, default redis://127.0.0.1:6379/15); the same
gunicorn serving floor_site.py, Django's floor (one view, a fixed 14 KB page), alone and
with the headers the site's kept article carries (what sending them costs); nginx
serving the seed article's HTML from a file, nginx's limit; and nginx's micro-cache in
front of the cached site (the shipped deploy/nginx/newsroom.conf, else a minimal
equivalent, said so). wrk drives each setup in turn at --connections for --seconds,
round after round (setups interleaved, since the machine is shared and noisy); the
figures are medians over rounds, ratios medians of the ratios within each round.
Then --large articles in all (added to the same database), timed in-process with the
Django test client: p50/p95 of the home page and searches, and every page's queries.
Everything started is stopped and the database dropped at the end.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_import import django_on_a_throwaway_database
from bench_login_flood import wait_for, workers_cpu_seconds
from generate_articles import generate

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_MICRO_CACHE = ROOT / "deploy" / "nginx" / "newsroom.conf"
IN_PROCESS_RUNS = 40

NGINX_FILE = """
worker_processes 2;
daemon off;
pid {tmp}/nginx-file.pid;
error_log {tmp}/nginx-file.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    {temp_paths}
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        default_type text/html;
        location / {{ try_files /article.html =404; }}
    }}
}}
"""
# What a micro-cache does, for when the repository ships none yet: keep each page for a
# second, one request refreshing it while the others get the stale copy.
NGINX_MICRO_CACHE = """
worker_processes 2;
daemon off;
pid {tmp}/nginx-cache.pid;
error_log {tmp}/nginx-cache.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    {temp_paths}
    proxy_cache_path {tmp}/micro-cache levels=1:2 keys_zone=micro:10m max_size=100m;
    upstream site {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://site;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_cache micro;
            proxy_cache_valid 200 1s;
            proxy_cache_lock on;
            proxy_cache_use_stale updating error timeout;
            proxy_cache_background_update on;
        }}
    }}
}}
"""
TEMP_PATHS = " ".join(
    f"{kind}_temp_path {{tmp}}/{kind};"
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
)


def wrk(url, *, connections, seconds):
    """(requests per second, p50 ms, p99 ms, non-2xx answers, requests) of wrk at
    `connections`; a request counts if answered within 10 s (a busy machine's worst)."""
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "--timeout", "10s", url],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return (
        rate,
        _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        int(errors.group(1)) if errors else 0,
        int(re.search(r"(\d+) requests in", output).group(1)),
    )


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


class Servers:
    """gunicorns and nginxes started here, stopped together."""

    def __init__(self):
        self.processes = []

    def start(self, command, *, env=None, cwd=ROOT):
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.processes.append(process)
        return process

    def gunicorn(self, port, env, app="newsroom.wsgi", cwd=ROOT):
        return self.start(
            [str(Path(sys.executable).parent / "gunicorn"), app, "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "--log-level", "error"],
            env=env, cwd=cwd,
        )  # fmt: skip

    def nginx(self, config_path):
        self.start(["nginx", "-c", str(config_path), "-p", str(config_path.parent)])

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def micro_cache_config(tmp, port, upstream):
    """The shipped micro-cache configuration pointed at our ports and folders, if it is
    there and nginx accepts it so; else the minimal equivalent. Returns (path, origin)."""
    path = tmp / "nginx-cache.conf"
    temp_paths = TEMP_PATHS.format(tmp=tmp)
    if SHIPPED_MICRO_CACHE.exists():
        text = SHIPPED_MICRO_CACHE.read_text()
        text = re.sub(r"listen\s+[^;]+;", f"listen 127.0.0.1:{port};", text)
        text = re.sub(
            r"server\s+(127\.0\.0\.1|localhost):\d+", f"server 127.0.0.1:{upstream}", text
        )
        text = re.sub(r"proxy_cache_path\s+\S+", f"proxy_cache_path {tmp}/micro-cache", text)
        if "http {" not in text and "http{" not in text:
            text = (
                f"daemon off; pid {tmp}/nginx-cache.pid; error_log {tmp}/nginx-cache.log error;\n"
                f"events {{ worker_connections 1024; }}\n"
                f"http {{ access_log off; {temp_paths}\n{text}\n}}\n"
            )
        path.write_text(text)
        checked = subprocess.run(
            ["nginx", "-t", "-c", str(path), "-p", str(tmp)], capture_output=True, text=True
        )
        if checked.returncode == 0:
            return path, f"shipped {SHIPPED_MICRO_CACHE.relative_to(ROOT)}"
        print(f"note: {SHIPPED_MICRO_CACHE} did not load here ({checked.stderr.strip()[-200:]})")
    path.write_text(
        NGINX_MICRO_CACHE.format(tmp=tmp, port=port, upstream=upstream, temp_paths=temp_paths)
    )
    return path, "minimal equivalent written by this script (no shipped config yet)"


def drain(masters, *, timeout=30):
    """Wait until the gunicorns' workers are idle: requests wrk sent but gave up on are
    still answered after it stops, and would count against the next setup."""
    deadline = time.monotonic() + timeout
    total = sum(workers_cpu_seconds(master) for master in masters)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(workers_cpu_seconds(master) for master in masters)
        if now - total < 0.02:  # seconds of CPU in half a second: idle
            return
        total = now


def in_process_figures(client, pages, *, runs):
    """{label: (p50 ms, p95 ms, CPU p50 ms, CPU p95 ms, queries)} of the Django test
    client asking for each page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures = {}
    for label, url in pages:
        # Templates compiled, connection open; the shown articles' stored fragments made
        # (rows loaded in bulk have none: the first request gives them rows, the second
        # stores them, as a running site's first readers would).
        client.get(url)
        client.get(url)
        timings, cpu = [], []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        figures[label] = (*_p50_p95(timings), *_p50_p95(cpu), len(queries))
    return figures


def _p50_p95(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="of wrk per setup and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--n", type=int, default=10_000, help="articles served over HTTP")
    parser.add_argument(
        "--large", type=int, default=100_000, help="articles timed in-process (0: none)"
    )
    parser.add_argument("--port", type=int, default=8150, help="first of 7 ports")
    parser.add_argument("--database", default="newsroom_bench_http")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the database is made here).")
    for program in ("wrk", "nginx"):
        if not shutil.which(program):
            raise SystemExit(f"{program} is missing: apt-get install -y wrk nginx")

    started_at = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-bench-http-"))
    tmp.chmod(0o755)  # nginx's workers run as another user when it is started as root
    (tmp / "www").mkdir()
    site_port, locmem_port, redis_port, floor_port, file_port, cache_port, headers_port = (
        args.port + offset for offset in range(7)
    )
    site = f"http://127.0.0.1:{site_port}"
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL=site,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(tmp / "static"),
        PAGE_CACHE="off",  # this process times pages as made, not as cached
    )
    os.environ.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    servers = Servers()
    try:
        with django_on_a_throwaway_database(args.database) as workdir:
            from django.db import connection
            from django.test import Client

            from articles.fragments import make_all
            from articles.importing import import_articles
            from articles.models import Article

            generate(args.n)
            import_articles(
                [ROOT / "sample_content" / "articles"],
                time_zone="Europe/Kyiv",
                images_root=ROOT / "sample_content",
            )
            # What a running site has: every article's stored fragments (generate() loads
            # rows in bulk, past the write path that would have made them).
            made = make_all()
            print(f"fragments made for {made:,} articles")
            seed = (
                Article.objects.filter(lead_figure__isnull=False, source_url__gt="")
                .order_by("pk")
                .first()
            )
            print(
                f"database: PostgreSQL {connection.cursor().connection.info.server_version}, "
                f"{Article.objects.count():,} articles; seed article {seed.get_absolute_url()}"
            )
            base_env = {**os.environ, "MEDIA_ROOT": str(workdir / "media")}
            uncached = {**base_env, "PAGE_CACHE": "off"}
            cached = {k: v for k, v in base_env.items() if k != "PAGE_CACHE"}
            masters = {
                site_port: servers.gunicorn(site_port, uncached).pid,
                locmem_port: servers.gunicorn(locmem_port, cached).pid,
                # A prefix of this run's own: other runs may share the Redis database.
                redis_port: servers.gunicorn(
                    redis_port,
                    {
                        **cached,
                        "REDIS_URL": args.redis,
                        "CACHE_KEY_PREFIX": f"bench-http-{secrets.token_hex(4)}",
                    },
                ).pid,
                floor_port: servers.gunicorn(
                    floor_port, base_env, app="floor_site:application", cwd=ROOT / "bench"
                ).pid,
            }
            article = seed.get_absolute_url()
            origin = "http://127.0.0.1:{}".format
            wait_for(f"{site}{article}")
            with urllib.request.urlopen(f"{site}{article}") as response:  # noqa: S310 - ours
                (tmp / "www" / "article.html").write_bytes(response.read())
            # The floor again, with the headers the site's kept article carries.
            wait_for(origin(locmem_port) + article)
            with urllib.request.urlopen(origin(locmem_port) + article) as response:  # noqa: S310
                sent = [
                    (name, value)
                    for name, value in response.getheaders()
                    if name.lower() not in {"server", "date", "connection", "content-type"}
                ]
            masters[headers_port] = servers.gunicorn(
                headers_port,
                {**base_env, "FLOOR_HEADERS": json.dumps(sent)},
                app="floor_site:application",
                cwd=ROOT / "bench",
            ).pid
            temp_paths = TEMP_PATHS.format(tmp=tmp)
            (tmp / "nginx-file.conf").write_text(
                NGINX_FILE.format(tmp=tmp, port=file_port, temp_paths=temp_paths)
            )
            servers.nginx(tmp / "nginx-file.conf")
            cache_config, cache_origin = micro_cache_config(tmp, cache_port, locmem_port)
            servers.nginx(cache_config)
            print(f"micro-cache: {cache_origin}")

            pages = {
                "home": "/",
                "tag": "/tags/harbour/",
                "search": "/search/?q=harbour+bridge",
                "feed": "/feeds/rss/",
            }
            setups = [
                ("(1) article, uncached", origin(site_port) + article),
                ("(2) article, cached (locmem)", origin(locmem_port) + article),
                ("(2) article, cached (Redis)", origin(redis_port) + article),
                ("(3) floor: bare Django 14 KB", origin(floor_port) + "/"),
                ("(3) floor + the site's headers", origin(headers_port) + "/"),
                ("(4) nginx, article from a file", origin(file_port) + "/"),
                ("(5) article, nginx micro-cache", origin(cache_port) + article),
            ]
            for name, path in pages.items():
                setups += [
                    (f"(6) {name}, uncached", origin(site_port) + path),
                    (f"(6) {name}, cached (locmem)", origin(locmem_port) + path),
                ]
            for _, url in setups:
                wait_for(url)
                wrk(url, connections=args.connections, seconds=1)  # warm: workers, caches
            print(
                f"wrk: {args.connections} connections, {args.seconds} s per setup, "
                f"{args.rounds} rounds interleaved; gunicorn 2 sync workers; "
                f"load average before: {os.getloadavg()[0]:.1f}"
            )
            results = {label: [] for label, _ in setups}
            cpu = {label: [] for label, _ in setups}
            for number in range(1, args.rounds + 1):
                for label, url in setups:
                    master = masters.get(int(url.split(":")[2].split("/")[0]))
                    before = workers_cpu_seconds(master) if master else 0
                    run = wrk(url, connections=args.connections, seconds=args.seconds)
                    results[label].append(run)
                    if master and run[4]:
                        spent = workers_cpu_seconds(master) - before
                        cpu[label].append(spent / run[4])
                    drain(masters.values())
                print(f"round {number} done, load average {os.getloadavg()[0]:.1f}")
            servers.stop()

            median = statistics.median
            # The workers' CPU per request varies far less than requests per second when
            # other jobs share the machine.
            print(
                f"\n{'setup':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
                f"{'CPU ms/req':>10}  non-2xx"
            )
            for label, runs in results.items():
                cpu_ms = f"{median(cpu[label]) * 1000:10.2f}" if cpu[label] else f"{'-':>10}"
                print(
                    f"{label:<34} {median(r[0] for r in runs):9.0f} "
                    f"{median(r[1] for r in runs):8.2f} {median(r[2] for r in runs):8.2f} "
                    f"{cpu_ms}  {sum(r[3] for r in runs)}"
                )

            def ratio(a, b):
                return median(x[0] / y[0] for x, y in zip(results[a], results[b], strict=True))

            floor, limit = "(3) floor: bare Django 14 KB", "(4) nginx, article from a file"
            print(
                "\nratios: requests/s (median of the per-round ratios), and by the workers' "
                "CPU per request (floor's / page's: what the ratio would be on an idle machine)"
            )
            for label in results:
                if label not in (floor, limit):
                    by_cpu = (
                        f"{median(cpu[floor]) / median(cpu[label]):6.3f}"
                        if cpu[label] and cpu[floor]
                        else f"{'-':>6}"
                    )
                    print(f"  {label:<34} / floor {ratio(label, floor):6.3f}   by CPU {by_cpu}")
            micro_cache = "(5) article, nginx micro-cache"
            print(f"  (5) micro-cache / (4) nginx file     {ratio(micro_cache, limit):6.3f}")

            if not args.large:
                return 0
            print(f"\nin-process at {args.large:,} articles (Django test client, DEBUG=0):")
            generate(args.large, start=args.n)
            print(f"  {Article.objects.count():,} articles")
            client = Client(HTTP_HOST="127.0.0.1")
            newest = Article.objects.published().first()
            timed = [
                ("home", "/"),
                (f"home, page {args.large // 24:,}", f"/?page={args.large // 24}"),
                ("search: harbour bridge", "/search/?q=harbour+bridge"),
                ("search: glacier retreat", "/search/?q=glacier+retreat"),
                ("search: zeppelin-0042", "/search/?q=zeppelin-0042"),
                ("article", newest.get_absolute_url()),
                ("tag", "/tags/harbour/"),
                (f"tag, page {args.large // 100:,}", f"/tags/harbour/?page={args.large // 100}"),
                ("year archive", f"/archive/{newest.published_at.year}/"),
                ("month archive", f"/archive/{newest.published_at:%Y/%m}/"),
                ("RSS feed", "/feeds/rss/"),
                ("Atom feed", "/feeds/atom/"),
                ("tag feed", "/feeds/tags/harbour/rss/"),
                ("sitemap index", "/sitemap.xml"),
                ("news sitemap", "/news-sitemap.xml"),
            ]
            print(
                f"  {'':<26} {'p50 ms':>8} {'p95 ms':>8}   {'CPU p50':>8} {'CPU p95':>8}"
                "  (this process's CPU: Python, not PostgreSQL)"
            )
            for label, (p50, p95, cpu50, cpu95, queries) in in_process_figures(
                client, timed, runs=IN_PROCESS_RUNS
            ).items():
                print(
                    f"  {label:<26} {p50:8.1f} {p95:8.1f}   {cpu50:8.1f} {cpu95:8.1f}"
                    f"  {queries:2d} queries"
                )
            print(f"  load average {os.getloadavg()[0]:.1f}")
    finally:
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nthe whole run took {(time.monotonic() - started_at) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
