"""``python -m feidi_web demo [--serve]`` — the README's first command ends here."""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from feidi_web.demo.loader import load_demo


class Command(BaseCommand):
    help = "Migrate, load the demo city with one account per role, grade it; --serve starts the platform."

    def add_arguments(self, parser):
        parser.add_argument(
            "--serve", action="store_true", help="then serve at --addr with a background worker"
        )
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--firms", type=int, default=3000, help="local firms (enclave: a tenth)"
        )

    def handle(self, *args, serve: bool, addr: str, firms: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        accounts = load_demo(n_local=firms, n_enclave=firms // 10, say=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Feidi demo ready at http://{addr}/"))
        self.stdout.write("Demo accounts (用户名 / 密码 / 角色):")
        for a in accounts:
            self.stdout.write(f"  {a.username:<8} {a.password:<20} {a.role:<17} {a.note}")
        if not serve:
            return
        # The worker runs evaluations queued from the page; it stops with the server.
        worker = subprocess.Popen(
            [sys.executable, "-m", "feidi_web", "db_worker", "--interval", "0.5"]
        )
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
