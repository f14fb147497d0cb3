"""``python -m feidi_web unlock_login <username>`` — clear an account's failed log-ins, so
the log-in throttle (``accounts.throttle``) no longer refuses it from any address."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from feidi_web.accounts.services import login_failures_clear


class Command(BaseCommand):
    help = "Unlock an account: clear its failed log-ins (from every address and device)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the username as typed at the log-in")

    def handle(self, *args, username: str, **options):
        cleared = login_failures_clear(username=username)
        self.stdout.write(f"{username}: {cleared} failed log-in(s) cleared.")
