"""Two real ``manage.py qcluster`` processes against the test database and a Redis broker.

Only ``make test-scaleout`` runs these (``REDIS_URL`` and a PostgreSQL ``DATABASE_URL`` set): the
clusters are separate processes, so they need a database server they can share with the test
process, and the queue in Redis that both clusters take jobs from.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

CLUSTER_SETTINGS = "tests.scaleout.cluster_settings"
START_TIMEOUT = 60  # seconds for a cluster to report "running"
STOP_TIMEOUT = 15  # seconds a cluster gets to stop on SIGTERM before its process group is killed


@dataclass
class QCluster:
    name: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def processed(self, task_name: str) -> int:
        """How many times this cluster finished (succeeded or failed) the task named ``task_name``."""
        return len(re.findall(rf"(?:Processed|Failed) '[^']*' \({re.escape(task_name)}\)", self.output()))

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stopped(self) -> bool:
        return self.process.poll() is not None or "has stopped." in self.output()

    def kill(self) -> None:
        """Kill the whole process group: the master, its sentinel, workers, monitor and pusher all
        share the session it was started in (and the master may linger after its cluster stopped)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(STOP_TIMEOUT)


def stop_clusters(clusters: list[QCluster]) -> None:
    """SIGTERM to each master; once each cluster has stopped (or after ``STOP_TIMEOUT``), kill
    what is left of its process group."""
    for cluster in clusters:
        cluster.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    while not all(c.stopped() for c in clusters) and time.monotonic() < deadline:
        time.sleep(0.2)
    for cluster in clusters:
        cluster.kill()


def database_url() -> str:
    """The test database (already created by pytest-django) as a DATABASE_URL."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def cluster_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=CLUSTER_SETTINGS,
        DATABASE_URL=database_url(),
        REDIS_URL=os.environ["REDIS_URL"],
        SCALEOUT_SECRET_KEY=settings.SECRET_KEY,
        SCALEOUT_CACHE_PREFIX=settings.CACHES["default"].get("KEY_PREFIX", ""),
        TIME_ZONE=settings.TIME_ZONE,
        BAZAAR_ORDER_PAYMENT_MINUTES=str(settings.BAZAAR_ORDER_PAYMENT_MINUTES),
        Q_WORKERS="2",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_cluster(name: str, log_dir: Path) -> QCluster:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=cluster_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so nothing it forks can outlive the test
        )
    return QCluster(name, process, log)


def wait_for(condition: Callable[[], object], *, what: str, clusters: list[QCluster], timeout: float,
             interval: float = 0.25):
    """Poll ``condition`` until it is truthy; fail with the clusters' logs on time-out or if one died."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        dead = [c for c in clusters if c.process.poll() is not None]
        if dead or time.monotonic() > deadline:
            reason = f"{', '.join(c.name for c in dead)} exited" if dead else f"no {what} after {timeout:.0f} s"
            logs = "\n".join(f"--- {c.name} ---\n{c.tail()}" for c in clusters)
            pytest.fail(f"{reason}\n{logs}")
        time.sleep(interval)


@pytest.fixture
def qclusters(transactional_db, tmp_path):
    """Two qcluster processes, both running, with an empty queue; stopped (and their process
    groups killed if need be) after the test, before the test database is flushed."""
    from django_q.brokers import get_broker

    assert connection.vendor == "postgresql", "the scale-out tests need a PostgreSQL DATABASE_URL"
    get_broker().purge_queue()  # nothing left over from an interrupted run
    clusters = [start_cluster(f"qcluster-{n}", tmp_path) for n in (1, 2)]
    try:
        wait_for(lambda: all(re.search(r"Q Cluster \S+ \[.*\] running", c.output()) for c in clusters),
                 what="cluster running", clusters=clusters, timeout=START_TIMEOUT)
        yield clusters
    finally:
        stop_clusters(clusters)
