"""The baseline for ``bench/grade_csv.py``: a plain row-by-row Python grader of a CSV file.

What one would write without a vectorised engine: the ``csv`` module, one dict per row, each
cell converted by its field's kind (feidi.schema), titles and honours parsed per row, the
firm's years gathered in dicts, then ``feidi.rules._reference`` (the interpreter the tests
check the engine against) grading every firm on every tier, one JSON line per firm × tier
(verdict, score interval, points). No input checks, no paths, no traces: it flatters the
baseline.

Usage: ``python bench/row_by_row.py IN.csv OUT.jsonl [--rulebook miit-2022] [--as-of DATE]``
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from datetime import date
from typing import Any

from feidi.io._parse import parse_titles
from feidi.rules import load_rulebook
from feidi.rules._reference import grade_rows
from feidi.schema import (
    FIELDS,
    HONORS,
    TITLE_LEVELS,
    TITLE_SLOTS,
    TITLES,
    title_date_column,
    title_undated_column,
)

_TRUE = {"true", "1", "是", "yes"}


def _cell(kind: str, text: str) -> Any:
    if text == "":
        return math.inf if kind == "rank" else ("" if kind in ("flags", "titles") else None)
    if kind in ("money", "count", "number", "rank"):
        return float(text)
    if kind == "bool":
        return text.strip().lower() in _TRUE
    return text


def _firm(row: dict[str, Any]) -> dict[str, Any]:
    honors = set(row.get("honors", "").split(";")) if row.get("honors") else set()
    for key in HONORS:
        row[f"honor_{key}"] = key in honors
    parsed = parse_titles(row.get("titles", "") or "", TITLES)
    for level in TITLE_LEVELS:
        dates = parsed.grants.get(level, ())
        for slot in range(1, TITLE_SLOTS + 1):
            d = dates[slot - 1] if len(dates) >= slot else None
            row[title_date_column(level, slot)] = (
                None if d is None else d.year * 10000 + d.month * 100 + d.day
            )
        row[title_undated_column(level)] = level in parsed.undated
    return row


def grade_file(src: str, out: str, rulebook: str, as_of: date) -> int:
    book = load_rulebook(rulebook)
    kinds = {f.name: f.kind for f in (*FIELDS, *book.inputs)}
    firms: dict[str, dict[str, Any]] = {}
    financials: list[dict[str, Any]] = []
    with open(src, newline="", encoding="utf-8-sig") as fh:
        for raw in csv.DictReader(fh):
            row = {k: _cell(kinds.get(k, "str"), (v or "").strip()) for k, v in raw.items()}
            row["year"] = int(float(raw["year"]))
            financials.append(row)
            firm = firms.setdefault(row["credit_code"], {})
            for k, v in row.items():  # a firm field given on any of its rows
                if firm.get(k) in (None, "") and v not in (None, ""):
                    firm[k] = v
                else:
                    firm.setdefault(k, v)
    graded = grade_rows(book, [_firm(f) for f in firms.values()], financials, as_of)
    with open(out, "w", encoding="utf-8") as fh:
        for record in graded:
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return len(graded)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--rulebook", default="miit-2022")
    ap.add_argument("--as-of", default="2026-06-30")
    args = ap.parse_args()
    n = grade_file(args.src, args.out, args.rulebook, date.fromisoformat(args.as_of))
    print(json.dumps({"records": n}))


if __name__ == "__main__":
    main()
