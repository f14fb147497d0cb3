"""The opportunities page and its Excel file. Each view parses, makes one selector call and
renders; the helpers only arrange the selector's figures for the chart (words translated
here: the JS holds none)."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from feidi_web.common.http import AuthedRequest
from feidi_web.opportunities import exports
from feidi_web.opportunities.permissions import require_opportunities_role
from feidi_web.opportunities.scoring import VALUE_KINDS, ValueKind
from feidi_web.opportunities.selectors import IndustryRow, Opportunities, opportunities_for

#: Candidates the page lists before "show all" (the chart and the Excel file hold every one).
PAGE_TOP = 30


def _asked(request: AuthedRequest) -> tuple[ValueKind | None, str | None]:
    value = request.GET.get("value")
    county = request.GET.get("county") or None
    return (value if value in VALUE_KINDS else None), county  # type: ignore[return-value]


@login_required
@require_GET
def opportunity_list(request: AuthedRequest) -> HttpResponse:
    require_opportunities_role(request.user)
    value, county = _asked(request)
    result = opportunities_for(request.user, value=value, county=county)
    show_all = request.GET.get("all") == "1"
    params = request.GET.copy()
    params.pop("all", None)
    context: dict[str, Any] = {
        "result": result,
        "ranked": result.ranked if show_all else result.ranked[:PAGE_TOP],
        "show_all": show_all,
        "page_top": PAGE_TOP,
        "query": params.urlencode(),
        "value_choices": [("revenue", _("Revenue")), ("firms", _("Firm counts"))],
        "value_text": exports.value_text(result),
        "rule_text": exports.rule_text(),
    }
    if result.ok:
        context["chart"] = _chart(result)
    return render(request, "opportunities/list.html", context)


@login_required
@require_GET
def export(request: AuthedRequest) -> HttpResponse:
    require_opportunities_role(request.user)
    value, county = _asked(request)
    result = opportunities_for(request.user, value=value, county=county)
    response = HttpResponse(
        exports.opportunities_xlsx(result, request.user), content_type=exports.XLSX_TYPE
    )
    response["Content-Disposition"] = exports.content_disposition(result)
    return response


def _point(r: IndustryRow) -> list[Any]:
    pci = r.pci if math.isfinite(r.pci) else None
    return [round(r.density, 4), pci, round(max(r.cog, 0.0), 4), r.label, r.rank, round(r.rca, 3)]


def _chart(result: Opportunities) -> dict[str, Any]:
    """Density × PCI: the top candidates, the other candidates, the industries held; bubble
    size = outlook gain (COG). Every word on the chart is here."""
    top = {r.code for r in result.ranked[:PAGE_TOP]}
    points: dict[str, list[list[Any]]] = {"top": [], "other": [], "held": []}
    for r in result.classes:
        if not math.isfinite(r.pci):
            continue
        kind = "held" if r.held else ("top" if r.code in top else "other")
        points[kind].append(_point(r))
    return {
        "title": _("Industries by nearness and complexity"),
        "x": _("Density (nearness to the county's industries)"),
        "y": _("Product complexity (PCI)"),
        "eci": result.eci,
        "eciLabel": _("County's ECI %(eci)s") % {"eci": f"{result.eci:.2f}"},
        "labels": {
            "density": _("Density"),
            "pci": "PCI",
            "cog": _("Outlook gain (COG)"),
            "rank": _("Rank"),
            "rca": "RCA",
        },
        "series": [
            {
                "kind": "top",
                "name": _("Top %(n)s opportunities") % {"n": len(top)},
                "points": points["top"],
            },
            {"kind": "other", "name": _("Other candidates"), "points": points["other"]},
            {"kind": "held", "name": _("Industries the county has"), "points": points["held"]},
        ],
    }
