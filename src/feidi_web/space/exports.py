"""The space's utilisation report as Excel and PDF, from the same figures as the page
(``space.usage.usage_for``), in the active language. The PDF draws the heatmap as a table of
shaded cells (no scripts in a PDF)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi_web.common.lang import core_lang
from feidi_web.common.workbook import Book
from feidi_web.space.usage import Usage, shade


def usage_xlsx(usage: Usage) -> bytes:
    book = Book()
    hours = usage.hours
    book.sheet(
        _("Occupancy"),
        [_("Resource"), _("Occupancy (%)"), _("Open hours"), _("Booked hours")]
        + [f"{h:02d}:00" for h in hours],
        [
            [r.name, r.occupancy, r.open_hours, r.booked_hours] + [r.hours[h] for h in hours]
            for r in usage.resources
        ]
        + [[_("All resources"), usage.occupancy, usage.open_hours, usage.booked_hours]],
        {i: "pct" for i in [1, 2, 3, *range(4, 4 + len(hours))]},
        widths={0: 28},
    )
    book.sheet(
        _("Busiest times"),
        [_("Weekday"), _("Hour"), _("Occupancy (%)"), _("Booked hours")],
        [[s.weekday_text, s.hour_text, s.occupancy, s.booked_hours] for s in usage.busiest],
        {2: "pct", 3: "pct"},
    )
    book.sheet(
        _("No-shows"),
        [
            _("Resource"),
            _("Confirmed bookings past"),
            _("No-shows"),
            _("No-show rate (%)"),
            _("Checked in"),
            _("Check-in rate (%)"),
            _("Revenue (yuan)"),
        ],
        [
            [
                r.name,
                r.past,
                r.no_shows,
                r.no_show_rate,
                r.checked_in,
                r.check_in_rate,
                float(r.revenue),
            ]
            for r in usage.resources
        ]
        + [
            [
                _("All resources"),
                usage.past,
                usage.no_shows,
                usage.no_show_rate,
                usage.checked_in,
                usage.check_in_rate,
                float(usage.revenue),
            ]
        ],
        {3: "pct", 5: "pct", 6: "money"},
        widths={0: 28},
    )
    book.sheet(
        _("Churn"),
        [
            _("Month"),
            _("Members at the start"),
            _("New"),
            _("Ended without renewal"),
            _("Renewed"),
            _("Churn rate (%)"),
        ],
        [
            [m.month_text, m.active_at_start, m.new, m.ended, m.renewed, m.churn_rate]
            for m in usage.churn
        ],
        {5: "pct"},
    )
    return book.close()


def heat_rows(usage: Usage) -> list[dict[str, Any]]:
    """The heatmap as table rows: each resource's cells with their shading."""
    return [
        {
            "name": r.name,
            "occupancy": r.occupancy,
            "cells": [{"value": r.hours[h], "style": shade(r.hours[h])} for h in usage.hours],
        }
        for r in usage.resources
    ]


def usage_pdf(usage: Usage) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    page = render_to_string(
        "space/usage_pdf.html",
        {
            "u": usage,
            "heat": heat_rows(usage),
            "generated": timezone.localtime(usage.generated),
            "lang": "zh-Hans" if core_lang() == "zh" else "en",
        },
    )
    # nothing outside the document is fetched: fonts come from the system (fontconfig)
    return HTML(string=page, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()
