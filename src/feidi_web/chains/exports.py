"""The chains of a scope as a workbook: the nodes with their strength, the ranked gaps with
their evidence, and every candidate of every gap — the rows the pages show
(:mod:`feidi_web.chains.wording`), headers in the page's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.schema import TITLE_LEVELS
from feidi_web.accounts.models import User
from feidi_web.chains.selectors import ChainFigures
from feidi_web.chains.wording import gap_rows, node_rows, tier_label
from feidi_web.common.lang import core_lang
from feidi_web.common.workbook import Book

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_name(now: datetime) -> str:
    return f"chains-{timezone.localtime(now).strftime('%Y%m%d')}.xlsx"


def node_sheet(figures: ChainFigures) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Chain"),
        _("Node"),
        _("Position"),
        _("GB/T 4754 codes"),
        _("Local firms"),
        _("Revenue (10k CNY)"),
        _("R&D expense (10k CNY)"),
        _("Firms with R&D"),
        *[tier_label(t) for t in TITLE_LEVELS],
        _("Tier holders"),
        _("Enclave firms"),
        _("Strength"),
        _("Gaps"),
    ]
    rows = []
    for chain in figures.chains:
        name = chain.name if core_lang() == "zh" else chain.name_en
        for n in node_rows(figures, chain):
            rows.append(
                [
                    name,
                    n.name,
                    n.position_label,
                    "；".join(n.codes),
                    n.firms,
                    n.revenue,
                    n.rd_expense,
                    n.rd_firms,
                    *[n.tiers[t] for t in TITLE_LEVELS],
                    n.tier_holders,
                    n.enclave_firms,
                    round(n.strength, 3) if n.strength is not None else None,
                    "、".join(label for _k, label in n.gaps),
                ]
            )
    return header, rows


def gap_sheet(figures: ChainFigures) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Rank"),
        _("Chain"),
        _("Node"),
        _("Position"),
        _("Gap"),
        _("Priority"),
        _("Local firms"),
        _("Strength"),
        _("Nodes it names"),
        _("Evidence"),
        _("Candidates to attract"),
        _("Candidates to grow"),
    ]
    rows = [
        [
            g.rank,
            g.chain,
            g.node_name,
            g.position_label,
            g.type_label,
            g.priority,
            g.firms,
            round(g.strength, 3) if g.strength is not None else None,
            "、".join(name for _id, name in g.related),
            g.evidence,
            len(g.attract),
            len(g.grow),
        ]
        for g in gap_rows(figures)
    ]
    return header, rows


def candidate_sheet(figures: ChainFigures) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Gap rank"),
        _("Chain"),
        _("Gap node"),
        _("Gap"),
        _("Action"),
        _("Candidate"),
        _("Kind"),
        _("Credit code"),
        _("Offered by"),
        _("Found on node"),
        _("Confidence"),
        _("Score"),
    ]
    rows = []
    for g in gap_rows(figures):
        for c in g.candidates:
            rows.append(
                [
                    g.rank,
                    g.chain,
                    g.node_name,
                    g.type_label,
                    _("To attract") if c.action == "attract" else _("To grow"),
                    c.name,
                    c.kind_label,
                    c.credit_code or "",
                    c.offered_by,
                    c.where,
                    c.confidence,
                    c.score,
                ]
            )
    return header, rows


def workbook(figures: ChainFigures, user: User, *, now: datetime | None = None) -> bytes:
    """Three sheets — nodes, gaps, candidates — for ``user``'s scope as of today."""
    now = now or timezone.now()
    book = Book()
    money_columns = {_("Revenue (10k CNY)"), _("R&D expense (10k CNY)")}
    ratio_columns = {_("Strength"), _("Priority"), _("Confidence"), _("Score")}
    for title, (header, rows) in (
        (_("Nodes"), node_sheet(figures)),
        (_("Gaps"), gap_sheet(figures)),
        (_("Candidates"), candidate_sheet(figures)),
    ):
        formats = {
            j: "money" if h in money_columns else "ratio"
            for j, h in enumerate(header)
            if h in money_columns or h in ratio_columns
        }
        book.sheet(title, header, rows, formats)
    info = book.book.add_worksheet(_("About")[:31])
    info.write(0, 0, _("Industry chains: node strength, gaps and candidates"), book.bold)
    info.write(
        1,
        0,
        _(
            "Generated %(when)s by %(who)s; firms in the user's scope, figures of each firm's "
            "latest fiscal year, titles held on %(as_of)s."
        )
        % {
            "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            "who": user.display_name,
            "as_of": figures.as_of.isoformat(),
        },
    )
    return book.close()
