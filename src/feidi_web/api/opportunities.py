"""Industry opportunities over HTTP: the county's scores against the reference panel and the
industries it could move into, ranked — the same selector and rule as the page
(``feidi_web.opportunities``), in the caller's scope. Names and words come in the caller's
chosen language (the language cookie; Chinese by default)."""

import math
from typing import Literal

from ninja import Field, Query, Router, Schema

from feidi_web.api.schemas import errors
from feidi_web.opportunities.permissions import require_opportunities_role
from feidi_web.opportunities.selectors import IndustryRow, opportunities_for

router = Router(tags=["opportunities"])

ValueKind = Literal["revenue", "firms"]


class OpportunitiesQuery(Schema):
    value: ValueKind | None = Field(
        None,
        description="What the county's table counts: `revenue` (latest fiscal year, 万元) or "
        "`firms`. Omitted: revenue when at least 80 % of the firms report it, else firms.",
    )
    county: str | None = Field(
        None,
        pattern=r"^[0-9]{6}$",
        description="A county's division code, for a caller whose scope spans several "
        "(a prefecture, the administrator); otherwise the caller's own county.",
    )
    top: int | None = Field(
        None, ge=1, le=5000, description="Only the first `top` opportunities (default: all)."
    )


class CountyOut(Schema):
    code: str = Field(description="Division code.")
    name: str
    firms: int = Field(description="Local enterprises of the county in the caller's scope.")


class ReferenceOut(Schema):
    label: str = Field(description="What the reference panel is, in words.")
    synthetic: bool = Field(description="True for the demo's synthetic panel.")
    year: int | None
    locations: int
    products: int


class IndustryOut(Schema):
    code: str = Field(description="GB/T 4754-2017 class, e.g. C3670.")
    name: str = Field(description="The class's name (English: Chinese name with its code).")
    rank: int | None = Field(description="Rank among the opportunities; null for a held class.")
    value: float = Field(description="The county's value (revenue in 万元, or firms).")
    firms: int = Field(description="The county's local firms in the class.")
    rca: float
    held: bool = Field(description="RCA ≥ 1 against the reference panel.")
    density: float
    pci: float | None = Field(description="null when no county of the panel holds the class.")
    cog: float
    ubiquity: int = Field(description="Counties of the panel holding the class.")
    score: float | None
    raises_complexity: bool = Field(description="PCI above the county's ECI.")
    neighbours: list[str] = Field(description="The county's closest industries, named.")
    reasons: list[str] = Field(description="Why it ranks there, in words.")


class OpportunitiesOut(Schema):
    county: CountyOut | None
    counties: list[CountyOut] = Field(description="The counties the caller may choose.")
    value: ValueKind
    default_value: ValueKind
    year: int | None = Field(description="Fiscal year of the revenue figures.")
    reference: ReferenceOut | None
    firms: int
    firms_counted: int
    firms_without_class: int
    firms_without_revenue: int
    eci: float | None
    coi: float | None
    diversity: int
    eci_above: int = Field(description="Counties of the panel with a lower ECI.")
    reference_locations: int
    candidates: int
    held: list[IndustryOut]
    opportunities: list[IndustryOut]
    problem: str | None = Field(description="Why there is nothing to score, in words.")


def _number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _industry(r: IndustryRow) -> dict:
    return {
        "code": r.code,
        "name": r.label,
        "rank": r.rank,
        "value": r.value,
        "firms": r.firms,
        "rca": r.rca,
        "held": r.held,
        "density": r.density,
        "pci": _number(r.pci),
        "cog": r.cog,
        "ubiquity": r.ubiquity,
        "score": r.score,
        "raises_complexity": r.raises_complexity,
        "neighbours": list(r.neighbours),
        "reasons": list(r.reasons),
    }


def _county(c) -> dict:
    return {"code": c.code, "name": c.name, "firms": c.firms}


@router.get(
    "", response={200: OpportunitiesOut, **errors(403)}, summary="The county's opportunities"
)
def opportunities_get(request, query: Query[OpportunitiesQuery]):
    """The county's ECI and COI against the reference panel, its industries (RCA ≥ 1) and
    the industries it does not hold ranked: score = 0.5 z(density) + 0.25 z(PCI) +
    0.25 z(COG) over the candidates. A scope with nothing to score answers 200 with
    `problem` in words and empty lists."""
    require_opportunities_role(request.auth)
    r = opportunities_for(request.auth, value=query.value, top=query.top, county=query.county)
    return {
        "county": _county(r.county) if r.county else None,
        "counties": [_county(c) for c in r.counties],
        "value": r.value,
        "default_value": r.default_value,
        "year": r.year,
        "reference": (
            {
                "label": r.reference.label,
                "synthetic": r.reference.synthetic,
                "year": r.reference.year,
                "locations": r.reference.locations,
                "products": r.reference.products,
            }
            if r.reference
            else None
        ),
        "firms": r.firms,
        "firms_counted": r.firms_counted,
        "firms_without_class": r.firms_without_class,
        "firms_without_revenue": r.firms_without_revenue,
        "eci": r.eci,
        "coi": r.coi,
        "diversity": r.diversity,
        "eci_above": r.eci_above,
        "reference_locations": r.reference_locations,
        "candidates": r.candidates,
        "held": [_industry(x) for x in r.held],
        "opportunities": [_industry(x) for x in r.ranked],
        "problem": r.problem,
    }
