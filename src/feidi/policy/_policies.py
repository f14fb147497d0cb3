"""The shipped policies: ``data/*.yaml``, each a rulebook of the ladder's format read by the
ladder's loader, plus a ``policies:`` section the engine does not read (which tier is which
policy, its benefit in words, how its amount is computed, English citation, local or not).

A rulebook is one policy document; a document with several policies (the three 专精特新
titles, two local rewards) has one tier per policy. The title policies ``extends`` the ladder's
own rulebook (read from ``feidi/rules/rulebooks``), so the rules exist once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from feidi.rules import (
    Rulebook,
    RulebookError,
    RulebookSource,
    load_rulebook_source,
    rulebook_source,
)

__all__ = [
    "CLAIMS",
    "Amount",
    "Bilingual",
    "Claim",
    "Policy",
    "load_policies",
    "policies_from_source",
    "policy_by_id",
    "shipped_sources",
]

Bilingual = tuple[str, str]
_MEASURES = "_measures"

#: How a firm gets the benefit: ``automatic`` — granted without applying (免申即享: the
#: authority pushes it to the firms its data find eligible); ``self_declared`` — the firm
#: claims it itself when it files (自行判别、申报享受: no approval, e.g. at the tax return);
#: ``apply`` — the firm applies and the authority decides (the default).
Claim = Literal["automatic", "self_declared", "apply"]
CLAIMS: dict[Claim, Bilingual] = {
    "automatic": ("免申即享", "granted without applying"),
    "self_declared": ("自行申报享受", "claimed by the firm when it files"),
    "apply": ("申请审批", "by application"),
}


@dataclass(frozen=True, slots=True)
class Amount:
    """How a policy's benefit is priced for one firm, in 万元: ``fixed`` (a reward cap), or
    ``times`` × a value — a year field of 上年度 (``field``, ``year`` offset) or a rulebook
    input (``input``) — never below 0. ``name`` says what the number is."""

    name: Bilingual
    times: float = 1.0
    fixed: float | None = None
    field: str | None = None
    year: int = 0
    input: str | None = None

    @property
    def source(self) -> str | None:
        """The column the amount reads (None for a fixed amount)."""
        return self.field or self.input


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy: what it is, where it is written, when it is in force, what it gives, and
    the rulebook (``source``, ``digest``) whose tier ``tier`` is its condition."""

    id: str
    name: Bilingual
    document: str
    article: Bilingual
    issuer: str
    effective_from: date
    effective_to: date | None
    benefit: Bilingual
    amount: Amount | None
    local: bool
    #: 行政区划代码 prefix the policy applies in (local policies), else None.
    region: str | None
    tier: str
    source: RulebookSource
    #: The rulebook read from ``source`` (kept: a source's digest hashes all its texts).
    rulebook: Rulebook = dataclasses.field(repr=False, compare=False)
    dates_confirmed: bool = True
    #: How the benefit is obtained (:data:`CLAIMS`): the YAML entry's ``claim``, else apply.
    claim: Claim = "apply"

    @property
    def digest(self) -> str:
        """The rulebook version the policy was read from (what a stored result names)."""
        return self.source.digest

    def in_force(self, as_of: date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_to is None or as_of <= self.effective_to
        )


def _text(name: str) -> str:
    return resources.files("feidi.policy").joinpath("data", name).read_text("utf-8")


def _files() -> list[str]:
    folder = resources.files("feidi.policy").joinpath("data")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))


def _yaml(text: str, where: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulebookError(f"{where}: 不是有效的 YAML / not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RulebookError(f"{where}: 顶层应为映射 / expected a mapping at the top")
    return raw


def source_of(text: str, where: str) -> RulebookSource:
    """A policy rulebook's texts: its own YAML, the ladder rulebooks it ``extends`` (from
    ``feidi/rules/rulebooks``) and the shared measures."""
    raw = _yaml(text, where)
    root = str(raw.get("id") or where)
    parent = raw.get("extends")
    if parent:
        documents = dict(rulebook_source(str(parent)).documents)
    else:
        measures = resources.files("feidi.rules").joinpath("rulebooks", "_measures.yaml")
        documents = {_MEASURES: measures.read_text("utf-8")}
    documents[root] = text
    return RulebookSource(root=root, documents=documents)


@cache
def shipped_sources() -> tuple[RulebookSource, ...]:
    """The texts of every shipped policy rulebook."""
    return tuple(source_of(_text(name), name) for name in _files())


def _pair(d: Any, ctx: str) -> Bilingual:
    if not isinstance(d, Mapping) or not d.get("zh") or not d.get("en"):
        raise RulebookError(f"{ctx}: 需要 zh 与 en / needs zh and en")
    return str(d["zh"]), str(d["en"])


def _amount(d: Any, ctx: str) -> Amount | None:
    if d is None:
        return None
    if not isinstance(d, Mapping):
        raise RulebookError(f"{ctx}: 应为映射 / must be a mapping")
    given = [k for k in ("fixed", "field", "input") if d.get(k) is not None]
    if len(given) != 1:
        raise RulebookError(
            f"{ctx}: fixed、field、input 三者给一个 / give one of fixed, field or input"
        )
    try:
        return Amount(
            name=_pair(d, ctx),
            times=float(d.get("times", 1.0)),
            fixed=float(d["fixed"]) if d.get("fixed") is not None else None,
            field=str(d["field"]) if d.get("field") else None,
            year=int(d.get("year", 0)),
            input=str(d["input"]) if d.get("input") else None,
        )
    except (TypeError, ValueError) as exc:
        raise RulebookError(f"{ctx}: {exc}") from None


def claim_of(value: Any, ctx: str) -> Claim:
    """A ``claim:`` value checked (absent: ``apply``)."""
    if value is None:
        return "apply"
    if not (isinstance(value, str) and value in CLAIMS):
        raise RulebookError(
            f"{ctx}: claim 应为 {'、'.join(CLAIMS)} 之一 / claim must be one of {', '.join(CLAIMS)}"
        )
    return value  # type: ignore[no-any-return]


def policies_from_source(source: RulebookSource, *, local: bool | None = None) -> list[Policy]:
    """The policies a rulebook source declares under ``policies:``, checked against its
    tiers. ``local`` overrides the file's flag (an authored policy is always local)."""
    book = load_rulebook_source(source)
    where = book.source_file
    raw = _yaml(source.documents[source.root], where)
    entries = raw.get("policies")
    if not isinstance(entries, list) or not entries:
        raise RulebookError(f"{where}: 缺少 policies 段 / no `policies:` section")
    out = []
    for i, entry in enumerate(entries):
        ctx = f"{where}: policies[{i}]"
        if not isinstance(entry, Mapping) or not entry.get("id") or not entry.get("tier"):
            raise RulebookError(f"{ctx}: 需要 id 与 tier / needs id and tier")
        tier_id = str(entry["tier"])
        if tier_id not in book.tiers:
            raise RulebookError(f"{ctx}: 没有规则 {tier_id!r} / no tier {tier_id!r}")
        tier = book.tiers[tier_id]
        if not entry.get("article_en"):
            raise RulebookError(f"{ctx}: 缺 article_en / no article_en")
        region = entry.get("region")
        out.append(
            Policy(
                id=str(entry["id"]),
                name=(
                    str(entry.get("name") or tier.name),
                    str(entry.get("name_en") or tier.name_en),
                ),
                document=book.document,
                article=(tier.article, str(entry["article_en"])),
                issuer=book.issuer,
                effective_from=book.effective_from,
                effective_to=book.effective_to,
                benefit=_pair(entry.get("benefit"), f"{ctx}.benefit"),
                amount=_amount(entry.get("amount"), f"{ctx}.amount"),
                local=bool(entry.get("local", False)) if local is None else local,
                region=str(region) if region else None,
                tier=tier_id,
                source=source,
                rulebook=book,
                dates_confirmed=book.dates_confirmed,
                claim=claim_of(entry.get("claim"), f"{ctx}.claim"),
            )
        )
    return out


@cache
def _shipped() -> tuple[Policy, ...]:
    out: list[Policy] = []
    for source in shipped_sources():
        out.extend(policies_from_source(source))
    ids = [p.id for p in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RulebookError(f"政策编号重复 / policy ids used twice: {dupes}")
    # national first, local (the example) last; within each, by file
    return tuple(sorted(out, key=lambda p: p.local))


def load_policies(as_of: date | None = None) -> tuple[Policy, ...]:
    """The shipped policies (national ones and the demo province's example), those in force
    on ``as_of`` when it is given.

    >>> from datetime import date
    >>> [p.id for p in load_policies(date(2026, 6, 30))][:4]
    ['high-tech-rate', 'rd-super-deduction', 'small-low-profit', 'title-innovative-2026']
    """
    return tuple(p for p in _shipped() if as_of is None or p.in_force(as_of))


def policy_by_id(policy_id: str, policies: Sequence[Policy] | None = None) -> Policy:
    """The policy of that id (among ``policies``, default every shipped one)."""
    for p in policies if policies is not None else _shipped():
        if p.id == policy_id:
            return p
    raise KeyError(policy_id)
