"""Shandong's 特色化: a province's own input fields, read from a file and scored by its rulebook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from feidi.io import InputError, read_dataset
from feidi.reference import make_credit_code
from feidi.rules import evaluate, load_rulebook

CODES = [make_credit_code(f"91370100MA{i:07d}") for i in range(1, 4)]
HEADER = "统一社会信用代码,年度,营业收入,主营业务收入,所属重点产业领域,创新型经营事项数,细分市场占有率,细分市场全国排名,细分市场全省排名,上市进展"


def _file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "shandong.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_shandong_special_score_from_its_own_fields(tmp_path: Path) -> None:
    a, b, c = CODES
    src = _file(
        tmp_path,
        [
            # 省级重点产业链 4 + 3 items (2 each, capped) 4 + share 12% > 10% 4 + 新三板 3 = 15
            f"{a},2025,5000,4500,省级重点产业链,3,12,,,新三板",
            # 县级 1 + one item 2 + share exactly 10% is not "> 10%", national rank 8 ≤ 10 → 3
            # + 上市辅导备案 (unconfirmed option, 0 points) = 6
            f"{b},2025,5000,4500,县级重点产业,1,10,8,,上市辅导备案",
            # nothing known: every sub-indicator spans its range, 0–15
            f"{c},2025,5000,4500,,,,,,",
        ],
    )
    book = load_rulebook("shandong-2022")
    data, _ = read_dataset(src, extra_fields=tuple(book.inputs))
    assert data.firms["sd_listing"].to_list() == ["neeq", "tutoring", None]
    records = evaluate(data, book, date(2026, 3, 1), tiers=("specialized",)).records().collect()
    parts = ("special", "key_industry", "innovative_operations", "niche_position", "listing")
    got = {
        r["credit_code"]: {
            i["id"]: (i["points_min"], i["points_max"]) for i in r["indicators"] if i["id"] in parts
        }
        for r in records.iter_rows(named=True)
    }
    assert got[a] == {
        "special": (15.0, 15.0),
        "key_industry": (4.0, 4.0),
        "innovative_operations": (4.0, 4.0),
        "niche_position": (4.0, 4.0),
        "listing": (3.0, 3.0),
    }
    assert got[b] == {
        "special": (6.0, 6.0),
        "key_industry": (1.0, 1.0),
        "innovative_operations": (2.0, 2.0),
        "niche_position": (3.0, 3.0),
        "listing": (0.0, 0.0),
    }
    assert got[c]["special"] == (0.0, 15.0)


def test_shandong_unknown_option_is_an_input_error(tmp_path: Path) -> None:
    src = _file(tmp_path, [f"{CODES[0]},2025,5000,4500,省会重点,1,5,,,无"])
    with pytest.raises(InputError) as exc:
        read_dataset(src, extra_fields=tuple(load_rulebook("shandong-2022").inputs))
    issues = [(i.row, i.column, i.value, i.code) for i in exc.value.report.errors]
    assert issues == [(2, "所属重点产业领域", "省会重点", "enum.unknown")]
