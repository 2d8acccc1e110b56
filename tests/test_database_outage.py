"""The site under gunicorn while its PostgreSQL is stopped, then frozen: readers get a
503 page with Retry-After, quickly, and the log one line per failed request rather than
a traceback; once the database is back, pages come back by themselves, without a
restart.

The database is a private cluster this module makes with initdb on a port of its own,
never the shared server: it is stopped and frozen (SIGSTOP on the postmaster and every
backend) here. It needs PostgreSQL 15's server programs (Debian's postgresql-15, which
CI installs); without them the test fails, saying so, rather than being skipped.
"""

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE_PORTS = range(55431, 55440)
SITE_PORTS = range(8111, 8120)
# Short limits, so that the test is quick; production's defaults are in settings.py.
STATEMENT_TIMEOUT = 2
CONNECT_TIMEOUT = 2
# The slowest a 503 may be while the database is frozen: the request's database time
# runs out (statement timeout + 1 s), then a new connection is tried (connect timeout).
# (The margin is for a loaded CI machine; gunicorn would kill the worker at 30 s.)
FROZEN_503_WITHIN = STATEMENT_TIMEOUT + 1 + CONNECT_TIMEOUT + 2.5

pytestmark = pytest.mark.faults


def free_port(ports):
    for port in ports:
        with contextlib.closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {ports.start}-{ports.stop - 1}")


def run(command, *, timeout=60, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}{result.stderr}"
    return result


class Cluster:
    """A throwaway PostgreSQL cluster, run as the `postgres` system user when the tests
    run as root (initdb refuses root)."""

    def __init__(self):
        if not (POSTGRES_BIN / "initdb").exists():
            pytest.fail(
                f"{POSTGRES_BIN}/initdb is missing: install PostgreSQL 15's server "
                "(apt-get install postgresql-15) to run the database outage tests."
            )
        self.port = free_port(DATABASE_PORTS)
        self.directory = Path(tempfile.mkdtemp(prefix="newsroom-outage-"))
        self.as_user = []
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.directory, postgres.pw_uid, postgres.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/newsroom"

    def ctl(self, *args, timeout=30):
        return run(
            [*self.as_user, str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), *args],
            timeout=timeout + 5,
        )

    def create(self):
        run(
            [*self.as_user, str(POSTGRES_BIN / "initdb"), "-D", str(self.data),
             "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions"],
        )  # fmt: skip
        self.start()
        run([str(POSTGRES_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "newsroom"])  # fmt: skip

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c full_page_writes=off"
        )
        self.ctl("-o", options, "-l", str(self.directory / "server.log"), "-w", "-t", "20",
                 "start")  # fmt: skip

    def stop(self):
        self.ctl("-m", "fast", "-w", "-t", "20", "stop")

    def processes(self):
        """The postmaster and all its children (the backends and background workers)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def signal_all(self, number):
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    def destroy(self):
        with contextlib.suppress(Exception):
            self.signal_all(signal.SIGCONT)  # a frozen server would never stop
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            try:
                self.ctl("-m", "immediate", "-w", "-t", "10", "stop", timeout=10)
            except (AssertionError, subprocess.TimeoutExpired):
                with contextlib.suppress(Exception):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)


class Site:
    """The site under gunicorn, in production settings, against the cluster."""

    def __init__(self, cluster, directory):
        self.port = free_port(SITE_PORTS)
        self.log_path = directory / "gunicorn.log"
        self.environment = {
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}},
            "DATABASE_URL": cluster.url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": str(directory / "static"),
            "MEDIA_ROOT": str(directory / "media"),
            "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
            "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            # Every page made for its request, so that each meets the outage (a page in
            # the page cache would be served without the database).
            "PAGE_CACHE": "off",
        }
        self.process = None

    def manage(self, *args):
        return run([sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=self.environment)

    def start(self):
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.log = open(self.log_path, "w+")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--timeout", "30", "--no-control-socket",
             "newsroom.wsgi"],
            cwd=PROJECT_ROOT, env=self.environment, stdout=self.log, stderr=self.log,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            with contextlib.suppress(OSError):
                if self.get("/robots.txt", timeout=2)[0] == 200:
                    return
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer within 20 s:\n{self.log_path.read_text()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process:
            self.log.close()

    def get(self, path, *, timeout=15):
        """(status, headers, body text, seconds taken)."""
        started = time.monotonic()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        return status, headers, body.decode(), time.monotonic() - started

    def log_lines(self):
        return self.log_path.read_text().splitlines()

    def workers(self):
        return subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def site(cluster):
    site = Site(cluster, cluster.directory)
    try:
        site.start()
        yield site
    finally:
        site.stop()


@pytest.fixture
def running(cluster, site):
    """Each test starts with the database up and every page answering, and leaves it so."""
    wait_for_pages(site)
    yield
    if not (cluster.data / "postmaster.pid").exists():
        cluster.start()
    cluster.signal_all(signal.SIGCONT)
    wait_for_pages(site)


PAGES = ["/", "/search/?q=news", "/articles/no-such-article/", "/no-such-page/"]


def wait_for_pages(site, within=15):
    """Seconds until the home page answers 200 again, polling; fails after `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        with contextlib.suppress(OSError):
            if site.get("/", timeout=within)[0] == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    log = "\n".join(site.log_lines()[-20:])
    pytest.fail(f"the site did not answer 200 within {within} s:\n{log}")


def assert_unavailable(status, headers, body, seconds, *, within):
    assert status == 503, body[:2000]
    assert int(headers["Retry-After"]) > 0
    assert "Cache-Control" in headers and "no-store" in headers["Cache-Control"]
    assert "temporarily unavailable" in body
    assert seconds < within, f"the 503 took {seconds:.1f} s"


def assert_one_line_each(lines, count):
    assert "Traceback" not in "\n".join(lines)
    failures = [line for line in lines if "Service Unavailable" in line]
    assert len(failures) == count, lines
    assert len(lines) == count, lines  # nothing else: no traceback, no worker restart


def test_a_stopped_database_gives_503_quickly_until_it_is_back(cluster, site, running):
    workers = site.workers()
    for path in PAGES:
        assert site.get(path)[0] in {200, 404}

    cluster.stop()
    logged = len(site.log_lines())
    started = time.monotonic()
    requests = 0
    slowest = 0
    while time.monotonic() - started < 2:
        for path in PAGES:
            status, headers, body, seconds = site.get(path)
            assert_unavailable(status, headers, body, seconds, within=1)
            requests, slowest = requests + 1, max(slowest, seconds)
    assert requests >= 8
    log_bytes = sum(len(line) + 1 for line in site.log_lines()[logged:])
    print(f"stopped: {requests} 503s in 2 s, slowest {slowest * 1000:.0f} ms, "
          f"{log_bytes / requests:.0f} bytes of log each")
    assert_one_line_each(site.log_lines()[logged:], requests)

    cluster.start()
    back_after = wait_for_pages(site, within=5)
    print(f"pages again {back_after:.2f} s after the database was back")
    for path in PAGES:
        assert site.get(path)[0] in {200, 404}
    assert site.workers() == workers  # no worker was killed or restarted


def test_a_frozen_database_gives_503_within_the_timeout_not_a_hang(cluster, site, running):
    workers = site.workers()
    for _ in range(6):  # every worker holds a database connection
        assert site.get("/")[0] == 200

    cluster.signal_all(signal.SIGSTOP)
    logged = len(site.log_lines())
    timings = []
    for path in PAGES:
        status, headers, body, seconds = site.get(path, timeout=20)
        assert_unavailable(status, headers, body, seconds, within=FROZEN_503_WITHIN)
        timings.append(seconds)
    print("503s while frozen:", ", ".join(f"{seconds:.1f} s" for seconds in timings))
    assert_one_line_each(site.log_lines()[logged:], len(PAGES))

    cluster.signal_all(signal.SIGCONT)
    back_after = wait_for_pages(site, within=10)
    print(f"pages again {back_after:.2f} s after the database was thawed")
    assert site.workers() == workers


# The handler behind both paths, in the test process --------------------------------------


def test_the_error_handler_answers_503_for_the_database_and_500_for_the_rest(rf, caplog):
    """Django's handler500 is ours: a database failure raised outside a view (the
    redirects middleware on a 404) gets the 503 page and one log line; anything else
    keeps the 500 page."""
    from django.db import OperationalError, ProgrammingError

    from newsroom.outages import server_error

    request = rf.get("/no-such-page/")
    try:
        raise OperationalError('connection failed: server at "db"\n\tIs the server running?')
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Temporarily unavailable" in response.content.decode()
    (record,) = caplog.records
    assert record.getMessage() == (
        'Service Unavailable (database: connection failed: server at "db"): /no-such-page/'
    )
    assert record.exc_info is None

    try:
        raise ProgrammingError("relation does not exist")
    except ProgrammingError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
