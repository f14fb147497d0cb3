"""The pipeline's figures, checked against a hand count of a small, fully written-out history."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from feidi.pipeline import (
    ORDER,
    LostReason,
    Stage,
    funnel,
    history_frame,
    move_problem,
    stage_at,
)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10)  # noqa: DTZ001


# Five projects over four months (stage, date), written so every figure can be counted by hand.
HISTORY = [
    # 1: lead in Jan, contacted, negotiating, signed in Mar, landed in Apr
    (1, "lead", at(1, 5)),
    (1, "contacted", at(1, 20)),
    (1, "negotiating", at(2, 10)),
    (1, "signed", at(3, 1)),
    (1, "landed", at(4, 15)),
    # 2: lead in Jan, straight to negotiating in Feb, still negotiating
    (2, "lead", at(1, 10)),
    (2, "negotiating", at(2, 1)),
    # 3: created as contacted in Feb, lost in Mar
    (3, "contacted", at(2, 3)),
    (3, "lost", at(3, 20)),
    # 4: lead in Feb, signed directly in Apr (skips contacted and negotiating)
    (4, "lead", at(2, 14)),
    (4, "signed", at(4, 2)),
    # 5: lead in Mar, negotiating, lost, reopened to negotiating in Apr
    (5, "lead", at(3, 3)),
    (5, "negotiating", at(3, 10)),
    (5, "lost", at(3, 25)),
    (5, "negotiating", at(4, 20)),
]
PROJECTS = pl.DataFrame(
    {
        "project": [1, 2, 3, 4, 5],
        "created_at": [at(1, 5), at(1, 10), at(2, 3), at(2, 14), at(3, 3)],
        "valuation": [5000.0, 8000.0, 1200.0, None, 3000.0],
        "lost_reason": [None, None, "elsewhere", None, None],
        "source": ["enclave", "event", "enclave", "referral", "enclave"],
    }
)


def test_the_seeds_figures_equal_a_hand_count():
    f = funnel(history_frame(HISTORY), PROJECTS, until=at(4, 30), by=["source"])
    # introduced = reached signed: 1 and 4; negotiating now: 2 and 5; landed: 1; lost now: 3
    assert f.totals.introduced == 2
    assert f.totals.negotiating == 2
    assert f.totals.landed == 1
    assert f.totals.lost == 1
    assert f.totals.valuation == 5000.0  # project 4 has no valuation yet
    assert f.totals.projects == 5
    # reached: everyone a lead-or-later; 3 was created as contacted, 4 skipped to signed
    assert f.reached == {
        Stage.LEAD: 5,
        Stage.CONTACTED: 5,
        Stage.NEGOTIATING: 4,  # 1, 2, 4 (skipped through), 5
        Stage.SIGNED: 2,
        Stage.LANDED: 1,
    }
    assert f.conversion[Stage.LEAD] == 1.0
    assert f.conversion[Stage.NEGOTIATING] == 2 / 4
    assert f.conversion[Stage.SIGNED] == 1 / 2
    assert f.lost_by_reason == {"elsewhere": 1}
    enclave = f.by["source"]["enclave"]
    assert (enclave.introduced, enclave.negotiating, enclave.landed, enclave.lost) == (1, 1, 1, 1)
    assert f.by["source"]["referral"].introduced == 1


def test_figures_at_an_earlier_date_use_only_the_history_until_then():
    f = funnel(history_frame(HISTORY), PROJECTS, until=at(3, 15))
    # on 15 Mar: 1 signed; 2 and 5 negotiating; 3 contacted; 4 a lead
    assert (f.totals.introduced, f.totals.negotiating, f.totals.landed) == (1, 2, 0)
    assert stage_at(history_frame(HISTORY), at(3, 15)) == {
        1: Stage.SIGNED,
        2: Stage.NEGOTIATING,
        3: Stage.CONTACTED,
        4: Stage.LEAD,
        5: Stage.NEGOTIATING,
    }


def test_months_count_firsts_and_the_negotiations_open_at_each_months_end():
    f = funnel(history_frame(HISTORY), PROJECTS, until=at(4, 30), months_from=date(2026, 1, 1))
    months = {m.month: m for m in f.months}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [months[m].new for m in months] == [2, 2, 1, 0]
    assert [months[m].introduced for m in months] == [0, 0, 1, 1]
    assert [months[m].landed for m in months] == [0, 0, 0, 1]
    # 3 lost in March stays lost; 5 lost in March was reopened, so it is not counted lost
    assert [months[m].lost for m in months] == [0, 0, 1, 0]
    # end of Jan: none; Feb: 1, 2; Mar: 2 (1 signed, 5 lost); Apr: 2, 5
    assert [months[m].negotiating_at_end for m in months] == [0, 2, 1, 2]
    assert months["2026-03"].valuation_introduced == 5000.0
    assert sum(m.introduced for m in f.months) == f.totals.introduced


def test_median_days_in_a_stage_counts_open_stays_to_the_date():
    f = funnel(history_frame(HISTORY), PROJECTS, until=at(4, 30))
    # stays in lead: 1: 15 d, 2: 22 d, 4: 47 d, 5: 7 d → median 18.5
    assert f.median_days[Stage.LEAD] == pytest.approx(18.5)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Stage.LEAD, Stage.CONTACTED, True),
        (Stage.LEAD, Stage.SIGNED, True),
        (Stage.NEGOTIATING, Stage.CONTACTED, True),
        (Stage.SIGNED, Stage.LOST, True),
        (Stage.LOST, Stage.NEGOTIATING, True),
        (Stage.LOST, Stage.SIGNED, False),
        (Stage.LANDED, Stage.LOST, False),
        (Stage.LEAD, Stage.LEAD, False),
    ],
)
def test_moves(current, target, allowed):
    assert (move_problem(current, target) is None) is allowed


def test_every_label_has_both_languages_and_no_chinese_in_english():
    for enum in (Stage, LostReason):
        for member in enum:
            zh, en = member.label("zh"), member.label("en")
            assert zh and en and zh != en
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in en)
    assert [s.rank for s in ORDER] == list(range(len(ORDER)))
