"""Words a county official can read: each complaint found by clicking through the demo, and
a sweep over the demo city that fails on any raw id or on Chinese in English text."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from feidi.rules import describe, evaluate, explain, load_rulebook, summary_line
from feidi.schema import FIELDS
from tests.core.firms import dataset, firm_row, years_of
from tests.core.test_rules_paths import EXAMPLE, EXAMPLE_YEARS

AS_OF = date(2026, 3, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _record(firm: dict[str, Any], years: dict[str, Any], rb: str, tier: str, **kw: Any):
    data = dataset(
        [firm_row(1, **{"honors": [], "titles": {}, **firm, **kw})], years_of(1, **years)
    )
    return evaluate(data, rb, AS_OF, tiers=(tier,)).records().collect().row(0, named=True)


def test_a_direct_route_pass_names_the_route_and_no_gap() -> None:
    # innovative: a valid 高新技术企业 honour passes whatever the score
    weak = {
        **EXAMPLE,
        "ip_class1": 0,
        "ip_class1_high_value": 0,
        "ip_class1_self_developed": 0,
        "ip_class2": 0,
        "strategic_emerging": False,
    }
    years = {
        **EXAMPLE_YEARS,
        "y2025": {**EXAMPLE_YEARS["y2025"], "rd_expense": 10, "total_liabilities": 3800},
    }
    rec = _record(weak, years, "miit-2022", "innovative", honors=["high_tech"])
    book = load_rulebook("miit-2022")
    assert rec["verdict"] == "pass" and rec["score"] < rec["pass_mark"]
    zh, en = summary_line(book, rec, "zh"), summary_line(book, rec, "en")
    assert "直通" in zh and "高新技术企业" in zh and "差" not in zh
    assert "direct route" in en and "short" not in en


def test_a_failing_value_never_prints_as_its_threshold() -> None:
    # main revenue share 79.99996%: short of ≥ 80% and must not read "80%"
    years = {
        **EXAMPLE_YEARS,
        "y2025": {**EXAMPLE_YEARS["y2025"], "revenue": 4000, "main_revenue": 3199.9984},
    }
    rec = _record(EXAMPLE, years, "miit-2022", "specialized")
    book = load_rulebook("miit-2022")
    e = explain(book, rec, "zh")
    share = [i for i in e.indicators if i.id == "main_share"]
    assert share and share[0].observed == "79.99%" and share[0].next_bracket == "80%"
    for step in e.path:
        assert not re.search(r"需(增加|减少)\S* 0 ", step), step


@pytest.fixture(scope="module")
def demo_records() -> list[tuple[str, dict[str, Any]]]:
    from feidi.demo import DEMO_AS_OF, generate_demo_city
    from feidi.io import dataset_from_frame

    data, _ = dataset_from_frame(generate_demo_city(n_local=300, n_enclave=30))
    out = []
    for rb in ("miit-2022", "miit-2026"):
        frame = evaluate(data, rb, DEMO_AS_OF).records().collect()
        out += [(rb, r) for r in frame.iter_rows(named=True)]
    return out


def _words(book, rec, lang) -> str:
    e = explain(book, rec, lang)
    parts = [e.title, e.source, e.verdict_text, e.summary, *e.path, *e.missing]
    parts += [f"{c.label} {c.required} {c.observed}" for c in e.conditions]
    parts += [f"{i.label} {i.observed} {i.next_bracket}" for i in e.indicators]
    return "\n".join(parts)


def test_no_raw_ids_in_the_words_of_the_demo_city(demo_records) -> None:
    """Field names (rd_expense, ip_class1_high_value), category keys (below_city, key_link)
    and condition ids (requires) never reach a reader, in either language."""
    fields = {f.name for f in FIELDS if "_" in f.name}
    keys = {k for f in FIELDS for k in f.values if "_" in k}
    book_ids: set[str] = set()
    for rb in ("miit-2022", "miit-2026"):
        book = load_rulebook(rb)
        book_ids |= {m for m in book.measures if "_" in m}
    raw = re.compile(r"\b(" + "|".join(sorted(fields | keys | book_ids | {"requires"})) + r")\b")
    for rb, rec in demo_records:
        book = load_rulebook(rb)
        for lang in ("zh", "en"):
            text = _words(book, rec, lang) + describe(book, rec, lang)
            found = raw.search(text.replace(rec["credit_code"], ""))
            assert found is None, (rb, rec["credit_code"], rec["tier"], lang, found.group())


def test_english_words_carry_no_chinese(demo_records) -> None:
    for rb, rec in demo_records:
        book = load_rulebook(rb)
        text = _words(book, rec, "en")
        assert not CJK.search(text), (rb, rec["credit_code"], CJK.findall(text))


def test_one_change_per_measure_in_a_path(demo_records) -> None:
    """The R&D share asked by an indicator (its next bracket) and by a requirement is one
    change; so is R&D ≥ 500 万元 for points and ≥ 100 万元 to qualify: the stricter step
    stays, with both steps' points."""
    from feidi.rules._wording import merged_path

    def step(id_, measure, op, required, gain):
        return dict(
            id=id_,
            measure=measure,
            op=op,
            observed=2.3,
            required=required,
            gain=gain,
            amount=1.0,
            amount_field="rd_expense@2025",
        )

    path = [
        step("rd_input", "rd_ratio_y0", "at_least", 3.0, 2.0),
        step("rd_2", "rd_ratio_y0", "at_least", 3.0, None),
        step("rd_amount", "rd_expense_y0", "at_least", 500.0, 10.0),
        step("rd_1", "rd_expense_y0", "at_least", 100.0, None),
        step("debt", "debt_ratio_y0", "at_most", 50.0, 2.0),
    ]
    merged = merged_path(path)
    assert [(s["measure"], s["required"], s["gain"]) for s in merged] == [
        ("rd_ratio_y0", 3.0, 2.0),
        ("rd_expense_y0", 500.0, 10.0),
        ("debt_ratio_y0", 50.0, 2.0),
    ]
    for rb, rec in demo_records:  # and no explanation of the demo city repeats a change
        book = load_rulebook(rb)
        measures = {s["measure"] for s in rec["path"]}
        for lang in ("zh", "en"):
            assert len(explain(book, rec, lang).path) == len(measures), rec["credit_code"]


def test_every_english_name_in_the_rulebooks_and_schema_is_english() -> None:
    from feidi.rules import available_rulebooks
    from feidi.rules._model import scoring_parts, walk

    names: list[str] = [f.en for f in FIELDS] + [v for f in FIELDS for v in f.labels_en.values()]
    for ref in available_rulebooks():
        book = load_rulebook(ref)
        names += [book.name_en] + [m.name_en for m in book.measures.values()]
        names += [f.en for f in book.inputs] + [
            v for f in book.inputs for v in f.labels_en.values()
        ]
        for tier in book.tiers.values():
            names += [tier.name_en] + [n.meta.name_en for n in walk(tier.requires)]
            for top in tier.scorecard.indicators if tier.scorecard else ():
                names += [i.meta.name_en for i in scoring_parts(top)]
    chinese = [n for n in names if CJK.search(n)]
    assert chinese == []


def test_rulebook_warnings_are_pairs_naming_the_document() -> None:
    book = load_rulebook("miit-2022")
    assert book.warnings(date(2025, 1, 1)) == []
    [(zh, en)] = book.warnings(date(2026, 6, 30))
    assert "优质中小企业梯度培育管理暂行办法" in zh and "miit-2022" not in zh and not CJK.search(en)
    assert "2026-03-31" in zh and "2026-03-31" in en


def test_a_pass_by_score_does_not_claim_a_direct_route() -> None:
    rec = _record(EXAMPLE, EXAMPLE_YEARS, "miit-2022", "innovative", honors=["high_tech"])
    assert rec["verdict"] == "pass" and rec["score_min"] >= rec["pass_mark"]
    assert "直通" not in summary_line(load_rulebook("miit-2022"), rec, "zh")
