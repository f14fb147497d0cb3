"""What-if: change a firm's figures and grade it again.

Changes are keyed the way records name inputs: ``"rd_expense@2025"`` for a year field,
``"iso9001"`` for a firm field. ``path_changes`` turns a record's path into such changes, so
"apply the path and grade again" is one call — and a test that the path really passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from feidi.rules._evaluate import Engine, Evaluation, FirmData, evaluate
from feidi.rules._loader import load_rulebook
from feidi.rules._model import Rulebook
from feidi.schema import FIELDS_BY_NAME

__all__ = ["WhatIfData", "apply_changes", "path_changes", "what_if"]


@dataclass(frozen=True)
class WhatIfData:
    firms: pl.DataFrame
    financials: pl.DataFrame


def apply_changes(data: FirmData, credit_code: str, changes: Mapping[str, Any]) -> WhatIfData:
    """A copy of ``data`` restricted to one firm, with ``changes`` applied.

    Raises ``KeyError`` for an unknown field or firm, ``ValueError`` for a bad year.
    """
    firms = data.firms.filter(pl.col("credit_code") == credit_code)
    if firms.height == 0:
        raise KeyError(f"没有这家企业 / no firm with credit code {credit_code}")
    fin = data.financials.filter(pl.col("credit_code") == credit_code)
    for key, value in changes.items():
        field, _, year = key.partition("@")
        spec = FIELDS_BY_NAME.get(field)
        if spec is None and field not in firms.columns:
            raise KeyError(f"未知字段 / unknown field {field!r}")
        if year:
            if spec is None or spec.scope != "year":
                raise ValueError(f"{field} 不是年度字段 / {field} is not a per-year field")
            y = int(year)
            if fin.filter(pl.col("year") == y).height == 0:
                fin = pl.concat(
                    [
                        fin,
                        pl.DataFrame(
                            {"credit_code": [credit_code], "year": [y]},
                            schema={"credit_code": pl.String, "year": pl.Int32},
                        ),
                    ],
                    how="diagonal_relaxed",
                )
            fin = fin.with_columns(
                pl.when(pl.col("year") == y)
                .then(pl.lit(value, dtype=pl.Float64))
                .otherwise(pl.col(field))
                .alias(field)
            )
        else:
            if spec is not None and spec.scope == "year":
                raise ValueError(
                    f"{field} 需要年度，如 {field}@2025 / {field} needs a year, e.g. {field}@2025"
                )
            firms = firms.with_columns(pl.lit(value, dtype=firms.schema[field]).alias(field))
    return WhatIfData(firms, fin)


def path_changes(book: Rulebook, record: Mapping[str, Any], data: FirmData) -> dict[str, Any]:
    """The changes a record's path asks for, as one consistent plan of new input values.

    Each step's amount is priced at today's figures (as the record shows it); combined, the
    steps interact, so the plan resolves them in order: level changes first (a revenue step
    is met by growing the main business, so main revenue rises by the same amount), then
    every ratio step is re-priced at the new denominators. Steps that are not an input value
    (growth rates, holding a title) are left out.
    """
    code = record["credit_code"]
    firm = data.firms.filter(pl.col("credit_code") == code).row(0, named=True)
    fin = {
        r["year"]: r
        for r in data.financials.filter(pl.col("credit_code") == code).iter_rows(named=True)
    }
    fy = max(fin) if fin else 0
    plan: dict[str, Any] = {}

    def now(key: str) -> float:
        if key in plan:
            return float(plan[key])
        field, _, year = key.partition("@")
        value = (fin.get(int(year), {}) if year else firm).get(field)
        return float(value or 0.0)

    def push(key: str, target: float, up: bool) -> None:
        plan[key] = max(now(key), target) if up else min(now(key), target)

    ratios = []
    for step in record["path"]:
        m = book.measures.get(step["measure"] or "")
        if m is None:
            continue
        up = step["op"] in ("at_least", "greater_than", "in")
        if m.kind == "ratio":
            ratios.append((m, step, up))
        elif step["amount_field"] and step["amount"] is not None:
            key = step["amount_field"]
            before = now(key)
            push(key, before + step["amount"] if up else before - step["amount"], up)
            field, _, year = key.partition("@")
            if field == "revenue":  # grow the main business with it
                main = f"main_revenue@{year}"
                plan[main] = now(main) + (plan[key] - before)
        elif (
            m.kind == "field"
            and FIELDS_BY_NAME.get(m.args[0])
            and FIELDS_BY_NAME[m.args[0]].kind == "bool"
        ):
            plan[m.args[0]] = True
        elif m.kind == "ordinal" and step["required"] is not None:
            plan[m.args[0]] = m.order[int(step["required"])]
    for m, step, up in ratios:
        year = fy - m.year
        num, den = (f"{a}@{year}" for a in m.args)
        target = step["required"] / 100 * now(den)
        spec = FIELDS_BY_NAME.get(m.args[0])
        if spec is not None and spec.kind == "count":
            target = float(math.ceil(target)) if up else float(math.floor(target))
        push(num, target, up)
    return plan


def what_if(
    data: FirmData,
    credit_code: str,
    changes: Mapping[str, Any],
    rulebook: str | Rulebook,
    as_of: date,
    *,
    tiers: tuple[str, ...] | None = None,
    engine: Engine = "polars",
) -> Evaluation:
    """Grade one firm again with ``changes`` applied.

    Examples
    --------
    >>> # what_if(data, "91320581MA...", {"rd_expense@2025": 200, "iso9001": True}, "miit-2022", date(2026, 3, 1))
    """
    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    return evaluate(
        apply_changes(data, credit_code, changes), book, as_of, tiers=tiers, engine=engine
    )
