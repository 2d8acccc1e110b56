"""The site while its database is down, frozen or too slow.

Readers get a 503 page with Retry-After, soon, and the log one line per failed request
rather than a traceback; the site comes back by itself once the database does (Django's
health check replaces a dead persistent connection at the next request). Three limits
keep requests from hanging, each for a failure the others cannot see:

- a connect timeout (DATABASES OPTIONS, settings.DATABASE_CONNECT_TIMEOUT) for a server
  that accepts connections and never completes them;
- PostgreSQL's statement_timeout on public requests (settings.DATABASE_STATEMENT_TIMEOUT):
  the server cancels a query stuck behind a lock or an overload, and the connection
  stays usable. The admin and management commands keep the server's default, so an
  editor's search or a migration is never cut short;
- a watchdog for a server that no longer answers at all (frozen, or gone from the
  network without closing its connections): statement_timeout is enforced by the server
  itself, and psycopg has no client-side limit on a query, so a request would wait for
  the reply until gunicorn killed its worker. A public request still running a second
  after its statement timeout has its database sockets shut down; psycopg then raises
  at once, the health check drops the connection, and a new one meets the connect
  timeout.
"""

import contextlib
import contextvars
import os
import socket
import sys
import threading
import time
import weakref

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.template import loader
from django.utils.log import log_response
from django.views import defaults

RETRY_AFTER_SECONDS = 30
# How long after its statement timeout a public request's connections are cut: long
# enough for the server's own cancellation to arrive first when the server is alive.
WATCHDOG_GRACE_SECONDS = 1


def is_unavailable(exception):
    """Whether `exception` says the database cannot serve now (refused, lost, timed out,
    too many connections, cancelled by statement_timeout), rather than that our code or
    data is wrong."""
    return isinstance(exception, (OperationalError, InterfaceError))


def unavailable_response(request, exception):
    """The 503 page, rendered without context processors or a database, and its one log
    line (on django.request, which then writes nothing more for this response)."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    guard = _current_guard.get(None)
    if guard is not None and guard.cut:
        reason = f"no answer within {guard.seconds:g} s; connection cut"
    else:
        lines = str(exception).strip().splitlines()
        reason = lines[0] if lines else type(exception).__name__
    log_response(
        "Service Unavailable (database: %s): %s",
        reason,
        request.path,
        response=response,
        request=request,
    )
    return response


def server_error(request):
    """handler500: the 503 page when the database failed outside a view (the redirects
    middleware looks up every 404's path), Django's 500 page otherwise."""
    exception = sys.exc_info()[1]
    if is_unavailable(exception):
        return unavailable_response(request, exception)
    return defaults.server_error(request)


@contextlib.contextmanager
def public_request_limits():
    """Statement timeout and watchdog for the request this wraps."""
    seconds = settings.DATABASE_STATEMENT_TIMEOUT
    with contextlib.ExitStack() as stack:
        for connection in _postgresql_connections():
            stack.enter_context(connection.execute_wrapper(StatementTimeout(seconds)))
        if seconds:
            stack.enter_context(watchdog.guard(seconds + WATCHDOG_GRACE_SECONDS))
        yield


@contextlib.contextmanager
def default_limits():
    """The server's own statement timeout (none, by default) for an admin request, on a
    connection a public request may have set it on."""
    with contextlib.ExitStack() as stack:
        for connection in _postgresql_connections():
            stack.enter_context(connection.execute_wrapper(StatementTimeout(None)))
        yield


def _postgresql_connections(initialized_only=False):
    return [
        connection
        for connection in connections.all(initialized_only=initialized_only)
        if connection.vendor == "postgresql"
    ]


# Statement timeout ----------------------------------------------------------------------

# The statement_timeout each open connection has, when we set it; a connection missing
# here has the server's default. Keyed weakly by psycopg connection, so that a connection
# Django replaces is forgotten with it.
_statement_timeouts = weakref.WeakKeyDictionary()
_UNKNOWN = object()


class StatementTimeout:
    """An execute wrapper giving the queries of one request PostgreSQL's statement_timeout
    (None: the server's default). The setting lasts as long as the connection, so it is
    sent only when the connection has another one: public requests on a connection that
    served a public request last cost nothing."""

    def __init__(self, seconds):
        self.value = f"{round(seconds * 1000)}ms" if seconds else None
        self.checked = False

    def __call__(self, execute, sql, params, many, context):
        if not self.checked:
            self.checked = True
            self.apply(context["connection"])
        return execute(sql, params, many, context)

    def apply(self, connection):
        raw = connection.connection
        if _statement_timeouts.get(raw) == self.value:
            return
        statement = (
            f"SET statement_timeout = '{self.value}'"
            if self.value
            else "SET statement_timeout TO DEFAULT"
        )
        with connection.wrap_database_errors:
            raw.execute(statement)
        # Inside a transaction the SET is undone if the transaction is rolled back.
        _statement_timeouts[raw] = _UNKNOWN if connection.in_atomic_block else self.value


# Watchdog -------------------------------------------------------------------------------

_current_guard = contextvars.ContextVar("newsroom_database_guard")


class Guard:
    """One request's deadline and its database sockets. Each socket is a duplicate of
    the connection's file descriptor, taken by the request's own thread: shutting it down
    from the watchdog's thread reaches that connection, never a descriptor number that
    has since been closed and reused."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.sockets = []
        self.cut = False

    def watch(self, connection):
        raw = connection.connection
        if raw is None or raw.closed:
            return
        # A connection already lost fails fast at its next use; no descriptor left, the
        # request goes unguarded.
        with contextlib.suppress(psycopg.Error, OSError):
            self.sockets.append(socket.socket(fileno=os.dup(raw.fileno())))

    def cut_connections(self):
        self.cut = True
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self):
        for sock in self.sockets:
            sock.close()
        self.sockets = []


class Watchdog:
    """One thread per process that cuts the database sockets of requests past their
    deadline. Started on first use, so in each gunicorn worker rather than before the
    fork."""

    def __init__(self):
        self._lock = threading.Condition()
        self._guards = set()
        self._thread = None
        self._wake_at = None  # when the thread wakes next; None: when told

    @contextlib.contextmanager
    def guard(self, seconds):
        guard = Guard(seconds)
        with self._lock:
            for connection in _postgresql_connections(initialized_only=True):
                guard.watch(connection)
            self._guards.add(guard)
            self._start()
            # Deadlines mostly come in order: the thread is woken only when it would
            # otherwise sleep past this one, not for every request.
            if self._wake_at is None or guard.deadline < self._wake_at:
                self._lock.notify()
        token = _current_guard.set(guard)
        try:
            yield guard
        finally:
            _current_guard.reset(token)
            with self._lock:
                self._guards.discard(guard)
                guard.close()

    def watch_new_connection(self, connection):
        """A connection opened during a guarded request is watched too."""
        guard = _current_guard.get(None)
        if guard is not None and connection.vendor == "postgresql":
            with self._lock:
                if guard in self._guards:
                    guard.watch(connection)

    def _start(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="newsroom-database-watchdog", daemon=True
            )
            self._thread.start()

    def _run(self):
        with self._lock:
            while True:
                now = time.monotonic()
                for guard in [g for g in self._guards if g.deadline <= now]:
                    self._guards.discard(guard)
                    guard.cut_connections()
                self._wake_at = min((g.deadline for g in self._guards), default=None)
                self._lock.wait(None if self._wake_at is None else self._wake_at - now)


watchdog = Watchdog()


def _watch_new_connection(sender, connection, **kwargs):
    watchdog.watch_new_connection(connection)


connection_created.connect(_watch_new_connection, dispatch_uid="newsroom.outages.watchdog")
