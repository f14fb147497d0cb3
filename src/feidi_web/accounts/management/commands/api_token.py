"""``python -m feidi_web api_token <username> --name <label> [--days N]`` — a bearer key for
the REST API, valid N days (default ``FEIDI_API_TOKEN_DAYS``, 90).

The key is printed once; only its SHA-256 is stored, so a lost key cannot be shown again —
make a new one and delete the old token in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feidi_web.accounts.models import ApiToken, User
from feidi_web.accounts.services import API_TOKEN_MAX_DAYS, api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account the token acts as")
        parser.add_argument(
            "--name", required=True, help="a label for the token, e.g. the script using it"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"how long the token works (default {settings.FEIDI_API_TOKEN_DAYS} days)",
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty")
        max_length = ApiToken._meta.get_field("name").max_length
        if max_length is not None and len(name) > max_length:
            raise CommandError("--name is too long (100 characters at most)")
        if days is not None and not 1 <= days <= API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {API_TOKEN_MAX_DAYS}")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        if not user.is_active:
            raise CommandError(f"{username} is inactive; a token for it would be refused")
        token, key = api_token_create(user=user, name=name, days=days)
        expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        self.stderr.write(
            f"Token {name!r} for {username} ({user.role}), valid until {expires}. "
            "The key is shown only once:"
        )
        self.stdout.write(key)
