"""The leaders' cockpit (驾驶舱). The view parses, makes one selector call and renders.

The helpers below only arrange the selector's figures for the template and the charts (labels
in the user's language, the transition matrix, the chart payload); they never query.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from feidi.rules import available_rulebooks
from feidi_web.accounts.models import PIPELINE_ROLES
from feidi_web.chains.permissions import require_chain_viewer
from feidi_web.chains.selectors import chain_figures
from feidi_web.chains.wording import chain_summaries
from feidi_web.common.http import AuthedRequest
from feidi_web.dashboards.selectors import Cockpit, cockpit_for_user
from feidi_web.enterprises.permissions import require_staff_role
from feidi_web.evaluations.ladder import current_ladder
from feidi_web.evaluations.summaries import NEAR_GAP
from feidi_web.pipeline.exports import funnel_tables
from feidi_web.pipeline.selectors import pipeline_funnel


@login_required
@require_GET
def cockpit(request: AuthedRequest) -> HttpResponse:
    require_staff_role(request.user)
    default = settings.FEIDI_DEFAULT_RULEBOOK
    rulebook = request.GET.get("rulebook") or default
    if rulebook not in available_rulebooks():
        rulebook = default
    data = cockpit_for_user(request.user, rulebook)
    context: dict[str, Any] = {
        "cockpit": data,
        "rulebook_choices": [
            (r, current_ladder(r).rulebook_label)
            for r in sorted({*data.rulebooks, rulebook, default})
        ],
        "can_run": request.user.is_registry_editor,
        "kpis": _kpis(data),
        "pipeline": _pipeline(request),
    }
    if data.latest is not None:
        matrix, summary = _matrix(data)
        context |= {
            "matrix": matrix,
            "movement_summary": summary,
            "level_labels": [_level_label(data, level) for level in _levels(data)],
            "candidate_tables": [
                {"tier": t, "label": data.ladder.label(t), "rows": data.candidates.get(t, [])}
                for t in data.ladder.tiers
            ],
            "charts": _charts(data),
        }
    return render(request, "dashboards/cockpit.html", context)


@login_required
@require_GET
def cockpit_chains(request: AuthedRequest) -> HttpResponse:
    """The cockpit's "chains and gaps" section, fetched once the cockpit is shown (htmx): the
    chains are computed live from the whole registry in scope, the rest of the cockpit is read
    from a run's stored aggregates, and it should not wait for them."""
    require_chain_viewer(request.user)
    figures = chain_figures(request.user)
    chains = sorted(
        chain_summaries(figures, top_gaps=2),
        key=lambda c: (-c.held_share, -c.firms, c.name),
    )
    return render(request, "dashboards/_chains.html", {"chains": chains, "figures": figures})


def _pipeline(request: AuthedRequest) -> dict[str, Any] | None:
    """The seed's figures and the funnel, for those who work the pipeline, once it has
    projects (two queries, whatever their number)."""
    if request.user.role not in PIPELINE_ROLES:
        return None
    result = pipeline_funnel(request.user)
    return funnel_tables(result) if result.totals.projects else None


def _levels(data: Cockpit) -> range:
    """A firm's "highest tier passed": 0 for none, then the ladder's ranks."""
    return range(len(data.ladder.tiers) + 1)


def _level_code(data: Cockpit, level: int) -> str:
    return "none" if level == 0 else data.ladder.tiers[level - 1]


def _level_label(data: Cockpit, level: int) -> str:
    return _("No tier") if level == 0 else data.ladder.label(data.ladder.tiers[level - 1])


def _kpis(data: Cockpit) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = [
        {"id": "kpi-firms", "label": _("Firms in scope"), "value": data.firms, "notes": []}
    ]
    if data.latest is None:
        return cards
    passed, near = data.passed(data.latest), data.near
    previous = data.previous
    before = data.passed(previous)
    for tier in data.ladder.tiers:
        notes = [
            _("%(n)s near (≤ %(gap)s points short)") % {"n": near[tier], "gap": f"{NEAR_GAP:g}"}
        ]
        if previous is not None:
            notes.append(
                _("%(delta)s since %(date)s")
                % {"delta": f"{passed[tier] - before[tier]:+d}", "date": previous.as_of.isoformat()}
            )
        cards.append(
            {
                "id": f"kpi-{tier}",
                "label": _("Passing: %(tier)s") % {"tier": data.ladder.label(tier)},
                "value": passed[tier],
                "notes": notes,
            }
        )
    cards.append(
        {
            "id": "kpi-near",
            "label": _("Near candidates"),
            "value": data.near_firms,
            "notes": [
                _("failing firms ≤ %(gap)s points short of a pass mark") % {"gap": f"{NEAR_GAP:g}"}
            ],
        }
    )
    return cards


def _kind(before: int, after: int) -> str:
    return "up" if after > before else "down" if after < before else "same"


def _matrix(data: Cockpit) -> tuple[dict[str, Any], dict[str, int]]:
    """The transition matrix (rows: previous run, columns: latest run) with totals."""
    levels = _levels(data)
    rows = []
    for b in levels:
        cells: list[dict[str, Any]] = [
            {"to": _level_code(data, a), "n": data.movement.get((b, a), 0), "kind": _kind(b, a)}
            for a in levels
        ]
        rows.append(
            {
                "code": _level_code(data, b),
                "label": _level_label(data, b),
                "cells": cells,
                "total": sum(c["n"] for c in cells),
            }
        )
    column_totals = [sum(data.movement.get((b, a), 0) for b in levels) for a in levels]
    summary = {"up": 0, "down": 0, "same": 0}
    for (b, a), n in data.movement.items():
        summary[_kind(b, a)] += n
    matrix = {"rows": rows, "column_totals": column_totals, "total": sum(column_totals)}
    return matrix, summary


def _charts(data: Cockpit) -> dict[str, Any]:
    """The charts' data and every word on them, translated here (the JS holds no text)."""
    latest = data.latest
    assert latest is not None
    tier_names = dict(data.ladder.labels())
    towns = sorted(data.by_town, key=lambda t: (-sum(data.by_town[t].values()), t))
    charts: dict[str, Any] = {
        "firmsAxis": _("Firms"),
        "byYear": {
            "title": _("Firms passing each tier, by as-of date"),
            "axis": _("As of"),
            "categories": [r.as_of.isoformat() for r in data.runs],
            "series": [
                {
                    "tier": t,
                    "name": tier_names[t],
                    "data": [data.passed(r)[t] for r in data.runs],
                }
                for t in data.ladder.tiers
            ],
        },
        "byTown": {
            "title": _("Firms by highest tier passed, by town (as of %(date)s)")
            % {"date": latest.as_of.isoformat()},
            "axis": _("Town"),
            "categories": [t or _("(no town)") for t in towns],
            "series": [
                {
                    "tier": t,
                    "name": tier_names[t],
                    "data": [data.by_town[town].get(level, 0) for town in towns],
                }
                for level, t in enumerate(data.ladder.tiers, start=1)
            ],
        },
    }
    previous = data.previous
    if previous is not None:
        used_before = {b for (b, _a), n in data.movement.items() if n}
        used_after = {a for (_b, a), n in data.movement.items() if n}
        labels = {f"b{b}": _level_label(data, b) for b in used_before} | {
            f"a{a}": _level_label(data, a) for a in used_after
        }
        charts["movement"] = {
            "title": _("Highest tier passed: %(before)s → %(after)s")
            % {"before": previous.as_of.isoformat(), "after": latest.as_of.isoformat()},
            "before": previous.as_of.isoformat(),
            "after": latest.as_of.isoformat(),
            "labels": labels,
            "empty": _("No firm was graded in both evaluations."),
            "nodes": [{"name": f"b{b}", "tier": _level_code(data, b)} for b in sorted(used_before)]
            + [{"name": f"a{a}", "tier": _level_code(data, a)} for a in sorted(used_after)],
            "links": [
                {"source": f"b{b}", "target": f"a{a}", "value": n, "kind": _kind(b, a)}
                for (b, a), n in sorted(data.movement.items())
                if n
            ],
        }
    return charts
