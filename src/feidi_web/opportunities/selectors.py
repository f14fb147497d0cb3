"""Reads for the industry opportunities (产业机会): the county's own table from the registry,
the reference panel, and :func:`opportunities_for` — the one call the page, the API, the
Excel file and the cultivation report make.

**The county's table.** Location = one county (the user's, or one they choose); product =
the GB/T 4754 class (``industry_code`` at class level, 4 digits) of each *local* enterprise
of that county in the user's scope (``enterprise_scope``; not enclave firms, not prospects,
labs or investors); value = revenue of the county's latest fiscal year with revenue figures,
or the number of firms. Revenue is the default when at least ``REVENUE_COVERAGE`` of the
firms with a class report it that year, firm counts otherwise; either can be chosen.

**The reference panel.** ``settings.FEIDI_REFERENCE_PANEL`` names a long table (CSV, XLSX or
Parquet; columns ``location``, ``product``, ``firms``, ``revenue``), read with the core's
checks; without it the demo's synthetic panel (``feidi.demo.reference_panel``: Jiangsu's
counties × GB/T classes) is used, and every page says it is synthetic. The panel's measures
(PCI, proximity, shares) are computed once per process and value (``reference_from``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from feidi.complexity import Reference, pivot, read_table, reference_from
from feidi.io import InputError
from feidi.parties import PartyKind
from feidi.reference import division, industry
from feidi_web.accounts.models import Role, User
from feidi_web.common.lang import core_lang
from feidi_web.enterprises.models import FiscalYear
from feidi_web.enterprises.permissions import enterprises_for_user
from feidi_web.opportunities.permissions import can_see_opportunities
from feidi_web.opportunities.scoring import (
    VALUE_KINDS,
    ClassScore,
    CountyScore,
    ValueKind,
    class_name,
    reasons,
    score_county,
)

__all__ = [
    "REVENUE_COVERAGE",
    "County",
    "IndustryRow",
    "Opportunities",
    "ReferenceInfo",
    "county_choices",
    "opportunities_for",
]

#: Revenue is the default value when at least this share of the county's firms with a class
#: report revenue in the latest fiscal year; below it, the table would miss too much.
REVENUE_COVERAGE = 0.8


@dataclass(frozen=True)
class County:
    code: str
    name: str
    #: Local enterprises of the county in the user's scope.
    firms: int

    @property
    def label(self) -> str:
        return (
            f"{self.name}（{self.code}）" if core_lang() == "zh" else f"{self.name} ({self.code})"
        )


@dataclass(frozen=True)
class ReferenceInfo:
    """The reference panel in words: what it is, and how big."""

    label: str
    synthetic: bool
    year: int | None
    locations: int
    products: int


@dataclass(frozen=True)
class IndustryRow:
    """One GB/T 4754 class for the county, as people read it (the page's language)."""

    code: str
    #: The class's Chinese name; ``label`` is how the page names it (English pages add the code).
    name_zh: str
    label: str
    #: The county's value (revenue in 万元, or firms); 0 for a class it has none of.
    value: float
    #: The county's local firms in the class.
    firms: int
    rca: float
    held: bool
    density: float
    pci: float
    cog: float
    #: Counties of the reference panel that hold the class (RCA ≥ 1).
    ubiquity: int
    #: The class's share of the reference panel's total.
    share: float
    score: float | None
    rank: int | None
    #: PCI above the county's ECI: moving in raises the county's complexity.
    raises_complexity: bool
    #: The county's own industries closest to it, named.
    neighbours: tuple[str, ...]
    #: Why it ranks where it does (nearness, complexity, outlook gain); empty for a held class.
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Opportunities:
    """What :func:`opportunities_for` finds. ``problem`` says, in words, why there is nothing
    to score (no county, no firms, no classes, no revenue, an unreadable reference panel);
    the figures are then empty."""

    value: ValueKind
    default_value: ValueKind
    county: County | None
    counties: tuple[County, ...]
    reference: ReferenceInfo | None
    #: The fiscal year of the revenue figures (None without any).
    year: int | None = None
    #: Local enterprises of the county in scope; those in the table; those without a class.
    firms: int = 0
    firms_counted: int = 0
    firms_without_class: int = 0
    #: Firms with a class but no revenue in ``year`` (left out of a revenue table).
    firms_without_revenue: int = 0
    revenue_coverage: float | None = None
    #: The county's classes the reference panel lacks: (label, firms).
    not_in_reference: tuple[tuple[str, int], ...] = ()
    eci: float | None = None
    coi: float | None = None
    diversity: int = 0
    #: Counties of the panel with a lower ECI, of ``reference_locations``.
    eci_above: int = 0
    reference_locations: int = 0
    #: The county's industries (RCA ≥ 1), highest RCA first.
    held: tuple[IndustryRow, ...] = ()
    #: The candidates in rank order (the first ``top`` when asked).
    ranked: tuple[IndustryRow, ...] = ()
    #: All candidates (classes the county does not hold, with a known PCI).
    candidates: int = 0
    #: Every class scored, held and not (for the chart), in the panel's order.
    classes: tuple[IndustryRow, ...] = field(default=(), repr=False)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


# --- the reference panel --------------------------------------------------------------------


@dataclass
class _Panel:
    frame: pl.DataFrame
    label: tuple[str, str]
    synthetic: bool
    year: int | None
    references: dict[str, Reference] = field(default_factory=dict)


class _PanelProblem(Exception):
    """The configured reference panel cannot be used; the message says why, in words."""


_panels: dict[tuple[object, ...], _Panel] = {}
_lock = threading.Lock()


def _issue_text(exc: InputError) -> str:
    lang = core_lang()
    parts = []
    for issue in exc.report.errors[:5]:
        where = [issue.file]
        if issue.row is not None:
            where.append(_("row %(row)s") % {"row": issue.row})
        if issue.column:
            where.append(_("column %(column)s") % {"column": issue.column})
        parts.append(f"{', '.join(where)}: {issue.text(lang)}")
    return "; ".join(parts)


def _read_panel_file(path: Path) -> _Panel:
    frames = []
    for value in VALUE_KINDS:
        try:
            table, _report = read_table(path, location="location", product="product", value=value)
        except InputError as exc:
            raise _PanelProblem(
                _("The reference panel %(file)s could not be read: %(issues)s")
                % {"file": path.name, "issues": _issue_text(exc)}
            ) from None
        frames.append(table.rename({"value": value}))
    frame = frames[0].join(frames[1], on=["location", "product"], how="full", coalesce=True)
    frame = frame.with_columns(pl.col(VALUE_KINDS).fill_null(0.0))
    return _Panel(frame, (f"参照面板：{path.name}", f"Reference panel: {path.name}"), False, None)


def _panel() -> _Panel:
    configured = str(getattr(settings, "FEIDI_REFERENCE_PANEL", "") or "")
    if configured:
        path = Path(configured)
        try:
            key: tuple[object, ...] = (str(path), path.stat().st_mtime_ns)
        except OSError:
            raise _PanelProblem(
                _("The reference panel %(file)s does not exist or cannot be opened.")
                % {"file": path.name}
            ) from None
    else:
        key = ("demo",)
    with _lock:
        found = _panels.get(key)
    if found is not None:
        return found
    if configured:
        loaded = _read_panel_file(Path(configured))
    else:
        from feidi.demo import PANEL_LABEL, PANEL_YEAR, reference_panel

        zh, _sep, en = PANEL_LABEL.partition(" / ")
        loaded = _Panel(reference_panel(), (zh, en), True, PANEL_YEAR)
    with _lock:
        return _panels.setdefault(key, loaded)


def _reference(panel: _Panel, value: ValueKind) -> Reference:
    found = panel.references.get(value)
    if found is None:
        try:
            found = reference_from(pivot(panel.frame, "location", "product", value))
        except ValueError as exc:
            raise _PanelProblem(
                _("The reference panel cannot be used for %(value)s: %(reason)s")
                % {"value": _value_words(value), "reason": str(exc)}
            ) from None
        panel.references[value] = found
    return found


def _value_words(value: ValueKind) -> str:
    return _("revenue") if value == "revenue" else _("firm counts")


def _info(panel: _Panel, ref: Reference) -> ReferenceInfo:
    return ReferenceInfo(
        label=panel.label[0] if core_lang() == "zh" else panel.label[1],
        synthetic=panel.synthetic,
        year=panel.year,
        locations=len(ref.full.panel.locations),
        products=len(ref.products),
    )


# --- counties and the county's table --------------------------------------------------------


def _local_firms(user: User):
    return enterprises_for_user(user).filter(enclave=False, kind=PartyKind.ENTERPRISE.value)


def _county(code: str, firms: int) -> County:
    found = division(code)
    return County(code, found.name if found else code, firms)


def county_choices(user: User) -> tuple[County, ...]:
    """The counties a user may look at: a county's staff (and officers, enclave operators)
    their own; a prefecture's or province's staff and the administrator every county whose
    local firms they see, most firms first."""
    if not can_see_opportunities(user):
        return ()
    counts = dict(
        _local_firms(user)
        .order_by()
        .values_list("jurisdiction_code")
        .annotate(n=Count("id"))
        .values_list("jurisdiction_code", "n")
    )
    own = user.division_code if user.role != Role.ADMIN else ""
    if own and not own.endswith("00"):
        return (_county(own, counts.get(own, 0)),)
    return tuple(
        _county(code, n) for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _class_of(code: str) -> str | None:
    """The firm's GB/T 4754 class (``C3670``), or None for a coarser or unknown code."""
    code = (code or "").strip().upper()
    found = industry(code) if code else None
    if found is None or found.level != "小类" or not code.startswith(found.section):
        return None
    return f"{found.section}{found.code}"


@dataclass
class _Table:
    firms: int
    classes: dict[int, str]
    revenue: dict[int, float]
    year: int | None

    @property
    def coverage(self) -> float | None:
        return len(self.revenue) / len(self.classes) if self.classes else None

    def values(self, value: ValueKind) -> dict[str, float]:
        out: dict[str, float] = {}
        if value == "firms":
            for cls in self.classes.values():
                out[cls] = out.get(cls, 0.0) + 1.0
        else:
            for firm, amount in self.revenue.items():
                out[self.classes[firm]] = out.get(self.classes[firm], 0.0) + max(amount, 0.0)
        return {k: v for k, v in out.items() if v > 0}


def _county_table(user: User, county: str) -> _Table:
    firms = _local_firms(user).filter(jurisdiction_code=county)
    rows = list(firms.values_list("id", "industry_code"))
    classes = {pk: cls for pk, code in rows if (cls := _class_of(code)) is not None}
    figures = FiscalYear.objects.filter(enterprise__in=firms).values_list(
        "enterprise_id", "year", "figures__revenue"
    )
    by_year: dict[int, dict[int, float]] = {}
    for firm, year, revenue in figures.iterator(chunk_size=5000):
        if firm in classes and isinstance(revenue, int | float) and not isinstance(revenue, bool):
            by_year.setdefault(year, {})[firm] = float(revenue)
    if not by_year:
        return _Table(len(rows), classes, {}, None)
    year = max(by_year)
    return _Table(len(rows), classes, by_year[year], year)


# --- the one call ---------------------------------------------------------------------------


def _row(c: ClassScore, s: CountyScore, firms: Counter[str]) -> IndustryRow:
    zh = core_lang() == "zh"
    name_zh, name_en = class_name(c.code)
    return IndustryRow(
        code=c.code,
        name_zh=name_zh,
        label=name_zh if zh else name_en,
        value=c.value,
        firms=firms.get(c.code, 0),
        rca=c.rca,
        held=c.held,
        density=c.density,
        pci=c.pci,
        cog=c.cog,
        ubiquity=c.ubiquity,
        share=c.share,
        score=c.score,
        rank=c.rank,
        raises_complexity=bool(c.pci > s.eci),
        neighbours=tuple(class_name(n)[0 if zh else 1] for n in c.neighbours),
        reasons=tuple(p[0 if zh else 1] for p in reasons(c, s)) if c.rank is not None else (),
    )


def opportunities_for(
    user: User,
    *,
    value: ValueKind | None = None,
    top: int | None = None,
    county: str | None = None,
) -> Opportunities:
    """The county's scores against the reference panel and the industries it could move
    into, ranked (``feidi_web.opportunities.scoring``: the rule and the words).

    ``value``: ``"revenue"`` (latest fiscal year) or ``"firms"``; None takes revenue when
    enough firms report it (``REVENUE_COVERAGE``), firm counts otherwise. ``top``: only the
    first ``top`` candidates in ``ranked`` (``candidates`` still counts them all). ``county``:
    one of :func:`county_choices` (a user whose scope spans several counties); otherwise the
    user's own county, or the one with most local firms.

    Never raises for a user who may see the page: an empty scope, a county without firms or
    classes, or an unusable reference panel give ``problem`` in words.
    """
    if value is not None and value not in VALUE_KINDS:
        raise ValueError(f"value must be one of {VALUE_KINDS}, not {value!r}")
    counties = county_choices(user)
    chosen = next((c for c in counties if c.code == county), counties[0] if counties else None)
    if chosen is None:
        return Opportunities(
            value=value or "revenue",
            default_value="revenue",
            county=None,
            counties=counties,
            reference=None,
            problem=_(
                "No county to score: your scope holds no local firm yet. The table is built from "
                "the local firms of one county in the registry; import the registry first."
            ),
        )
    table = _county_table(user, chosen.code)
    coverage = table.coverage
    default: ValueKind = (
        "revenue" if coverage is not None and coverage >= REVENUE_COVERAGE else "firms"
    )
    value = value or default
    found = Opportunities(
        value=value,
        default_value=default,
        county=chosen,
        counties=counties,
        reference=None,
        year=table.year,
        firms=table.firms,
        firms_without_class=table.firms - len(table.classes),
        firms_without_revenue=len(table.classes) - len(table.revenue),
        revenue_coverage=coverage,
    )
    try:
        panel = _panel()
        ref = _reference(panel, value)
    except _PanelProblem as exc:
        return replace(found, problem=str(exc))
    found = replace(found, reference=_info(panel, ref))
    problem = _table_problem(user, chosen, table, value)
    if problem:
        return replace(found, problem=problem)
    values = table.values(value)
    firms = Counter(table.classes.values())
    try:
        s = score_county(values, ref, chosen.code)
    except ValueError:
        return replace(
            found,
            problem=_(
                "None of the industries of %(county)s is in the reference panel, so it cannot "
                "be scored against it."
            )
            % {"county": chosen.label},
            not_in_reference=_left_out(tuple(values), firms),
        )
    rows = tuple(_row(c, s, firms) for c in s.classes)
    by_code = {r.code: r for r in rows}
    ranked = tuple(by_code[c.code] for c in s.ranked)
    return replace(
        found,
        firms_counted=sum(firms.values()) if value == "firms" else len(table.revenue),
        not_in_reference=_left_out(s.left_out, firms),
        eci=s.eci,
        coi=s.coi,
        diversity=s.diversity,
        eci_above=s.eci_above,
        reference_locations=s.reference_locations,
        held=tuple(by_code[c.code] for c in s.held),
        ranked=ranked[:top] if top is not None else ranked,
        candidates=len(ranked),
        classes=rows,
    )


def _left_out(codes: tuple[str, ...], firms: Counter[str]) -> tuple[tuple[str, int], ...]:
    zh = core_lang() == "zh"
    return tuple((class_name(c)[0 if zh else 1], firms.get(c, 0)) for c in sorted(codes))


def _table_problem(user: User, county: County, table: _Table, value: ValueKind) -> str | None:
    if table.firms == 0:
        if user.role == Role.ENCLAVE_OPERATOR:
            return _(
                "Your scope holds the enclave's firms only, and a county's table is made of its "
                "local firms: the opportunities of %(county)s are shown to its county staff."
            ) % {"county": county.label}
        return _(
            "%(county)s has no local firm in the registry yet: the opportunities appear once "
            "its firms are imported."
        ) % {"county": county.label}
    if not table.classes:
        return _(
            "None of the %(n)s local firms of %(county)s has a GB/T 4754 class (a 4-digit "
            "industry code), so there is no table to score: add the firms' industry codes."
        ) % {"n": table.firms, "county": county.label}
    if value == "revenue" and not table.values("revenue"):
        return _(
            "No local firm of %(county)s with a GB/T 4754 class reports a positive revenue: "
            "choose firm counts instead."
        ) % {"county": county.label}
    return None
