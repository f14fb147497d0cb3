"""Rulebook versions: what a run graded with, kept so its results explain the same forever.

``version_for`` snapshots a rulebook's texts (the shipped file, what it extends, the shared
measures) when a run is asked for; ``rulebook_of`` turns a stored version back into the core's
``Rulebook`` — parsed once per process per digest, since a version never changes.
"""

from __future__ import annotations

from feidi.rules import (
    Rulebook,
    RulebookSource,
    load_rulebook,
    load_rulebook_source,
    rulebook_source,
)
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RulebookVersion


def version_for(rulebook: str) -> RulebookVersion:
    """The stored version of a shipped rulebook as its files are now (created if new)."""
    source = rulebook_source(rulebook)
    book = load_rulebook_source(source)  # refuses a broken file before anything is stored
    version, _ = RulebookVersion.objects.get_or_create(
        digest=source.digest,
        defaults={
            "rulebook": book.id,
            "name": book.name,
            "name_en": book.name_en,
            "source": source.to_json(),
        },
    )
    return version


def rulebook_of(run: EvaluationRun) -> Rulebook:
    """The rulebook exactly as ``run`` graded with it (fetch ``run.version`` along with the
    run to save a query; the core parses each version once per process, by digest)."""
    if run.version is None:  # a run from before versions were stored
        return load_rulebook(run.rulebook)
    return load_rulebook_source(RulebookSource.from_json(run.version.source))


def rulebook_of_record(record: EvaluationRecord) -> Rulebook:
    return rulebook_of(record.run)
