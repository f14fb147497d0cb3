"""The pool in words and in files: the rows people read (page, Excel, PDF) and the two files.

Words come from the core (``record_explanation``: verdict and the summary line naming the
fewest changes to pass) and from the translation catalogue (headers, titles).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feidi.reference import industry
from feidi.rules import Explanation
from feidi_web.accounts.models import User
from feidi_web.accounts.scope import scope_text
from feidi_web.common.lang import core_lang
from feidi_web.evaluations.models import EvaluationRecord
from feidi_web.evaluations.wording import record_explanation
from feidi_web.pool.selectors import Pool, PoolFilter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
#: The most firms a PDF lists (nearest first). Laying out a table costs WeasyPrint about 10 ms
#: a row, more on long tables: 1,000 rows take ~10 s, the 3,000 of a whole county ~90 s, past
#: any request timeout. The Excel file always holds every row.
PDF_MAX_ROWS = 1000
#: Rows (0-based) of the pool sheet: four lines of title, a blank line, then the header.
XLSX_HEADER_ROW = 5


@dataclass(frozen=True)
class PoolRow:
    """One firm of the pool as people read it."""

    name: str
    credit_code: str
    town: str
    industry_code: str
    industry_name: str
    enclave: bool
    score: float | None
    #: The score as text: a number, a range when inputs are missing ("40–65"), or "".
    score_text: str
    pass_mark: float | None
    gap: float | None
    verdict: str
    verdict_text: str
    #: The core's summary line (verdict, score, gap, then the fewest changes to pass and what
    #: is missing) without its leading tier name, which the list already states.
    summary: str


def _summary(ex: Explanation) -> str:
    prefix = f"{ex.title}: "
    return ex.summary.removeprefix(prefix) if ex.title else ex.summary


def _industry_name(code: str) -> str:
    found = industry(code) if code else None
    return found.name if found else ""


def pool_rows(records: Iterable[EvaluationRecord], pool: Pool) -> list[PoolRow]:
    """The pool's records as rows, explained with the pool's run's rulebook (read once)."""
    rows = []
    for rec in records:
        e = rec.enterprise
        ex = record_explanation(rec, pool.ladder.book)
        rows.append(
            PoolRow(
                name=e.name,
                credit_code=e.credit_code or "",  # a graded firm always has one
                town=e.town,
                industry_code=e.industry_code,
                industry_name=_industry_name(e.industry_code),
                enclave=e.enclave,
                score=rec.score,
                score_text=ex.score or "",
                pass_mark=rec.pass_mark,
                gap=rec.gap,
                verdict=rec.verdict,
                verdict_text=ex.verdict_text,
                summary=_summary(ex),
            )
        )
    return rows


def _points(value: float) -> str:
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def describe_filters(pool: Pool) -> list[str]:
    """The active filters, one phrase each, in the page's language."""
    f = pool.filters
    parts = []
    if f.gap_max is not None:
        parts.append(_("within %(n)s points of the pass mark") % {"n": _points(f.gap_max)})
    if f.include_no_gap:
        parts.append(_("including firms failing only on conditions or with an unknown score"))
    if f.town:
        parts.append(_("town: %(town)s") % {"town": f.town})
    if f.industry:
        parts.append(_("industry code starting %(code)s") % {"code": f.industry})
    if f.enclave is True:
        parts.append(_("enclave firms only"))
    elif f.enclave is False:
        parts.append(_("local firms only"))
    if f.passes_lower and pool.lower_tier:
        parts.append(_("already passing %(tier)s") % {"tier": pool.ladder.label(pool.lower_tier)})
    return parts


def filters_text(pool: Pool) -> str:
    return "; ".join(describe_filters(pool)) or _("no filter")


def run_text(pool: Pool) -> str:
    if pool.run is None:
        return _("No finished evaluation of %(rulebook)s yet.") % {
            "rulebook": pool.ladder.rulebook_label
        }
    return _("Rulebook %(rulebook)s, as of %(as_of)s (evaluation #%(run)s)") % {
        "rulebook": pool.ladder.rulebook_label,
        "as_of": pool.run.as_of.isoformat(),
        "run": pool.run.pk,
    }


def title_text(pool: Pool) -> str:
    return _("Cultivation pool: %(tier)s") % {"tier": pool.ladder.label(pool.filters.tier)}


# --- file names ------------------------------------------------------------------------------


def file_stem(pool: Pool) -> tuple[str, str]:
    """The download's name in the page's language and its ASCII fallback, without suffix."""
    as_of = pool.run.as_of.isoformat() if pool.run else "none"
    tier = pool.filters.tier
    if core_lang() == "zh":
        name = f"{_('Cultivation pool')}-{pool.ladder.label(tier)}-{as_of}"
    else:
        name = f"cultivation-pool-{tier}-{as_of}"
    return name, f"cultivation-pool-{tier}-{as_of}"


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the UTF-8 ``filename*``
    (RFC 6266 / RFC 5987) that browsers prefer."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in fallback
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- Excel -----------------------------------------------------------------------------------


def _headers() -> list[tuple[str, float]]:
    """(header, column width) of the pool sheet, in the order of ``_cells``."""
    return [
        (_("Name"), 36),
        (_("Credit code"), 21),
        (_("Town"), 12),
        (_("Industry code"), 10),
        (_("Industry"), 22),
        (_("Enclave firm"), 9),
        (_("Score"), 8),
        (_("Pass mark"), 9),
        (_("Gap (points)"), 10),
        (_("Verdict"), 14),
        (_("Summary and fewest changes to pass"), 120),
    ]


def _cells(r: PoolRow) -> list[object]:
    score: object = r.score if r.score is not None else (r.score_text or None)
    return [
        r.name,
        r.credit_code,
        r.town,
        r.industry_code,
        r.industry_name,
        _("yes") if r.enclave else "",
        score,
        r.pass_mark,
        r.gap,
        r.verdict_text,
        r.summary,
    ]


def _generated_text(user: User, now: datetime) -> str:
    return _("Generated %(when)s by %(who)s") % {
        "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "who": user.display_name,
    }


def pool_xlsx(pool: Pool, rows: list[PoolRow], *, now: datetime | None = None) -> bytes:
    """The filtered pool as a workbook: a title block naming rulebook, as-of date, scope and
    filter, then one row per firm under a frozen header; a second sheet with counts per tier."""
    import xlsxwriter

    now = now or timezone.now()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    font = {"font_name": "Microsoft YaHei" if core_lang() == "zh" else "Calibri", "font_size": 10}
    title = wb.add_format({**font, "bold": True, "font_size": 14, "font_color": "#1F4E79"})
    meta = wb.add_format({**font, "font_color": "#444444"})
    header = {**font, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "border": 1}
    head = wb.add_format(header)
    head_num = wb.add_format({**header, "align": "right"})
    text = wb.add_format(font)
    code = wb.add_format({**font, "font_name": "Consolas"})
    whole = wb.add_format({**font, "num_format": "0"})
    tenth = wb.add_format({**font, "num_format": "0.0"})
    count_fmt = wb.add_format({**font, "num_format": "#,##0"})

    ws = wb.add_worksheet(_("Pool")[:31])
    ws.write(0, 0, title_text(pool), title)
    ws.write(
        1,
        0,
        run_text(pool) + " · " + _("Scope: %(scope)s") % {"scope": scope_text(pool.user)},
        meta,
    )
    ws.write(2, 0, _("Filter: %(filter)s") % {"filter": filters_text(pool)}, meta)
    ws.write(
        3,
        0,
        _generated_text(pool.user, now)
        + " · "
        + ngettext("%(n)s firm", "%(n)s firms", len(rows)) % {"n": len(rows)},
        meta,
    )
    headers = _headers()
    numeric = {6, 7, 8}
    for c, (label, width) in enumerate(headers):
        ws.write(XLSX_HEADER_ROW, c, label, head_num if c in numeric else head)
        ws.set_column(c, c, width)
    for i, r in enumerate(rows, start=XLSX_HEADER_ROW + 1):
        for c, value in enumerate(_cells(r)):
            if value is None or value == "":
                continue
            if isinstance(value, float):
                ws.write_number(i, c, value, whole if value.is_integer() else tenth)
            elif c == 1:
                ws.write_string(i, c, str(value), code)
            else:
                ws.write_string(i, c, str(value), text)
    last = XLSX_HEADER_ROW + max(len(rows), 1)
    ws.autofilter(XLSX_HEADER_ROW, 0, last, len(headers) - 1)
    ws.freeze_panes(XLSX_HEADER_ROW + 1, 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(XLSX_HEADER_ROW)

    summary = wb.add_worksheet(_("Summary by tier")[:31])
    summary.write(0, 0, title_text(pool), title)
    summary.write(1, 0, run_text(pool), meta)
    summary.write(2, 0, _("Scope: %(scope)s") % {"scope": scope_text(pool.user)}, meta)
    count_headers = _count_headers(pool.filters)
    for c, label in enumerate(count_headers):
        summary.write(4, c, label, head if c == 0 else head_num)
        summary.set_column(c, c, 28 if c == 0 else 16)
    for i, tc in enumerate(pool.counts, start=5):
        summary.write_string(i, 0, pool.ladder.label(tc.tier), text)
        for c, n in enumerate(
            (tc.evaluated, tc.passed, tc.failed, tc.unknown, tc.near, tc.no_gap), start=1
        ):
            summary.write_number(i, c, n, count_fmt)
    wb.close()
    return buf.getvalue()


def _count_headers(f: PoolFilter) -> list[str]:
    near = (
        _("Not passing, within %(n)s points") % {"n": _points(f.gap_max)}
        if f.gap_max is not None
        else _("Not passing, score short")
    )
    return [
        _("Tier"),
        _("Evaluated"),
        _("Pass"),
        _("Fail"),
        _("Unknown"),
        near,
        _("Not passing, no score gap"),
    ]


# --- PDF -------------------------------------------------------------------------------------


def pool_pdf(pool: Pool, rows: list[PoolRow], *, now: datetime | None = None) -> bytes:
    """The filtered pool as an A4 landscape report for a leader: title, scope and filter,
    counts per tier, then the table (its header repeated on every page) of at most
    ``PDF_MAX_ROWS`` firms, saying so when there are more."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    now = now or timezone.now()
    html = render_to_string(
        "pool/report.html",
        {
            "title": title_text(pool),
            "run_text": run_text(pool),
            "scope": scope_text(pool.user),
            "filters": filters_text(pool),
            "generated": _generated_text(pool.user, now),
            "count_headers": _count_headers(pool.filters),
            "counts": [
                (pool.ladder.label(c.tier), c.tier == pool.filters.tier, c) for c in pool.counts
            ],
            "tier": pool.ladder.label(pool.filters.tier),
            "rows": rows[:PDF_MAX_ROWS],
            "total": len(rows),
            "truncated": len(rows) > PDF_MAX_ROWS,
            "lang": "zh-Hans" if core_lang() == "zh" else "en",
        },
    )
    # Nothing outside the document is ever fetched: fonts come from the system (fontconfig).
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
