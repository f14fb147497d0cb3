"""``python -m feidi_web reset_password <username>`` — an administrator resets a password.

Sets a random temporary password and prints it once; the user must choose their own at the
next log-in. Their trusted devices are revoked and their failed log-ins cleared; their API
tokens are kept (delete them in the admin if they may be compromised).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from feidi_web.accounts.models import User
from feidi_web.accounts.services import user_password_reset


class Command(BaseCommand):
    help = "Set a random temporary password for a user and print it (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account whose password is reset")

    def handle(self, *args, username: str, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        password = user_password_reset(user=user)
        self.stderr.write(
            f"Temporary password for {username} ({user.role}); they must change it at the next "
            "log-in. Trusted devices revoked, failed log-ins cleared. Shown only once:"
        )
        if not user.is_active:
            self.stderr.write(f"Note: {username} is inactive and cannot log in until activated.")
        self.stdout.write(password)
