"""One SQLite writer per process, handed out in turn instead of fought for.

SQLite has one writer. A connection that finds it busy polls for it with sleeps of up to
100 ms, while the waiting threads fight the holder for the GIL: under a rush (a flash claim, a
hot lottery) a process's writers queue far longer that way than their work takes. Inside
:func:`queue` a waiting thread sleeps on a lock and is handed its turn at once.

Only a performance device — every limit is still a conditional write in the database. Not used
on PostgreSQL (row locks let different rows' writers run in parallel), nor inside an outer
transaction (whose locks could be what the holder of the turn waits for).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connection

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


@contextmanager
def queue(name: str):
    """Run the block as this process's turn at ``name`` (e.g. ``coupon:42``) on SQLite."""
    if connection.in_atomic_block or connection.vendor != "sqlite":
        yield
        return
    lock = _locks.get(name)
    if lock is None:
        with _guard:
            if len(_locks) > 10_000:
                _locks.clear()
            lock = _locks.setdefault(name, threading.Lock())
    with lock:
        yield
