"""Self-assessment: grade the user's own firm again on changed figures. Nothing is saved.

One call does it all (:func:`self_assessment_run`): fetch the firm through the user (never a
credit code from outside), check the changed figures with the core's input checks, grade with
``feidi.rules.what_if`` and word each tier with ``feidi.rules.explain`` — next to the latest
stored verdict of the same tier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from feidi.dates import as_of_problem, fiscal_year
from feidi.io import InputError, dataset_from_frame
from feidi.rules import (
    Explanation,
    apply_changes,
    available_rulebooks,
    explain,
    load_rulebook,
    what_if,
)
from feidi.schema import YEAR_FIELDS
from feidi_web.accounts.models import User
from feidi_web.common.lang import core_lang, pick
from feidi_web.enterprises.fields import extra_fields, registry_fields
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.evaluations.ladder import Ladder
from feidi_web.portal.selectors import (
    StoredVerdict,
    input_label,
    latest_stored,
    portal_enterprise,
)

__all__ = ["ChangeLine", "SelfAssessment", "TierResult", "self_assessment_run"]


@dataclass(frozen=True)
class ChangeLine:
    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class TierResult:
    """One tier of the what-if, and the stored verdict of the same tier (if any)."""

    tier: str
    label: str
    record: dict[str, Any]
    explanation: Explanation
    stored: StoredVerdict | None

    @property
    def verdict(self) -> str:
        return self.record["verdict"]

    @property
    def score(self) -> float | None:
        return self.record["score"]

    @property
    def verdict_changed(self) -> bool:
        return self.stored is not None and self.stored.record.verdict != self.verdict


@dataclass(frozen=True)
class SelfAssessment:
    credit_code: str
    rulebook: str
    rulebook_label: str
    as_of: date
    tiers: list[TierResult]
    changes: list[ChangeLine]
    #: The core's warnings about the grading (e.g. the as-of date is outside the rulebook's period).
    warnings: list[str]
    #: The core's input warnings about the changed figures (R&D expense above revenue …).
    notes: list[str]

    def for_tier(self, tier: str) -> TierResult | None:
        return next((t for t in self.tiers if t.tier == tier), None)


def self_assessment_run(
    *, user: User, rulebook: str, as_of: date, changes: Mapping[str, Any]
) -> SelfAssessment:
    """Grade the user's own firm on ``changes`` (keyed as ``what_if`` takes them).

    Raises ``PermissionDenied`` for anyone but an enterprise user, and ``ValidationError``
    — keyed by change key (``"revenue@2025"``) where the core names a field — when a value is
    refused. The registry is only read.
    """
    enterprise = portal_enterprise(user)
    if rulebook not in available_rulebooks():
        raise ValidationError({"rulebook": [_("Unknown rulebook %(r)s") % {"r": rulebook}]})
    problem = as_of_problem(as_of)
    if problem:
        raise ValidationError({"as_of": [pick(problem)]})
    book = load_rulebook(rulebook)  # a what-if is graded by today's rules
    ladder = Ladder(book)
    code = enterprise.credit_code
    if code is None:
        raise ValidationError(
            _("%(name)s has no credit code yet: the ladder grades registered enterprises only.")
            % {"name": enterprise.name}
        )
    data = dataset_for(Enterprise.objects.filter(pk=enterprise.pk))
    try:
        changed = apply_changes(data, code, changes)
    except (KeyError, ValueError) as exc:
        raise ValidationError(str(exc.args[0] if exc.args else exc)) from None
    notes = _core_check(changed.firms, changed.financials, code, changes, fiscal_year(as_of))
    try:
        evaluation = what_if(data, code, changes, book, as_of)
        records = list(evaluation.records().collect().iter_rows(named=True))
    except InputError as exc:
        raise ValidationError([i.text(core_lang()) for i in exc.report.errors]) from None
    except (KeyError, ValueError, pl.exceptions.PolarsError) as exc:
        raise ValidationError(_("The figures could not be graded: %(e)s") % {"e": exc}) from None

    lang = core_lang()
    stored = latest_stored(enterprise)
    tiers = [
        TierResult(
            r["tier"],
            ladder.label(r["tier"]),
            r,
            explain(book, r, lang),
            stored.for_tier(r["tier"]),
        )
        for r in records
        if r["credit_code"] == code
    ]
    return SelfAssessment(
        credit_code=code,
        rulebook=rulebook,
        rulebook_label=ladder.rulebook_label,
        as_of=as_of,
        tiers=tiers,
        changes=_change_lines(data, code, changes),
        warnings=[pick(w) for w in book.warnings(as_of)],
        notes=notes,
    )


# --- checks ---------------------------------------------------------------------------------


def _cell(value: Any, kind: str) -> str | None:
    """A core value as a spreadsheet cell, for the core's own input checks."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None  # a rank of +∞ is written as an empty cell ("none")
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _core_check(
    firms: pl.DataFrame,
    financials: pl.DataFrame,
    code: str,
    changes: Mapping[str, Any],
    fallback_year: int,
) -> list[str]:
    """Run the changed figures through ``feidi.io``'s checks, as if they were a file.

    Every stored year goes in (the rules between fields hold within a year), with the changed
    firm fields on the first row. Errors raise ``ValidationError`` keyed by change key; the
    warnings on changed figures come back as notes.
    """
    fields = registry_fields()
    firm_fields = sorted(
        {k for k in changes if "@" not in k and k in fields and fields[k].scope == "firm"}
    )
    firm = firms.row(0, named=True)
    years = financials.sort("year")
    rows: list[dict[str, str | None]] = []
    for i, row in enumerate(years.iter_rows(named=True)):
        cells: dict[str, str | None] = {"credit_code": code, "year": str(row["year"])}
        cells.update({f: _cell(row.get(f), fields[f].kind) for f in YEAR_FIELDS})
        if i == 0:
            cells.update({f: _cell(firm.get(f), fields[f].kind) for f in firm_fields})
        rows.append(cells)
    if not rows:  # no year stored or changed: the firm fields go on a row of their own
        if not firm_fields:
            return []
        rows.append(
            {
                "credit_code": code,
                "year": str(fallback_year),
                **{f: _cell(firm.get(f), fields[f].kind) for f in firm_fields},
            }
        )
    columns = ["credit_code", "year", *YEAR_FIELDS, *firm_fields]
    frame = pl.DataFrame(
        [{c: r.get(c) for c in columns} for r in rows],
        schema={c: pl.String for c in columns},
        orient="row",
    )
    year_of_row = {i + 2: r["year"] for i, r in enumerate(rows)}  # record 1 is row 2
    try:
        _data, report = dataset_from_frame(frame, file=code, extra_fields=extra_fields())
        issues = report.issues
        failed = False
    except InputError as exc:
        issues = exc.report.issues
        failed = True

    def key_of(column: str | None, row: int | None) -> str:
        if column in YEAR_FIELDS and row in year_of_row:
            return f"{column}@{year_of_row[row]}"
        return column or ""

    errors: dict[str, list[str]] = {}
    notes: list[str] = []
    for issue in issues:
        key = key_of(issue.column, issue.row)
        if issue.severity == "error":
            errors.setdefault(key or "__all__", []).append(issue.text(core_lang()))
        elif key in changes:
            notes.append(f"{input_label(key)}: {issue.text(core_lang())}")
    if failed or errors:
        raise ValidationError(errors or [_("The figures could not be checked.")])
    return notes


def _show(name: str, value: Any) -> str:
    """An input value as people read it: 是/否, 省级, 1,200, 无 for no award."""
    if value is None:
        return "—"
    spec = registry_fields().get(name)
    if spec is not None and spec.kind == "enum":
        if value not in spec.values:
            return "—"
        return spec.values[value][0] if core_lang() == "zh" else value.replace("_", " ")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        if not math.isfinite(value):
            return _("none")
        return (
            f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
        )
    return str(value)


def _change_lines(data: Any, code: str, changes: Mapping[str, Any]) -> list[ChangeLine]:
    firm = data.firms.filter(pl.col("credit_code") == code).row(0, named=True)
    years = {
        r["year"]: r
        for r in data.financials.filter(pl.col("credit_code") == code).iter_rows(named=True)
    }
    out = []
    for key, after in changes.items():
        name, _sep, year = key.partition("@")
        before = years.get(int(year), {}).get(name) if year else firm.get(name)
        out.append(ChangeLine(key, input_label(key), _show(name, before), _show(name, after)))
    return out
