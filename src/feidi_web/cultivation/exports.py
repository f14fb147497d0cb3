"""Diagnoses, flags, recommendations and cases as Excel, in the page's language — the same
words the pages show (types, flags and services by name, never by id)."""

from __future__ import annotations

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.diagnosis import Diagnosis
from feidi_web.accounts.models import User
from feidi_web.common.lang import pick
from feidi_web.common.workbook import Book
from feidi_web.cultivation.models import CaseStatus
from feidi_web.cultivation.outcomes import case_outcome
from feidi_web.cultivation.permissions import cases_for, firms_for
from feidi_web.cultivation.selectors import (
    flag_text,
    latest_reviews,
    service_text,
    type_text,
)


def write_diagnosis_sheets(book: Book, user: User, d: Diagnosis) -> None:
    firms = {
        str(f.credit_code): f
        for f in firms_for(user).filter(credit_code__isnull=False).order_by("name")
    }
    reviews = latest_reviews([f.pk for f in firms.values()])
    flags: dict[str, list[str]] = {}
    for code, flag in (
        d.flags.filter(pl.col("status") == "raised").select("credit_code", "flag").iter_rows()
    ):
        flags.setdefault(code, []).append(flag_text(flag))
    services: dict[str, list[str]] = {}
    for code, s in d.recommendations.sort("rank").select("credit_code", "service").iter_rows():
        services.setdefault(code, []).append(service_text(s))
    rows = []
    for code, t in d.types.select("credit_code", "type").iter_rows():
        firm = firms.get(code)
        if firm is None:
            continue
        review = reviews.get(firm.pk)
        rows.append(
            [
                firm.name,
                code,
                firm.town,
                type_text(t),
                type_text(review.staff_type) if review else "",
                review.reason if review else "",
                "、".join(flags.get(code, [])),
                "、".join(dict.fromkeys(services.get(code, []))),
            ]
        )
    book.sheet(
        _("Diagnoses"),
        [
            _("Firm"),
            _("Credit code"),
            _("Town"),
            _("Type (rules)"),
            _("Type (staff)"),
            _("Why staff disagree"),
            _("Red flags"),
            _("Recommended services"),
        ],
        rows,
        widths={0: 28, 6: 30, 7: 40},
    )
    name_of = {c: f.name for c, f in firms.items()}
    book.sheet(
        _("Red flags"),
        [_("Firm"), _("Credit code"), _("Red flag"), _("Status"), _("Evidence")],
        [
            [
                name_of.get(r["credit_code"], ""),
                r["credit_code"],
                flag_text(r["flag"]),
                _("raised") if r["status"] == "raised" else _("unknown (inputs missing)"),
                pick((r["evidence_zh"], r["evidence_en"])),
            ]
            for r in d.flags.iter_rows(named=True)
            if r["credit_code"] in name_of
        ],
        widths={0: 28, 4: 60},
    )
    book.sheet(
        _("Recommendations"),
        [_("Firm"), _("Credit code"), _("Service"), _("Rank"), _("Why it suits")],
        [
            [
                name_of.get(r["credit_code"], ""),
                r["credit_code"],
                service_text(r["service"]),
                r["rank"],
                pick((r["reason_zh"], r["reason_en"])),
            ]
            for r in d.recommendations.sort("credit_code", "rank").iter_rows(named=True)
            if r["credit_code"] in name_of
        ],
        widths={0: 28, 4: 60},
    )


def write_case_sheet(book: Book, user: User) -> None:
    rows = []
    for c in cases_for(user).select_related("enterprise", "opened_by").order_by("opened_at"):
        _after, o = case_outcome(c)
        rows.append(
            [
                c.enterprise.name,
                c.enterprise.credit_code,
                service_text(c.service),
                str(CaseStatus(c.status).label),
                timezone.localtime(c.opened_at).date(),
                timezone.localtime(c.closed_at).date() if c.closed_at else None,
                c.provider,
                type_text(c.baseline.get("type") or None),
                c.baseline.get("year"),
                o.to_year if o else None,
                o.jobs if o else None,
                o.revenue_growth if o else None,
                o.rd if o else None,
                (_("yes") if o.tier_up else _("no")) if o else None,
                c.outcome_note,
            ]
        )
    book.sheet(
        _("Service cases"),
        [
            _("Firm"),
            _("Credit code"),
            _("Service"),
            _("Status"),
            _("Referred"),
            _("Closed"),
            _("Provider"),
            _("Type when referred"),
            _("Fiscal year when referred"),
            _("Latest fiscal year"),
            _("Change in employees"),
            _("Revenue growth (%)"),
            _("Change in R&D (10k CNY)"),
            _("Higher tier reached"),
            _("Outcome"),
        ],
        rows,
        {4: "day", 5: "day", 11: "pct", 12: "money"},
        widths={0: 28, 14: 40},
    )


def diagnoses_workbook(user: User, d: Diagnosis) -> bytes:
    book = Book()
    write_diagnosis_sheets(book, user, d)
    write_case_sheet(book, user)
    return book.close()
