"""Server time of the platform's main pages on the demo city (3,300 firms, 3 evaluations).

Each page is requested through Django's test client in this process (no network, no
browser): three warm-up requests, then ``--requests`` timed ones (30 by default), and one more
counting its SQL queries. ``/healthz`` (one ``SELECT 1``) is measured in the same run as the
baseline, so figures from different machines or days compare as multiples of it.
Prints a Markdown table.

    .venv/bin/python bench/page_times.py [--requests 30] [--firms 3000] [--data-dir DIR] [--fresh]
    scripts/pg-throwaway .venv/bin/python bench/page_times.py --use-env-database   # PostgreSQL

``--firms N`` grades a city of N local and N/10 enclave firms (``feidi-web demo --firms N``:
30000 is a prefecture, 33,000 firms and 297,000 stored records). The demo database is built
once (``python -m feidi_web demo``, about half a minute for the default city, ten for 30000)
in ``bench/out/web-demo`` (``web-demo-N`` for another size) and reused; ``--fresh`` rebuilds
it. Without ``--use-env-database`` a ``DATABASE_URL`` in the environment is ignored and the
demo lives in SQLite there; with it (a throwaway PostgreSQL server starts empty) the demo is
built in that database first.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_FIRMS = 3000
WARMUP = 3


def demo_dir(firms: int) -> Path:
    """Where the demo city of ``firms`` local firms lives (one folder per size)."""
    name = "web-demo" if firms == DEFAULT_FIRMS else f"web-demo-{firms}"
    return HERE / "out" / name


@dataclass
class Page:
    name: str
    user: str | None  # demo username, None = anonymous
    url: str


@dataclass
class Timing:
    page: Page
    status: int
    queries: int
    samples: list[float]  # seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.p50
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]


def configure(args: argparse.Namespace) -> None:
    data_dir: Path = args.data_dir
    if args.fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["FEIDI_DATA_DIR"] = str(data_dir.resolve())
    os.environ["DJANGO_SETTINGS_MODULE"] = "feidi_web.config.settings"
    os.environ["FEIDI_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["FEIDI_DEBUG"] = "0"
    os.environ.setdefault("FEIDI_LOG_LEVEL", "ERROR")  # 404s of a missing page stay quiet
    if not args.use_env_database:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()


def load_demo(firms: int = DEFAULT_FIRMS) -> None:
    from django.core.management import call_command

    from feidi_web.enterprises.models import Enterprise

    t = time.perf_counter()
    call_command("demo", firms=firms, stdout=io.StringIO())
    print(f"<!-- demo database ready in {time.perf_counter() - t:.1f} s -->", file=sys.stderr)
    held, want = Enterprise.objects.count(), firms + firms // 10
    if held != want:  # the demo loader leaves a registry that holds firms as it is
        raise SystemExit(
            f"the demo database holds {held:,} firms, not {want:,}: use --fresh or another "
            "--data-dir"
        )
    settle()


def settle() -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load (statistics, visibility
    map), done now: timing pages while it runs would time it too."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def pages() -> list[Page]:
    from feidi_web.enterprises.codec import name_initials
    from feidi_web.enterprises.models import Enterprise
    from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus

    run = EvaluationRun.objects.filter(status=RunStatus.DONE).order_by("-as_of", "-id").first()
    if run is None:
        raise SystemExit("the demo database holds no finished evaluation")
    record = (
        EvaluationRecord.objects.filter(
            run=run, tier="specialized", verdict="fail", gap__isnull=False
        )
        .order_by("enterprise__enclave", "gap", "enterprise__credit_code")
        .select_related("enterprise")
        .first()
    )
    firm = record.enterprise if record else Enterprise.objects.order_by("credit_code").first()
    q = name_initials(firm.name)[:3]
    return [
        Page("healthz (baseline)", None, "/healthz"),
        Page("registry list", "staff", "/enterprises/"),
        Page("registry search (pinyin initials)", "staff", f"/enterprises/?q={q}"),
        Page("firm page", "staff", f"/enterprises/{firm.credit_code}/"),
        Page("imports list", "admin", "/enterprises/imports/"),
        Page("evaluations list", "staff", "/evaluations/"),
        Page("evaluation page", "staff", f"/evaluations/{run.pk}/"),
        Page("cockpit", "staff", "/cockpit/"),
        Page("cockpit (enclave operator)", "enclave", "/cockpit/"),
        Page("cultivation pool", "staff", "/pool/"),
        Page("pool, within 5 points", "staff", "/pool/?tier=specialized&gap=5"),
        Page(
            "pool, every firm short, page 20",
            "staff",
            "/pool/?tier=innovative&include_no_gap=on&page=20",
        ),
        Page("portal (firm user)", "firm", "/portal/"),
        Page("API registry list", "staff", "/api/enterprises"),
        Page("API one firm", "staff", f"/api/enterprises/{firm.credit_code}"),
    ]


def measure(page: Page, client, n: int) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    status = 0
    for _ in range(WARMUP):
        status = client.get(page.url).status_code
    if status != 200:
        return Timing(page, status, 0, [])
    with CaptureQueriesContext(connection) as queries:
        client.get(page.url)
    n_queries = len(queries)  # now: the log is cleared by the next request
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(page.url)
        _ = response.content
        samples.append(time.perf_counter() - t)
        status = response.status_code
    return Timing(page, status, n_queries, samples)


def report(timings: list[Timing], n: int) -> str:
    import django
    from django.db import connection

    from feidi_web.enterprises.models import Enterprise
    from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        db_version = cursor.fetchone()[0].split(" ")[0]
    base = timings[0].p50
    lines = [
        f"Page server times — {Enterprise.objects.count():,} firms, "
        f"{EvaluationRun.objects.count()} evaluations ({EvaluationRecord.objects.count():,} "
        f"stored records); {connection.vendor} {db_version}, "
        f"Django {django.get_version()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {WARMUP} warm-up + {n} timed requests per page "
        "through the test client (server time only: no network, no browser).",
        "",
        "| page | user | URL | status | SQL queries | p50 ms | p95 ms | p50 ÷ healthz |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        ms50, ms95 = t.p50 * 1000, t.p95 * 1000
        ratio = t.p50 / base if t.samples and base else float("nan")
        cells = [
            t.page.name,
            t.page.user or "—",
            f"`{t.page.url}`",
            str(t.status),
            str(t.queries) if t.samples else "—",
            f"{ms50:.1f}" if t.samples else "—",
            f"{ms95:.1f}" if t.samples else "—",
            f"{ratio:.0f}×" if t.samples else "—",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--firms", type=int, default=DEFAULT_FIRMS, help="local firms (enclave: a tenth)"
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    parser.add_argument(
        "--use-env-database",
        action="store_true",
        help="measure on the DATABASE_URL of the environment (e.g. under scripts/pg-throwaway)",
    )
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or demo_dir(args.firms)
    configure(args)
    load_demo(args.firms)

    from django.test import Client

    from feidi_web.accounts.models import User

    clients: dict[str | None, Client] = {None: Client()}
    timings = []
    for page in pages():
        if page.user not in clients:
            clients[page.user] = Client()
            clients[page.user].force_login(User.objects.get(username=page.user))
        timings.append(measure(page, clients[page.user], args.requests))
        t = timings[-1]
        print(
            f"<!-- {page.name}: {t.status}, p50 {t.p50 * 1000:.1f} ms -->",
            file=sys.stderr,
            flush=True,
        )
    print(report(timings, args.requests))
    failed = [t for t in timings if t.status != 200]
    for t in failed:
        print(f"{t.page.url} answered {t.status}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
