"""Diagnose every firm: its type, its red flags with evidence, and the services that suit it.

One call, :func:`diagnose`, does it all for a :class:`feidi.io.Dataset`:

1. the diagnosis rulebook (``data/diagnosis.yaml``) is graded by :func:`feidi.rules.evaluate`
   with the inputs the registry lacks filled in (chain nodes from the caller; the debt
   ratio's change from the firm's own two years);
2. the type is the first type rule met in the rulebook's order (先锋, then 落后), else 中间;
   a rule that is unknown before one is met leaves the type undecided, with the types still
   possible and the inputs that would decide it — never a guess;
3. the flags are the rulebook's four rules and the two title flags (``_titles``);
4. the ladder in use (by default the national rulebook in force on the as-of date) grades the
   firm; its next tier's path to pass is its ladder gap;
5. each service of the catalogue adds the points of its clauses that hold (type, raised
   flags, ladder gap, chain position); those reaching the catalogue's ``recommend_from`` are
   recommended, ranked by points then catalogue order, each with the facts as reasons.

The result holds three Polars frames (for pages, counts and files) and, per firm, everything
:meth:`Diagnosis.explain` turns into words on demand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from feidi.dates import fiscal_year
from feidi.diagnosis._catalogue import load_catalogue
from feidi.diagnosis._ladder import (
    Gap,
    gap_of,
    ladder_in_force,
    next_tier,
    review_records,
    review_tiers,
)
from feidi.diagnosis._names import (
    FLAG_STATUS,
    FLAGS,
    RULE_STATUS,
    TYPES,
    UNDECIDED,
    Bilingual,
    FlagResult,
    FlagStatus,
    RuleStatus,
)
from feidi.diagnosis._recommend import Recommendation, chain_words, recommend
from feidi.diagnosis._records import Frames, by_firm, verdicts
from feidi.diagnosis._rules import (
    ENGINE_FLAGS,
    Settings,
    diagnosis_rulebook,
    diagnosis_settings,
    diagnosis_sources,
)
from feidi.diagnosis._titles import (
    TitleFacts,
    lapsing_flag,
    review_due_flag,
    title_facts,
)
from feidi.diagnosis._words import evidence, missing_words
from feidi.rules import (
    ConditionLine,
    FirmData,
    Rulebook,
    evaluate,
    explain,
    load_rulebook,
)
from feidi.schema import TITLE_COLUMNS

__all__ = [
    "FLAG_SCHEMA",
    "RECOMMENDATION_SCHEMA",
    "TYPE_SCHEMA",
    "Diagnosis",
    "FirmDiagnosis",
    "FlagFinding",
    "LadderGap",
    "Recommendation",
    "RuleCheck",
    "diagnose",
]

TYPE_SCHEMA: dict[str, pl.DataType] = {
    "credit_code": pl.String(),
    "type": pl.String(),  # laggard / middle / vanguard; null when undecided
    "decided": pl.Boolean(),
    "possible": pl.List(pl.String()),  # the types still possible (one when decided)
    "missing": pl.List(pl.String()),  # inputs that would decide it (rd_expense@2025 …)
    "why_zh": pl.String(),  # how the type was reached, in words
    "why_en": pl.String(),
    "next_tier": pl.String(),  # the ladder tier the gaps are to (neither held nor passed)
}
FLAG_SCHEMA: dict[str, pl.DataType] = {
    "credit_code": pl.String(),
    "flag": pl.String(),
    "status": pl.String(),  # raised / unknown (a clear flag has no row)
    "evidence_zh": pl.String(),
    "evidence_en": pl.String(),
}
RECOMMENDATION_SCHEMA: dict[str, pl.DataType] = {
    "credit_code": pl.String(),
    "service": pl.String(),
    "rank": pl.Int32(),  # 1 = the best fit
    "points": pl.Int32(),
    "reason_zh": pl.String(),
    "reason_en": pl.String(),
}
#: The caller-filled inputs of the rulebook.
_CHAIN = "chain_nodes"
_DEBT_CHANGE = "debt_ratio_change"


# --- what explain() gives ----------------------------------------------------------------------
@dataclass(frozen=True)
class RuleCheck:
    """One rule of the diagnosis rulebook for one firm: met / unmet / unknown, each condition
    in both languages (``conditions``: (中文, English) :class:`feidi.rules.ConditionLine`
    pairs, root first), the evidence that decided it, and the inputs it lacks."""

    id: str
    name: Bilingual
    status: RuleStatus
    status_text: Bilingual
    source: Bilingual
    conditions: tuple[tuple[ConditionLine, ConditionLine], ...]
    evidence: Bilingual
    missing: tuple[Bilingual, ...]


@dataclass(frozen=True)
class FlagFinding:
    """One red flag for one firm; ``check`` is its rule's trace (None for the title flags,
    which are worked out from grant dates)."""

    flag: str
    name: Bilingual
    status: FlagStatus
    status_text: Bilingual
    evidence: Bilingual
    missing: tuple[Bilingual, ...]
    check: RuleCheck | None


@dataclass(frozen=True)
class LadderGap:
    """The next ladder tier the firm neither holds nor passes, and what it lacks for it."""

    rulebook: str
    rulebook_name: Bilingual
    tier: str
    tier_name: Bilingual
    verdict: str
    steps: tuple[Bilingual, ...]
    missing: tuple[Bilingual, ...]


@dataclass(frozen=True)
class FirmDiagnosis:
    """One firm's diagnosis in words, every text a (中文, English) pair.

    ``type`` is None when undecided; ``possible`` then lists the types still open and
    ``missing`` the inputs that would decide. ``rules`` are the type rules in deciding order
    (the last type, 中间分子, has none: it is what remains); ``why`` says in one line how the
    type was reached. ``flags`` holds every flag (raised, clear or unknown).
    """

    credit_code: str
    name: str | None
    type: str | None
    type_name: Bilingual
    decided: bool
    possible: tuple[str, ...]
    missing: tuple[Bilingual, ...]
    why: Bilingual
    rules: tuple[RuleCheck, ...]
    flags: tuple[FlagFinding, ...]
    chain_nodes: int | None
    chain_position: Bilingual
    ladder: LadderGap | None
    recommendations: tuple[Recommendation, ...]


# --- the result ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Firm:
    """What one firm's words are made of besides the engine's records."""

    code: str
    name: str | None
    type: str | None
    possible: tuple[str, ...]
    missing: tuple[str, ...]
    why: Bilingual
    chain_nodes: int | None
    flags: dict[str, FlagResult]
    debt_inputs: tuple[str, ...]
    gap: Gap | None
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class Diagnosis:
    """Every firm's diagnosis on ``as_of``.

    Frames, firms in input order: ``types`` (credit_code, type — null when undecided —,
    decided, possible, missing, why_zh, why_en, next_tier), ``flags`` (long: credit_code,
    flag, status raised / unknown, evidence_zh, evidence_en; a clear flag has no row) and
    ``recommendations`` (long: credit_code, service, rank, points, reason_zh, reason_en).
    :meth:`explain` gives one firm's diagnosis in words.
    """

    as_of: date
    #: The ladder rulebook whose next tier gives the gaps.
    ladder: str
    types: pl.DataFrame
    flags: pl.DataFrame
    recommendations: pl.DataFrame
    #: The diagnosis rules it was graded with (``rulebook.digest`` names the version).
    rulebook: Rulebook
    _firms: dict[str, _Firm] = field(repr=False)
    _records: pl.DataFrame = field(repr=False)
    _rows: dict[str, list[int]] = field(repr=False)

    def explain(self, credit_code: str) -> FirmDiagnosis:
        """One firm's type with each rule's conditions, its flags with evidence, its ladder
        gap and the recommended services with their reasons — all in both languages."""
        firm = self._firms.get(credit_code)
        if firm is None:
            raise KeyError(f"没有这家企业 / no firm {credit_code!r} in the diagnosis")
        book = self.rulebook
        settings = diagnosis_settings()
        records = {r["tier"]: r for r in self._records[self._rows[credit_code]].to_dicts()}
        _name_inputs(records["rising_debt"], firm.debt_inputs)
        flags = []
        for flag in FLAGS:
            status, words, missing = firm.flags[flag]
            check = _check(book, records[flag]) if flag in ENGINE_FLAGS else None
            flags.append(
                FlagFinding(
                    flag=flag,
                    name=FLAGS[flag],
                    status=status,
                    status_text=FLAG_STATUS[status],
                    evidence=words,
                    missing=_labels(book, missing),
                    check=check,
                )
            )
        gap = firm.gap
        ladder = (
            LadderGap(
                rulebook=gap.book.id,
                rulebook_name=(gap.book.name, gap.book.name_en),
                tier=gap.tier,
                tier_name=gap.tier_name,
                verdict=gap.verdict,
                steps=gap.texts(),
                missing=gap.missing_texts(),
            )
            if gap is not None
            else None
        )
        return FirmDiagnosis(
            credit_code=firm.code,
            name=firm.name,
            type=firm.type,
            type_name=TYPES[firm.type] if firm.type else UNDECIDED,
            decided=firm.type is not None,
            possible=firm.possible,
            missing=_labels(book, firm.missing),
            why=firm.why,
            rules=tuple(_check(book, records[r]) for r in settings.type_rules),
            flags=tuple(flags),
            chain_nodes=firm.chain_nodes,
            chain_position=chain_words(firm.chain_nodes),
            ladder=ladder,
            recommendations=firm.recommendations,
        )


def _labels(book: Rulebook, missing: Sequence[str]) -> tuple[Bilingual, ...]:
    """Missing inputs in words, as the sheet names them (the rulebook knows the registry's
    fields and its own inputs)."""
    return tuple(missing_words(book, [m]) for m in missing)


def _check(book: Rulebook, record: Mapping[str, Any]) -> RuleCheck:
    tier = book.tiers[record["tier"]]
    zh, en = explain(book, record, "zh"), explain(book, record, "en")
    status = _STATUS[str(record["verdict"])]
    return RuleCheck(
        id=tier.id,
        name=(tier.name, tier.name_en),
        status=status,
        status_text=RULE_STATUS[status],
        source=(tier.article, diagnosis_sources()[tier.id]),
        conditions=tuple(zip(zh.conditions, en.conditions, strict=True)),
        evidence=evidence(book, record),
        missing=_labels(book, record["missing"] or ()),
    )


_STATUS: dict[str, RuleStatus] = {"pass": "met", "fail": "unmet", "unknown": "unknown"}
_FLAG: dict[str, FlagStatus] = {"pass": "raised", "fail": "clear", "unknown": "unknown"}


_WHY_WORD: dict[RuleStatus, Bilingual] = {
    "met": ("符合", "met"),
    "unmet": ("不符合", "not met"),
    "unknown": ("待定", "open"),
}


def _why(
    book: Rulebook,
    settings: Settings,
    records: Mapping[str, Mapping[str, Any]],
    firm_type: str | None,
    possible: Sequence[str],
) -> Bilingual:
    """How the type was reached: each type rule up to the deciding one, met / not met /
    open, with the conditions that decided it — "先锋分子：不符合（…）。落后分子：符合（…）。"."""
    zh: list[str] = []
    en: list[str] = []
    for rule in settings.type_rules:
        record = records[rule]
        status = _STATUS[str(record["verdict"])]
        ev_zh, ev_en = evidence(book, record)
        word_zh, word_en = _WHY_WORD[status]
        zh.append(f"{TYPES[rule][0]}：{word_zh}（{ev_zh}）。")
        en.append(f"{TYPES[rule][1]}: {word_en} ({ev_en}).")
        if status == "met":
            break
    if firm_type == settings.decide[-1]:
        zh.append(f"故为{TYPES[firm_type][0]}。")
        en.append(f"So: {TYPES[firm_type][1].lower()}.")
    elif firm_type is None:
        zh.append(f"类型待定，可能是{'或'.join(TYPES[t][0] for t in possible)}。")
        en.append(f"Undecided: {' or '.join(TYPES[t][1].lower() for t in possible)}.")
    return "".join(zh), " ".join(en)


# --- diagnose -----------------------------------------------------------------------------------
def diagnose(
    data: FirmData,
    *,
    as_of: date,
    chain_nodes: Mapping[str, int] | None = None,
    ladder: str | None = None,
) -> Diagnosis:
    """Diagnose every firm of ``data`` (a :class:`feidi.io.Dataset`, or anything with its
    ``firms`` and ``financials`` frames) on ``as_of``.

    Parameters
    ----------
    chain_nodes
        Credit code → how many chain nodes the firm is mounted on at confidence ≥ 0.4
        (``feidi.chains.mount_frame``). ``None``: unknown for every firm, so ``detached`` is
        unknown (and so is 落后分子 where only the chains would decide it); a firm the mapping
        does not name is unknown too.
    ladder
        The ladder rulebook whose next tier gives the gaps and that judges the 复核 of a title
        due; default: the national rulebook in force on ``as_of`` for the gaps, and for a
        复核 the one in force when the title was granted.

    Examples
    --------
    >>> from feidi.demo import DEMO_AS_OF, generate_demo_city
    >>> from feidi.io import dataset_from_frame
    >>> data, _ = dataset_from_frame(generate_demo_city(n_local=20, n_enclave=2).drop("enclave"))
    >>> d = diagnose(data, as_of=DEMO_AS_OF)
    >>> d.types.height, d.ladder, d.types.columns[:4]
    (22, 'miit-2026', ['credit_code', 'type', 'decided', 'possible'])
    """
    book = diagnosis_rulebook()
    settings = diagnosis_settings()
    catalogue = load_catalogue()
    in_use = ladder or ladder_in_force(as_of)
    ladder_book = load_rulebook(in_use)
    firms = data.firms
    codes: list[str] = firms["credit_code"].to_list()
    names: list[str | None] = (
        firms["name"].to_list() if "name" in firms.columns else [None] * len(codes)
    )
    nodes = _chain_nodes(codes, chain_nodes)
    change, debt_inputs = _debt_change(data.financials, codes, as_of)
    prepared = Frames(
        firms.drop([c for c in (_CHAIN, _DEBT_CHANGE) if c in firms.columns]).with_columns(
            pl.Series(_CHAIN, nodes, dtype=pl.Float64),
            pl.Series(_DEBT_CHANGE, change, dtype=pl.Float64),
        ),
        data.financials,
    )
    # The records are laid out once; only those read in words here become Python objects
    # (the type rules, the flags not clear): the rest waits for explain().
    records = evaluate(prepared, book, as_of).records().collect()
    rule_verdicts = verdicts(records)
    worded = by_firm(
        records.filter(
            pl.col("tier").is_in(settings.type_rules)
            | (pl.col("tier").is_in(ENGINE_FLAGS) & (pl.col("verdict") != "fail"))
        )
    )
    title_rows = firms.select(["credit_code", *[c for c in TITLE_COLUMNS if c in firms.columns]])
    titles = {
        row["credit_code"]: title_facts(row, as_of, settings.lapsed_within_days)
        for row in title_rows.iter_rows(named=True)
    }
    # The ladder: every tier graded, the next tier's record read per firm.
    graded = evaluate(data, ladder_book, as_of).records().collect()
    ladder_verdicts = verdicts(graded)
    nexts = {
        code: next_tier(ladder_book, titles[code].highest, {t: v for t, (v, _m) in tiers.items()})
        for code, tiers in ladder_verdicts.items()
    }
    reviews = review_tiers(titles, as_of, settings.review_within_days, ladder, in_use)
    pairs = [(c, t) for c, t in nexts.items() if t is not None]
    pairs += [(c, t) for c, (ref, t) in reviews.items() if ref == in_use]
    ladder_records = by_firm(
        graded.join(
            pl.DataFrame(pairs, schema={"credit_code": pl.String, "tier": pl.String}, orient="row"),
            on=["credit_code", "tier"],
            how="semi",
        )
    )
    under_review = review_records(data, reviews, as_of, in_use, ladder_book, ladder_records)

    out: dict[str, _Firm] = {}
    type_rows: list[dict[str, Any]] = []
    flag_rows: list[dict[str, Any]] = []
    rec_rows: list[dict[str, Any]] = []
    for code, name, n in zip(codes, names, nodes, strict=True):
        mine = worded.get(code, {})
        if "rising_debt" in mine:
            _name_inputs(mine["rising_debt"], debt_inputs.get(code, ()))
        firm_type, possible, missing = _decide(settings, rule_verdicts[code])
        why = _why(book, settings, mine, firm_type, possible)
        flags = _flags(
            book,
            rule_verdicts[code],
            mine,
            titles[code],
            under_review.get(code),
            as_of,
            settings,
        )
        tier = nexts.get(code)
        gap = gap_of(ladder_book, ladder_records[code][tier]) if tier is not None else None
        recommendations = recommend(catalogue, firm_type, flags, gap, n)
        out[code] = _Firm(
            code=code,
            name=name,
            type=firm_type,
            possible=possible,
            missing=missing,
            why=why,
            chain_nodes=None if n is None else int(n),
            flags=flags,
            debt_inputs=debt_inputs.get(code, ()),
            gap=gap,
            recommendations=recommendations,
        )
        type_rows.append(
            {
                "credit_code": code,
                "type": firm_type,
                "decided": firm_type is not None,
                "possible": list(possible),
                "missing": list(missing),
                "why_zh": why[0],
                "why_en": why[1],
                "next_tier": tier,
            }
        )
        for flag in FLAGS:
            status, (zh, en), _missing = flags[flag]
            if status != "clear":
                flag_rows.append(
                    {
                        "credit_code": code,
                        "flag": flag,
                        "status": status,
                        "evidence_zh": zh,
                        "evidence_en": en,
                    }
                )
        for r in recommendations:
            zh, en = r.reason
            rec_rows.append(
                {
                    "credit_code": code,
                    "service": r.service,
                    "rank": r.rank,
                    "points": r.points,
                    "reason_zh": zh,
                    "reason_en": en,
                }
            )
    rows: dict[str, list[int]] = defaultdict(list)
    for i, code in enumerate(records["credit_code"].to_list()):
        rows[code].append(i)
    return Diagnosis(
        as_of=as_of,
        ladder=in_use,
        types=pl.DataFrame(type_rows, schema=TYPE_SCHEMA),
        flags=pl.DataFrame(flag_rows, schema=FLAG_SCHEMA),
        recommendations=pl.DataFrame(rec_rows, schema=RECOMMENDATION_SCHEMA),
        rulebook=book,
        _firms=out,
        _records=records,
        _rows=dict(rows),
    )


def _chain_nodes(codes: Sequence[str], given: Mapping[str, int] | None) -> list[float | None]:
    if given is None:
        return [None] * len(codes)
    out: list[float | None] = []
    for code in codes:
        n = given.get(code)
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
            raise ValueError(
                f"挂接环节数应为非负整数 / chain_nodes[{code!r}] must be a whole number ≥ 0, got {n!r}"
            )
        out.append(None if n is None else float(n))
    return out


def _debt_change(
    financials: pl.DataFrame, codes: Sequence[str], as_of: date
) -> tuple[list[float | None], dict[str, tuple[str, ...]]]:
    """Liabilities / assets of 上年度 minus the year before's, in percentage points (rounded
    to 6 decimals, as the engine rounds derived values), per firm; and, for a firm where it is
    unknown, the inputs that are missing (``total_assets@2024`` …) — what the reader of
    ``rising_debt`` must fill in, rather than the derived input's name."""
    y0 = fiscal_year(as_of)
    wanted = ("total_liabilities", "total_assets")
    ratios: dict[tuple[str, int], float | None] = {}
    present: dict[tuple[str, int], dict[str, Any]] = {}
    if all(c in financials.columns for c in wanted):
        rows = financials.filter(pl.col("year").is_in([y0, y0 - 1])).select(
            "credit_code", "year", *wanted
        )
        for code, year, debt, assets in rows.iter_rows():
            present[(code, year)] = {"total_liabilities": debt, "total_assets": assets}
            ratios[(code, year)] = (
                round(debt / assets * 100, 6)
                if debt is not None and assets is not None and assets > 0
                else None
            )
    change: list[float | None] = []
    missing: dict[str, tuple[str, ...]] = {}
    for code in codes:
        now, before = ratios.get((code, y0)), ratios.get((code, y0 - 1))
        if now is not None and before is not None:
            change.append(round(now - before, 6))
            continue
        change.append(None)
        lack: list[str] = []
        for year in (y0, y0 - 1):
            values = present.get((code, year), {})
            lack.extend(f"{f}@{year}" for f in wanted if values.get(f) is None)
        missing[code] = tuple(lack)
    return change, missing


def _name_inputs(record: dict[str, Any], inputs: Sequence[str]) -> None:
    """``rising_debt``'s missing ``debt_ratio_change`` as the figures it is made of."""
    missing = list(record["missing"] or ())
    if _DEBT_CHANGE in missing and inputs:
        at = missing.index(_DEBT_CHANGE)
        extra = [m for m in inputs if m not in missing]
        record["missing"] = missing[:at] + extra + missing[at + 1 :]


def _decide(
    settings: Settings, graded: Mapping[str, tuple[str, tuple[str, ...]]]
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(type or None, the types still possible, the inputs that would decide): the first
    type rule met decides; an unknown rule before it leaves the type open."""
    possible: list[str] = []
    missing: list[str] = []
    open_rule = False
    for rule in settings.type_rules:
        verdict, lacks = graded[rule]
        if verdict == "fail":
            continue
        possible.append(rule)
        if verdict == "pass":
            break
        open_rule = True
        missing.extend(m for m in lacks if m not in missing)
    else:
        possible.append(settings.decide[-1])
    return (None if open_rule else possible[0]), tuple(possible), tuple(missing)


def _flags(
    book: Rulebook,
    graded: Mapping[str, tuple[str, tuple[str, ...]]],
    records: Mapping[str, dict[str, Any]],
    titles: TitleFacts,
    review: tuple[Rulebook, dict[str, Any]] | None,
    as_of: date,
    settings: Settings,
) -> dict[str, FlagResult]:
    out: dict[str, FlagResult] = {}
    for flag in ENGINE_FLAGS:
        verdict, _missing = graded[flag]
        status = _FLAG[verdict]
        if status == "clear":
            out[flag] = (status, ("", ""), ())
            continue
        record = records[flag]
        out[flag] = (status, evidence(book, record), tuple(record["missing"] or ()))
    out["review_due"] = review_due_flag(titles, as_of, settings.review_within_days)
    out["title_lapsing"] = lapsing_flag(titles, review, as_of, out["review_due"][0])
    return out
