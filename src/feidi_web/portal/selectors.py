"""Reads for the enterprise portal. Everything starts from ``request.user.enterprise``.

There is no credit code parameter anywhere in this app: an enterprise user's one firm is the
only firm these functions can return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied

from feidi.rules import Explanation, load_rulebook, title_grants
from feidi.schema import FIELDS, HONORS
from feidi_web.accounts.models import Role, User
from feidi_web.common.lang import core_lang, field_label
from feidi_web.enterprises.codec import from_json
from feidi_web.enterprises.fields import registry_fields
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprises_for_user
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.evaluations.ladder import ladder_of, title_label
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun
from feidi_web.evaluations.selectors import enterprise_history
from feidi_web.evaluations.wording import record_explanation

HONOR_PREFIX = "honor_"

#: Honours have only Chinese names in the schema.
HONOR_EN = {
    "high_tech": "High-tech enterprise",
    "tech_innovation_demo": "National technology innovation demonstration enterprise",
    "ip_advantage": "National IP advantage enterprise",
    "ip_demo": "National IP demonstration enterprise",
}


def input_label(key: str) -> str:
    """A change key as people read it: "rd_expense@2025" → "研发费用 2025"."""
    name, _, year = key.partition("@")
    if name.startswith(HONOR_PREFIX):
        honor = name.removeprefix(HONOR_PREFIX)
        label = (
            HONORS[honor][0]
            if core_lang() == "zh" and honor in HONORS
            else HONOR_EN.get(honor, honor)
        )
    else:
        label = field_label(name)
    return f"{label} {year}" if year else label


def portal_enterprise(user: User) -> Enterprise:
    """The user's own firm; anyone but an enterprise user is refused (403)."""
    if not (
        user.is_authenticated
        and user.is_active
        and user.role == Role.ENTERPRISE
        and user.enterprise_id
    ):
        raise PermissionDenied
    return enterprises_for_user(user).get(pk=user.enterprise_id)


# --- the firm as the core sees it -----------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """The firm's stored inputs as core values: its firm row and its rows by fiscal year."""

    credit_code: str
    firm: dict[str, Any]
    years: dict[int, dict[str, Any]] = field(default_factory=dict)


def baseline_for(enterprise: Enterprise) -> Baseline:
    data = dataset_for(Enterprise.objects.filter(pk=enterprise.pk))
    firm = data.firms.row(0, named=True) if data.firms.height else {}
    years = {
        r["year"]: r
        for r in data.financials.filter(
            pl.col("credit_code") == (enterprise.credit_code or "")
        ).iter_rows(named=True)
    }
    return Baseline(enterprise.credit_code or "", firm, years)


@cache
def rule_inputs(book_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The inputs a rulebook reads that a firm can state: (year fields, firm columns).

    Firm columns are firm fields — canonical ones and the rulebook's own inputs (a province's,
    which the registry stores too) — and the per-honour columns (``honor_high_tech``); titles
    are left out (a title is granted, not stated).
    """
    book = load_rulebook(book_id)
    used: set[str] = set()
    for m in book.measures.values():
        if m.kind == "title":
            continue
        used.update(m.args)
    year = tuple(f.name for f in FIELDS if f.scope == "year" and f.name in used)
    firm: list[str] = []
    for f in registry_fields().values():
        if f.scope != "firm":
            continue
        if f.kind == "flags":
            firm.extend(f"{HONOR_PREFIX}{v}" for v in f.values if f"{HONOR_PREFIX}{v}" in used)
        elif f.name in used and f.kind != "titles":
            firm.append(f.name)
    return year, tuple(firm)


# --- the firm page --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredVerdict:
    tier: str
    label: str
    record: EvaluationRecord
    explanation: Explanation


@dataclass(frozen=True)
class StoredResult:
    """The latest finished evaluation of the firm: its run and one verdict per tier."""

    run: EvaluationRun | None
    verdicts: list[StoredVerdict]
    rulebook_label: str = ""

    def for_tier(self, tier: str) -> StoredVerdict | None:
        return next((v for v in self.verdicts if v.tier == tier), None)


def latest_stored(enterprise: Enterprise) -> StoredResult:
    history = list(enterprise_history(enterprise))
    if not history:
        return StoredResult(None, [])
    newest = history[0].run
    latest = {r.tier: r for r in history if r.run_id == newest.pk}
    ladder = ladder_of(newest)
    order = ladder.ordered(list(latest))
    return StoredResult(
        newest,
        rulebook_label=ladder.rulebook_label,
        verdicts=[
            StoredVerdict(t, ladder.label(t), latest[t], record_explanation(latest[t]))
            for t in order
        ],
    )


def figure_table(enterprise: Enterprise) -> tuple[list[int], list[tuple[str, list[Any]]]]:
    """Years, and per year field a row of its values (None = unknown)."""
    years = list(enterprise.years.order_by("year"))
    names = [f.name for f in FIELDS if f.scope == "year"]
    figures = [from_json(y.figures) for y in years]
    return [y.year for y in years], [(field_label(n), [f.get(n) for f in figures]) for n in names]


def title_rows(enterprise: Enterprise) -> list[dict[str, Any]]:
    return [
        {"tier": title_label(g.level), "granted": g.granted, "review_due": g.review_due}
        for g in title_grants(enterprise.profile)
    ]
