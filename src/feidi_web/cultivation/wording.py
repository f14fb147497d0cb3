"""One firm's diagnosis as the page shows it, in the reader's language: the core's
``Diagnosis.explain`` (every text a (中文, English) pair) with one half picked."""

from __future__ import annotations

from typing import Any

from feidi.diagnosis import Diagnosis, service_by_id
from feidi.rules import ConditionLine
from feidi_web.common.lang import core_lang, pick

_VERDICT = {"met": "pass", "unmet": "fail", "unknown": "unknown"}


def _line(pair: tuple[ConditionLine, ConditionLine]) -> dict[str, Any]:
    c = pair[0] if core_lang() == "zh" else pair[1]
    zh = core_lang() == "zh"
    if c.required:
        detail = (
            f"（要求 {c.required}，实际 {c.observed}）"
            if zh
            else f" (required {c.required}, observed {c.observed})"
        )
    elif c.observed:
        detail = f"（实际 {c.observed}）" if zh else f" (observed {c.observed})"
    else:
        detail = ""
    return {"text": f"{c.mark} {c.label}{detail}", "verdict": c.verdict, "depth": c.depth}


def firm_diagnosis_words(d: Diagnosis, credit_code: str) -> dict[str, Any]:
    """What the firm page lays out (see ``templates/cultivation/firm.html``)."""
    f = d.explain(credit_code)
    recommendations = []
    for r in f.recommendations:
        try:
            s = service_by_id(r.service)
            summary = pick((s.summary, s.summary_en))
        except KeyError:
            summary = ""
        recommendations.append(
            {
                "service": r.service,
                "name": pick(r.name),
                "reason": pick(r.reason),
                "summary": summary,
            }
        )
    return {
        "type_id": f.type,
        "type": pick(f.type_name),
        "why": pick(f.why),
        "missing": [pick(m) for m in f.missing],
        "rules": [
            {
                "name": pick(rule.name),
                "verdict": _VERDICT[rule.status],
                "verdict_text": pick(rule.status_text),
                "evidence": pick(rule.evidence),
                "lines": [_line(pair) for pair in rule.conditions if pair[0].depth > 0]
                or [_line(pair) for pair in rule.conditions],
            }
            for rule in f.rules
        ],
        "flags": [
            {"flag": x.flag, "name": pick(x.name), "status": x.status, "evidence": pick(x.evidence)}
            for x in f.flags
            if x.status != "clear"
        ],
        "chain_position": pick(f.chain_position),
        "ladder": (
            {
                "tier": pick(f.ladder.tier_name),
                "rulebook": pick(f.ladder.rulebook_name),
                "steps": [pick(s) for s in f.ladder.steps],
            }
            if f.ladder
            else None
        ),
        "recommendations": recommendations,
    }
