"""Evidence in words: which conditions of a rule decided it, with the firm's figures.

A raised flag names the conditions that hold (of an ``any``, the ones that hold; of an
``all``, every one); an unmet type rule the conditions that fail; an unknown one the
conditions that hold so far and the inputs it lacks. Figures are written as the ladder writes
them (:func:`feidi.rules.format_value`: 3.2%, 1,200 万元 / CNY 12 m), a failing value rounded
away from its threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from feidi.diagnosis._names import Bilingual
from feidi.rules import Rulebook, format_value, measure_name
from feidi.rules._model import AllOf, AnyOf, Compare, Condition, InSet
from feidi.rules._wording import input_label

__all__ = ["deciding_leaves", "evidence", "leaf_text", "missing_words"]

Lang = Literal["zh", "en"]
_OP = {"at_least": "≥", "at_most": "≤", "greater_than": ">", "less_than": "<"}
#: English for the units of the diagnosis rules' own measures (the ladder's are in its wording).
_UNIT_EN = {"百分点": " pts", "个": ""}
_AWAY = {"at_least": "down", "greater_than": "down", "at_most": "up", "less_than": "up"}


def deciding_leaves(node: Condition, verdicts: Mapping[str, str], want: str) -> list[Condition]:
    """The leaves under ``node`` that make it ``want`` (pass / fail / unknown).

    Of an ``all`` that passes, every child; that fails, the failing children; of an ``any``
    that passes, its first passing child (the way the rulebook lists first); that fails,
    every child; unknown: the unknown children (and, of an ``all``, the children that already
    hold, which say how far it got).
    """
    if not isinstance(node, AllOf | AnyOf):
        return [node]
    out: list[Condition] = []
    for child in node.children:
        v = verdicts.get(child.meta.id)
        if want == "unknown":
            if v == "unknown" or (isinstance(node, AllOf) and v == "pass"):
                out.extend(deciding_leaves(child, verdicts, str(v)))
        elif isinstance(node, AnyOf) and want == "pass":
            if v == "pass":
                return deciding_leaves(child, verdicts, want)
        elif isinstance(node, AnyOf) or v == want:
            out.extend(deciding_leaves(child, verdicts, want))
    return out


def leaf_text(book: Rulebook, leaf: Condition, cond: Mapping[str, Any] | None, lang: Lang) -> str:
    """One condition with the firm's figure: "上年度营业收入增长率 -12.3%（门槛 ≤ -10%）";
    an unknown figure: "研发人员占职工总数比重 未知"."""
    zh = lang == "zh"
    if not isinstance(leaf, Compare | InSet):
        return leaf.meta.name if zh else leaf.meta.name_en
    label = measure_name(book, leaf.measure, lang)
    verdict = cond["verdict"] if cond else "unknown"
    observed = cond["observed"] if cond else None
    if verdict == "unknown" or observed is None:
        return f"{label} {'未知' if zh else 'unknown'}"
    if isinstance(leaf, InSet):
        value = format_value(book, leaf.measure, observed, lang)
        return f"{label} {value}"
    toward = _AWAY[leaf.op] if verdict == "fail" else None
    value = format_value(book, leaf.measure, observed, lang, toward)  # type: ignore[arg-type]
    required = format_value(book, leaf.measure, leaf.value, lang)
    if not zh and book.measures[leaf.measure].unit in _UNIT_EN:  # units the ladder never uses
        unit = _UNIT_EN[book.measures[leaf.measure].unit]
        value, required = f"{value}{unit}", f"{required}{unit}"
    return (
        f"{label} {value}（门槛 {_OP[leaf.op]} {required}）"
        if zh
        else f"{label} {value} (threshold {_OP[leaf.op]} {required})"
    )


def missing_words(book: Rulebook, missing: Sequence[str]) -> Bilingual:
    """The inputs a rule lacks, as the sheet names them: 研发费用（2025年）."""
    return (
        "、".join(input_label(book, m, "zh") for m in missing),
        ", ".join(input_label(book, m, "en") for m in missing),
    )


def evidence(book: Rulebook, record: Mapping[str, Any], want: str | None = None) -> Bilingual:
    """Why a rule's verdict is what it is, for one firm (``record``: the engine's record of
    the rule); ``want`` explains another verdict than the record's."""
    tier = book.tiers[record["tier"]]
    conds = {c["id"]: c for c in record["conditions"] or ()}
    verdicts = {k: str(c["verdict"]) for k, c in conds.items()}
    verdict = want or str(record["verdict"])
    leaves = deciding_leaves(tier.requires, verdicts, verdict)
    zh = "；".join(leaf_text(book, leaf, conds.get(leaf.meta.id), "zh") for leaf in leaves)
    en = "; ".join(leaf_text(book, leaf, conds.get(leaf.meta.id), "en") for leaf in leaves)
    if verdict == "unknown" and record["missing"]:
        lack_zh, lack_en = missing_words(book, record["missing"])
        zh = f"{zh}；缺：{lack_zh}" if zh else f"缺：{lack_zh}"
        en = f"{en}; missing: {lack_en}" if en else f"missing: {lack_en}"
    return zh, en
