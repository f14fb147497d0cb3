"""Browser tests: Debian's headless Chromium driven by Playwright against pytest-django's
``live_server``, logging in through the real form.

* Playwright's sync API keeps an asyncio loop running in the test thread, so Django's
  "no ORM calls from a running event loop" guard must be off while a browser is open.
* ``live_server`` makes every test transactional: rows the test writes are committed and
  visible to the server's threads (on SQLite's in-memory test database the server shares the
  test's connection; on PostgreSQL each thread has its own).
* ``db_task_worker`` swaps the test settings' inline task backend for the real database
  backend and runs ``django_tasks_db``'s worker in a thread, started when the test says so.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from feidi_web.accounts.models import Role, User
from feidi_web.enterprises.models import Enterprise
from tests.web.conftest import PASSWORD, load_city, make_user

#: Debian's Chromium (apt-get install chromium); Playwright downloads no browser here.
CHROMIUM = os.environ.get("FEIDI_CHROMIUM", "/usr/bin/chromium")
#: Without these Chromium stalls on a closed network (component updates, sync, first run).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
#: Where a failing test leaves a screenshot of the page it was on.
FAILURE_DIR = Path(__file__).resolve().parents[2] / "out" / "e2e"


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's ``live_server``, but started only once the test database exists.

    Its own fixture does not wait for the database: when the browser tests are the first in
    a session to touch it, the server would start while ``NAME`` is still the file path, not
    see that the test database is SQLite in memory, and not share the test's connection —
    its threads would then open connections of their own to the shared-cache in-memory
    database and trip over SQLite's table locks ("database table is locked") as soon as the
    worker thread writes while a page polls.
    """
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _one_sqlite_connection(live_server) -> None:
    """On SQLite's in-memory test database, the test itself uses the server's connection too.

    Playwright's sync API switches greenlets (each with its own context variables), and
    Django keeps connections in context-local storage: once a browser is open the test may
    find a fresh connection object instead of the one handed to the server. Two connections
    to one shared-cache database lock each other's tables; one connection cannot.
    """
    from django.db import connections

    shared = live_server.thread.connections_override.get("default")
    if shared is not None:
        connections["default"] = shared


@pytest.fixture(scope="module")
def _async_unsafe_allowed() -> Iterator[None]:
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="module")
def browser(_async_unsafe_allowed):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `make test` installs it (scripts/system-packages), "
            "or set FEIDI_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh browser context (own cookies); ``locale`` sets Accept-Language."""
    contexts = []

    def open_page(locale: str = "zh-CN"):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport=VIEWPORT)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))  # type: ignore[attr-defined]
        # What the Content-Security-Policy blocked (Chromium reports it on the console).
        page.csp_violations = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda msg: (
                page.csp_violations.append(msg.text)  # type: ignore[attr-defined]
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        return page

    yield open_page
    # Let requests a page is still making finish before the test's data is torn down: a
    # section a page loads after itself (htmx: the cockpit's chains) would otherwise still be
    # reading while the database is truncated (PostgreSQL) or hold the shared SQLite
    # connection the next test's worker needs.
    for context in contexts:
        for p in context.pages:
            with contextlib.suppress(Exception):
                p.wait_for_load_state("networkidle", timeout=15_000)
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            FAILURE_DIR.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            for j, p in enumerate(context.pages):
                p.screenshot(path=str(FAILURE_DIR / f"{name}-{i}{j}.png"), full_page=True)
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, username: str, password: str = PASSWORD, *, next_url: str = "") -> None:
    """Log in through the form, as a person would; ``next_url`` is where to land."""
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")


# --- data ----------------------------------------------------------------------------------


@pytest.fixture
def admin(transactional_db) -> User:
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def staff(transactional_db) -> User:
    from feidi.demo import LOCAL_REGION

    return make_user("staff", Role.COUNTY_STAFF, division=LOCAL_REGION)


@pytest.fixture
def city(admin) -> list[Enterprise]:
    """30 local + 3 enclave firms of the demo city, imported through the import service."""
    return load_city(admin, n_local=30, n_enclave=3)


@pytest.fixture
def graded(city, admin):
    """The city graded once with miit-2022 (a finished run)."""
    from feidi_web.evaluations.models import EvaluationRun
    from feidi_web.evaluations.services import evaluation_run_execute
    from tests.web.conftest import AS_OF

    run = EvaluationRun.objects.create(rulebook="miit-2022", as_of=AS_OF, created_by=admin)
    return evaluation_run_execute(run_id=run.pk)


# --- the real background worker ------------------------------------------------------------


class TaskWorker:
    """``django_tasks_db``'s worker loop in a thread of the test process."""

    def __init__(self, shared_connection=None) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=["default"],
            interval=0.2,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="e2e-worker",
            excluded_queue_names=[],
        )
        # SQLite's in-memory test database: use the live server's connection, as its request
        # threads do. Any other database: the thread opens its own connection.
        self.shared = shared_connection
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _run(self) -> None:
        from django.db import connections

        if self.shared is not None:
            connections["default"] = self.shared
        try:
            self.worker.run()
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            if self.shared is None:
                connections.close_all()

    def start(self) -> None:
        assert self.thread is None, "the worker is already running"
        if self.shared is not None:
            self.shared.inc_thread_sharing()
        self.thread = threading.Thread(target=self._run, name="db-worker", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is None:
            return
        self.worker.running = False
        self.thread.join(timeout=60)
        if self.shared is not None:
            self.shared.dec_thread_sharing()
        assert not self.thread.is_alive(), "the worker did not stop"
        self.thread = None


@pytest.fixture
def db_task_worker(settings, transactional_db, live_server) -> Iterator[TaskWorker]:
    """The real database task backend with a worker that runs once ``.start()`` is called."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    worker = TaskWorker(live_server.thread.connections_override.get("default"))
    yield worker
    worker.stop()
    assert worker.error is None, worker.error
