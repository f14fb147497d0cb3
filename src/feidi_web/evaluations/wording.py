"""Stored records → the core's structured explanation, in the page's language, against the
rulebook exactly as the record's run graded with it (``evaluations.versions``)."""

from __future__ import annotations

from feidi.rules import Explanation, Rulebook, explain
from feidi_web.common.lang import core_lang
from feidi_web.enterprises.codec import restore
from feidi_web.evaluations.models import EvaluationRecord
from feidi_web.evaluations.versions import rulebook_of_record


def record_explanation(record: EvaluationRecord, book: Rulebook | None = None) -> Explanation:
    """Why the record's verdict is what it is. ``book``: its run's rulebook when the caller
    has it already (many records of one run); else it is read from the record's run."""
    return explain(book or rulebook_of_record(record), restore(record.record), core_lang())
