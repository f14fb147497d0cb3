"""Turning cell text into values, one kind of field at a time.

Two styles, chosen by how many distinct values a column has:

* numbers, booleans, enums and codes are parsed with Polars expressions over the whole
  column (millions of cells, no Python loop);
* ``flags`` and ``titles`` lists are parsed in Python once per *distinct* cell text (a
  city has a handful of honour combinations and a few dozen grant dates) and mapped back.

A parser returns null where a cell does not parse; the validator reports a non-empty cell
that parsed to null.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from feidi.reference import division_codes, normalise_industry_code
from feidi.schema import TITLE_SLOTS, Field, title_date_column, title_undated_column

__all__ = [
    "NUMBER_KINDS",
    "WHOLE_KINDS",
    "FlagsParse",
    "TitlesParse",
    "bool_expr",
    "enum_expr",
    "flag_column",
    "fold_text",
    "industry_code_map",
    "is_percent",
    "number_expr",
    "parse_flags",
    "parse_grant_date",
    "parse_titles",
    "region_code_expr",
    "text_expr",
    "title_slot_frame",
]

#: Kinds read as numbers (Float64); counts and ranks must also be whole.
NUMBER_KINDS = frozenset({"money", "number", "count", "rank"})
WHOLE_KINDS = frozenset({"count", "rank"})

# Full-width digits and punctuation typed with a Chinese input method.
_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    "．": ".",
    "，": ",",
    "－": "-",
    "＋": "+",
    "％": "%",
    "−": "-",
}
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
# An Excel number cell read as text: "330100.0" is the code "330100".
_INTEGRAL_FLOAT_TEXT = r"^(\d+)\.0+$"

_TRUE = ("true", "t", "1", "1.0", "yes", "y", "是", "有", "√", "✓", "✔", "对")
_FALSE = ("false", "f", "0", "0.0", "no", "n", "否", "无", "×", "✗", "✘", "错")
_BOOL_WORDS: dict[str, bool] = {w: True for w in _TRUE} | {w: False for w in _FALSE}

# Folding for enum values and list items: case, spaces and every kind of quote are noise
# ('专精特新"小巨人"企业' is typed with ASCII, curly or no quotes).
_FOLD_NOISE = r"[\s\"'“”‘’「」『』]"
_FOLD_NOISE_RE = re.compile(_FOLD_NOISE)
# Items in a honours or titles cell: ';' as specified, and what Chinese users also type.
_ITEM_SEPARATORS = re.compile(r"[;；、,，\n]")
_GRANT = re.compile(r"^(?P<name>[^@＠]*)(?:[@＠](?P<date>.*))?$")
_DATE_FORMATS = (
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def is_percent(f: Field) -> bool:
    """A percentage field accepts a trailing '%' (``market_share``: "12.5%")."""
    return "(%)" in f.en


def text_expr(raw: str, dtype: pl.DataType) -> pl.Expr:
    """The cell as text (cells are already trimmed by the reader)."""
    return pl.col(raw) if dtype == pl.String else pl.col(raw).cast(pl.String)


def number_expr(
    raw: str, dtype: pl.DataType, *, percent: bool = False, clean: bool = True
) -> pl.Expr:
    """Float64; null when empty or not a finite number.

    Accepts thousands separators ("1,234.5"), full-width digits and, on percentage fields,
    a trailing '%'. A typed numeric column (Parquet) is taken as it is. ``clean=False``
    skips that clean-up: the caller has seen that every cell casts as it is.
    """
    if dtype.is_numeric():
        value = pl.col(raw).cast(pl.Float64)
    elif not clean:
        value = text_expr(raw, dtype).cast(pl.Float64, strict=False)
    else:
        s = text_expr(raw, dtype).str.replace_many(list(_FULL_WIDTH), list(_FULL_WIDTH.values()))
        if percent:
            s = s.str.strip_suffix("%").str.strip_chars()
        s = pl.when(s.str.contains(_THOUSANDS)).then(s.str.replace_all(",", "")).otherwise(s)
        value = s.cast(pl.Float64, strict=False)
    # "inf" and "NaN" parse as floats but are not amounts.
    return pl.when(value.is_finite()).then(value)


def bool_expr(raw: str, dtype: pl.DataType) -> pl.Expr:
    """Boolean; null when empty or not a yes/no word."""
    if dtype == pl.Boolean:
        return pl.col(raw)
    words = text_expr(raw, dtype).str.to_lowercase()
    return words.replace_strict(_BOOL_WORDS, default=None, return_dtype=pl.Boolean)


def fold_text(text: str) -> str:
    """Fold an enum value or list item for matching (case, spaces and quotes ignored)."""
    return _FOLD_NOISE_RE.sub("", text).lower()


def _fold_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(_FOLD_NOISE, "").str.to_lowercase()


def value_lookup(values: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Folded spelling (canonical English or a Chinese alias) → canonical value."""
    out: dict[str, str] = {}
    for canonical, aliases in values.items():
        for spelling in (canonical, *aliases):
            out[fold_text(spelling)] = canonical
    return out


def enum_expr(raw: str, dtype: pl.DataType, values: Mapping[str, tuple[str, ...]]) -> pl.Expr:
    """The canonical English value; null when empty or unknown."""
    folded = _fold_expr(text_expr(raw, dtype))
    return folded.replace_strict(value_lookup(values), default=None, return_dtype=pl.String)


def _code_text(raw: str, dtype: pl.DataType) -> pl.Expr:
    return text_expr(raw, dtype).str.replace(_INTEGRAL_FLOAT_TEXT, "$1")


def region_code_expr(raw: str, dtype: pl.DataType) -> pl.Expr:
    """The 6-digit division code; null when empty or not in the 2023 division table."""
    code = _code_text(raw, dtype)
    return pl.when(code.is_in(list(division_codes()))).then(code)


def industry_code_map(texts: Iterable[str]) -> dict[str, str | None]:
    """Cell text → normalised GB/T 4754 code ("3670" → "C3670"), ``None`` when invalid.

    Called on the distinct cell texts only (a few hundred codes in a city).
    """
    out: dict[str, str | None] = {}
    for text in texts:
        match = re.fullmatch(_INTEGRAL_FLOAT_TEXT, text)
        out[text] = normalise_industry_code(match.group(1) if match else text)
    return out


# --- flags (honours) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlagsParse:
    """A honours cell: canonical ';'-joined sorted keys, or the items not recognised."""

    canonical: str | None
    unknown: tuple[str, ...]


def _items(text: str) -> list[str]:
    return [item.strip() for item in _ITEM_SEPARATORS.split(text) if item.strip()]


def parse_flags(text: str, values: Mapping[str, tuple[str, ...]]) -> FlagsParse:
    """Parse a ``;``-separated honours cell.

    >>> from feidi.schema import HONORS
    >>> parse_flags("知识产权示范企业; high_tech", HONORS)
    FlagsParse(canonical='high_tech;ip_demo', unknown=())
    """
    lookup = value_lookup(values)
    found: set[str] = set()
    unknown: list[str] = []
    for item in _items(text):
        key = lookup.get(fold_text(item))
        if key is None:
            unknown.append(item)
        else:
            found.add(key)
    if unknown:
        return FlagsParse(None, tuple(unknown))
    return FlagsParse(";".join(sorted(found)), ())


def flag_column(field_name: str, key: str) -> str:
    """Boolean column per flag: ``honor_high_tech`` for honours, ``<field>_<key>`` otherwise."""
    prefix = "honor" if field_name == "honors" else field_name
    return f"{prefix}_{key}"


# --- titles -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TitlesParse:
    """A titles cell.

    ``canonical`` lists the highest level first and, within a level, the most recent grant
    first, undated last: ``"little_giant@2023-07-01;innovative"``. It is ``None`` when an
    item is unknown or a date is not a date.
    """

    canonical: str | None
    unknown: tuple[str, ...]
    bad_dates: tuple[str, ...]
    #: level → grant dates, most recent first
    grants: dict[str, tuple[dt.date, ...]]
    undated: frozenset[str]

    def too_many(self) -> tuple[str, ...]:
        """Levels with more dated grants than :data:`TITLE_SLOTS` keeps."""
        return tuple(level for level, dates in self.grants.items() if len(dates) > TITLE_SLOTS)


def parse_grant_date(text: str) -> dt.date | None:
    """``2023-07-01``, ``2023/7/1``, ``2023.07.01``, ``2023年7月1日`` or ``20230701``.

    >>> parse_grant_date("2024年2月29日"), parse_grant_date("2023-02-29")
    (datetime.date(2024, 2, 29), None)
    """
    for pattern in _DATE_FORMATS:
        m = pattern.match(text.strip())
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def parse_titles(text: str, values: Mapping[str, tuple[str, ...]]) -> TitlesParse:
    """Parse a titles cell: ``;``-separated titles, each optionally ``@`` a grant date.

    >>> from feidi.schema import TITLES
    >>> parse_titles("创新型中小企业;小巨人@2023/7/1", TITLES).canonical
    'little_giant@2023-07-01;innovative'
    """
    lookup = value_lookup(values)
    grants: dict[str, set[dt.date]] = {}
    undated: set[str] = set()
    unknown: list[str] = []
    bad_dates: list[str] = []
    for item in _items(text):
        m = _GRANT.match(item)
        name, date_text = (m.group("name"), m.group("date")) if m else (item, None)
        level = lookup.get(fold_text(name))
        if level is None:
            unknown.append(item)
            continue
        if date_text is None:
            undated.add(level)
            continue
        granted = parse_grant_date(date_text)
        if granted is None:
            bad_dates.append(item)
        else:
            grants.setdefault(level, set()).add(granted)
    ordered = {level: tuple(sorted(d, reverse=True)) for level, d in grants.items()}
    canonical = None
    if not unknown and not bad_dates:
        parts: list[str] = []
        for level in reversed(tuple(values)):  # the highest title first
            parts += [f"{level}@{d.isoformat()}" for d in ordered.get(level, ())]
            if level in undated:
                parts.append(level)
        canonical = ";".join(parts)
    return TitlesParse(canonical, tuple(unknown), tuple(bad_dates), ordered, frozenset(undated))


def title_slot_frame(
    canonicals: Iterable[str], levels: tuple[str, ...], values: Mapping[str, tuple[str, ...]]
) -> pl.DataFrame:
    """One row per distinct canonical titles text: the slot dates and undated flags.

    Slot *k* of a level holds the *k*-th most recent grant date as YYYYMMDD (Int32);
    grants beyond :data:`TITLE_SLOTS` are dropped (the validator warns about them).
    """
    texts = sorted(set(canonicals))
    columns: dict[str, list[object]] = {"titles": list(texts)}
    parsed = [parse_titles(t, values) for t in texts]
    for level in levels:
        for slot in range(1, TITLE_SLOTS + 1):
            columns[title_date_column(level, slot)] = [
                _yyyymmdd(p.grants.get(level, ()), slot) for p in parsed
            ]
        columns[title_undated_column(level)] = [level in p.undated for p in parsed]
    schema: dict[str, pl.DataType] = {"titles": pl.String()}
    for level in levels:
        schema |= {title_date_column(level, s): pl.Int32() for s in range(1, TITLE_SLOTS + 1)}
        schema[title_undated_column(level)] = pl.Boolean()
    return pl.DataFrame(columns, schema=schema)


def _yyyymmdd(dates: tuple[dt.date, ...], slot: int) -> int | None:
    if len(dates) < slot:
        return None
    d = dates[slot - 1]
    return d.year * 10000 + d.month * 100 + d.day
