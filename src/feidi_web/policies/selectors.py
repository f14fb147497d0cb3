"""Reads of the policy channel: the policies covering a user's firms with their counts, one
policy with its conditions in words and its firms by verdict, one firm across its policies
with the trace, and the division's local policies with their versions in words.

Verdicts come from :func:`feidi_web.policies.grading.eligibility_of` (computed, cached);
every text a user sees is picked in the page's language from the core's (中文, English)
pairs, never a raw id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.policy import CLAIMS, VERDICTS, Eligibility, Policy, catalogue_measures
from feidi.policy._eligibility import missing_words
from feidi.rules import ConditionLine, format_value, measure_name
from feidi.schema import FIELDS
from feidi_web.accounts.models import User
from feidi_web.accounts.scope import is_firm_user
from feidi_web.common.lang import core_lang, pick, stored_pair
from feidi_web.enterprises.models import Enterprise
from feidi_web.policies.grading import eligibility_of, policies_for
from feidi_web.policies.models import LocalPolicy, PolicyVersion, VersionStatus
from feidi_web.policies.permissions import authored_policies, firms_for

__all__ = [
    "FirmPolicy",
    "PolicyRow",
    "condition_words",
    "firm_policies",
    "policy_firms",
    "policy_for",
    "policy_rows",
    "spec_words",
]

#: The engine's condition verdicts as the API names them.
STATUS = {"pass": "met", "fail": "unmet", "unknown": "unknown"}
_OP = {"at_least": "≥", "at_most": "≤", "greater_than": ">", "less_than": "<"}


def verdict_text(verdict: str) -> str:
    pair = VERDICTS.get(verdict)  # type: ignore[call-overload]
    return pick(pair) if pair else verdict


def claim_text(claim: str) -> str:
    """How a policy's benefit is obtained, in words (免申即享, …)."""
    pair = CLAIMS.get(claim)  # type: ignore[call-overload]
    return pick(pair) if pair else claim


def citation_of(policy: Policy) -> str:
    doc, (zh, en) = policy.document, policy.article
    return pick((zh if doc in zh else f"{doc} {zh}".strip(), en if doc in en else f"{en} ({doc})"))


def _divisions(user: User, firms: QuerySet[Enterprise]) -> set[str]:
    codes = set(firms.values_list("jurisdiction_code", flat=True).distinct())
    if not is_firm_user(user) and user.division_code:
        codes.add(user.division_code)
    return codes


def scope_policies(user: User, as_of: date) -> list[Policy]:
    """Every policy in force on ``as_of`` covering a division of the user's scope."""
    return [p for p, _area in policies_for(_divisions(user, firms_for(user)), as_of)]


def policy_for(user: User, policy_id: str, as_of: date) -> Policy:
    """A policy covering the user's scope on ``as_of`` (404 otherwise)."""
    for p in scope_policies(user, as_of):
        if p.id == policy_id:
            return p
    raise Http404("policy not found")


# --- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    policy: Policy
    name: str
    issuer: str
    citation: str
    benefit: str
    counts: dict[str, int]
    firms: int
    #: 万元 summed over the eligible firms whose amount is computable (None: no amount).
    total: float | None
    priced: int  # eligible firms whose amount is computable
    bar: list[dict[str, Any]] = field(default_factory=list)


#: A verdict's colour in a bar (Bootstrap's background classes).
BAR_CLASS = {"eligible": "bg-success", "unknown": "bg-warning", "not_eligible": "bg-secondary"}


def bar(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Stacked-bar segments of verdict counts (those with firms), with their share in %."""
    total = sum(counts.values()) or 1
    return [
        {
            "key": v,
            "cls": BAR_CLASS[v],
            "text": verdict_text(v),
            "n": counts.get(v, 0),
            "percent": round(100 * counts.get(v, 0) / total, 1),
        }
        for v in ("eligible", "unknown", "not_eligible")
        if counts.get(v, 0)
    ]


def counts_of(e: Eligibility, policy_id: str) -> tuple[dict[str, int], float | None, int]:
    """(verdict → firms, total 万元 of the eligible where computable, how many computable)."""
    rows = e.verdicts.filter(pl.col("policy") == policy_id)
    counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for verdict, n in rows.group_by("verdict").len().iter_rows():
        counts[verdict] = n
    priced = rows.filter((pl.col("verdict") == "eligible") & pl.col("benefit_amount").is_not_null())
    total = float(priced["benefit_amount"].sum()) if priced.height else None
    return counts, total, priced.height


def policy_rows(user: User, as_of: date) -> tuple[list[PolicyRow], Eligibility]:
    """Every policy covering the user's scope with how many of its firms each reaches."""
    firms = firms_for(user)
    e = eligibility_of(firms, as_of=as_of)
    chosen = {p.id for p in scope_policies(user, as_of)}
    rows = []
    for p in e.policies:
        if p.id not in chosen:
            continue
        counts, total, priced = counts_of(e, p.id)
        rows.append(
            PolicyRow(
                policy=p,
                name=pick(p.name),
                issuer=p.issuer,
                citation=citation_of(p),
                benefit=pick(p.benefit),
                counts=counts,
                firms=sum(counts.values()),
                total=total if p.amount is not None else None,
                priced=priced,
                bar=bar(counts),
            )
        )
    # a policy covering the scope but graded on no firm (no firm of its area yet)
    for p in scope_policies(user, as_of):
        if p.id not in {r.policy.id for r in rows}:
            counts = dict.fromkeys(VERDICTS, 0)
            rows.append(
                PolicyRow(
                    p, pick(p.name), p.issuer, citation_of(p), pick(p.benefit), counts, 0, None, 0
                )
            )
    return rows, e


# --- one policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleLine:
    label: str
    depth: int
    required: str


def _group(node: Any, lang: str) -> str:
    if type(node).__name__ == "AnyOf":
        return "满足以下任一项" if lang == "zh" else "Any one of the following"
    return "同时满足以下各项" if lang == "zh" else "All of the following"


def condition_words(policy: Policy) -> list[RuleLine]:
    """The policy's conditions in words, from its rulebook's tier (no firm's values)."""
    lang = core_lang()
    book = policy.rulebook
    out: list[RuleLine] = []

    def walk(node: Any, depth: int) -> None:
        meta = node.meta
        label = (meta.name if lang == "zh" else meta.name_en) or ""
        kids = getattr(node, "children", None)
        measure = getattr(node, "measure", None)
        required = ""
        if kids is not None:
            label = label or _group(node, lang)
        elif hasattr(node, "values") and measure:
            spec = book.measures[measure]
            arg = spec.args[0] if spec.args else measure
            required = ("、" if lang == "zh" else ", ").join(
                _enum(book, arg, v, lang) for v in node.values
            )
            label = label or measure_name(book, measure, lang)
        elif measure and getattr(node, "op", None):
            label = label or measure_name(book, measure, lang)
            if _yes_no(book, measure):
                required = format_value(book, measure, node.value, lang)
            else:
                required = (
                    f"{_OP.get(node.op, node.op)} {format_value(book, measure, node.value, lang)}"
                )
        elif hasattr(node, "group"):
            label = label or ("评分合格" if lang == "zh" else "Score reaches the pass mark")
            required = f"≥ {format_value(book, None, node.value, lang)}"
        out.append(RuleLine(label, depth, required))
        for kid in kids or ():
            walk(kid, depth + 1)

    walk(book.tiers[policy.tier].requires, 0)
    return out


def _schema_field(book: Any, name: str) -> Any:
    for f in (*book.inputs, *FIELDS):
        if getattr(f, "name", None) == name:
            return f
    return None


def _yes_no(book: Any, measure: str) -> bool:
    """As the engine words it: titles, any-of and present measures and yes/no fields."""
    m = book.measures.get(measure)
    if m is None:
        return False
    if m.kind in ("title", "any_of", "present"):
        return True
    f = _schema_field(book, m.args[0]) if m.kind == "field" and m.args else None
    return f is not None and f.kind == "bool"


def _enum(book: Any, field_name: str, key: str, lang: str) -> str:
    f = _schema_field(book, field_name)
    return str(f.value_label(key, lang)) if f is not None else key.replace("_", " ")


@dataclass(frozen=True)
class FirmVerdict:
    enterprise: Enterprise
    verdict: str
    verdict_text: str
    missing: list[str]
    amount: float | None


def policy_firms(
    user: User, policy: Policy, as_of: date, *, verdict: str = ""
) -> tuple[list[FirmVerdict], dict[str, int], float | None, int]:
    """The scope's firms graded on ``policy`` (only ``verdict`` when given), by name."""
    e = eligibility_of(firms_for(user), as_of=as_of)
    counts, total, priced = counts_of(e, policy.id)
    rows = e.verdicts.filter(pl.col("policy") == policy.id)
    if verdict:
        rows = rows.filter(pl.col("verdict") == verdict)
    facts = {r["credit_code"]: r for r in rows.iter_rows(named=True)}
    firms = firms_for(user).filter(credit_code__in=list(facts)).order_by("name", "id")
    out = []
    for f in firms:
        r = facts[str(f.credit_code)]
        out.append(
            FirmVerdict(
                enterprise=f,
                verdict=r["verdict"],
                verdict_text=verdict_text(r["verdict"]),
                missing=[pick(m) for m in _missing(policy, r["missing"] or [])],
                amount=r["benefit_amount"],
            )
        )
    return out, counts, total, priced


def _missing(policy: Policy, missing: list[str]) -> tuple[tuple[str, str], ...]:
    return missing_words(policy, missing)


# --- one firm ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirmPolicy:
    policy: Policy
    name: str
    verdict: str
    verdict_text: str
    citation: str
    benefit: str
    amount: float | None
    amount_name: str
    conditions: list[ConditionLine]
    path: list[str]
    missing: list[str]
    warnings: list[str]


def firm_policies(user: User, enterprise: Enterprise, as_of: date) -> list[FirmPolicy]:
    """``enterprise`` on every policy covering it: verdict, benefit, trace, path, missing."""
    e = eligibility_of(firms_for(user).filter(pk=enterprise.pk), as_of=as_of)
    code = str(enterprise.credit_code)
    lang = core_lang()
    out = []
    mine = e.verdicts.filter(pl.col("credit_code") == code)["policy"].to_list()
    order = {"eligible": 0, "unknown": 1, "not_eligible": 2}
    for pid in mine:
        x = e.explain(code, pid)
        p = e.policy(pid)
        out.append(
            FirmPolicy(
                policy=p,
                name=pick(x.name),
                verdict=x.verdict,
                verdict_text=pick(x.verdict_text),
                citation=pick(x.citation),
                benefit=pick(x.benefit),
                amount=x.benefit_amount,
                amount_name=pick(x.amount_name) if x.amount_name else "",
                conditions=[zh if lang == "zh" else en for zh, en in x.conditions],
                path=[pick(s) for s in x.path],
                missing=[pick(m) for m in x.missing],
                warnings=[pick(stored_pair(w)) for w in x.warnings],
            )
        )
    out.sort(key=lambda f: (order.get(f.verdict, 3), f.policy.local, f.name))
    return out


def today() -> date:
    return timezone.localdate()


# --- authoring ---------------------------------------------------------------------------------


def local_policies(user: User) -> list[dict[str, Any]]:
    """The division's local policies, each with its versions (newest first) and status."""
    out = []
    for lp in authored_policies(user).prefetch_related("versions"):
        versions = list(lp.versions.all())
        live = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        spec = (live or versions[0]).spec if versions else {}
        out.append(
            {
                "policy": lp,
                "name": pick((str(spec.get("name", "")), str(spec.get("name_en", "")))),
                "versions": versions,
                "published": live,
                "status": [(v, VersionStatus(v.status).label) for v in versions],
            }
        )
    return out


def _field_label(name: str) -> str:
    for f in FIELDS:
        if f.name == name:
            return pick((f.zh, f.en))
    return name


def target_label(node: dict[str, Any]) -> str:
    if "measure" in node:
        spec = catalogue_measures().get(str(node["measure"]))
        if spec:
            return pick((str(spec.get("name", "")), str(spec.get("name_en", ""))))
        return _("(a measure no longer in the catalogue)")
    if "field" in node:
        return _field_label(str(node["field"]))
    return ""


def _leaf_words(node: dict[str, Any]) -> str:
    label = target_label(node)
    for op, sign in _OP.items():
        if op in node:
            return f"{label} {sign} {node[op]}"
    if "is" in node:
        return f"{label}: {_('yes') if node['is'] else _('no')}"
    if "in" in node:
        spec = catalogue_measures().get(str(node.get("measure"))) or {}
        f = next((f for f in FIELDS if f.name == spec.get("ordinal")), None)
        lang = core_lang()
        values = [f.value_label(str(v), lang) if f else str(v) for v in node["in"]]
        return f"{label} ∈ {', '.join(values)}"
    return label


def spec_words(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """An authored spec as (what, value) lines in words: what a version page shows and
    what two versions are compared on."""
    amount = spec.get("amount") or None
    if amount is None:
        amount_text = _("not priced")
    elif amount.get("fixed") is not None:
        amount_text = _("%(n)s (10k CNY), fixed") % {"n": amount["fixed"]}
    else:
        amount_text = _("%(times)s × %(field)s, last year") % {
            "times": amount.get("times", 1),
            "field": _field_label(str(amount.get("field"))),
        }
    if amount is not None:
        amount_text += f" — {pick((str(amount.get('zh', '')), str(amount.get('en', ''))))}"
    requires = spec.get("requires") or {}
    group = "any" if "any" in requires else "all"
    leaves = requires.get(group) or []
    combine = _("all of") if group == "all" else _("any one of")
    benefit = spec.get("benefit") or {}
    return [
        (_("Name"), pick((str(spec.get("name", "")), str(spec.get("name_en", ""))))),
        (_("Document"), str(spec.get("document", ""))),
        (_("Article"), pick((str(spec.get("article", "")), str(spec.get("article_en", ""))))),
        (_("Issuer"), str(spec.get("issuer", ""))),
        (_("In force from"), str(spec.get("effective_from") or "")),
        (_("In force until"), str(spec.get("effective_to") or _("no end date"))),
        (_("Region"), str(spec.get("region") or _("the authoring division"))),
        (_("Benefit"), pick((str(benefit.get("zh", "")), str(benefit.get("en", ""))))),
        (_("How firms get it"), claim_text(str(spec.get("claim") or "apply"))),
        (_("Amount"), amount_text),
        (
            _("Conditions"),
            f"{combine}: " + "; ".join(_leaf_words(n) for n in leaves if isinstance(n, dict)),
        ),
    ]


def version_table(versions: list[PolicyVersion]) -> dict[str, Any]:
    """Versions side by side (oldest first): each line of the spec in words, marking what
    changed from the version before."""
    ordered = sorted(versions, key=lambda v: v.number)
    words = [spec_words(v.spec) for v in ordered]
    lines = []
    for i, (what, _value) in enumerate(words[0] if words else []):
        cells = []
        for j, w in enumerate(words):
            value = w[i][1]
            changed = j > 0 and value != words[j - 1][i][1]
            cells.append({"value": value, "changed": changed})
        lines.append({"what": what, "cells": cells})
    return {"versions": ordered, "lines": lines}


def version_of(policy: LocalPolicy, number: int) -> PolicyVersion:
    try:
        return policy.versions.get(number=number)
    except PolicyVersion.DoesNotExist:
        raise Http404("version not found") from None
