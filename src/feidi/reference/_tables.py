"""Loaders for the shipped code tables (read once, cached)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Industry:
    code: str  # "3670", "367", "36" or a section letter "C"
    name: str
    level: str  # 门类 / 大类 / 中类 / 小类
    section: str  # the section letter the code belongs to


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # six digits
    name: str
    level: str  # province / city / county


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("feidi.reference").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def industry_codes() -> dict[str, Industry]:
    """All GB/T 4754-2017 codes, keyed by code without the section letter."""
    return {
        r["code"]: Industry(r["code"], r["name"], r["level"], r["section"])
        for r in _rows("gbt4754_2017.csv")
    }


@cache
def division_codes() -> dict[str, Division]:
    """统计用区划代码 2023 (province, city and county levels), keyed by 6-digit code."""
    return {
        r["code"]: Division(r["code"], r["name"], r["level"]) for r in _rows("divisions_2023.csv")
    }


_INDUSTRY_RE = re.compile(r"^([A-Ta-t])?\s*(\d{2,4})$")


def normalise_industry_code(text: str) -> str | None:
    """``"C3670"``, ``"c 3670"`` or ``"3670"`` → ``"C3670"``; ``None`` when not a GB/T 4754 code.

    A section letter, when given, must be the code's own (``A3670`` is refused).

    >>> normalise_industry_code("3670"), normalise_industry_code("A3670")
    ('C3670', None)
    """
    m = _INDUSTRY_RE.match(text.strip())
    if not m:
        return None
    letter, digits = m.group(1), m.group(2)
    found = industry_codes().get(digits)
    if found is None or found.level == "门类":
        return None
    if letter is not None and letter.upper() != found.section:
        return None
    return found.section + digits


def industry(code: str) -> Industry | None:
    """Look up a normalised (``C3670``) or bare (``3670``) code."""
    return industry_codes().get(code.lstrip("ABCDEFGHIJKLMNOPQRST"))


def division(code: str) -> Division | None:
    return division_codes().get(code)
