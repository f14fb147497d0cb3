"""Words for results, added at the edge and keyed by rule id (简体中文 first, English).

A record (one firm × tier, see ``RECORD_SCHEMA``) holds ids and numbers only; this module
turns it into what an officer reads:

    专精特新中小企业: 56 分, 差 4 分 — 研发费用总额或占比 3.2% → 4% 可 +2 分; ISO9001 认证 可 +3 分
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from feidi.rules._model import (
    Compare,
    Condition,
    InSet,
    Measure,
    Meta,
    Rulebook,
    ScoreAtLeast,
    Tier,
    scored_measure,
    scoring_parts,
    walk,
)
from feidi.schema import FIELDS_BY_NAME

Lang = Literal["zh", "en"]

_VERDICT = {
    "zh": {"pass": "通过", "fail": "未通过", "unknown": "待定(数据不全)"},
    "en": {"pass": "pass", "fail": "fail", "unknown": "unknown (data missing)"},
}
_OP = {"at_least": "≥", "at_most": "≤", "greater_than": ">", "less_than": "<", "in": "∈"}
_MARK = {"pass": "✓", "fail": "✗", "unknown": "?"}


def _index(tier: Tier) -> dict[str, Meta]:
    out = {n.meta.id: n.meta for n in walk(tier.requires)}
    if tier.scorecard:
        for top in tier.scorecard.indicators:
            for ind in scoring_parts(top):
                out[ind.meta.id] = ind.meta
    return out


def _nodes(tier: Tier) -> dict[str, Condition]:
    return {n.meta.id: n for n in walk(tier.requires)}


def indicator_facts(tier: Tier) -> dict[str, tuple[str | None, float]]:
    """Indicator id → (the measure it scores, when single; its maximum points)."""
    out: dict[str, tuple[str | None, float]] = {}
    for top in tier.scorecard.indicators if tier.scorecard else ():
        for ind in scoring_parts(top):
            s = ind.scoring
            out[ind.meta.id] = (scored_measure(s), ind.max)
    return out


def condition_facts(tier: Tier) -> dict[str, tuple[str | None, str | None]]:
    """Condition id → (measure, operator); scores read as ``score:<group>``."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for n in walk(tier.requires):
        if isinstance(n, Compare):
            out[n.meta.id] = (n.measure, n.op)
        elif isinstance(n, InSet):
            out[n.meta.id] = (n.measure, "in")
        elif isinstance(n, ScoreAtLeast):
            out[n.meta.id] = (f"score:{n.group}", "at_least")
        else:
            out[n.meta.id] = (None, None)
    return out


def _num(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    if math.isinf(v):
        return "无" if unit in ("名", "强") else "∞"
    text = f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v):,}"
    return f"{text}{unit}" if unit in ("%",) else f"{text}{(' ' + unit) if unit else ''}"


def measure_name(book: Rulebook, measure: str | None, lang: Lang) -> str:
    if not measure:
        return ""
    if measure.startswith("score:"):
        group = measure.split(":", 1)[1]
        return ("总分" if lang == "zh" else "total score") if group == "total" else group
    m = book.measures.get(measure)
    if m is None:
        return measure
    return m.name if lang == "zh" else m.name_en


def format_value(book: Rulebook, measure: str | None, value: float | None, lang: Lang) -> str:
    """A measure's value as a person reads it: 3.2%, 是/否, 省级, 1,200 万元."""
    if value is None or not measure or measure.startswith("score:"):
        return _num(value, "分" if lang == "zh" and measure and value is not None else "")
    m: Measure | None = book.measures.get(measure)
    if m is None:
        return _num(value)
    if m.kind == "ordinal":
        key = m.order[int(value)] if 0 <= int(value) < len(m.order) else str(value)
        return _enum_label(m.args[0], key, lang)
    if _is_yes_no(book, measure):
        return ("是" if value >= 1 else "否") if lang == "zh" else ("yes" if value >= 1 else "no")
    return _num(value, m.unit)


def _is_yes_no(book: Rulebook, measure: str | None) -> bool:
    m = book.measures.get(measure or "")
    return m is not None and (
        m.kind in ("title", "any_of", "present") or (m.kind == "field" and _is_bool(m.args[0]))
    )


def _is_bool(field: str) -> bool:
    f = FIELDS_BY_NAME.get(field)
    return f is not None and f.kind == "bool"


def _enum_label(field: str, key: str, lang: Lang) -> str:
    f = FIELDS_BY_NAME.get(field)
    if lang == "zh" and f is not None and f.values.get(key):
        return f.values[key][0]
    return key


def _title(tier: Tier, lang: Lang) -> str:
    return tier.name if lang == "zh" else tier.name_en


def step_text(book: Rulebook, step: Mapping[str, Any], names: dict[str, Meta], lang: Lang) -> str:
    """One change of a path: "研发费用占比 3.2% → 4% 可 +2 分（需增加研发费用 40 万元）"."""
    meta = names.get(step["id"])
    label = measure_name(book, step["measure"], lang) or (meta.name if meta else step["id"])
    op = step["op"]
    if op == "in":
        target = format_value(book, step["measure"], step["required"], lang)
        change = f"{label}：{'达到' if lang == 'zh' else 'reach'} {target}"
    elif _is_yes_no(book, step["measure"]):
        change = f"{'取得' if lang == 'zh' else 'obtain'} {label}"
    else:
        now = format_value(book, step["measure"], step["observed"], lang)
        want = format_value(book, step["measure"], step["required"], lang)
        change = (
            f"{label} {now} → {_OP.get(op or '', '')}{want}"
            if step["observed"] is not None
            else f"{label} {_OP.get(op or '', '')} {want}"
        )
    if step["gain"]:
        change += (
            f" 可 +{_num(step['gain'])} 分" if lang == "zh" else f" +{_num(step['gain'])} points"
        )
    if step["amount"] is not None and step["amount_field"]:
        field, _, year = step["amount_field"].partition("@")
        spec = FIELDS_BY_NAME.get(field)
        fname = (spec.zh if lang == "zh" else (spec.en or field).split(" (")[0]) if spec else field
        up = op in ("at_least", "greater_than")
        unit = (
            "万元"
            if spec and spec.kind == "money"
            else ("人" if spec and spec.kind == "count" and "employ" in field else "")
        )
        amount = _num(step["amount"], unit)
        when = f"{year}年" if year and lang == "zh" else (f" in {year}" if year else "")
        if lang == "zh":
            change += f"（需{'增加' if up else '减少'}{when}{fname} {amount}）"
        else:
            change += f" ({'add' if up else 'cut'} {amount} of {fname}{when})"
    return change


def summary_line(book: Rulebook, record: Mapping[str, Any], lang: Lang = "zh") -> str:
    """One line per firm × tier, as in the issue's example."""
    tier = book.tiers[record["tier"]]
    names = _index(tier)
    head = _title(tier, lang)
    verdict = record["verdict"]
    parts = [f"{head}: {_VERDICT[lang][verdict]}"]
    score, mark = record["score"], record["pass_mark"]
    if score is not None and mark is not None:
        if lang == "zh":
            parts.append(
                f"{_num(score)} 分" + (f", 差 {_num(mark - score)} 分" if score < mark else "")
            )
        else:
            parts.append(
                f"{_num(score)} points" + (f", {_num(mark - score)} short" if score < mark else "")
            )
    elif record["score_min"] is not None:
        parts.append(
            f"{_num(record['score_min'])}–{_num(record['score_max'])} 分"
            if lang == "zh"
            else f"{_num(record['score_min'])}–{_num(record['score_max'])} points"
        )
    # a group minimum can fail a firm whose total reaches the pass mark: say which
    if tier.scorecard and verdict != "pass":
        for cond in record["conditions"]:
            node = _nodes(tier).get(cond["id"])
            if (
                isinstance(node, ScoreAtLeast)
                and node.group != "total"
                and cond["verdict"] == "fail"
            ):
                gmeta = tier.scorecard.groups[node.group][0]
                label = gmeta.name if lang == "zh" else gmeta.name_en
                got = _num(cond["observed"])
                parts.append(
                    f"{label} {got} 分 < {_num(node.value)}"
                    if lang == "zh"
                    else f"{label} {got} < {_num(node.value)}"
                )
    line = ", ".join(parts)
    if record["path"]:
        line += " — " + "; ".join(step_text(book, s, names, lang) for s in record["path"])
    if record["missing"]:
        line += (" [缺: " if lang == "zh" else " [missing: ") + ", ".join(record["missing"]) + "]"
    return line


@dataclass(frozen=True)
class IndicatorLine:
    """One scored indicator of a record, in words."""

    id: str
    label: str
    points: str
    max: str
    observed: str
    next_bracket: str


@dataclass(frozen=True)
class ConditionLine:
    """One condition of a record's requirement tree, in words; ``depth`` 0 is the root."""

    id: str
    label: str
    verdict: str
    mark: str
    depth: int
    required: str
    observed: str


@dataclass(frozen=True)
class Explanation:
    """Everything :func:`describe` prints, as data a page can lay out."""

    title: str
    source: str
    verdict: str
    verdict_text: str
    score: str | None
    pass_mark: str | None
    indicators: tuple[IndicatorLine, ...]
    conditions: tuple[ConditionLine, ...]
    path: tuple[str, ...]
    missing: tuple[str, ...]
    warnings: tuple[str, ...]
    summary: str


def explain(book: Rulebook, record: Mapping[str, Any], lang: Lang = "zh") -> Explanation:
    """The trace of one firm × tier as structured wording (used by :func:`describe` and pages).

    Examples
    --------
    >>> from feidi.rules import load_rulebook
    >>> book = load_rulebook("miit-2022")
    >>> rec = {"credit_code": "X", "tier": "innovative", "verdict": "unknown", "score": None,
    ...        "score_min": None, "score_max": None, "pass_mark": None, "missing": ["revenue"],
    ...        "indicators": [], "conditions": [], "path": [], "warnings": []}
    >>> e = explain(book, rec, "en")
    >>> e.verdict_text, e.missing
    ('unknown (data missing)', ('revenue',))
    """
    tier = book.tiers[record["tier"]]
    names = _index(tier)
    nodes = _nodes(tier)
    zh = lang == "zh"
    score = mark = None
    if record["score_min"] is not None:
        score = (
            _num(record["score"])
            if record["score"] is not None
            else f"{_num(record['score_min'])}–{_num(record['score_max'])}"
        )
        mark = _num(record["pass_mark"])
    indicators: list[IndicatorLine] = []
    facts = indicator_facts(tier)
    for ind in record["indicators"] or ():
        measure, top = facts[ind["id"]]
        meta = names.get(ind["id"])
        label = (meta.name if zh else meta.name_en) if meta else ind["id"]
        pts = (
            _num(ind["points"])
            if ind["points"] is not None
            else f"{_num(ind['points_min'])}–{_num(ind['points_max'])}"
        )
        obs = format_value(book, measure, ind["observed"], lang) if measure else ""
        nxt = (
            format_value(book, measure, ind["required"], lang)
            if ind["required"] is not None
            else ""
        )
        indicators.append(IndicatorLine(ind["id"], label, pts, _num(top), obs, nxt))
    conditions: list[ConditionLine] = []
    depth = _depths(tier.requires)
    cfacts = condition_facts(tier)
    for cond in record["conditions"] or ():
        measure, op = cfacts[cond["id"]]
        node = nodes.get(cond["id"])
        meta = names.get(cond["id"])
        label = (meta.name if zh else meta.name_en) if meta and (meta.name or meta.name_en) else ""
        if not label and isinstance(node, Compare | InSet | ScoreAtLeast):
            label = measure_name(book, measure, lang)
        req = obs = ""
        if isinstance(node, InSet):
            req = "、".join(
                _enum_label(book.measures[node.measure].args[0], v, lang) for v in node.values
            )
            obs = format_value(book, measure, cond["observed"], lang)
        elif op and _is_yes_no(book, measure):
            obs = format_value(book, measure, cond["observed"], lang)
        elif op:
            req = f"{_OP[op]} {format_value(book, measure, cond['required'], lang)}"
            obs = format_value(book, measure, cond["observed"], lang)
        conditions.append(
            ConditionLine(
                cond["id"],
                label or cond["id"],
                cond["verdict"],
                _MARK[cond["verdict"]],
                depth.get(cond["id"], 0),
                req,
                obs,
            )
        )
    return Explanation(
        title=_title(tier, lang),
        source=f"{book.id}，{tier.article}" if zh else f"{book.id}, {tier.article}",
        verdict=record["verdict"],
        verdict_text=_VERDICT[lang][record["verdict"]],
        score=score,
        pass_mark=mark,
        indicators=tuple(indicators),
        conditions=tuple(conditions),
        path=tuple(step_text(book, s, names, lang) for s in record["path"] or ()),
        missing=tuple(record["missing"] or ()),
        warnings=tuple(record.get("warnings") or ()),
        summary=summary_line(book, record, lang),
    )


def describe(book: Rulebook, record: Mapping[str, Any], lang: Lang = "zh") -> str:
    """The full, readable trace of one firm × tier."""
    e = explain(book, record, lang)
    zh = lang == "zh"
    out = [
        f"{record['credit_code']} {record.get('name') or ''} — {e.title}（{e.source}）",
        f"  {'结论' if zh else 'Verdict'}: {e.verdict_text}",
    ]
    if e.score is not None:
        out.append(
            f"  {'得分' if zh else 'Score'}: {e.score} / {'合格线' if zh else 'pass mark'} {e.pass_mark}"
        )
    if e.indicators:
        out.append(f"  {'评分指标' if zh else 'Indicators'}:")
        for ind in e.indicators:
            nxt = ""
            if ind.next_bracket:
                nxt = f"，下一档 {ind.next_bracket}" if zh else f", next bracket {ind.next_bracket}"
            out.append(
                f"    {ind.points}/{ind.max}  {ind.label}"
                + (
                    f"（{'实际' if zh else 'observed'} {ind.observed}{nxt}）"
                    if ind.observed
                    else ""
                )
            )
    out.append(f"  {'条件' if zh else 'Conditions'}:")
    for c in e.conditions:
        detail = ""
        if c.required:
            detail = f"（{'要求' if zh else 'required'} {c.required}，{'实际' if zh else 'observed'} {c.observed}）"
        elif c.observed:
            detail = f"（{'实际' if zh else 'observed'} {c.observed}）"
        out.append(f"    {'  ' * c.depth}{c.mark} {c.label}{detail}")
    if e.path:
        out.append(f"  {'达标路径(最少改动)' if zh else 'Path to pass (fewest changes)'}:")
        out.extend(f"    • {step}" for step in e.path)
    if e.missing:
        out.append(f"  {'缺失数据' if zh else 'Missing data'}: {', '.join(e.missing)}")
    out.extend(f"  ⚠ {w}" for w in e.warnings)
    return "\n".join(out)


def _depths(cond: Condition, depth: int = 0) -> dict[str, int]:
    out = {cond.meta.id: depth}
    for child in getattr(cond, "children", ()):
        out.update(_depths(child, depth + 1))
    return out
