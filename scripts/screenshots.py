"""Screenshots of the platform for the docs, in both languages: the cockpit, a failing firm, a
request with its recommendations (matchmaking), a landed project and the pipeline funnel.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--data-dir DIR]

Loads the demo city into a fresh data folder (``python -m feidi_web demo``: 3,300 firms graded
three times, about half a minute; ``--data-dir`` reuses a folder the demo already filled),
serves it with ``runserver`` on a free local port, logs in as the demo's county staff through
the login form and saves full-page PNGs at 1440×900 with Debian's headless Chromium:
``{cockpit,firm,matchmaking,project,funnel,chain,opportunities,diagnoses,diagnosis,case,services,
space,space-usage,policies,policy-firm}-{zh,en}.png``,
and the city cultivation report as ``docs/samples/cultivation-report-{zh,en}.{pdf,xlsx}``. The
firm is the local firm closest to the 专精特新 pass mark among those that fail it, so its page
shows a shortfall and a path to pass.

A ``DATABASE_URL`` in the environment is ignored: the demo lives in SQLite in the data folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
LANGUAGES = {"zh": "zh-hans", "en": "en"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")


def pick_pages() -> tuple[str, str, dict[str, str]]:
    """(staff username, staff password, {screenshot name: path}): the cockpit, a firm failing
    专精特新 with a path, a request with its recommendations, a landed project, the funnel."""
    import django

    django.setup()
    from django.db import connections

    from feidi_web.demo.loader import DEMO_RULEBOOK, demo_accounts
    from feidi_web.enterprises.models import Enterprise
    from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus

    run = (
        EvaluationRun.objects.filter(rulebook=DEMO_RULEBOOK, status=RunStatus.DONE)
        .order_by("-as_of", "-id")
        .first()
    )
    if run is None:
        raise SystemExit("the demo database holds no finished evaluation")
    failing = EvaluationRecord.objects.filter(
        run=run, tier="specialized", verdict="fail", gap__isnull=False
    ).order_by("enterprise__enclave", "gap", "enterprise__credit_code")  # a local firm first
    record = next((r for r in failing[:200] if r.record.get("path")), None) or failing.first()
    if record is None:
        raise SystemExit("no firm fails the specialized tier in the demo city")
    firm = Enterprise.objects.get(pk=record.enterprise_id)
    staff = next(a for a in demo_accounts(firm) if a.username == "staff")
    from feidi_web.matchmaking.models import RecommendationRun
    from feidi_web.pipeline.models import Project

    pages = {"cockpit": "/cockpit/", "firm": f"/enterprises/{firm.credit_code}/"}
    ranked = RecommendationRun.objects.exclude(results=[]).order_by("-created_at").first()
    if ranked is not None:
        pages["matchmaking"] = f"/matchmaking/{ranked.profile_id}/"
    landed = Project.objects.filter(stage="landed").order_by("-stage_changed_at").first()
    if landed is not None:
        pages["project"] = f"/pipeline/{landed.pk}/"
    pages["funnel"] = "/pipeline/funnel/"
    # issue 13: a chain's graph and gaps, the county's opportunities, the diagnoses, a firm's
    # diagnosis (one with a finished service case), the case, and the services' outcomes
    from feidi_web.cultivation.models import ServiceCase

    pages["chain"] = "/chains/auto_parts/"
    pages["opportunities"] = "/opportunities/"
    pages["diagnoses"] = "/cultivation/"
    done = ServiceCase.objects.filter(status="done").order_by("opened_at", "id").first()
    if done is not None:
        pages["diagnosis"] = f"/cultivation/firms/{done.enterprise.credit_code}/"
        pages["case"] = f"/cultivation/cases/{done.pk}/"
    pages["services"] = "/cultivation/services/"
    # issue 14: the centre's week (the space calendar), its utilisation, the policies and the
    # demo firm's own policy page (its verdicts, traces and the application it filed)
    from feidi_web.accounts.models import User

    pages["space"] = "/space/"
    pages["space-usage"] = "/space/usage/"
    pages["policies"] = "/policies/"
    from feidi_web.policies.grading import eligibility_of
    from feidi_web.policies.permissions import firms_for

    # the firm eligible for the most policies: its page shows amounts, traces and paths
    graded = eligibility_of(firms_for(User.objects.get(username=staff.username))).verdicts
    eligible = graded.filter(graded["verdict"] == "eligible")
    if eligible.height:
        ranked = eligible.group_by("credit_code").len()
        best = ranked.sort(["len", "credit_code"], descending=[True, False])["credit_code"][0]
        pages["policy-firm"] = f"/policies/firms/{best}/"
    connections.close_all()
    return staff.username, staff.password, pages


def shoot(
    base_url: str, username: str, password: str, pages: dict[str, str], out: Path
) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for short, code in LANGUAGES.items():
            context = browser.new_context(
                base_url=base_url, viewport=VIEWPORT, locale="zh-CN" if short == "zh" else "en-US"
            )
            context.set_default_timeout(30_000)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto("/accounts/login/?next=/cockpit/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            with page.expect_navigation():
                page.click("#login-form button[type=submit]")
            # the language as a user picks it: the button in the navigation bar
            button = page.locator(f'#language-form button[value="{code}"]')
            if button.count():
                with page.expect_navigation():
                    button.click()
            for name, path in pages.items():
                response = page.goto(path, wait_until="networkidle")
                if response is None or response.status != 200:
                    status = response.status if response else "no response"
                    raise SystemExit(f"{path} answered {status}")
                lang = page.get_attribute("html", "lang")
                if lang != code:
                    raise SystemExit(f"{path} came in {lang!r}, not {code!r}")
                charts = page.locator(".chart")
                if charts.count():
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.chart')]"
                        ".every(c => c.querySelector('canvas, svg'))"
                    )
                    page.wait_for_timeout(1500)  # ECharts' entry animation
                page.wait_for_timeout(200)
                target = out / f"{name}-{short}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
                print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            for e in errors:
                print(f"  warning: a script on the page failed: {e}", file=sys.stderr)
            # the city cultivation report as a leader receives it, in this language
            for suffix in ("pdf", "xlsx"):
                answer = page.request.get(f"/cultivation/report.{suffix}", timeout=120_000)
                if answer.status != 200:
                    raise SystemExit(f"/cultivation/report.{suffix} answered {answer.status}")
                target = out.parent / "samples" / f"cultivation-report-{short}.{suffix}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(answer.body())
                saved.append(target)
                print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            context.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--data-dir", type=Path, help="a demo data folder to fill or reuse (default: temporary)"
    )
    args = parser.parse_args(argv)
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="feidi-screens-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        FEIDI_DATA_DIR=str(data_dir.resolve()),
        DJANGO_SETTINGS_MODULE="feidi_web.config.settings",
        FEIDI_DEBUG="0",
    )
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)
    server = None
    try:
        print(f"Loading the demo city into {data_dir} …")
        subprocess.run([sys.executable, "-m", "feidi_web", "demo"], env=env, check=True)
        username, password, pages = pick_pages()
        port = free_port()
        log = (data_dir / "runserver.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "feidi_web", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/healthz", server)
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"Screenshots of {base_url}:")
        shoot(base_url, username, password, pages, args.out)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
