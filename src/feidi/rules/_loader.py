"""Read rulebook files (YAML) into the model, resolving ``extends`` and checking them.

A provincial rulebook states only what its document changes: it ``extends`` a national one
and either redefines a tier whole (a tier with ``requires``), or patches it (``replace``:
condition nodes by id; ``replace_indicators``: scorecard indicators by id).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import yaml

from feidi.rules._model import (
    AllOf,
    AnyOf,
    BestOf,
    Brackets,
    Compare,
    Condition,
    Indicator,
    InSet,
    Items,
    Measure,
    MeasureKind,
    Meta,
    Op,
    Options,
    Rulebook,
    ScoreAtLeast,
    Scorecard,
    Scoring,
    SumOf,
    Tier,
    Value,
    scoring_parts,
    walk,
)
from feidi.schema import Field

__all__ = [
    "RulebookError",
    "RulebookSource",
    "available_rulebooks",
    "load_rulebook",
    "load_rulebook_source",
    "rulebook_source",
    "shipped_inputs",
]

_OPS: tuple[Op, ...] = ("at_least", "at_most", "greater_than", "less_than")
_MEASURE_KINDS: tuple[str, ...] = get_args(MeasureKind)  # one list: the model's


class RulebookError(ValueError):
    """A rulebook file that cannot be used, with the file and the place in it."""


#: The shared measure vocabulary's key in a :class:`RulebookSource`.
MEASURES = "_measures"


@dataclass(frozen=True)
class RulebookSource:
    """Everything a rulebook is made of, as text: its own YAML, every rulebook it ``extends``
    (keyed by the reference used to reach it) and the shared measure vocabulary.

    Self-contained: :func:`load_rulebook_source` needs nothing else, so a stored source
    grades and explains exactly as it did when it was stored, whatever the shipped files
    say today, and a rulebook can be authored as data (a policy written in the platform).
    ``digest`` names the version: the same texts give the same digest.

    Examples
    --------
    >>> src = rulebook_source("guangdong-2024")
    >>> sorted(src.documents), src.root
    (['_measures', 'guangdong-2024', 'miit-2022'], 'guangdong-2024')
    >>> load_rulebook_source(src).tiers["specialized"].pass_mark
    70.0
    >>> len(src.digest), src.digest == rulebook_source("guangdong-2024").digest
    (64, True)
    """

    root: str
    documents: Mapping[str, str]

    @property
    def digest(self) -> str:
        canonical = json.dumps(
            {"root": self.root, "documents": dict(self.documents)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "documents": dict(self.documents)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RulebookSource:
        return cls(root=str(data["root"]), documents=dict(data["documents"]))


def _package_dir() -> Path:
    return Path(str(resources.files("feidi.rules").joinpath("rulebooks")))


def available_rulebooks() -> list[str]:
    """Ids of the rulebooks shipped with Feidi."""
    return sorted(p.stem for p in _package_dir().glob("*.yaml") if not p.stem.startswith("_"))


def _file_of(ref: str) -> Path:
    """The file a reference names: a shipped rulebook id (``miit-2022``) or a path."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    path = _package_dir() / f"{ref}.yaml"
    if not path.exists():
        known = ", ".join(available_rulebooks())
        raise RulebookError(
            f"未知规则集 {ref!r}，可用：{known} / unknown rulebook {ref!r}; known: {known}"
        )
    return path


def rulebook_source(ref: str) -> RulebookSource:
    """The texts a shipped rulebook (by id) or a rulebook file (by path) is made of, as
    they are now: the file, the ``extends`` chain, and the shared measures."""
    documents: dict[str, str] = {MEASURES: (_package_dir() / "_measures.yaml").read_text("utf-8")}
    reference: str | None = ref
    while reference is not None:
        if reference in documents:
            raise RulebookError(f"{reference}: `extends` goes round in a circle")
        text = _file_of(reference).read_text("utf-8")
        documents[reference] = text
        parent = _yaml(text, reference).get("extends")
        reference = str(parent) if parent else None
    return RulebookSource(root=ref, documents=documents)


@cache
def shipped_inputs() -> tuple[Field, ...]:
    """The input fields the shipped rulebooks add to the canonical ones (a province's own:
    山东 ``sd_key_industry`` …), each once — what a store of firms should keep and a form
    should offer so that every shipped rulebook can grade.

    >>> [f.name for f in shipped_inputs()][:2]
    ['sd_key_industry', 'sd_innovation_items']
    """
    found: dict[str, Field] = {}
    for ref in available_rulebooks():
        for f in load_rulebook(ref).inputs:
            assert isinstance(f, Field)
            if f.name in found and found[f.name] != f:
                raise RulebookError(f"{ref}: input {f.name!r} is declared differently elsewhere")
            found.setdefault(f.name, f)
    return tuple(found.values())


@cache
def load_rulebook(ref: str) -> Rulebook:
    """Load a shipped rulebook by id (``miit-2022``) or any rulebook file by path."""
    return load_rulebook_source(rulebook_source(ref))


def load_rulebook_source(source: RulebookSource) -> Rulebook:
    """A rulebook from its texts (a stored version, or one authored as data)."""
    return _load_source(source.digest, source)


_LOADED: dict[str, Rulebook] = {}


def _load_source(digest: str, source: RulebookSource) -> Rulebook:
    # by digest: versions are immutable, so a stored version is parsed once per process
    if digest not in _LOADED:
        if MEASURES not in source.documents:
            raise RulebookError("the rulebook source has no shared measures (_measures)")
        shared = dict(_yaml(source.documents[MEASURES], "_measures.yaml").get("measures") or {})
        _LOADED[digest] = _parse(source, source.root, shared, digest)
    return _LOADED[digest]


def _yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulebookError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulebookError(f"{where}: expected a mapping at the top")
    return data


def _parse(source: RulebookSource, ref: str, shared: dict[str, Any], digest: str) -> Rulebook:
    if ref not in source.documents:
        raise RulebookError(f"the rulebook source has no document {ref!r}")
    where = Path(ref).name if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml"
    raw = _yaml(source.documents[ref], where)
    base = _parse(source, str(raw["extends"]), shared, digest) if raw.get("extends") else None
    measures = dict(base.measures) if base else _parse_measures(shared, "_measures.yaml")
    measures.update(_parse_measures(raw.get("measures", {}), where))
    inputs = tuple(base.inputs if base else ()) + tuple(
        _parse_input(d, f"{where}: inputs[{i}]") for i, d in enumerate(raw.get("inputs", []))
    )
    tiers = dict(base.tiers) if base else {}
    for tier_id, spec in (raw.get("tiers") or {}).items():
        ctx = f"{where}: tiers.{tier_id}"
        if "requires" in spec:
            tiers[tier_id] = _parse_tier(tier_id, spec, ctx)
        elif tier_id in tiers:
            tiers[tier_id] = _patch_tier(tiers[tier_id], spec, ctx)
        else:
            raise RulebookError(f"{ctx}: a new tier needs `requires`")
    try:
        book = Rulebook(
            id=str(raw["id"]),
            name=str(raw["name"]),
            name_en=str(raw.get("name_en", "")),
            document=str(raw["document"]),
            issuer=str(raw.get("issuer", "")),
            effective_from=_date(raw["effective_from"], f"{where}: effective_from"),
            effective_to=_date(raw["effective_to"], f"{where}: effective_to")
            if raw.get("effective_to")
            else None,
            tiers=tiers,
            measures=measures,
            inputs=inputs,
            extends=raw.get("extends"),
            dates_confirmed=bool(raw.get("dates_confirmed", True)),
            source_file=where,
            digest=digest,
        )
    except KeyError as exc:
        raise RulebookError(f"{where}: missing key {exc}") from exc
    _check(book, where)
    return book


def _date(value: Any, ctx: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RulebookError(f"{ctx}: not a date: {value!r}") from exc


def _parse_measures(spec: dict[str, Any], where: str) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for mid, d in spec.items():
        kinds = [k for k in _MEASURE_KINDS if k in d]
        if len(kinds) != 1:
            raise RulebookError(f"{where}: measures.{mid}: give exactly one of {_MEASURE_KINDS}")
        kind = kinds[0]
        arg = d[kind]
        args = tuple(arg) if isinstance(arg, list) else (str(arg),)
        out[mid] = Measure(
            id=mid,
            kind=kind,  # type: ignore[arg-type]
            args=args,
            name=str(d.get("name", mid)),
            name_en=str(d.get("name_en", mid)),
            unit=str(d.get("unit", "")),
            year=int(d.get("year", 0)),
            years=int(d.get("years", 1)),
            order=tuple(d.get("order", ())),
            actionable=bool(d.get("actionable", True)),
        )
    return out


def _parse_input(d: dict[str, Any], ctx: str) -> Field:
    try:
        values = {str(k): tuple(v or ()) for k, v in (d.get("values") or {}).items()}
        return Field(
            name=str(d["name"]),
            zh=str(d["zh"]),
            kind=d["kind"],
            scope="firm",
            values=values,
            min=d.get("min"),
            max=d.get("max"),
            en=str(d.get("en", "")),
            aliases=tuple(d.get("aliases", ())),
            labels_en={str(k): str(v) for k, v in (d.get("labels_en") or {}).items()},
        )
    except KeyError as exc:
        raise RulebookError(f"{ctx}: missing key {exc}") from exc


def _meta(d: dict[str, Any], default_id: str) -> Meta:
    return Meta(
        id=str(d.get("id", default_id)),
        name=str(d.get("name", "")),
        name_en=str(d.get("name_en", "")),
        article=str(d.get("article", "")),
    )


def _parse_condition(d: Any, default_id: str, ctx: str) -> Condition:
    if not isinstance(d, dict):
        raise RulebookError(f"{ctx}: a condition must be a mapping, got {d!r}")
    meta = _meta(d, default_id)
    for key, cls in (("all", AllOf), ("any", AnyOf)):
        if key in d:
            kids = tuple(
                _parse_condition(c, f"{meta.id}_{i + 1}", f"{ctx}.{key}[{i}]")
                for i, c in enumerate(d[key])
            )
            return cls(meta, kids)
    if "score" in d:
        return ScoreAtLeast(meta, str(d["score"]), float(d["at_least"]))
    if "measure" not in d:
        raise RulebookError(f"{ctx}: expected all / any / score / measure in {d!r}")
    m = str(d["measure"])
    if "in" in d:
        return InSet(meta, m, tuple(str(v) for v in d["in"]))
    if "is" in d:
        op: Op = "at_least" if d["is"] else "at_most"
        return Compare(meta, m, op, 1.0 if d["is"] else 0.0)
    ops = [o for o in _OPS if o in d]
    if len(ops) != 1:
        raise RulebookError(f"{ctx}: give one of {_OPS}, `is` or `in` for measure {m}")
    return Compare(meta, m, ops[0], float(d[ops[0]]), band=bool(d.get("band", False)))


def _parse_scoring(d: dict[str, Any], iid: str, ctx: str) -> Scoring:
    if "brackets" in d:
        edges = tuple((float(e), float(p)) for e, p in d["brackets"])
        return Brackets(
            str(d["measure"]),
            edges,
            float(d.get("otherwise", 0)),
            bool(d.get("lower_is_better", False)),
        )
    if "options" in d:
        opts = tuple(
            (
                float(o["points"]),
                _parse_condition(o["when"], f"{iid}_option{i + 1}", f"{ctx}.options[{i}]"),
            )
            for i, o in enumerate(d["options"])
        )
        return Options(opts, float(d.get("otherwise", 0)))
    if "items" in d:
        items = tuple(
            (
                float(o["points"]),
                _parse_condition(o["when"], f"{iid}_item{i + 1}", f"{ctx}.items[{i}]"),
            )
            for i, o in enumerate(d["items"])
        )
        return Items(items, float(d["cap"]))
    if d.get("value") is True:
        return Value(str(d["measure"]))
    if "best_of" in d:
        return BestOf(
            tuple(
                _parse_scoring(p, f"{iid}_part{i + 1}", f"{ctx}.best_of[{i}]")
                for i, p in enumerate(d["best_of"])
            )
        )
    if "sum_of" in d:
        return SumOf(
            tuple(_parse_indicator(p, f"{ctx}.sum_of[{i}]") for i, p in enumerate(d["sum_of"]))
        )
    raise RulebookError(f"{ctx}: expected brackets / options / items / value / best_of / sum_of")


def _scoring_max(s: Scoring) -> float:
    if isinstance(s, Brackets):
        return max([p for _, p in s.edges] + [s.otherwise])
    if isinstance(s, Options):
        return max([p for p, _ in s.options] + [s.otherwise])
    if isinstance(s, Items):
        return min(s.cap, sum(p for p, _ in s.items))
    if isinstance(s, BestOf):
        return max(_scoring_max(p) for p in s.parts)
    if isinstance(s, SumOf):
        return sum(p.max for p in s.parts)
    return math.inf  # Value: the rulebook must say


def _scoring_min(s: Scoring) -> float:
    if isinstance(s, Brackets):
        return min([p for _, p in s.edges] + [s.otherwise])
    if isinstance(s, Options):
        return min([p for p, _ in s.options] + [s.otherwise])
    if isinstance(s, BestOf):
        return max(_scoring_min(p) for p in s.parts)
    if isinstance(s, SumOf):
        return sum(p.min for p in s.parts)
    return 0.0


def _parse_indicator(d: dict[str, Any], ctx: str) -> Indicator:
    if "id" not in d:
        raise RulebookError(f"{ctx}: an indicator needs an id")
    meta = _meta(d, str(d["id"]))
    scoring = _parse_scoring(d, meta.id, f"{ctx}({meta.id})")
    top = float(d["max"]) if "max" in d else _scoring_max(scoring)
    if math.isinf(top):
        raise RulebookError(f"{ctx}({meta.id}): a `value` indicator needs `max`")
    return Indicator(meta, scoring, max=top, min=_scoring_min(scoring))


def _parse_tier(tier_id: str, spec: dict[str, Any], ctx: str) -> Tier:
    scorecard = None
    if "scorecard" in spec:
        sc = spec["scorecard"]
        indicators = tuple(
            _parse_indicator(d, f"{ctx}.scorecard.indicators[{i}]")
            for i, d in enumerate(sc["indicators"])
        )
        groups = {
            gid: (_meta({**g, "id": gid}, gid), tuple(g["indicators"]))
            for gid, g in (sc.get("groups") or {}).items()
        }
        scorecard = Scorecard(indicators, groups)
    return Tier(
        id=tier_id,
        name=str(spec.get("name", tier_id)),
        name_en=str(spec.get("name_en", tier_id)),
        article=str(spec.get("article", "")),
        requires=_parse_condition(spec["requires"], "requires", f"{ctx}.requires"),
        scorecard=scorecard,
    )


def _replace_node(cond: Condition, node_id: str, new: Condition) -> tuple[Condition, bool]:
    if cond.meta.id == node_id:
        return new, True
    if isinstance(cond, AllOf | AnyOf):
        kids, found = [], False
        for child in cond.children:
            c, f = _replace_node(child, node_id, new)
            kids.append(c)
            found = found or f
        return dataclasses.replace(cond, children=tuple(kids)), found
    return cond, False


def _patch_tier(tier: Tier, spec: dict[str, Any], ctx: str) -> Tier:
    requires = tier.requires
    for node_id, d in (spec.get("replace") or {}).items():
        new = _parse_condition(d, node_id, f"{ctx}.replace.{node_id}")
        requires, found = _replace_node(requires, node_id, new)
        if not found:
            raise RulebookError(f"{ctx}.replace: no condition {node_id!r} in the inherited tier")
    scorecard = tier.scorecard
    for ind_id, d in (spec.get("replace_indicators") or {}).items():
        if scorecard is None:
            raise RulebookError(f"{ctx}.replace_indicators: the inherited tier has no scorecard")
        new_ind = _parse_indicator(d, f"{ctx}.replace_indicators.{ind_id}")
        ids = [i.meta.id for i in scorecard.indicators]
        if ind_id not in ids:
            raise RulebookError(f"{ctx}.replace_indicators: no indicator {ind_id!r}")
        inds = tuple(new_ind if i.meta.id == ind_id else i for i in scorecard.indicators)
        scorecard = dataclasses.replace(scorecard, indicators=inds)
    return dataclasses.replace(
        tier,
        requires=requires,
        scorecard=scorecard,
        name=str(spec.get("name", tier.name)),
        article=str(spec.get("article", tier.article)),
    )


def _check(book: Rulebook, where: str) -> None:
    """Refuse a rulebook the engine would evaluate wrongly (unknown names, unordered brackets)."""

    def need_measure(mid: str, ctx: str) -> None:
        if mid not in book.measures:
            raise RulebookError(f"{where}: {ctx}: unknown measure {mid!r}")

    def check_cond(c: Condition, tier: Tier, ctx: str) -> None:
        for node in walk(c):
            if isinstance(node, Compare):
                need_measure(node.measure, ctx)
            elif isinstance(node, InSet):
                need_measure(node.measure, ctx)
                order = book.measures[node.measure].order
                bad = [v for v in node.values if v not in order]
                if bad:
                    raise RulebookError(f"{where}: {ctx}: {bad} not values of {node.measure}")
            elif isinstance(node, ScoreAtLeast):
                groups = tier.scorecard.groups if tier.scorecard else {}
                if tier.scorecard is None or (node.group != "total" and node.group not in groups):
                    raise RulebookError(f"{where}: {ctx}: no score group {node.group!r}")

    def check_scoring(s: Scoring, tier: Tier, ctx: str) -> None:
        if isinstance(s, Brackets):
            need_measure(s.measure, ctx)
            edges = [e for e, _ in s.edges]
            points = [p for _, p in s.edges]
            want = sorted(edges) if s.lower_is_better else sorted(edges, reverse=True)
            if edges != want or points != sorted(points, reverse=True) or s.otherwise > points[-1]:
                raise RulebookError(f"{where}: {ctx}: brackets must be listed best first")
        elif isinstance(s, Options | Items):
            pts = [p for p, _ in (s.options if isinstance(s, Options) else s.items)]
            if isinstance(s, Options) and (
                pts != sorted(pts, reverse=True) or s.otherwise > pts[-1]
            ):
                raise RulebookError(f"{where}: {ctx}: options must be listed best first")
            for _, cond in s.options if isinstance(s, Options) else s.items:
                check_cond(cond, tier, ctx)
        elif isinstance(s, Value):
            need_measure(s.measure, ctx)
        elif isinstance(s, BestOf):
            for p in s.parts:
                check_scoring(p, tier, ctx)
        elif isinstance(s, SumOf):
            for ind in s.parts:
                check_scoring(ind.scoring, tier, f"{ctx}.{ind.meta.id}")

    for tier in book.tiers.values():
        ctx = f"tier {tier.id}"
        ids = [n.meta.id for n in walk(tier.requires)]
        if tier.scorecard:
            for ind in tier.scorecard.indicators:
                for part in scoring_parts(ind):
                    ids.append(part.meta.id)
                check_scoring(ind.scoring, tier, f"{ctx}.{ind.meta.id}")
            known = {i.meta.id for i in tier.scorecard.indicators}
            for gid, (_, members) in tier.scorecard.groups.items():
                if not set(members) <= known:
                    raise RulebookError(f"{where}: {ctx}: group {gid} names unknown indicators")
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise RulebookError(f"{where}: {ctx}: ids used twice: {dupes}")
        check_cond(tier.requires, tier, ctx)
