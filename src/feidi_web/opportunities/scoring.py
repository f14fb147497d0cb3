"""A county scored against a reference panel, and the industries it could move into ranked.

Pure: NumPy and ``feidi.complexity`` (no Django), so the page, the API, the Excel file and the
cultivation report rank with one rule. The subnational mode does the measures
(``feidi.complexity.score_against``: RCA against the panel's shares, M, ECI = the mean
reference PCI of what the county holds, density, COI, COG with the panel's proximity); this
module adds the ranking and the words.

**The rule.** Candidates are the panel's classes the county does not hold (M = 0) whose PCI
is known (held somewhere in the panel). Each gets

    score = 0.5 · z(density) + 0.25 · z(PCI) + 0.25 · z(COG)

with z the standard score over the candidates: nearness to what the county already has
counts twice as much as complexity or the outlook gain, because a county moves most easily
into what its firms' capabilities already reach (Hidalgo et al. 2007), and among those the
complex ones (PCI) and the ones that open further complex ones (COG) are worth more. Ties go
to the higher density, then the code. Whether the class is more complex than the county
(PCI > ECI: moving in raises it) is stated beside each, not filtered on.

Words are (中文, English) pairs, as the core writes them; English names the class by its
Chinese name and code (the national table has no English names).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from feidi.complexity import Panel, Reference, score_against
from feidi.reference import industry

__all__ = [
    "NEIGHBOURS",
    "VALUE_KINDS",
    "WEIGHTS",
    "ClassScore",
    "CountyScore",
    "ValueKind",
    "class_name",
    "reasons",
    "score_county",
]

#: What the county's table counts: revenue of the latest fiscal year, or firms.
ValueKind = Literal["revenue", "firms"]
VALUE_KINDS: tuple[ValueKind, ...] = ("revenue", "firms")
#: The ranking rule's weights on the candidates' standard scores.
WEIGHTS = {"density": 0.5, "pci": 0.25, "cog": 0.25}
#: How many of the county's own industries an opportunity's words name (closest first).
NEIGHBOURS = 3


@dataclass(frozen=True, slots=True)
class ClassScore:
    """One GB/T 4754 class of the panel, for the county."""

    code: str
    #: The county's value (revenue in 万元 or firms); 0 where it has none.
    value: float
    rca: float
    held: bool
    density: float
    #: The panel's PCI (NaN when no county of the panel holds the class).
    pci: float
    cog: float
    #: Counties of the panel that hold it (M = 1).
    ubiquity: int
    #: Its share of the panel's total.
    share: float
    #: The rule's score and rank among the candidates; None for a held class or unknown PCI.
    score: float | None
    rank: int | None
    #: The county's classes closest to it (proximity > 0), closest first, up to NEIGHBOURS.
    neighbours: tuple[str, ...]


@dataclass(frozen=True)
class CountyScore:
    """The county against the panel: its ECI, COI and diversity, every class scored."""

    eci: float
    coi: float
    diversity: int
    #: Counties of the panel whose ECI (mean PCI of what they hold) is below the county's.
    eci_above: int
    reference_locations: int
    #: Every class of the panel, in the panel's order.
    classes: tuple[ClassScore, ...]
    #: The county's classes the panel lacks (no PCI: left out of the measures).
    left_out: tuple[str, ...]
    #: Candidates in rank order (a view of ``classes``).
    ranked: tuple[ClassScore, ...]
    #: Density quartiles (25 %, 75 %) of the candidates, for the words.
    density_quartiles: tuple[float, float]
    #: The candidates' densities, ascending (a candidate's place by density, for the words).
    candidate_densities: tuple[float, ...]

    @property
    def held(self) -> tuple[ClassScore, ...]:
        """The county's classes with M = 1, highest RCA first."""
        return tuple(sorted((c for c in self.classes if c.held), key=lambda c: (-c.rca, c.code)))


def _z(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    sub = x[mask]
    sd = sub.std(ddof=1) if sub.size > 1 else 0.0
    if not np.isfinite(sd) or sd == 0:
        return np.zeros_like(x)
    out: np.ndarray = (x - sub.mean()) / sd
    return out


def score_county(values: Mapping[str, float], reference: Reference, location: str) -> CountyScore:
    """Score one county (``values``: class → revenue or firms, positive) against ``reference``.

    Raises :class:`ValueError` (from the core) when none of the county's classes is in the
    panel with a positive value.

    >>> import numpy as np
    >>> from feidi.complexity import reference_from
    >>> ref = reference_from(Panel.from_dense(
    ...     [[5, 3, 1, 1], [2, 4, 3, 0], [1, 2, 4, 3], [0, 1, 3, 5]], "abcd",
    ...     ["C1311", "C1312", "C1313", "C1314"]))
    >>> s = score_county({"C1312": 6.0, "C1311": 1.0, "C1313": 1.0}, ref, "县")
    >>> [c.code for c in s.held], [c.code for c in s.ranked]
    (['C1312'], ['C1311', 'C1313', 'C1314'])
    """
    codes = sorted(values)
    county = Panel.from_dense([[float(values[c]) for c in codes]], [location], codes)
    scored, left_out = score_against(county, reference)
    m = scored.m[0].astype(bool)
    density, cog, rca = scored.density[0], scored.cog[0], scored.rca[0]
    pci = reference.pci
    candidates = ~m & np.isfinite(pci)
    pci0 = np.nan_to_num(pci, nan=0.0)
    score = (
        WEIGHTS["density"] * _z(density, candidates)
        + WEIGHTS["pci"] * _z(pci0, candidates)
        + WEIGHTS["cog"] * _z(cog, candidates)
    )
    products = reference.products
    order = sorted(np.flatnonzero(candidates), key=lambda j: (-score[j], -density[j], products[j]))
    rank = {int(j): i for i, j in enumerate(order, start=1)}
    # the county's own classes nearest to each class (proximity off the diagonal)
    held_idx = np.flatnonzero(m)
    near: list[tuple[str, ...]] = [()] * len(products)
    if held_idx.size:
        phi = reference.proximity[:, held_idx]
        closest = np.argsort(-phi, axis=1, kind="stable")[:, : NEIGHBOURS + 1]
        for j in range(len(products)):
            near[j] = tuple(
                products[held_idx[k]] for k in closest[j] if held_idx[k] != j and phi[j, k] > 0
            )[:NEIGHBOURS]
    present = dict(zip(scored.panel.products, scored.panel.values[0], strict=True))
    classes = tuple(
        ClassScore(
            code=p,
            value=float(present.get(p, 0.0)),
            rca=float(rca[j]),
            held=bool(m[j]),
            density=float(density[j]),
            pci=float(pci[j]),
            cog=float(cog[j]),
            ubiquity=int(reference.ubiquity[j]),
            share=float(reference.share[j]),
            score=float(score[j]) if j in rank else None,
            rank=rank.get(j),
            neighbours=near[j],
        )
        for j, p in enumerate(products)
    )
    full = reference.full
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_eci = (full.m @ pci0) / (full.m @ np.isfinite(pci).astype(np.float64))
    eci = float(scored.eci[0])
    dens_c = density[candidates]
    quartiles = (
        (float(np.quantile(dens_c, 0.25)), float(np.quantile(dens_c, 0.75)))
        if dens_c.size
        else (0.0, 0.0)
    )
    return CountyScore(
        eci=eci,
        coi=float(scored.coi[0]),
        diversity=int(scored.diversity[0]),
        eci_above=int(np.sum(ref_eci < eci)),
        reference_locations=len(full.panel.locations),
        classes=classes,
        left_out=left_out,
        ranked=tuple(classes[j] for j in order),
        density_quartiles=quartiles,
        candidate_densities=tuple(float(d) for d in np.sort(dens_c)),
    )


def class_name(code: str) -> tuple[str, str]:
    """A GB/T 4754 class as people name it: (Chinese name, the Chinese name with its code for
    English pages — the national table has no English names).

    >>> class_name("C3670")
    ('汽车零部件及配件制造', '汽车零部件及配件制造 (C3670)')
    """
    found = industry(code)
    if found is None:
        return f"{code}（不在 GB/T 4754-2017 中）", f"{code} (not a GB/T 4754-2017 class)"
    return found.name, f"{found.name} ({code})"


def _num(x: float, places: int) -> str:
    return f"{x:.{places}f}".replace("-", "−")


def reasons(c: ClassScore, s: CountyScore) -> tuple[tuple[str, str], ...]:
    """Why a candidate ranks where it does: nearness (naming the county's closest
    industries), complexity against the county's ECI, and the outlook gain.

    Each as a (中文, English) pair.
    """
    low, high = s.density_quartiles
    candidates = len(s.ranked)
    if c.density >= high:
        level = ("邻近度高", "Close to what the county has")
    elif c.density >= low:
        level = ("邻近度中等", "Moderately close to what the county has")
    else:
        level = ("邻近度低", "Far from what the county has")
    figures = (
        f"（{_num(c.density, 3)}，{candidates} 个候选中第 {_density_place(c, s)} 位）",
        f" (density {_num(c.density, 3)}, {_ordinal(_density_place(c, s))} of {candidates})",
    )
    if c.neighbours:
        zh_names = "、".join(class_name(n)[0] for n in c.neighbours)
        en_names = "; ".join(class_name(n)[1] for n in c.neighbours)
        near = (
            f"{level[0]}{figures[0]}：本地已有{zh_names}等相关产业",
            f"{level[1]}{figures[1]}: related industries already here — {en_names}",
        )
    else:
        near = (
            f"{level[0]}{figures[0]}：本地尚无相关产业",
            f"{level[1]}{figures[1]}: no related industry in the county yet",
        )
    if c.pci > s.eci:
        complexity = (
            f"复杂度 {_num(c.pci, 2)}，高于本地 ECI {_num(s.eci, 2)}：发展它会提升本地产业复杂度",
            f"Complexity (PCI) {_num(c.pci, 2)}, above the county's ECI {_num(s.eci, 2)}:"
            " moving in raises the county's complexity",
        )
    else:
        complexity = (
            f"复杂度 {_num(c.pci, 2)}，不高于本地 ECI {_num(s.eci, 2)}：不提升产业复杂度",
            f"Complexity (PCI) {_num(c.pci, 2)}, not above the county's ECI {_num(s.eci, 2)}:"
            " it does not raise the county's complexity",
        )
    if c.cog > 0:
        gain = (
            f"机会增益 {_num(c.cog, 2)}：进入后更多复杂产业变得邻近",
            f"Outlook gain (COG) {_num(c.cog, 2)}: moving in brings more complex industries"
            " within reach",
        )
    else:
        gain = (
            f"机会增益 {_num(c.cog, 2)}：进入后不会让更多复杂产业变得邻近",
            f"Outlook gain (COG) {_num(c.cog, 2)}: brings no further complex industry within reach",
        )
    return near, complexity, gain


def _density_place(c: ClassScore, s: CountyScore) -> int:
    """1 for the candidate with the highest density (ties share the place)."""
    return 1 + len(s.candidate_densities) - bisect_right(s.candidate_densities, c.density)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
