"""The city cultivation report (培育工作报告) — what an SME bureau hands its leaders — as PDF
and Excel, from the same selectors as the pages: the ladder titles held, the chains with their
graphs and gaps, the diagnoses, the industries the county could move into, and the service
plan with what came of it. Nothing is computed here that a page does not show.

The chain graphs of the PDF are SVG drawn from the chain page's own graph payload
(``chains.wording.graph_payload``: the same columns, sizes and colours), so the printed
picture is the interactive one without the interaction.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.rules import highest_title
from feidi.schema import TITLE_LEVELS
from feidi_web.accounts.models import User
from feidi_web.accounts.scope import scope_text
from feidi_web.chains.selectors import chain_figures
from feidi_web.chains.wording import ChainSummary, GapRow, chain_summaries, graph_payload, node_rows
from feidi_web.common.display import number_text
from feidi_web.common.lang import core_lang
from feidi_web.common.workbook import Book
from feidi_web.cultivation.exports import write_case_sheet, write_diagnosis_sheets
from feidi_web.cultivation.permissions import firms_for, require_reader
from feidi_web.cultivation.selectors import (
    DiagnosisOverview,
    ServiceRow,
    overview,
    services_report,
)
from feidi_web.evaluations.ladder import title_label
from feidi_web.opportunities.selectors import Opportunities, opportunities_for

#: Gaps and opportunities the PDF lists (the workbook holds them all).
TOP_GAPS = 15
TOP_OPPORTUNITIES = 15


@dataclass(frozen=True)
class ChainSection:
    summary: ChainSummary
    svg: str


@dataclass(frozen=True)
class CultivationReport:
    scope: str
    generated: datetime
    firms: int
    tiers: list[tuple[str, int]]  # (title in words, local firms holding it as highest)
    diagnosis: DiagnosisOverview
    chains: list[ChainSection]
    gap_total: int
    gaps: list[GapRow]
    opportunities: Opportunities
    services: list[ServiceRow]
    cases: dict[str, int]


def build_report(user: User, *, today: date | None = None) -> CultivationReport:
    require_reader(user)
    day = today or timezone.localdate()
    firms = firms_for(user).filter(kind="enterprise", enclave=False)
    held = Counter(
        highest_title(p, day, undated=True)
        for p in firms.values_list("profile", flat=True).iterator()
    )
    figures = chain_figures(user)
    sections = []
    for summary in chain_summaries(figures):
        chain = figures.chain(summary.id)
        if chain is None:
            continue
        payload = graph_payload(figures, chain, node_rows(figures, chain))
        sections.append(ChainSection(summary, chain_svg(payload)))
    from feidi_web.chains.wording import gap_rows

    services = services_report(user, today=day)
    cases: Counter[str] = Counter()
    for r in services:
        cases["cases"] += r.outcome.cases
        cases["open"] += r.outcome.open
        cases["done"] += r.outcome.done
    return CultivationReport(
        scope=scope_text(user),
        generated=timezone.now(),
        firms=firms.count(),
        tiers=[(title_label(t), held.get(t, 0)) for t in reversed(TITLE_LEVELS)],
        diagnosis=overview(user, as_of=day),
        chains=sections,
        gap_total=sum(s.summary.gap_count for s in sections),
        gaps=gap_rows(figures, limit=TOP_GAPS),
        opportunities=opportunities_for(user, top=TOP_OPPORTUNITIES),
        services=services,
        cases=dict(cases),
    )


# --- the chain graph as SVG -------------------------------------------------------------------

_W, _H_ROW, _PAD = 640.0, 34.0, 24.0


def chain_svg(payload: dict[str, Any]) -> str:
    """The chain page's graph (``graph_payload``) as a static SVG: columns upstream →
    downstream, supplier → customer edges, node size by firms, colour by strength class, a
    red ring on nodes with gaps, each node named."""
    nodes = payload["nodes"]
    if not nodes:
        return ""
    ys = [n["y"] for n in nodes]
    y0, y1 = min(ys), max(ys)
    rows = (y1 - y0) / 70 + 1
    height = _PAD * 2 + 24 + rows * _H_ROW
    col_w = (_W - 2 * _PAD) / max(len(payload["columns"]), 1)

    def px(n: dict[str, Any]) -> tuple[float, float]:
        col = n["x"] / 400
        return _PAD + col_w * (col + 0.25), _PAD + 24 + (n["y"] - y0) / 70 * _H_ROW + _H_ROW / 2

    where = {n["id"]: px(n) for n in nodes}
    colors = [c["color"] for c in payload["categories"]]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {_W:.0f} {height:.0f}" font-size="9">'
    ]
    for i, word in enumerate(payload["columns"]):
        out.append(
            f'<text x="{_PAD + col_w * (i + 0.25):.1f}" y="{_PAD:.1f}" font-weight="bold" '
            f'text-anchor="middle">{html.escape(str(word))}</text>'
        )
    for e in payload["edges"]:
        if e["source"] in where and e["target"] in where:
            (x1, y1_), (x2, y2) = where[e["source"]], where[e["target"]]
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1_:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                'stroke="#8c959d" stroke-opacity="0.6" stroke-width="0.8"/>'
            )
    for n in nodes:
        x, y = where[n["id"]]
        r = max(4.0, min(14.0, n["size"] / 4))
        ring = ' stroke="#dc3545" stroke-width="2"' if n["gapTypes"] else ""
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colors[n["category"]]}"{ring}/>'
        )
        out.append(
            f'<text x="{x + r + 3:.1f}" y="{y + 3:.1f}">{html.escape(str(n["name"]))}</text>'
        )
    # legend: strength classes, then the gap ring
    lx = _PAD
    ly = height - 8
    for c in payload["categories"]:
        out.append(f'<circle cx="{lx + 4:.1f}" cy="{ly - 3:.1f}" r="4" fill="{c["color"]}"/>')
        out.append(f'<text x="{lx + 11:.1f}" y="{ly:.1f}">{html.escape(str(c["name"]))}</text>')
        lx += 11 + 9 * len(str(c["name"])) * (1.0 if core_lang() == "zh" else 0.55) + 12
    out.append(
        f'<circle cx="{lx + 4:.1f}" cy="{ly - 3:.1f}" r="4" fill="none" stroke="#dc3545" '
        'stroke-width="2"/>'
    )
    out.append(
        f'<text x="{lx + 11:.1f}" y="{ly:.1f}">{html.escape(str(payload["gapsWord"]))}</text>'
    )
    out.append("</svg>")
    return "".join(out)


# --- PDF and Excel ------------------------------------------------------------------------------


def report_pdf(report: CultivationReport) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    page = render_to_string(
        "cultivation/report.html",
        {"r": report, "lang": "zh-Hans" if core_lang() == "zh" else "en"},
    )
    # nothing outside the document is fetched: fonts come from the system (fontconfig)
    return HTML(string=page, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()


def report_xlsx(report: CultivationReport, user: User) -> bytes:
    book = Book()
    book.sheet(
        _("Summary"),
        [_("Item"), _("Value")],
        [
            [_("Scope"), report.scope],
            [_("Generated"), timezone.localtime(report.generated).strftime("%Y-%m-%d %H:%M")],
            [_("Local enterprises"), report.firms],
            *[[_("Highest title held: %(t)s") % {"t": t}, n] for t, n in report.tiers],
            *[[_("Type: %(t)s") % {"t": w}, n] for _id, w, n in report.diagnosis.by_type],
            *[[_("Red flag: %(f)s") % {"f": w}, n] for _id, w, n in report.diagnosis.by_flag],
            [_("Service cases"), report.cases.get("cases", 0)],
            [_("Open cases"), report.cases.get("open", 0)],
            [_("Done cases"), report.cases.get("done", 0)],
        ],
        widths={0: 36, 1: 24},
    )
    book.sheet(
        _("Chains"),
        [
            _("Chain"),
            _("Nodes"),
            _("Nodes held"),
            _("Local firms"),
            _("Enclave firms"),
            _("Revenue (10k CNY)"),
            _("R&D expense (10k CNY)"),
            _("Gaps"),
        ],
        [
            [
                s.summary.name,
                s.summary.nodes,
                s.summary.held,
                s.summary.firms,
                s.summary.enclave_firms,
                s.summary.revenue,
                s.summary.rd_expense,
                s.summary.gap_count,
            ]
            for s in report.chains
        ],
        {5: "money", 6: "money"},
        widths={0: 24},
    )
    book.sheet(
        _("Gaps"),
        [
            _("Rank"),
            _("Chain"),
            _("Node"),
            _("Gap type"),
            _("Priority"),
            _("Evidence"),
            _("Candidates to attract"),
            _("Firms to grow"),
        ],
        [
            [
                g.rank,
                g.chain,
                g.node_name,
                g.type_label,
                g.priority,
                g.evidence,
                "、".join(c.name for c in g.attract),
                "、".join(c.name for c in g.grow),
            ]
            for g in report.gaps
        ],
        widths={2: 20, 5: 60, 6: 30, 7: 30},
    )
    o = report.opportunities
    book.sheet(
        _("Opportunities"),
        [_("Rank"), _("Industry"), _("Density"), _("PCI"), _("Outlook gain"), _("Why")],
        [[r.rank, r.label, r.density, r.pci, r.cog, "；".join(r.reasons)] for r in o.ranked],
        {2: "pct", 3: "pct", 4: "pct"},
        widths={1: 36, 5: 60},
    )
    write_diagnosis_sheets(book, user, report.diagnosis.diagnosis)
    book.sheet(
        _("Services and outcomes"),
        [
            _("Service"),
            _("Cases"),
            _("Open"),
            _("Done"),
            _("Served firms measured"),
            _("Served: median change in jobs"),
            _("Served: median revenue growth (%)"),
            _("Comparable firms"),
            _("Comparable: median change in jobs"),
            _("Comparable: median revenue growth (%)"),
        ],
        [
            [
                r.name,
                r.outcome.cases,
                r.outcome.open,
                r.outcome.done,
                r.outcome.served.firms,
                r.outcome.served.jobs,
                r.outcome.served.revenue_growth,
                r.outcome.comparable.firms,
                r.outcome.comparable.jobs,
                r.outcome.comparable.revenue_growth,
            ]
            for r in report.services
        ],
        {6: "pct", 9: "pct"},
        widths={0: 24},
    )
    write_case_sheet(book, user)
    return book.close()


def money_text(value: float | None) -> str:
    return number_text(value, 0)
