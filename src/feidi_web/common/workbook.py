"""One home for writing an Excel workbook of plain sheets: a bold header row, the rows below
it with a number format per column, frozen header, readable column widths. The pipeline, the
chains and cultivation write theirs with it (the pool and the opportunities lay out notes
above their tables and write their own)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

#: Number formats a column may ask for by name.
FORMATS = {
    "money": {"num_format": "#,##0.00"},
    "pct": {"num_format": "0.0"},
    "ratio": {"num_format": "0.000"},
    "day": {"num_format": "yyyy-mm-dd"},
}


class Book:
    """An in-memory workbook: ``sheet(...)`` per table, then ``close()`` for the bytes."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buf, {"in_memory": True, "remove_timezone": True})
        self.bold = self.book.add_format({"bold": True, "text_wrap": True})
        self.formats = {name: self.book.add_format(spec) for name, spec in FORMATS.items()}

    def sheet(
        self,
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: dict[int, str] | None = None,
        widths: dict[int, int] | None = None,
    ) -> Any:
        """A sheet named ``name`` (cut to Excel's 31 characters); ``formats`` maps a column
        index to a name of :data:`FORMATS`. Returns the worksheet, for notes below."""
        ws = self.book.add_worksheet(str(name)[:31])
        ws.write_row(0, 0, [str(h) for h in header], self.bold)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                fmt = self.formats.get((formats or {}).get(j, ""))
                if value is None:
                    ws.write_blank(i, j, None)
                elif fmt is not None:
                    ws.write(i, j, value, fmt)
                else:
                    ws.write(i, j, value)
        ws.set_column(0, max(len(header) - 1, 0), 16)
        for j, w in (widths or {}).items():
            ws.set_column(j, j, w)
        ws.freeze_panes(1, 0)
        return ws

    def close(self) -> bytes:
        self.book.close()
        return self.buf.getvalue()
