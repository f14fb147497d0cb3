"""The funnel in words, charts and Excel: one set of rows for the page, the charts (ECharts,
drawn from a ``json_script`` payload) and the workbook, so the three always agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.pipeline import ORDER, Funnel, LostReason, Source, Totals
from feidi_web.accounts.models import User
from feidi_web.common.display import industry_text, number_text
from feidi_web.common.lang import core_lang
from feidi_web.common.workbook import Book


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _days(days: float | None) -> str:
    return "—" if days is None else number_text(days, 1)


def _yi(wan: float) -> str:
    """An amount in 万元 as people quote it: 亿元 from 10,000 万元 on."""
    if core_lang() == "zh":
        return f"{wan / 10000:.1f} 亿元" if wan >= 10000 else f"{wan:,.0f} 万元"
    return f"CNY {wan / 100:,.0f} million" if wan >= 100 else f"CNY {wan * 10:,.0f}k"


def _totals_row(label: str, t: Totals) -> dict[str, Any]:
    return {
        "label": label,
        "projects": t.projects,
        "introduced": t.introduced,
        "negotiating": t.negotiating,
        "landed": t.landed,
        "lost": t.lost,
        "valuation": t.valuation,
        "valuation_text": _yi(t.valuation),
    }


def _breakdown(f: Funnel) -> dict[str, list[dict[str, Any]]]:
    lang = core_lang()
    owners = {
        str(u.pk): u.display_name
        for u in User.objects.filter(pk__in=[int(k) for k in f.by.get("owner", {}) if k])
    }

    def source_label(key: str) -> str:
        return Source(key).label(lang) if key in Source._value2member_map_ else key

    def industry_label(key: str) -> str:
        return industry_text(key) if key else _("industry not given")

    def owner_label(key: str) -> str:
        return owners.get(key, "—")

    namer: dict[str, Callable[[str], str]] = {
        "source": source_label,
        "industry": industry_label,
        "owner": owner_label,
    }
    out = {}
    for column, groups in f.by.items():
        rows = [_totals_row(namer[column](k), t) for k, t in groups.items()]
        out[column] = sorted(rows, key=lambda r: (-r["introduced"], -r["projects"], r["label"]))
    return out


def funnel_tables(f: Funnel) -> dict[str, Any]:
    """Everything the funnel page, its charts and the workbook show."""
    lang = core_lang()
    stages = [
        {
            "label": s.label(lang),
            "reached": f.reached[s],
            "conversion": _percent(f.conversion[s]),
            "median_days": _days(f.median_days[s]),
        }
        for s in ORDER
    ]
    lost = [
        {
            "label": LostReason(k).label(lang) if k in LostReason._value2member_map_ else k,
            "projects": n,
        }
        for k, n in f.lost_by_reason.items()
    ]
    months = [
        {
            "month": m.month,
            "new": m.new,
            "introduced": m.introduced,
            "landed": m.landed,
            "lost": m.lost,
            "negotiating": m.negotiating_at_end,
            "valuation": m.valuation_introduced,
        }
        for m in f.months
    ]
    chart = {
        "funnel": {
            "title": _("How far projects got"),
            "data": [{"name": s["label"], "value": s["reached"]} for s in stages],
        },
        "trend": {
            "title": _("Month by month"),
            "months": [m["month"] for m in months],
            "series": [
                {"name": _("New projects"), "type": "bar", "data": [m["new"] for m in months]},
                {
                    "name": _("Introduced (signed)"),
                    "type": "bar",
                    "data": [m["introduced"] for m in months],
                },
                {"name": _("Landed"), "type": "bar", "data": [m["landed"] for m in months]},
                {
                    "name": _("Negotiating at month end"),
                    "type": "line",
                    "data": [m["negotiating"] for m in months],
                },
            ],
        },
    }
    return {
        "totals": _totals_row(_("All projects"), f.totals),
        "stages": stages,
        "lost": lost,
        "months": months,
        "breakdown": _breakdown(f),
        "chart": chart,
    }


def workbook(f: Funnel, projects: list[dict[str, Any]], tables: dict[str, Any]) -> bytes:
    """The pipeline as Excel: projects, funnel, months, and the figures by source, industry
    and owner (headers in the page's language)."""
    book = Book()
    sheet = book.sheet
    money, day = "money", "day"

    sheet(
        _("Projects"),
        [
            _("Project"),
            _("Counterpart"),
            _("Stage"),
            _("Source"),
            _("Industry code"),
            _("Planned investment (10k CNY)"),
            _("Valuation (10k CNY)"),
            _("Owner"),
            _("Filed"),
            _("Last activity"),
        ],
        [
            [
                r["project"].name,
                r["project"].counterpart.name,
                r["stage"],
                r["source"],
                r["project"].industry_code,
                float(r["project"].planned_investment)
                if r["project"].planned_investment is not None
                else None,
                float(r["project"].valuation) if r["project"].valuation is not None else None,
                r["owner"],
                timezone.localtime(r["project"].created_at).date(),
                timezone.localtime(r["project"].touched_at).date(),
            ]
            for r in projects
        ],
        {5: money, 6: money, 8: day, 9: day},
    )
    sheet(
        _("Funnel"),
        [_("Stage"), _("Projects that reached it"), _("Went on to the next"), _("Median days")],
        [[s["label"], s["reached"], s["conversion"], s["median_days"]] for s in tables["stages"]],
        {},
    )
    sheet(
        _("Months"),
        [
            _("Month"),
            _("New projects"),
            _("Introduced (signed)"),
            _("Landed"),
            _("Lost"),
            _("Negotiating at month end"),
            _("Valuation introduced (10k CNY)"),
        ],
        [
            [
                m["month"],
                m["new"],
                m["introduced"],
                m["landed"],
                m["lost"],
                m["negotiating"],
                m["valuation"],
            ]
            for m in tables["months"]
        ],
        {6: money},
    )
    names = {"source": _("By source"), "industry": _("By industry"), "owner": _("By owner")}
    for column, rows in tables["breakdown"].items():
        sheet(
            names[column],
            [
                _("Group"),
                _("Projects"),
                _("Introduced"),
                _("Negotiating"),
                _("Landed"),
                _("Lost"),
                _("Valuation introduced (10k CNY)"),
            ],
            [
                [
                    r["label"],
                    r["projects"],
                    r["introduced"],
                    r["negotiating"],
                    r["landed"],
                    r["lost"],
                    r["valuation"],
                ]
                for r in rows
            ],
            {6: money},
        )
    return book.close()
