"""Work that need not keep anyone waiting, done after the response in the same process.

One thread per process, started on first use, runs the work in order: on a small server
(two cores, no Celery, no broker) that is the whole machinery: nothing else to deploy,
supervise or poll, and at most one core per web worker busy with it. Work is handed over
only once the transaction that asked for it commits (run_after_commit), so it never sees
rows that might still roll back. What a process takes with it when it dies is not
retried here: callers keep enough state in the database to finish the work later (see
Figure.renditions_status and `regenerate_renditions --missing-only`).
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor = None


def run_after_commit(function, *args, using=None):
    """Run `function(*args)` in the background once the current transaction commits (at
    once outside one); nothing if it rolls back."""
    transaction.on_commit(lambda: run_soon(function, *args), using=using)


def run_soon(function, *args):
    """Run `function(*args)` in the background thread, after the work queued before it."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
        return _executor.submit(_run, function, args)


def wait_for_background_work(timeout=60):
    """Block until the work queued so far is done (for tests, benchmarks, commands)."""
    if _executor is not None:
        # Straight to the thread: a marker in the queue, touching no database connection.
        _executor.submit(lambda: None).result(timeout)


def _run(function, args):
    close_old_connections()
    try:
        function(*args)
    except Exception:
        logger.exception("Background work %s failed", getattr(function, "__qualname__", function))
    finally:
        # This thread's connections would otherwise stay open for the life of the process.
        connections.close_all()
