"""``python -m feidi_web summarise_runs`` — store the aggregates of every finished run that has
none yet (runs finished before they existed), so that no page view has to count them first."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from feidi_web.evaluations.models import EvaluationRun, RunStatus
from feidi_web.evaluations.summaries import ensure_summarised


class Command(BaseCommand):
    help = "Summarise the finished evaluations that have no stored aggregates yet."

    def handle(self, *args, **options):
        runs = EvaluationRun.objects.filter(status=RunStatus.DONE, summarised_at__isnull=True)
        for run in runs.select_related("version").order_by("as_of", "id"):
            t = time.perf_counter()
            ensure_summarised([run])
            self.stdout.write(
                f"#{run.pk} {run.rulebook} @ {run.as_of}: {time.perf_counter() - t:.1f} s"
            )
        self.stdout.write("Every finished evaluation has its aggregates.")
