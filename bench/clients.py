"""Concurrent clients for the benchmarks: threads with their own database connections."""

import threading
import time

from django.db import connection, connections


def hammer(work, *, calls: int, clients: int) -> float:
    """``work(client, i)`` for ``i`` in ``range(calls)``, spread over ``clients`` threads released
    together (client ``c`` makes calls ``c * per_client …``); seconds taken by all of them."""
    per_client = calls // clients
    barrier = threading.Barrier(clients + 1)

    def client(c):
        barrier.wait()
        try:
            for i in range(c * per_client, (c + 1) * per_client):
                work(c, i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started


class DatabaseTime:
    """Seconds this thread's connection spends in the database driver inside ``with``: running
    statements (an autocommit statement's commit included) and committing transactions. What is
    left of the wall time is Python: building statements, models, texts."""

    def __init__(self):
        self.statements = self.commits = 0.0
        self.count = 0

    def __enter__(self):
        connection.ensure_connection()
        self._wrapper = connection.execute_wrapper(self._execute)
        self._wrapper.__enter__()
        self._commit, connection._commit = connection._commit, self._timed_commit
        return self

    def __exit__(self, *exc):
        del connection._commit  # back to the class's method
        return self._wrapper.__exit__(*exc)

    @property
    def seconds(self) -> float:
        return self.statements + self.commits

    def _execute(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements += time.perf_counter() - started
            self.count += 1

    def _timed_commit(self):
        started = time.perf_counter()
        try:
            return self._commit()
        finally:
            self.commits += time.perf_counter() - started


def alone(name: str, what: str, *, calls: int, work, raw, loop_rate: float) -> tuple:
    """One client: ``work(i)`` ``calls`` times (a ``what`` each), then ``raw()`` as many times,
    each side timed in the database driver. The result row: µs in the driver per ``what`` and per
    raw update, their ratio — the most the ``what``s could reach against the raw update if building
    them cost no Python — and, on SQLite, the hard limit that puts on the concurrent benchmark
    (``loop_rate``: its raw loop's rate)."""
    started = time.perf_counter()
    with DatabaseTime() as measured:
        for i in range(calls):
            work(i)
    wall = time.perf_counter() - started
    with DatabaseTime() as raw_time:
        for _ in range(calls):
            raw()
    per_call, per_raw = measured.seconds / calls * 1e6, raw_time.seconds / calls * 1e6
    notes = [f"{measured.count / calls:.1f} statements ({measured.statements / calls * 1e6:.0f} µs) and a commit "
             f"({measured.commits / calls * 1e6:.0f} µs) in a {wall / calls * 1e6:.0f} µs {what}; the ratio is the "
             f"most {what}s could reach against the raw update if the rest cost nothing"]
    if connection.vendor == "sqlite":
        bound = 1e6 / per_call
        notes.append(f"SQLite runs one write transaction at a time, so with any number of clients: at most "
                     f"{bound:,.0f} {what}s/s, {bound / loop_rate:.2f}× of the concurrent raw loop above")
    return (name, per_call, "µs", per_raw, "µs", per_raw / per_call, *notes)
