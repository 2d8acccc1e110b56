"""Readers' throughput while a crowd guesses admin passwords: article pages per second
served by gunicorn (two sync workers, production settings) alone, then while 20 clients
send wrong passwords to the admin login as fast as they are answered; rounds interleaved
and repeated, the ratios printed, with the workers' CPU per page and per refused try. The
audit's figure before sign-in throttling: six such clients slowed article pages 80 times
(each try cost a worker 0.3 s of password hashing). Here, on PostgreSQL, readers kept a
median 82-83 % of their pages per second under attack (about 0.8 ms of CPU per refused
try against 7-8 ms per page), and 62-65 % in an attack's first 10 s, which pays for six
hashed tries; before throttling they got none (bench/RESULTS.md).

    .venv/bin/python bench/bench_login_flood.py               # SQLite, 300 articles
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_login_flood.py
    .venv/bin/python bench/bench_login_flood.py --rounds 5 --seconds 15 --port 8142

Needs wrk (`apt-get install wrk`). Everything stays on 127.0.0.1 and ends with the script:
gunicorn on --port, a throwaway database (a temporary SQLite file, or `newsroom_bench_login`
on the PostgreSQL server of DATABASE_URL, dropped at the end) and temporary media and
static folders. Before each attack round the lockouts are lifted, so every round pays for
the tries that are hashed before the limits are reached.
"""

import argparse
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from bench_import import django_on_a_throwaway_database
from bench_pages import fill

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-and-correct-password"  # noqa: S105 - a throwaway account's

# wrk's Lua hook: every request a POST of a new wrong password, with the CSRF cookie and
# token a browser would have (one pair for all, as a script would reuse).
ATTACK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken={cookie}"
local n = 0
request = function()
  n = n + 1
  local body = "csrfmiddlewaretoken={token}&username=editor&password=guess" .. n ..
    "&next=%2Fadmin%2F"
  return wrk.format(nil, nil, nil, body)
end
"""


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout} s")


def csrf_pair(login_url):
    """A CSRF cookie and a form token for it, as the login page hands them out."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(login_url, timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    return cookie, token


def wrk(url, *, connections, seconds, script=None, timeout=2):
    """Requests per second (answered within `timeout` seconds, wrk's default for readers),
    the count of answers other than 2xx/3xx, and the 99th percentile of latency."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", f"{timeout}s"]  # fmt: skip
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)
    return rate, int(errors.group(1)) if errors else 0, latency


def workers_cpu_seconds(master_pid):
    """CPU seconds used so far by gunicorn's workers (children of `master_pid`): a cost per
    request that other load on the machine does not blur as it blurs requests per second."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile
            continue
        if int(fields[1]) == master_pid:  # fields[1] is the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="articles to generate")
    parser.add_argument("--rounds", type=int, default=3, help="quiet/attack pairs")
    parser.add_argument("--seconds", type=int, default=10, help="length of each round")
    parser.add_argument(
        "--readers", type=int, default=10, help="wrk connections of readers (wrk's default)"
    )
    parser.add_argument("--attackers", type=int, default=20, help="clients guessing passwords")
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--database", default="newsroom_bench_login", help="PostgreSQL only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    with (
        django_on_a_throwaway_database(args.database) as workdir,
        tempfile.TemporaryDirectory(prefix="newsroom-bench-static-") as static_root,
    ):
        from axes.models import AccessAttempt
        from django.contrib.auth import get_user_model
        from django.db import connection

        articles = fill(args.n, 10, random.Random(2025))
        # Hashed with the production hasher (PBKDF2), as the audit measured.
        get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)
        site = f"http://127.0.0.1:{args.port}"
        environment = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SITE_URL": site,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": static_root,
            "MEDIA_ROOT": str(workdir / "media"),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT, env=environment, check=True, timeout=300,
        )  # fmt: skip
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "newsroom.wsgi",
             "--workers", "2", "--bind", f"127.0.0.1:{args.port}", "--log-level", "error"],
            cwd=ROOT, env=environment, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            article = f"{site}{articles[len(articles) // 2].get_absolute_url()}"
            login = f"{site}/admin/login/?next=/admin/"
            wait_for(article)
            cookie, token = csrf_pair(login)
            script = workdir / "attack.lua"
            script.write_text(ATTACK_SCRIPT.format(cookie=cookie, token=token))
            wrk(article, connections=args.readers, seconds=2)  # warm both workers up

            print(f"database: {connection.vendor}; {args.n} articles; gunicorn, 2 sync workers")
            print(f"readers: wrk, {args.readers} connections, {article}")
            print(f"attack: {args.attackers} clients POSTing wrong passwords to {login}")
            print(
                "each round: readers alone; then readers from the start of an attack (locks "
                "lifted first, so the tries hashed before the limits fall in it); then while "
                "it goes on"
            )
            figures = {"alone": [], "onset": [], "steady": [], "page": [], "try": []}
            for number in range(1, args.rounds + 1):
                cpu = workers_cpu_seconds(gunicorn.pid)
                alone, _, alone_p99 = wrk(article, connections=args.readers, seconds=args.seconds)
                page_cpu = (workers_cpu_seconds(gunicorn.pid) - cpu) / (alone * args.seconds)

                AccessAttempt.objects.all().delete()
                attack = subprocess.Popen(
                    ["wrk", "-t", "2", "-c", str(args.attackers),
                     "-d", f"{2 * args.seconds + 2}s", "-s", str(script), login],
                    stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                onset, _, onset_p99 = wrk(article, connections=args.readers, seconds=args.seconds)
                steady, _, steady_p99 = wrk(
                    article, connections=args.readers, seconds=args.seconds
                )
                output = attack.communicate(timeout=120)[0]
                tries = int(re.search(r"(\d+) requests in", output).group(1))
                checked = sum(a.failures_since_start for a in AccessAttempt.objects.all())

                # The attackers alone, locked out: what one refused try costs the workers.
                cpu = workers_cpu_seconds(gunicorn.pid)
                rate, _, _ = wrk(
                    login, connections=args.attackers, seconds=5, script=str(script), timeout=60
                )
                try_cpu = (workers_cpu_seconds(gunicorn.pid) - cpu) / max(rate * 5, 1)

                figures["alone"].append(alone)
                figures["onset"].append(onset / alone)
                figures["steady"].append(steady / alone)
                figures["page"].append(page_cpu)
                figures["try"].append(try_cpu)
                print(
                    f"round {number}: alone {alone:6.1f}/s (p99 {alone_p99}); under attack "
                    f"{steady:6.1f}/s = {steady / alone:4.0%} (p99 {steady_p99}); its first "
                    f"{args.seconds} s {onset:6.1f}/s = {onset / alone:4.0%} (p99 {onset_p99})"
                )
                print(
                    f"  attackers sent {tries:,} tries, {checked} reached a password check; "
                    f"CPU per article page {page_cpu * 1000:.1f} ms, per refused try "
                    f"{try_cpu * 1000:.2f} ms"
                )
            median = statistics.median
            print(
                f"median of {args.rounds} rounds: alone {median(figures['alone']):.1f} pages/s; "
                f"under attack {median(figures['steady']):.0%} of that (worst round "
                f"{min(figures['steady']):.0%}); in the attack's first {args.seconds} s "
                f"{median(figures['onset']):.0%} (worst {min(figures['onset']):.0%})"
            )
            page, refused = median(figures["page"]), median(figures["try"])
            share = args.readers * page / (args.readers * page + args.attackers * refused)
            print(
                f"CPU: {page * 1000:.1f} ms per page, {refused * 1000:.2f} ms per refused try: "
                f"{args.readers} readers and {args.attackers} attackers taking turns at the "
                f"workers leave readers {share:.0%} of them"
            )
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
