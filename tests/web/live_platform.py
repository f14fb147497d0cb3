"""The platform as deployed, for tests that need real processes: its own database (a SQLite
file in a temporary data folder; on the PostgreSQL pass the server of ``DATABASE_URL``),
``migrate``, a setup script, ``runserver`` (threaded) and, when asked, ``db_worker``.

The rest of the suite runs inside one test transaction, which cannot show two requests
writing at once, or a worker process killed in the middle of a run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Platform:
    base: str
    env: dict[str, str]
    data: Path
    made: dict[str, Any]
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return self.data / "server.log"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "feidi_web", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"feidi_web {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def call(self, method: str, path: str, body: dict | None = None, **headers: str) -> tuple:
        """(status, JSON body) of an API call with the setup's bearer key."""
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self.made['key']}",
                "Content-Type": "application/json",
                **headers,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def start_worker(self) -> subprocess.Popen:
        log = (self.data / f"worker{len(self.workers)}.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "feidi_web", "db_worker", "--interval", "0.2"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def wait_for(self, predicate, *, seconds: float = 60, what: str = "") -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what or predicate}")


@contextmanager
def _own_database() -> Iterator[dict[str, str]]:
    """On the PostgreSQL pass, a database of this platform's own (tests run in parallel
    processes; two platforms must not migrate and flush one database), dropped at the end.
    On SQLite nothing: the data folder holds the platform's own file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield {}
        return
    import secrets
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"feidi_live_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def live_platform(data: Path, setup: str, **env: str) -> Iterator[Platform]:
    """Migrate a fresh database, run ``setup`` (Python printing one JSON object: at least
    ``{"key": <bearer key>}``) and serve; stop every process at the end."""
    with _own_database() as database, _live_platform(data, setup, **database, **env) as platform:
        yield platform


@contextmanager
def _live_platform(data: Path, setup: str, **env: str) -> Iterator[Platform]:
    # The test process's own FEIDI_* settings (an inline task backend, its data folder) are
    # not the deployed platform's: start from the environment without them.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FEIDI_")}
    environment = {
        **inherited,
        "FEIDI_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "feidi_web.config.settings",
        "FEIDI_LOG_LEVEL": "WARNING",
        **env,
    }
    platform = Platform(base="", env=environment, data=data, made={})
    platform.manage("migrate", "--noinput", "-v", "0")
    platform.made = json.loads(platform.manage("shell", "--no-imports", "-c", setup))
    port = _free_port()
    log = platform.log.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "feidi_web", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    platform.base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            urllib.request.urlopen(f"{platform.base}/healthz", timeout=2).read()
        except OSError:
            return False
        return True

    try:
        platform.wait_for(healthy, what="the server to answer")
        yield platform
    finally:
        for worker in platform.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
        log.close()


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same moment (two people clicking together);
    their answers in order."""
    gate = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        gate.wait()
        answers[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return answers
