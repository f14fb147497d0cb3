"""A local policy authored by staff as data (a dict a form fills in), checked against the
variable catalogue before it becomes a rulebook, and a preview of how many firms it reaches.

The spec (every text a user sees in both languages)::

    id: changshu-little-giant-2026          # lower-case letters, digits, "-"
    name / name_en, document, article / article_en, issuer
    effective_from: 2026-01-01               # effective_to: a date or None
    region: "320581"                         # optional: 行政区划代码 prefix it applies in
    benefit: {zh: ..., en: ...}
    amount: {fixed: 50, zh: ..., en: ...}    # optional; or {field: rd_expense, times: 0.1, ...}
    claim: apply                             # optional: automatic (免申即享) / self_declared / apply
    requires: a condition tree of the ladder's rulebook format: all / any, or a leaf
              {measure: <catalogue measure> | field: <registry field>, at_least / at_most /
               greater_than / less_than: number | is: true/false | in: [values]}, each node
              with name and name_en

It becomes a rulebook with one tier, ``eligible`` (and, with ``region``, the condition
"registered in the region" in front), read by the ladder's loader like the shipped ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from feidi.policy._eligibility import VERDICTS, Verdict, grade
from feidi.policy._policies import CLAIMS, Bilingual, Policy, policies_from_source, source_of
from feidi.reference import division
from feidi.rules import FirmData, RulebookError
from feidi.schema import FIELDS, Field

__all__ = [
    "PolicySpecError",
    "catalogue_measures",
    "load_policy_spec",
    "policy_problems",
    "preview",
]

_OPS = ("at_least", "at_most", "greater_than", "less_than")
_NUMERIC_KINDS = ("money", "count", "number", "rank")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_TEXTS = ("name", "name_en", "document", "article", "article_en", "issuer")
_TIER = "eligible"
_REGION_INPUT = {
    "name": "in_policy_region",
    "zh": "注册地在政策适用地区",
    "en": "Registered in the policy's region",
    "kind": "bool",
}


class PolicySpecError(ValueError):
    """An authored policy that cannot be used; ``problems`` lists why, (中文, English)."""

    def __init__(self, problems: list[Bilingual]) -> None:
        super().__init__("; ".join(f"{zh} / {en}" for zh, en in problems))
        self.problems = problems


@cache
def catalogue_measures() -> dict[str, dict[str, Any]]:
    """The shared measures an authored condition may name (``_measures.yaml``)."""
    text = resources.files("feidi.rules").joinpath("rulebooks", "_measures.yaml")
    raw: Any = yaml.safe_load(text.read_text("utf-8"))
    return {str(k): dict(v) for k, v in (raw.get("measures") or {}).items()}


def _fields() -> dict[str, Field]:
    return {f.name: f for f in FIELDS if f.scope in ("year", "firm")}


def _field_kind(name: str) -> str | None:
    f = _fields().get(name)
    return f.kind if f is not None else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _node_problems(node: Any, where: str, out: list[Bilingual]) -> None:
    if not isinstance(node, Mapping):
        out.append((f"{where}：条件应为映射", f"{where}: a condition must be a mapping"))
        return
    if not node.get("name") or not node.get("name_en"):
        out.append(
            (f"{where}：条件缺少中文或英文名称", f"{where}: the condition needs name and name_en")
        )
    groups = [k for k in ("all", "any") if k in node]
    if groups:
        kids = node[groups[0]]
        if len(groups) > 1 or not isinstance(kids, list) or not kids:
            out.append(
                (
                    f"{where}：all / any 应为一个非空列表",
                    f"{where}: all / any must be one non-empty list",
                )
            )
            return
        for i, kid in enumerate(kids):
            _node_problems(kid, f"{where}.{groups[0]}[{i}]", out)
        return
    target = [k for k in ("measure", "field") if k in node]
    if len(target) != 1:
        out.append(
            (
                f"{where}：条件应给出 measure 或 field 之一（或 all / any）",
                f"{where}: a condition names one measure or field (or is all / any)",
            )
        )
        return
    ops = [k for k in (*_OPS, "is", "in") if k in node]
    known = {"id", "name", "name_en", "article", "measure", "field", *_OPS, "is", "in"}
    for key in sorted(set(node) - known):
        out.append(
            (f"{where}：未知的键或运算符 {key!r}", f"{where}: unknown key or operator {key!r}")
        )
    if len(ops) != 1:
        out.append(
            (
                f"{where}：应给出且只给出一个运算符（{'、'.join((*_OPS, 'is', 'in'))}）",
                f"{where}: give exactly one operator ({', '.join((*_OPS, 'is', 'in'))})",
            )
        )
        return
    op = ops[0]
    value = node[op]
    if target[0] == "measure":
        m = str(node["measure"])
        spec = catalogue_measures().get(m)
        if spec is None:
            out.append((f"{where}：未知的指标 {m!r}", f"{where}: unknown measure {m!r}"))
            return
        order = tuple(str(v) for v in spec.get("order", ()))
    else:
        f = str(node["field"])
        kind = _field_kind(f)
        if kind is None or kind not in (*_NUMERIC_KINDS, "bool"):
            out.append(
                (
                    f"{where}：未知的或不可比较的字段 {f!r}",
                    f"{where}: unknown field, or not a number or yes / no: {f!r}",
                )
            )
            return
        order = ()
        if (kind == "bool") != (op == "is"):
            out.append(
                (
                    f"{where}：是/否字段用 is，数值字段用比较运算符",
                    f"{where}: a yes / no field takes `is`, a number a comparison",
                )
            )
            return
    if op == "is" and not isinstance(value, bool):
        out.append((f"{where}：is 应为 true 或 false", f"{where}: `is` takes true or false"))
    elif op == "in":
        if not order:
            out.append((f"{where}：in 只用于分类指标", f"{where}: `in` is for a category measure"))
        elif not isinstance(value, list) or not value or any(str(v) not in order for v in value):
            out.append(
                (
                    f"{where}：in 的取值应在 {list(order)} 之中",
                    f"{where}: the values of `in` must be among {list(order)}",
                )
            )
    elif op in _OPS and (isinstance(value, bool) or not isinstance(value, int | float)):
        out.append((f"{where}：{op} 需要一个数值", f"{where}: {op} takes a number"))


def policy_problems(spec: Any) -> list[Bilingual]:
    """Everything wrong with an authored local policy, as (中文, English) pairs; empty when
    it can be loaded (:func:`load_policy_spec`).

    >>> policy_problems({"id": "x"})[0]
    ('缺少 name', 'name is missing')
    """
    out = _static_problems(spec)
    if not out:
        try:
            load_policy_spec(spec)
        except RulebookError as exc:
            out.append((f"规则无法读取：{exc}", f"the rules cannot be read: {exc}"))
    return out


def _static_problems(spec: Any) -> list[Bilingual]:
    """What :func:`policy_problems` finds before loading the rulebook made from ``spec``."""
    if not isinstance(spec, Mapping):
        return [("政策应为映射", "a policy must be a mapping")]
    out: list[Bilingual] = []
    for key in _TEXTS:
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            out.append((f"缺少 {key}", f"{key} is missing"))
    if not isinstance(spec.get("id"), str) or not _ID.match(spec["id"]):
        out.append(
            (
                "编号 id 应为 2–63 个小写字母、数字或连字符",
                "id must be 2–63 lower-case letters, digits or hyphens",
            )
        )
    start = _date(spec.get("effective_from"))
    if start is None:
        out.append(("生效日期 effective_from 应为 YYYY-MM-DD", "effective_from must be YYYY-MM-DD"))
    end = None
    if spec.get("effective_to") is not None:
        end = _date(spec["effective_to"])
        if end is None:
            out.append(("失效日期 effective_to 应为 YYYY-MM-DD", "effective_to must be YYYY-MM-DD"))
    if start and end and end < start:
        out.append(("失效日期早于生效日期", "effective_to is before effective_from"))
    region = spec.get("region")
    if region is not None and not re.fullmatch(r"\d{2,6}", str(region)):
        out.append(
            ("适用地区 region 应为 2–6 位行政区划代码", "region must be a 2–6 digit division code")
        )
    benefit = spec.get("benefit")
    if not isinstance(benefit, Mapping) or not benefit.get("zh") or not benefit.get("en"):
        out.append(("优惠内容 benefit 需要中文与英文", "benefit needs zh and en"))
    amount = spec.get("amount")
    if amount is not None:
        out.extend(_amount_problems(amount))
    claim = spec.get("claim")
    if claim is not None and not (isinstance(claim, str) and claim in CLAIMS):
        out.append(
            (
                f"享受方式 claim 应为 {'、'.join(CLAIMS)} 之一",
                f"claim must be one of {', '.join(CLAIMS)}",
            )
        )
    if "requires" not in spec:
        out.append(("缺少条件 requires", "requires is missing"))
    else:
        _node_problems(spec["requires"], "requires", out)
    return out


def _amount_problems(amount: Any) -> list[Bilingual]:
    if not isinstance(amount, Mapping):
        return [("金额 amount 应为映射", "amount must be a mapping")]
    out: list[Bilingual] = []
    if not amount.get("zh") or not amount.get("en"):
        out.append(("金额 amount 需要中文与英文名称", "amount needs zh and en"))
    given = [k for k in ("fixed", "field") if amount.get(k) is not None]
    if len(given) != 1:
        out.append(("金额给出 fixed 或 field 之一", "amount gives one of fixed or field"))
    elif given == ["field"] and _field_kind(str(amount["field"])) != "money":
        out.append(
            (
                f"金额字段 {amount['field']!r} 不是金额",
                f"amount field {amount['field']!r} is not money",
            )
        )
    for key in ("fixed", "times"):
        v = amount.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
            out.append((f"金额 {key} 应为非负数", f"amount {key} must be a non-negative number"))
    return out


def _condition(node: Mapping[str, Any], measures: dict[str, Any]) -> dict[str, Any]:
    """The node in the rulebook format: a ``field`` becomes a measure of its own."""
    out = {k: v for k, v in node.items() if k not in ("all", "any", "field")}
    for group in ("all", "any"):
        if group in node:
            out[group] = [_condition(kid, measures) for kid in node[group]]
    if "field" in node:
        f = _fields()[str(node["field"])]
        mid = f"field_{f.name}"
        spec: dict[str, Any] = {"field": f.name, "name": f.zh, "name_en": f.en}
        if f.kind == "money":
            spec["unit"] = "万元"
        if f.scope == "year":
            spec |= {"year": 0, "name": f"上年度{f.zh}", "name_en": f"{f.en}, last year"}
        measures[mid] = spec
        out["measure"] = mid
    return out


def _area(region: str) -> str:
    """The prefix a region covers, as the registry reads division codes: a city's 320500 is
    its counties 3205xx, a province's 320000 is 32xxxx (a bare prefix stays as given).

    >>> _area("320500"), _area("320000"), _area("320581"), _area("3205")
    ('3205', '32', '320581', '3205')
    """
    if len(region) == 6 and region.endswith("0000"):
        return region[:2]
    if len(region) == 6 and region.endswith("00"):
        return region[:4]
    return region


def _place(area: str) -> str:
    """A region's name as 统计用区划代码 gives it (常熟市), with the code for the unlisted."""
    found = division(area.ljust(6, "0"))
    return f"{found.name}（{area}）" if found else f"行政区划代码 {area}"


def load_policy_spec(spec: Mapping[str, Any]) -> Policy:
    """A checked authored policy as a :class:`Policy` (``local``), its rulebook made from it.

    Raises :class:`PolicySpecError` with the problems when :func:`policy_problems` finds any.
    """
    problems = _static_problems(spec)
    if problems:
        raise PolicySpecError(problems)
    measures: dict[str, Any] = {}
    requires = _condition(spec["requires"], measures)
    region = _area(str(spec["region"])) if spec.get("region") is not None else None
    inputs = []
    if region is not None:
        inputs.append(dict(_REGION_INPUT))
        measures["in_policy_region"] = {
            "any_of": ["in_policy_region"],
            "name": "注册地在政策适用地区",
            "name_en": "Registered in the policy's region",
        }
        requires = {
            "id": "scope",
            "name": "同时满足以下各项",
            "name_en": "All of the following",
            "all": [
                {
                    "id": "region",
                    "name": f"注册地在{_place(region)}",
                    "name_en": f"Registered in {_place(region)}",
                    "measure": "in_policy_region",
                    "is": True,
                },
                requires,
            ],
        }
    start = _date(spec["effective_from"])
    end = _date(spec["effective_to"]) if spec.get("effective_to") is not None else None
    book: dict[str, Any] = {
        "id": spec["id"],
        "name": spec["name"],
        "name_en": spec["name_en"],
        "document": spec["document"],
        "issuer": spec["issuer"],
        "effective_from": start.isoformat() if start else None,
        "effective_to": end.isoformat() if end else None,
        "inputs": inputs,
        "measures": measures,
        "tiers": {
            _TIER: {
                "name": spec["name"],
                "name_en": spec["name_en"],
                "article": spec["article"],
                "requires": requires,
            }
        },
        "policies": [
            {
                "id": spec["id"],
                "tier": _TIER,
                "local": True,
                "region": region,
                "article_en": spec["article_en"],
                "benefit": dict(spec["benefit"]),
                "claim": str(spec.get("claim") or "apply"),
                **({"amount": dict(spec["amount"])} if spec.get("amount") is not None else {}),
            }
        ],
    }
    text = yaml.safe_dump(book, allow_unicode=True, sort_keys=False)
    (policy,) = policies_from_source(source_of(text, str(spec["id"])), local=True)
    return policy


def preview(spec: Mapping[str, Any], data: FirmData, as_of: date) -> dict[Verdict, int]:
    """How many firms of ``data`` a draft policy would reach on ``as_of``: eligible,
    not_eligible, unknown. Raises :class:`PolicySpecError` for a spec with problems."""
    problems = policy_problems(spec)
    if problems:
        raise PolicySpecError(problems)
    policy = load_policy_spec(spec)
    rows, _ = grade(data, policy, as_of)
    counts = dict.fromkeys(VERDICTS, 0)
    for verdict, n in rows.group_by("verdict").len().iter_rows():
        counts[verdict] = n
    return counts
