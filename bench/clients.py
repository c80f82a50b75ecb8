"""Concurrent clients for the benchmarks: threads with their own database connections."""

import threading
import time

from django.db import connections


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
