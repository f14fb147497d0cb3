"""Every firm × every policy: eligible / not eligible / unknown, the benefit priced where the
inputs allow, and one firm's trace and path to eligibility in words.

Each policy is its rulebook's tier graded by :func:`feidi.rules.evaluate`, so a verdict, its
missing inputs, its condition trace and its path ("what would make me eligible") are the
ladder's own. Two inputs are worked out here when the file does not give them: whether the
firm's registered industry is excluded from the R&D super deduction (GB/T 4754-2017 division)
and whether it is registered in a local policy's region (行政区划代码 prefix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import polars as pl

from feidi.dates import fiscal_year
from feidi.policy._policies import Bilingual, Policy, load_policies
from feidi.rules import ConditionLine, FirmData, evaluate, explain
from feidi.rules._wording import input_label

__all__ = [
    "EXCLUDED_DIVISIONS",
    "VERDICTS",
    "Eligibility",
    "PolicyExplanation",
    "Verdict",
    "eligibility",
    "missing_words",
    "prepared",
]

Verdict = Literal["eligible", "not_eligible", "unknown"]
#: The engine's verdict → the policy's, with its words.
_VERDICT: dict[str, Verdict] = {"pass": "eligible", "fail": "not_eligible", "unknown": "unknown"}
VERDICTS: dict[Verdict, Bilingual] = {
    "eligible": ("符合", "eligible"),
    "not_eligible": ("不符合", "not eligible"),
    "unknown": ("待定（缺数据）", "unknown (data missing)"),
}
#: GB/T 4754-2017 divisions excluded from the R&D super deduction (财税〔2015〕119号):
#: 烟草制品业; 批发和零售业; 住宿和餐饮业; 房地产业; 租赁和商务服务业; 娱乐业.
EXCLUDED_DIVISIONS: frozenset[str] = frozenset(
    {"16", "51", "52", "61", "62", "70", "71", "72", "90"}
)
_INDUSTRY_EXCLUDED = "rd_industry_excluded"
_IN_REGION = "in_policy_region"
#: A worked-out input that is missing is named by the registry field it is worked out from.
_FROM = {_INDUSTRY_EXCLUDED: "industry_code", _IN_REGION: "region_code"}

VERDICT_SCHEMA: dict[str, pl.DataType] = {
    "credit_code": pl.String(),
    "name": pl.String(),
    "policy": pl.String(),
    "verdict": pl.String(),
    "missing": pl.List(pl.String()),
    "benefit_amount": pl.Float64(),
}


@dataclass(frozen=True)
class _Frames:
    """Firms and financials shaped like ``feidi.io.Dataset`` (what ``evaluate`` reads)."""

    firms: pl.DataFrame
    financials: pl.DataFrame


def _input_names(policy: Policy) -> set[str]:
    return {str(getattr(f, "name", "")) for f in policy.rulebook.inputs}


def _division(code: pl.Expr) -> pl.Expr:
    """The GB/T 4754 division (2 digits) of an industry code: ``C3841`` → ``38``."""
    return code.str.replace(r"^[A-Za-z]", "").str.slice(0, 2)


def prepared(data: FirmData, policy: Policy) -> FirmData:
    """``data`` with the inputs worked out here that the policy's rulebook declares, where
    the file does not give them (a value in the file wins)."""
    firms = data.firms
    names = _input_names(policy)
    derived: list[pl.Expr] = []
    if _INDUSTRY_EXCLUDED in names:
        code = (
            pl.col("industry_code")
            if "industry_code" in firms.columns
            else pl.lit(None, dtype=pl.String)
        )
        guess = (
            pl.when(code.is_null()).then(None).otherwise(_division(code).is_in(EXCLUDED_DIVISIONS))
        )
        derived.append(_given(firms, _INDUSTRY_EXCLUDED, guess))
    if _IN_REGION in names:
        region = (
            pl.col("region_code")
            if "region_code" in firms.columns
            else pl.lit(None, dtype=pl.String)
        )
        guess = (
            pl.lit(None, dtype=pl.Boolean)
            if policy.region is None
            else pl.when(region.is_null())
            .then(None)
            .otherwise(region.str.starts_with(policy.region))
        )
        derived.append(_given(firms, _IN_REGION, guess))
    if not derived:
        return data
    return _Frames(firms.with_columns(derived), data.financials)


def _given(firms: pl.DataFrame, name: str, guess: pl.Expr) -> pl.Expr:
    if name in firms.columns:
        return pl.col(name).cast(pl.Boolean).fill_null(guess).alias(name)
    return guess.cast(pl.Boolean).alias(name)


def _amounts(data: FirmData, policy: Policy, codes: pl.Series, as_of: date) -> pl.Series:
    """The benefit in 万元 per firm (null where the value it reads is missing)."""
    amount = policy.amount
    n = codes.len()
    if amount is None:
        return pl.Series("benefit_amount", [None] * n, dtype=pl.Float64)
    if amount.fixed is not None:
        return pl.Series("benefit_amount", [amount.fixed] * n, dtype=pl.Float64)
    if amount.field is not None:
        year = fiscal_year(as_of) - amount.year
        fin = data.financials
        values = (
            fin.filter(pl.col("year") == year).select("credit_code", amount.field)
            if amount.field in fin.columns
            else pl.DataFrame(schema={"credit_code": pl.String, amount.field: pl.Float64})
        )
        column = amount.field
    else:
        column = str(amount.input)
        firms = data.firms
        values = (
            firms.select("credit_code", column)
            if column in firms.columns
            else pl.DataFrame(schema={"credit_code": pl.String, column: pl.Float64})
        )
    looked = pl.DataFrame({"credit_code": codes}).join(
        values.unique("credit_code", keep="first"), on="credit_code", how="left"
    )
    value = (looked[column].cast(pl.Float64) * amount.times).clip(lower_bound=0.0)
    return value.round(6).alias("benefit_amount")


@dataclass(frozen=True)
class PolicyExplanation:
    """One firm × one policy in words, every text a (中文, English) pair.

    ``conditions`` are the trace (:class:`feidi.rules.ConditionLine` pairs, root first);
    ``path`` what would make the firm eligible (the engine's path to pass; empty when it is
    eligible, or when nothing it can change would do); ``missing`` the inputs that decide an
    unknown verdict."""

    credit_code: str
    firm_name: str | None
    policy: str
    name: Bilingual
    verdict: Verdict
    verdict_text: Bilingual
    citation: Bilingual
    benefit: Bilingual
    benefit_amount: float | None
    amount_name: Bilingual | None
    conditions: tuple[tuple[ConditionLine, ConditionLine], ...]
    path: tuple[Bilingual, ...]
    missing: tuple[Bilingual, ...]
    warnings: tuple[str, ...]
    local: bool


def missing_words(policy: Policy, missing: Sequence[str]) -> tuple[Bilingual, ...]:
    """Missing inputs as the sheet names them: ``rd_expense@2025`` → 研发费用（2025年）."""
    book = policy.rulebook
    return tuple((input_label(book, m, "zh"), input_label(book, m, "en")) for m in missing)


def citation(policy: Policy) -> Bilingual:
    """Document and article, in both languages."""
    doc, (zh, en) = policy.document, policy.article
    return (
        zh if doc in zh else f"{doc} {zh}".strip(),
        en if doc in en else f"{en} ({doc})",
    )


@dataclass(frozen=True)
class Eligibility:
    """Every firm × policy graded at ``as_of``: ``verdicts`` has one row per firm × policy
    (``credit_code``, ``name``, ``policy``, ``verdict`` eligible / not_eligible / unknown,
    ``missing`` the inputs that decide an unknown, ``benefit_amount`` in 万元 for an
    eligible firm where computable, else null)."""

    as_of: date
    policies: tuple[Policy, ...]
    verdicts: pl.DataFrame
    _records: Mapping[str, pl.DataFrame] = field(repr=False)

    def policy(self, policy_id: str) -> Policy:
        for p in self.policies:
            if p.id == policy_id:
                return p
        raise KeyError(policy_id)

    def counts(self) -> dict[str, dict[Verdict, int]]:
        """Policy id → how many firms are eligible, not eligible, unknown."""
        out = {p.id: dict.fromkeys(VERDICTS, 0) for p in self.policies}
        for pid, verdict, n in self.verdicts.group_by("policy", "verdict").len().iter_rows():
            out[pid][verdict] = n
        return out

    def explain(self, credit_code: str, policy: str) -> PolicyExplanation:
        """One firm's verdict on one policy in words, with the trace and the path."""
        p = self.policy(policy)
        rows = self._records[policy].filter(pl.col("credit_code") == credit_code)
        if rows.height == 0:
            raise KeyError(credit_code)
        record = rows.row(0, named=True)
        row = self.verdicts.filter(
            (pl.col("credit_code") == credit_code) & (pl.col("policy") == policy)
        ).row(0, named=True)
        book = p.rulebook
        record["missing"] = row["missing"]
        zh, en = explain(book, record, "zh"), explain(book, record, "en")
        verdict = _VERDICT[str(record["verdict"])]
        return PolicyExplanation(
            credit_code=credit_code,
            firm_name=record.get("name"),
            policy=p.id,
            name=p.name,
            verdict=verdict,
            verdict_text=VERDICTS[verdict],
            citation=citation(p),
            benefit=p.benefit,
            benefit_amount=row["benefit_amount"],
            amount_name=p.amount.name if p.amount else None,
            conditions=tuple(zip(zh.conditions, en.conditions, strict=True)),
            path=tuple(zip(zh.path, en.path, strict=True)),
            missing=missing_words(p, record["missing"] or ()),
            warnings=tuple(record.get("warnings") or ()),
            local=p.local,
        )


def grade(data: FirmData, policy: Policy, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(verdict rows, the engine's records) of one policy for every firm."""
    records = (
        evaluate(prepared(data, policy), policy.rulebook, as_of, tiers=(policy.tier,))
        .records()
        .collect()
    )
    eligible = pl.col("verdict") == "eligible"
    rows = records.select(
        "credit_code",
        "name",
        pl.lit(policy.id).alias("policy"),
        pl.col("verdict").replace_strict(_VERDICT, return_dtype=pl.String),
        # an eligible firm lacks nothing the policy needs (the engine may still list inputs
        # that would raise a score)
        pl.when(pl.col("verdict") == "pass")
        .then(pl.lit([], dtype=pl.List(pl.String())))
        .otherwise(pl.col("missing").list.eval(pl.element().replace(_FROM)))
        .alias("missing"),
    ).with_columns(_amounts(data, policy, records["credit_code"], as_of))
    rows = rows.with_columns(
        pl.when(eligible).then(pl.col("benefit_amount")).otherwise(None).alias("benefit_amount")
    )
    return rows.select(list(VERDICT_SCHEMA)).cast(dict(VERDICT_SCHEMA.items())), records


def eligibility(
    data: FirmData, *, as_of: date, policies: Sequence[Policy] | None = None
) -> Eligibility:
    """Grade every firm of ``data`` (a :class:`feidi.io.Dataset`) on ``policies`` (default:
    the shipped ones in force on ``as_of``).

    >>> from feidi.demo import DEMO_AS_OF, generate_demo_city
    >>> from feidi.io import dataset_from_frame
    >>> data, _ = dataset_from_frame(generate_demo_city(n_local=20, n_enclave=2).drop("enclave"))
    >>> e = eligibility(data, as_of=DEMO_AS_OF)
    >>> e.verdicts.height == 22 * len(e.policies), e.verdicts.columns[2:4]
    (True, ['policy', 'verdict'])
    """
    chosen = tuple(policies) if policies is not None else load_policies(as_of)
    frames, records = [], {}
    for p in chosen:
        rows, recs = grade(data, p, as_of)
        frames.append(rows)
        records[p.id] = recs
    verdicts = pl.concat(frames) if frames else pl.DataFrame(schema=VERDICT_SCHEMA)
    return Eligibility(as_of, chosen, verdicts, records)
