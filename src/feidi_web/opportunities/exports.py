"""The opportunities in a workbook: every candidate ranked, the county's own industries, and a
sheet saying what the figures are (county, value, fiscal year, reference panel, the rule)."""

from __future__ import annotations

import io
import math
from datetime import datetime
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _

from feidi_web.accounts.models import User
from feidi_web.common.lang import core_lang
from feidi_web.opportunities.scoring import WEIGHTS
from feidi_web.opportunities.selectors import IndustryRow, Opportunities

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows (0-based) of the first two sheets: a title, a line of context, a blank line, the header.
XLSX_HEADER_ROW = 3


def value_text(result: Opportunities) -> str:
    """What the county's table counts, in words."""
    if result.value == "firms":
        return _("firm counts")
    if result.year is not None:
        return _("revenue of fiscal year %(year)s (10,000 yuan)") % {"year": result.year}
    return _("revenue (10,000 yuan)")


def rule_text() -> str:
    return _(
        "Candidates: the classes of the reference panel the county does not hold (RCA < 1) "
        "with a known PCI. Score = %(d)s × z(density) + %(p)s × z(PCI) + %(c)s × z(COG), z "
        "the standard score among the candidates; ties go to the higher density."
    ) % {"d": WEIGHTS["density"], "p": WEIGHTS["pci"], "c": WEIGHTS["cog"]}


def file_name(result: Opportunities) -> tuple[str, str]:
    """The download's name in the page's language and its ASCII fallback."""
    code = result.county.code if result.county else "none"
    stamp = timezone.localdate().isoformat()
    name = (
        f"产业机会-{result.county.name if result.county else code}-{stamp}.xlsx"
        if core_lang() == "zh"
        else f"industry-opportunities-{code}-{stamp}.xlsx"
    )
    return name, f"industry-opportunities-{code}-{stamp}.xlsx"


def content_disposition(result: Opportunities) -> str:
    name, fallback = file_name(result)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _finite(cell: object) -> object:
    """An unknown figure (NaN: a class no county of the panel holds) as an empty cell."""
    return None if isinstance(cell, float) and not math.isfinite(cell) else cell


def _candidate_cells(r: IndustryRow) -> list[object]:
    return [
        r.rank,
        r.code,
        r.name_zh,
        r.density,
        r.pci,
        r.cog,
        r.score,
        _("yes") if r.raises_complexity else _("no"),
        r.ubiquity,
        "\n".join(r.reasons),
    ]


def _held_cells(r: IndustryRow) -> list[object]:
    return [
        r.code,
        r.name_zh,
        r.value,
        r.firms,
        r.rca,
        r.pci,
        r.density,
        r.ubiquity,
    ]


def opportunities_xlsx(result: Opportunities, user: User, *, now: datetime | None = None) -> bytes:
    """Sheet 1 every candidate in rank order, sheet 2 the county's own industries (RCA ≥ 1),
    sheet 3 what the figures are. A result with a ``problem`` gives the third sheet only
    with the problem stated, so a download never fails."""
    import xlsxwriter

    now = now or timezone.now()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    font = {"font_name": "Microsoft YaHei" if core_lang() == "zh" else "Calibri", "font_size": 10}
    title = wb.add_format({**font, "bold": True, "font_size": 14, "font_color": "#1F4E79"})
    meta = wb.add_format({**font, "font_color": "#444444"})
    head = wb.add_format(
        {**font, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "border": 1}
    )
    text = wb.add_format(font)
    wrap = wb.add_format({**font, "text_wrap": True, "valign": "top"})
    code = wb.add_format({**font, "font_name": "Consolas"})
    whole = wb.add_format({**font, "num_format": "#,##0"})
    money = wb.add_format({**font, "num_format": "#,##0.00"})
    third = wb.add_format({**font, "num_format": "0.000"})
    county = result.county.label if result.county else "—"
    parts = [
        _("County: %(county)s") % {"county": county},
        _("Value: %(value)s") % {"value": value_text(result)},
    ]
    if result.reference:
        parts.append(_("Reference: %(panel)s") % {"panel": result.reference.label})
    context = " · ".join(parts)

    if result.ok:
        ws = wb.add_worksheet(_("Opportunities")[:31])
        ws.write(0, 0, _("Industry opportunities of %(county)s") % {"county": county}, title)
        ws.write(1, 0, context, meta)
        headers = [
            (_("Rank"), 6),
            (_("GB/T 4754 class"), 10),
            (_("Industry"), 30),
            (_("Density"), 9),
            (_("PCI"), 8),
            (_("Outlook gain (COG)"), 10),
            (_("Score"), 8),
            (_("Raises the county's complexity"), 12),
            (_("Counties holding it"), 10),
            (_("Why"), 90),
        ]
        for col, (label, width) in enumerate(headers):
            ws.write(XLSX_HEADER_ROW, col, label, head)
            ws.set_column(col, col, width)
        formats = [whole, code, text, third, third, third, third, text, whole, wrap]
        for i, row in enumerate(result.ranked, start=XLSX_HEADER_ROW + 1):
            for col, (cell, fmt) in enumerate(zip(_candidate_cells(row), formats, strict=True)):
                ws.write(i, col, _finite(cell), fmt)
        ws.freeze_panes(XLSX_HEADER_ROW + 1, 3)
        ws.autofilter(XLSX_HEADER_ROW, 0, XLSX_HEADER_ROW + len(result.ranked), len(headers) - 1)

        ws2 = wb.add_worksheet(_("Industries held")[:31])
        ws2.write(0, 0, _("Industries %(county)s holds (RCA ≥ 1)") % {"county": county}, title)
        ws2.write(1, 0, context, meta)
        held_headers = [
            (_("GB/T 4754 class"), 10),
            (_("Industry"), 30),
            (_("Revenue (10,000 yuan)") if result.value == "revenue" else _("Value"), 14),
            (_("Local firms"), 10),
            (_("RCA"), 8),
            (_("PCI"), 8),
            (_("Density"), 9),
            (_("Counties holding it"), 10),
        ]
        for col, (label, width) in enumerate(held_headers):
            ws2.write(XLSX_HEADER_ROW, col, label, head)
            ws2.set_column(col, col, width)
        held_formats = [code, text, money, whole, third, third, third, whole]
        for i, row in enumerate(result.held, start=XLSX_HEADER_ROW + 1):
            for col, (cell, fmt) in enumerate(zip(_held_cells(row), held_formats, strict=True)):
                ws2.write(i, col, _finite(cell), fmt)
        ws2.freeze_panes(XLSX_HEADER_ROW + 1, 2)

    about = wb.add_worksheet(_("About")[:31])
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 100)
    lines: list[tuple[str, object]] = [
        (_("County"), county),
        (_("Value"), value_text(result)),
        (_("Reference panel"), result.reference.label if result.reference else "—"),
    ]
    if result.ok:
        lines += [
            (_("Economic complexity (ECI)"), result.eci),
            (
                _("ECI against the panel"),
                _("higher than %(n)s of the %(total)s counties of the reference panel")
                % {"n": result.eci_above, "total": result.reference_locations},
            ),
            (_("Complexity outlook (COI)"), result.coi),
            (_("Industries held (RCA ≥ 1)"), result.diversity),
            (_("Candidates"), result.candidates),
            (_("Firms in the table"), result.firms_counted),
            (_("Local firms without a GB/T class"), result.firms_without_class),
            (_("Ranking rule"), rule_text()),
        ]
    else:
        lines.append((_("Why there are no figures"), result.problem or ""))
    lines.append(
        (
            _("Generated"),
            _("%(when)s by %(who)s")
            % {
                "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                "who": user.display_name,
            },
        )
    )
    for i, (label, value) in enumerate(lines):
        about.write(i, 0, label, head)
        about.write(i, 1, _finite(value), wrap)
    wb.close()
    return buf.getvalue()
