"""Words for results, added at the edge and keyed by rule id (简体中文 first, English).

A record (one firm × tier, see ``RECORD_SCHEMA``) holds ids and numbers only; this module
turns it into what an officer reads:

    专精特新中小企业: 56 分, 差 4 分 — 研发费用总额或占比 3.2% → 4% 可 +2 分; ISO9001 认证 可 +3 分
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from feidi.rules._model import (
    AllOf,
    AnyOf,
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
from feidi.schema import FIELDS_BY_NAME, Field

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


Toward = Literal["down", "up"] | None

#: How an English page writes each unit a measure may carry (万元 is converted, see _num).
_UNIT_EN = {"%": "%", "年": " years", "人": " people", "分": " points", "项": "", "级": ""}


def _article(text: str, lang: Lang) -> str:
    """Where a rule is written: the Chinese citation, or for English its annex ("附件1 创新型
    中小企业评价标准" → "Annex 1"); the document's own name is given beside it."""
    if lang == "zh":
        return text
    m = re.match(r"附件\s*(\d+)", text)
    return f"Annex {m.group(1)}" if m else ""


def number_text(v: float, toward: Toward = None, places: int = 2) -> str:
    """A figure as Feidi writes it everywhere (explanations, pages, exports): ``v`` with
    thousands separators and at most ``places`` decimals, trailing zeros dropped. ``toward`` rounds down or up instead of to the nearest: a value that fails a
    threshold must never print as the threshold (79.99996% is "79.99%" against ≥ 80%, not
    "80%"), and an amount still needed never prints as 0."""
    q = 10**places
    scaled = round(v * q, 6)  # 2.33 * 100 is 232.99999999999997: not a reason to floor
    if toward == "down":
        scaled = math.floor(scaled)
    elif toward == "up":
        scaled = math.ceil(scaled)
    else:
        scaled = round(scaled)
    x = scaled / q
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.{places}f}".rstrip("0").rstrip(".")


def _num(v: float | None, unit: str = "", lang: Lang = "zh", toward: Toward = None) -> str:
    """A number with its unit as a reader of ``lang`` writes it: 3.2%, 120 万元 / CNY 1.2 m,
    第 3 名 / No. 3, 5 年 / 5 years."""
    if v is None:
        return "—"
    if math.isinf(v):
        if unit in ("名", "强"):
            return "无" if lang == "zh" else "none"
        return "∞"
    if lang == "zh":
        text = number_text(v, toward)
        if unit == "%":
            return f"{text}%"
        if unit == "名":
            return f"第 {text} 名"
        if unit == "强":
            return f"{text} 强"
        return f"{text} {unit}" if unit else text
    if unit == "万元":
        yuan = v * 10_000
        if abs(yuan) >= 1_000_000:
            return f"CNY {number_text(yuan / 1_000_000, toward)} m"
        return f"CNY {number_text(yuan, toward, 0)}"
    if unit in ("名", "强"):
        return f"No. {number_text(v, toward)}" if unit == "名" else f"top {number_text(v, toward)}"
    if unit == "人" and v == 1:
        return "1 person"
    return number_text(v, toward) + _UNIT_EN.get(unit, "")


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


def format_value(
    book: Rulebook, measure: str | None, value: float | None, lang: Lang, toward: Toward = None
) -> str:
    """A measure's value as a person reads it: 3.2%, 是/否, 省级, 1,200 万元 / CNY 12 m."""
    if value is None or not measure or measure.startswith("score:"):
        return _num(value, "分" if measure and value is not None else "", lang, toward)
    m: Measure | None = book.measures.get(measure)
    if m is None:
        return _num(value, lang=lang, toward=toward)
    if m.kind == "ordinal":
        key = m.order[int(value)] if 0 <= int(value) < len(m.order) else str(value)
        return _enum_label(book, m.args[0], key, lang)
    if _is_yes_no(book, measure):
        return ("是" if value >= 1 else "否") if lang == "zh" else ("yes" if value >= 1 else "no")
    return _num(value, m.unit, lang, toward)


def _is_yes_no(book: Rulebook, measure: str | None) -> bool:
    m = book.measures.get(measure or "")
    return m is not None and (
        m.kind in ("title", "any_of", "present") or (m.kind == "field" and _is_bool(m.args[0]))
    )


def _is_bool(field: str) -> bool:
    f = FIELDS_BY_NAME.get(field)
    return f is not None and f.kind == "bool"


def _field(book: Rulebook, name: str) -> Field | None:
    """A canonical input field or one the rulebook adds (a province's own)."""
    for f in book.inputs:
        if isinstance(f, Field) and f.name == name:
            return f
    return FIELDS_BY_NAME.get(name)


def _enum_label(book: Rulebook, field: str, key: str, lang: Lang) -> str:
    f = _field(book, field)
    return f.value_label(key, lang) if f is not None else key.replace("_", " ")


def input_label(book: Rulebook, item: str, lang: Lang) -> str:
    """A missing input as the reader finds it in the sheet: ``rd_expense@2025`` →
    研发费用（2025年）/ R&D expense (2025)."""
    name, _, year = item.partition("@")
    f = _field(book, name)
    label = f.label(lang) if f is not None else name.replace("_", " ")
    if year:
        return f"{label}（{year}年）" if lang == "zh" else f"{label} ({year})"
    return label


def _title(tier: Tier, lang: Lang) -> str:
    return tier.name if lang == "zh" else tier.name_en


#: A failing value is shown rounded away from the threshold it misses.
_AWAY = {"at_least": "down", "greater_than": "down", "at_most": "up", "less_than": "up"}


def _away(op: str | None) -> Toward:
    return _AWAY.get(op or "")  # type: ignore[return-value]


def merged_path(path: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The steps of a path as changes a firm makes: one per measure and direction.

    A path meets each failing indicator and condition; two of them may ask for the same
    change (the R&D share as an indicator's next bracket and as a requirement), or one may
    ask for more of what another asks (R&D ≥ 500 万元 for points, ≥ 100 万元 to qualify).
    The stricter step does both; its points are kept and the other step is dropped.
    """
    kept: list[dict[str, Any]] = []
    for step in path:
        op = step["op"]
        up = op in ("at_least", "greater_than")
        down = op in ("at_most", "less_than")
        twin = next(
            (
                k
                for k in kept
                if (up or down)
                and k["measure"] == step["measure"]
                and (k["op"] in ("at_least", "greater_than")) == up
                and (k["op"] in ("at_most", "less_than")) == down
            ),
            None,
        )
        if twin is None:
            kept.append(dict(step))
            continue
        stricter = (
            (step["required"] > twin["required"]) if up else (step["required"] < twin["required"])
        )
        gain = (twin["gain"] or 0) + (step["gain"] or 0)
        if stricter:
            twin.update({k: step[k] for k in ("id", "op", "required", "amount", "amount_field")})
        twin["gain"] = gain or twin["gain"]
    return kept


def step_text(book: Rulebook, step: Mapping[str, Any], names: dict[str, Meta], lang: Lang) -> str:
    """One change of a path: "研发费用占比 3.2% → ≥4% 可 +2 分（需增加研发费用 40 万元）"."""
    zh = lang == "zh"
    meta = names.get(step["id"])
    m = book.measures.get(step["measure"] or "")
    label = measure_name(book, step["measure"], lang) or (
        (meta.name if zh else meta.name_en) if meta else ""
    )
    op = step["op"]
    now = format_value(book, step["measure"], step["observed"], lang, _away(op))
    if op == "in" or _is_yes_no(book, step["measure"]):
        target = format_value(book, step["measure"], step["required"], lang)
        change = f"{label}：{now} → {target}" if zh else f"{label}: {now} → {target}"
    else:
        want = format_value(book, step["measure"], step["required"], lang)
        change = (
            f"{label} {now} → {_OP.get(op or '', '')}{want}"
            if step["observed"] is not None
            else f"{label} {_OP.get(op or '', '')} {want}"
        )
    if step["gain"]:
        change += f" 可 +{_num(step['gain'])} 分" if zh else f": +{_num(step['gain'])} points"
    # the amount says which input to change by how much; for a measure that is the input
    # itself (years in the niche, IP count) it would repeat the change
    if step["amount"] is not None and step["amount_field"] and m is not None and m.kind != "field":
        name, _, year = step["amount_field"].partition("@")
        spec = _field(book, name)
        fname = spec.label(lang) if spec else name.replace("_", " ")
        up = op in ("at_least", "greater_than")
        unit = (
            "万元"
            if spec and spec.kind == "money"
            else ("人" if spec and spec.kind == "count" else "")
        )
        amount = _num(max(step["amount"], 0.01), unit, lang, "up")
        if zh:
            when = f"{year}年" if year else ""
            change += f"（需{'增加' if up else '减少'}{when}{fname} {amount}）"
        else:
            when = f" in {year}" if year else ""
            change += f" ({'add' if up else 'cut'} {amount} of {fname}{when})"
    return change


def direct_routes(book: Rulebook, tier: Tier, record: Mapping[str, Any], lang: Lang) -> list[str]:
    """The routes other than the score that a passing firm met: the passing leaves of the
    any-of that offers the score as one way in (直通条件)."""
    verdicts = {c["id"]: c["verdict"] for c in record["conditions"] or ()}

    def has_score(node: Condition) -> bool:
        return any(isinstance(n, ScoreAtLeast) for n in walk(node))

    routes: list[str] = []
    for node in walk(tier.requires):
        if not isinstance(node, AnyOf) or not has_score(node):
            continue
        for child in node.children:
            if has_score(child) or verdicts.get(child.meta.id) != "pass":
                continue
            leaves: list[Condition] = [
                n
                for n in walk(child)
                if not isinstance(n, AllOf | AnyOf) and verdicts.get(n.meta.id) == "pass"
            ]
            for leaf in leaves or [child]:
                label = leaf.meta.name if lang == "zh" else leaf.meta.name_en
                if not label and isinstance(leaf, Compare | InSet):
                    label = measure_name(book, leaf.measure, lang)
                routes.append(label)
    return routes


def score_gap(record: Mapping[str, Any]) -> float | None:
    """差 N 分: how many points a scored record lacks of its pass mark; None when the score is
    unknown or reaches the mark (a firm that passes by a direct route has no gap either). The
    one definition: explanations say it, the platform stores and filters by it.

    >>> score_gap({"verdict": "fail", "score": 56.0, "pass_mark": 60.0})
    4.0
    >>> score_gap({"verdict": "pass", "score": 50.0, "pass_mark": 60.0}) is None
    True
    """
    score, mark = record.get("score"), record.get("pass_mark")
    if record.get("verdict") == "pass" or score is None or mark is None or score >= mark:
        return None
    return round(float(mark) - float(score), 6)


def summary_line(book: Rulebook, record: Mapping[str, Any], lang: Lang = "zh") -> str:
    """One line per firm × tier, as in the issue's example."""
    tier = book.tiers[record["tier"]]
    names = _index(tier)
    zh = lang == "zh"
    verdict = record["verdict"]
    parts = [f"{_title(tier, lang)}: {_VERDICT[lang][verdict]}"]
    score, mark = record["score"], record["pass_mark"]
    # a pass the score alone does not explain came by a direct route: name it
    lowest = record.get("score_min")  # the score, or the least it can be with data missing
    by_score = lowest is not None and mark is not None and lowest >= mark
    routes = direct_routes(book, tier, record, lang) if verdict == "pass" and not by_score else []
    if routes:
        # passed without the score: say how, and never how far the score is from the mark
        parts[0] += (
            ("（直通：" + "；".join(routes) + "）")
            if zh
            else f" (direct route: {'; '.join(routes)})"
        )
    if score is not None and mark is not None:
        points = f"{_num(score)} 分" if zh else f"{_num(score)} points"
        gap = score_gap(record)
        if gap is not None:
            points += f", 差 {_num(gap)} 分" if zh else f", {_num(gap)} short"
        parts.append(("评价得分 " if zh and routes else "") + points)
    elif record["score_min"] is not None:
        lo, hi = _num(record["score_min"]), _num(record["score_max"])
        parts.append(f"{lo}–{hi} 分" if zh else f"{lo}–{hi} points")
    # a group minimum can fail a firm whose total reaches the pass mark: say which
    if tier.scorecard and verdict != "pass":
        nodes = _nodes(tier)
        for cond in record["conditions"]:
            node = nodes.get(cond["id"])
            if (
                isinstance(node, ScoreAtLeast)
                and node.group != "total"
                and cond["verdict"] == "fail"
            ):
                gmeta = tier.scorecard.groups[node.group][0]
                label = gmeta.name if zh else gmeta.name_en
                got = _num(cond["observed"], toward="down")
                parts.append(
                    f"{label} {got} 分 < {_num(node.value)}"
                    if zh
                    else f"{label} {got} < {_num(node.value)}"
                )
    line = ", ".join(parts)
    if record["path"]:
        steps = merged_path(record["path"])
        line += " — " + "; ".join(step_text(book, s, names, lang) for s in steps)
    if record["missing"]:
        items = ", ".join(input_label(book, m, lang) for m in record["missing"])
        line += f" [缺: {items}]" if zh else f" [missing: {items}]"
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
    ('unknown (data missing)', ('Revenue',))
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
        below = ind["required"] is not None  # a next bracket exists: the value is short of it
        obs = (
            format_value(book, measure, ind["observed"], lang, "down" if below else None)
            if measure
            else ""
        )
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
            req = ("、" if zh else ", ").join(
                _enum_label(book, book.measures[node.measure].args[0], v, lang) for v in node.values
            )
            obs = format_value(book, measure, cond["observed"], lang)
        elif op and _is_yes_no(book, measure):
            obs = format_value(book, measure, cond["observed"], lang)
        elif op:
            req = f"{_OP[op]} {format_value(book, measure, cond['required'], lang)}"
            toward = _away(op) if cond["verdict"] == "fail" else None
            obs = format_value(book, measure, cond["observed"], lang, toward)
        conditions.append(
            ConditionLine(
                cond["id"],
                label or _group_label(node, lang),
                cond["verdict"],
                _MARK[cond["verdict"]],
                depth.get(cond["id"], 0),
                req,
                obs,
            )
        )
    return Explanation(
        title=_title(tier, lang),
        source=", ".join(p for p in (book.name_en, _article(tier.article, lang)) if p)
        if not zh
        else f"{book.name}，{tier.article}",
        verdict=record["verdict"],
        verdict_text=_VERDICT[lang][record["verdict"]],
        score=score,
        pass_mark=mark,
        indicators=tuple(indicators),
        conditions=tuple(conditions),
        path=tuple(step_text(book, s, names, lang) for s in merged_path(record["path"] or ())),
        missing=tuple(input_label(book, m, lang) for m in record["missing"] or ()),
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


def _group_label(node: Condition | None, lang: Lang) -> str:
    """What an unnamed group of conditions asks (the tree's root is usually one)."""
    if isinstance(node, AnyOf):
        return "满足以下任一项" if lang == "zh" else "Any one of the following"
    return "同时满足以下各项" if lang == "zh" else "All of the following"


def _depths(cond: Condition, depth: int = 0) -> dict[str, int]:
    out = {cond.meta.id: depth}
    for child in getattr(cond, "children", ()):
        out.update(_depths(child, depth + 1))
    return out
