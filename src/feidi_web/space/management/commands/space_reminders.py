"""``python -m feidi_web space_reminders [--now ISO]`` — send the space's reminders that are
due: bookings starting within a day, resident firms' terms ending within 30 and 7 days
(``space.reminders``). Safe to run as often as wanted: nobody is told one thing twice."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feidi_web.space.reminders import send_reminders


class Command(BaseCommand):
    help = "Send the due booking and membership reminders (inbox and email)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="act as if it were this moment (ISO 8601, e.g. 2026-07-01T08:00; local time "
            "when no offset is given)",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now: not an ISO date and time: {options['now']!r}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        sent = send_reminders(now)
        self.stdout.write(
            f"booking reminders: {sent.booking_messages}; "
            f"membership reminders: {sent.membership_messages}"
        )
