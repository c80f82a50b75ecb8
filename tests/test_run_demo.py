"""`make run` end to end: bin/run-demo serves the demo like production and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")

BASE_DIR = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _marked_processes(marker: str) -> dict[int, str]:
    """Every live (non-zombie) process whose environment carries ``marker``: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours
            continue
        if state != "Z":
            found[int(entry.name)] = cmdline.strip()
    return found


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def demo_env(tmp_path):
    marker = f"h3-run-demo-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DJANGO_SETTINGS_MODULE="project.settings.demo", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
               STATIC_ROOT=str(tmp_path / "static"), HOST="127.0.0.1", PORT=str(_free_port()), GRACE="5",
               WEB_WORKERS="1", Q_WORKERS="1", RUN_DEMO_TEST_MARKER=marker)
    python = str(BASE_DIR / ".venv" / "bin" / "python") if (BASE_DIR / ".venv").exists() else sys.executable
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([python, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    return env


def test_run_demo_serves_like_production_and_ctrl_c_leaves_no_process(demo_env, tmp_path):
    marker, base_url = demo_env["RUN_DEMO_TEST_MARKER"], f"http://127.0.0.1:{demo_env['PORT']}"
    log = (tmp_path / "run-demo.log").open("wb")
    # Its own session, like a terminal's foreground job; SIGINT not ignored, whoever started pytest.
    proc = subprocess.Popen([str(BASE_DIR / "bin" / "run-demo")], cwd=BASE_DIR, env=demo_env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base_url}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "run-demo.log").read_text()
            assert time.monotonic() < deadline, "the demo did not answer /healthz within 60 s"
            time.sleep(0.3)

        # Like production: DEBUG off, so an unknown URL gets the shop's own 404 page.
        status, body = _get(f"{base_url}/no-such-page/")
        assert status == 404
        assert "Page not found" in body and "Using the URLconf" not in body
        # …styled by hashed, compressed static files that WhiteNoise serves.
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, body
        assert _get(base_url + stylesheet.group(1))[0] == 200
        for page in ("/", "/products/", "/coupons/", "/cart/", "/accounts/login/", "/accounts/signup/"):
            assert _get(base_url + page)[0] == 200, page  # every {% static %} is in the manifest

        deadline = time.monotonic() + 20  # the cluster is up: master, sentinel, worker, monitor, pusher
        while True:
            running = _marked_processes(marker)
            if sum("qcluster" in cmd for cmd in running.values()) >= 5:
                break
            assert time.monotonic() < deadline, running
            time.sleep(0.2)
        assert any("gunicorn" in cmd for cmd in running.values()), running

        # The terminal's Ctrl-C reaches only bin/run-demo, which stops the others in order: a second signal
        # straight from the terminal used to deadlock the qcluster master inside its own signal handler.
        groups = set()
        for pid in running:
            try:
                groups.add(os.getpgid(pid)) if pid != proc.pid else None
            except ProcessLookupError:
                pass
        assert proc.pid not in groups, f"children share the terminal's process group: {running}"

        # What Ctrl-C in the terminal does to its foreground job, pressed twice as impatient people do.
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        started = time.monotonic()
        while time.monotonic() - started < 10:
            proc.poll()
            left = _marked_processes(marker)
            if not left:
                break
            time.sleep(0.2)
        assert not left, f"still running {time.monotonic() - started:.1f} s after Ctrl-C: {left}"
        assert proc.wait(timeout=1) is not None
    finally:
        for pid in _marked_processes(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
