"""``python -m feidi_web api_token <username> --name <label>`` — a bearer key for the REST API.

The key is printed once; only its SHA-256 is stored, so a lost key cannot be shown again —
make a new one and delete the old token in the admin.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from feidi_web.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account the token acts as")
        parser.add_argument(
            "--name", required=True, help="a label for the token, e.g. the script using it"
        )

    def handle(self, *args, username: str, name: str, **options):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty")
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("--name is too long (100 characters at most)")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        if not user.is_active:
            raise CommandError(f"{username} is inactive; a token for it would be refused")
        key = ApiToken.new_key()
        ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(key))
        self.stderr.write(
            f"Token {name!r} for {username} ({user.role}). The key is shown only once:"
        )
        self.stdout.write(key)
