"""``python -m feidi_web policy_digests --division 320581 [--as-of DATE]`` — send the policy
digests of a division's firms (for a scheduled job): each firm with news is told what is new
or changed in its policies since it was last told (``policies.digests``). Safe to run as
often as wanted, and at the same time as a send from the page: nobody is told one thing
twice."""

from __future__ import annotations

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from feidi_web.policies.digests import digest_send


class Command(BaseCommand):
    help = "Send the policy digests of a division's firms (inbox and email)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--division", required=True, help="the division's code, 2-6 digits (e.g. 320581)"
        )
        parser.add_argument("--as-of", help="grade on this date (YYYY-MM-DD; default today)")

    def handle(self, *args, **options):
        division = str(options["division"]).strip()
        if not re.fullmatch(r"\d{2,6}", division):
            raise CommandError(f"--division: not a 2-6 digit division code: {division!r}")
        as_of = None
        if options.get("as_of"):
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of: not a date (YYYY-MM-DD): {options['as_of']!r}"
                ) from None
        run = digest_send(actor=None, as_of=as_of, division=division)
        self.stdout.write(f"firms told: {run.firms_told}; changes told: {run.changes}")
