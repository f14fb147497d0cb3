"""The service catalogue (``data/services.yaml``): the seed's instruments and whom each suits.

A service is plain data: names, a summary, the seed's passage it comes from, a typical
duration (each in both languages) and the clauses that say whom it suits — the firm's type,
a raised red flag, a measure its path to the next ladder tier changes, its chain position —
each worth points, with the reason in both languages. :func:`load_services` checks
everything (unknown keys are refused, so a typo is not silently ignored; duplicate ids;
missing English; unknown types, flags, measures and positions) and lists every problem, each
naming the file and the service, in both languages (:class:`CatalogueError`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from feidi.diagnosis._names import FLAGS, TYPES, Bilingual

__all__ = [
    "CHAIN_POSITIONS",
    "SERVICE_IDS",
    "Catalogue",
    "CatalogueError",
    "CatalogueProblem",
    "Clause",
    "Service",
    "load_catalogue",
    "load_services",
    "service_by_id",
]

ClauseKind = Literal["type", "flag", "ladder_gap", "chain"]
_KINDS: tuple[str, ...] = get_args(ClauseKind)
#: A chain clause: mounted on at least one node, or on none.
CHAIN_POSITIONS: dict[str, Bilingual] = {
    "on_chain": ("挂接在产业链上", "on a chain"),
    "off_chain": ("未挂接任何产业链环节", "on no chain node"),
}
#: The shipped catalogue's ids: the platform stores referrals by them.
SERVICE_IDS: tuple[str, ...] = (
    "park_integration",
    "chain_migration",
    "direction_briefing",
    "application_pilot",
    "craftsman_training",
    "consulting_days",
    "talent_pool",
    "proof_of_concept",
    "capital_forum",
    "leading_firm_programme",
)
_FILE = "services.yaml"
_TOP_KEYS = {"recommend_from", "services"}
_SERVICE_KEYS = {
    "id",
    "name",
    "name_en",
    "summary",
    "summary_en",
    "source",
    "source_en",
    "duration",
    "duration_en",
    "only_types",
    "suits",
}
_REQUIRED = ("name", "summary", "source", "duration")
_CLAUSE_KEYS = {*_KINDS, "points", "why", "why_en"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Clause:
    """One fact that makes a service suit a firm, worth ``points``; ``values`` are the
    type, flag or chain position (one) or the measures of a ladder gap (any of them)."""

    kind: ClauseKind
    values: tuple[str, ...]
    points: int
    why: Bilingual

    def text(self, lang: str) -> str:
        """The clause as a reader of ``lang`` reads it in the catalogue."""
        zh = lang == "zh"
        if self.kind == "type":
            fact = TYPES[self.values[0]][0 if zh else 1]
        elif self.kind == "flag":
            fact = FLAGS[self.values[0]][0 if zh else 1]
        elif self.kind == "chain":
            fact = CHAIN_POSITIONS[self.values[0]][0 if zh else 1]
        else:
            names = _measure_names()
            fact = ("梯度差距在" if zh else "a ladder gap in ") + ("、" if zh else ", ").join(
                names.get(m, (m, m))[0 if zh else 1] for m in self.values
            )
        return f"{fact}（{self.why[0]}）" if zh else f"{fact} ({self.why[1]})"


@dataclass(frozen=True, slots=True)
class Service:
    """One instrument of the catalogue."""

    id: str
    name: str
    name_en: str
    summary: str
    summary_en: str
    #: The seed's passage it comes from, e.g. "精准孵化 模式1 做法一（…）".
    source: str
    source_en: str
    #: Typical duration, (中文, English).
    duration: Bilingual
    suits: tuple[Clause, ...]
    #: The types it is ever offered to (empty: any).
    only_types: tuple[str, ...] = ()

    def suits_text(self, lang: str) -> str:
        """Whom it suits, in ``lang``: its clauses with their points."""
        zh = lang == "zh"
        parts = [f"{c.text(lang)} +{c.points}" for c in self.suits]
        text = ("；" if zh else "; ").join(parts)
        if self.only_types:
            names = [TYPES[t][0 if zh else 1] for t in self.only_types]
            text += f"（仅限{'、'.join(names)}）" if zh else f" (only {', '.join(names)})"
        return text


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The services in file order and the points a service needs to be recommended."""

    services: tuple[Service, ...]
    recommend_from: int


@dataclass(frozen=True, slots=True)
class CatalogueProblem:
    """One thing wrong in a catalogue: where (file, service) and why, in both languages."""

    file: str
    where: str
    code: str
    reason: str
    reason_en: str

    @property
    def bilingual(self) -> str:
        place = f"{self.where}: " if self.where else ""
        return f"{self.file}: {place}{self.reason} / {self.reason_en}"


class CatalogueError(ValueError):
    """A catalogue that cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: tuple[CatalogueProblem, ...]) -> None:
        super().__init__("\n".join(p.bilingual for p in problems))
        self.problems = problems

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


@cache
def _measure_names() -> dict[str, Bilingual]:
    """Every measure a shipped ladder rulebook can put on a path, with its names."""
    from feidi.rules import available_rulebooks, load_rulebook

    out: dict[str, Bilingual] = {}
    for ref in available_rulebooks():
        for mid, m in load_rulebook(ref).measures.items():
            out.setdefault(mid, (m.name, m.name_en))
    return out


def _known_measures() -> frozenset[str]:
    return frozenset(_measure_names())


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[CatalogueProblem] = []

    def add(self, where: str, code: str, zh: str, en: str) -> None:
        self.problems.append(CatalogueProblem(self.file, where, code, zh, en))

    def text(self, raw: Mapping[str, Any], key: str, where: str, *, english: bool) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            if english:
                self.add(where, "english.missing", f"缺少英文 {key}", f"no English {key}")
            else:
                self.add(where, "key.missing", f"缺少 {key}", f"no {key}")
            return ""
        if english and _CJK.search(value):
            self.add(where, "english.chinese", f"{key} 含有中文", f"{key} holds Chinese text")
        return value.strip()


def _clause(raw: Any, where: str, check: _Checker, measures: frozenset[str]) -> Clause | None:
    if not isinstance(raw, dict):
        check.add(where, "clause.shape", "应为映射", "must be a mapping")
        return None
    unknown = sorted(set(raw) - _CLAUSE_KEYS)
    if unknown:
        check.add(where, "key.unknown", f"未知的键 {unknown}", f"unknown keys {unknown}")
    kinds = [k for k in _KINDS if k in raw]
    if len(kinds) != 1:
        check.add(
            where,
            "clause.kind",
            f"应有且仅有一个 {list(_KINDS)}",
            f"give exactly one of {list(_KINDS)}",
        )
        return None
    kind = kinds[0]
    value = raw[kind]
    values = tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
    allowed: Collection[str] = {
        "type": TYPES,
        "flag": FLAGS,
        "chain": CHAIN_POSITIONS,
        "ladder_gap": measures,
    }[kind]
    bad = [v for v in values if v not in allowed]
    if bad or not values or (kind != "ladder_gap" and len(values) != 1):
        check.add(
            where,
            f"{kind}.unknown",
            f"{kind} 的值不认识或不止一个：{list(values)}",
            f"unknown or several values of {kind}: {list(values)}",
        )
    points = raw.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        check.add(where, "points", "points 应为正整数", "points must be a positive integer")
        points = 0
    why = (
        check.text(raw, "why", where, english=False),
        check.text(raw, "why_en", where, english=True),
    )
    return Clause(kind, values, points, why)  # type: ignore[arg-type]


def _service(raw: Any, index: int, check: _Checker, measures: frozenset[str]) -> Service | None:
    if not isinstance(raw, dict):
        check.add(f"services[{index}]", "service.shape", "应为映射", "must be a mapping")
        return None
    sid = str(raw.get("id", ""))
    where = f"service {sid}" if sid else f"services[{index}]"
    if not _ID.match(sid):
        check.add(where, "id", "id 应为小写英文、数字和下划线", "id: lower-case letters, digits, _")
    unknown = sorted(set(raw) - _SERVICE_KEYS)
    if unknown:
        check.add(where, "key.unknown", f"未知的键 {unknown}", f"unknown keys {unknown}")
    texts = {}
    for key in _REQUIRED:
        texts[key] = check.text(raw, key, where, english=False)
        texts[f"{key}_en"] = check.text(raw, f"{key}_en", where, english=True)
    only = tuple(str(t) for t in raw.get("only_types") or ())
    if any(t not in TYPES for t in only):
        check.add(
            where, "type.unknown", f"only_types 中有未知类型 {only}", f"unknown type in {only}"
        )
    suits_raw = raw.get("suits")
    if not isinstance(suits_raw, list) or not suits_raw:
        check.add(where, "suits.missing", "缺少 suits（适用对象）", "no `suits` (whom it suits)")
        suits_raw = []
    clauses = [_clause(c, f"{where} suits[{i}]", check, measures) for i, c in enumerate(suits_raw)]
    return Service(
        id=sid,
        name=texts["name"],
        name_en=texts["name_en"],
        summary=texts["summary"],
        summary_en=texts["summary_en"],
        source=texts["source"],
        source_en=texts["source_en"],
        duration=(texts["duration"], texts["duration_en"]),
        suits=tuple(c for c in clauses if c is not None),
        only_types=only,
    )


def _parse(text: str, file: str) -> Catalogue:
    check = _Checker(file)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        check.add("", "yaml", f"不是有效的 YAML：{exc}", f"not valid YAML: {exc}")
        raise CatalogueError(tuple(check.problems)) from None
    if not isinstance(raw, dict):
        check.add("", "shape", "顶层应为映射", "expected a mapping at the top")
        raise CatalogueError(tuple(check.problems))
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        check.add("", "key.unknown", f"未知的键 {unknown}", f"unknown keys {unknown}")
    threshold = raw.get("recommend_from")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        check.add(
            "",
            "recommend_from",
            "recommend_from 应为正整数",
            "recommend_from must be a positive integer",
        )
        threshold = 1
    items = raw.get("services")
    if not isinstance(items, list) or not items:
        check.add("", "services.missing", "没有 services", "no services")
        items = []
    measures = _known_measures()
    services = [_service(s, i, check, measures) for i, s in enumerate(items)]
    seen: set[str] = set()
    for s in services:
        if s is None or not s.id:
            continue
        if s.id in seen:
            check.add(f"service {s.id}", "id.duplicate", "id 重复", "the id is used twice")
        seen.add(s.id)
    if check.problems:
        raise CatalogueError(tuple(check.problems))
    return Catalogue(tuple(s for s in services if s is not None), threshold)


@cache
def _shipped() -> Catalogue:
    text = resources.files("feidi.diagnosis").joinpath("data", _FILE).read_text("utf-8")
    catalogue = _parse(text, _FILE)
    ids = tuple(s.id for s in catalogue.services)
    if ids != SERVICE_IDS:  # the platform stores referrals by these ids
        raise CatalogueError(
            (
                CatalogueProblem(
                    _FILE,
                    "",
                    "ids.changed",
                    f"服务 id 应为 {list(SERVICE_IDS)}",
                    f"the service ids must be {list(SERVICE_IDS)}",
                ),
            )
        )
    return catalogue


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The shipped catalogue (``path`` None, read once per process) or a catalogue file."""
    if path is None:
        return _shipped()
    p = Path(path)
    return _parse(p.read_text("utf-8"), p.name)


def load_services(path: str | Path | None = None) -> tuple[Service, ...]:
    """The services of the shipped catalogue (or of a catalogue file), in catalogue order.

    >>> [s.id for s in load_services()][:3]
    ['park_integration', 'chain_migration', 'direction_briefing']
    >>> service_by_id("application_pilot").duration
    ('3–6 个月（免费可行性研究）', '3–6 months (free feasibility study)')
    """
    return load_catalogue(path).services


def service_by_id(service_id: str) -> Service:
    """One service of the shipped catalogue; ``KeyError`` (both languages) for an unknown id."""
    for s in _shipped().services:
        if s.id == service_id:
            return s
    raise KeyError(
        f"目录中没有服务 {service_id!r} / no service {service_id!r} in the catalogue; "
        f"known: {', '.join(SERVICE_IDS)}"
    )
