"""``feidi policies INPUT -o OUT`` — every firm × every policy in force: eligible or not, the
benefit, the inputs that would decide.

Registered in :mod:`feidi.cli`. INPUT is a registry file as ``feidi evaluate`` reads it, with
the policies' own inputs beside (应纳税所得额 …, read by their Chinese or English names). OUT is
a folder (``policies.csv``) or an ``.xlsx`` (one sheet); headers in both languages, values in
words. Exit codes as ``feidi``'s: 0 done; 2 bad input (the report names file, row, column,
value and reason; nothing is written).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.table import Table

from feidi._console import EXIT_BAD_INPUT, as_of_date, both, console, err, refuse, show_report

if TYPE_CHECKING:
    from feidi.policy._eligibility import Eligibility
    from feidi.policy._policies import Policy
    from feidi.schema import Field

__all__ = ["COLUMNS", "policies_cmd", "policy_inputs", "policy_table", "write_table"]

SHEET = "政策 policies"
COLUMNS = (
    "统一社会信用代码 / Credit code",
    "企业名称 / Name",
    "政策 / Policy",
    "依据",
    "Source",
    "结论 / Verdict",
    "优惠",
    "Benefit",
    "金额(万元) / Amount (10k CNY)",
    "金额说明 / Amount is",
    "缺失数据 / Missing inputs",
)
_AMOUNT = "金额(万元) / Amount (10k CNY)"


def policy_inputs(policies: Sequence[Policy]) -> tuple[Field, ...]:
    """The input fields the policies' rulebooks add to the registry's, each once."""
    from feidi.schema import Field

    found: dict[str, Field] = {}
    for p in policies:
        for f in p.rulebook.inputs:
            if isinstance(f, Field):
                found.setdefault(f.name, f)
    return tuple(found.values())


def policy_table(e: Eligibility) -> pl.DataFrame:
    """One row per firm × policy, as people read it: headers in both languages, words."""
    from feidi.policy._eligibility import VERDICTS, citation, missing_words

    by_id = {p.id: p for p in e.policies}
    rows = []
    for r in e.verdicts.iter_rows(named=True):
        p = by_id[r["policy"]]
        cite = citation(p)
        lack = missing_words(p, r["missing"] or ())
        rows.append(
            {
                COLUMNS[0]: r["credit_code"],
                COLUMNS[1]: r["name"],
                COLUMNS[2]: both(p.name),
                COLUMNS[3]: cite[0],
                COLUMNS[4]: cite[1],
                COLUMNS[5]: both(VERDICTS[r["verdict"]]),
                COLUMNS[6]: p.benefit[0],
                COLUMNS[7]: p.benefit[1],
                COLUMNS[8]: r["benefit_amount"],
                COLUMNS[9]: both(p.amount.name) if p.amount else "",
                COLUMNS[10]: " / ".join(
                    ("、".join(z for z, _ in lack), ", ".join(en for _, en in lack))
                )
                if lack
                else "",
            }
        )
    schema = {c: (pl.Float64 if c == _AMOUNT else pl.String) for c in COLUMNS}
    return pl.DataFrame(rows, schema=schema)


def write_table(table: pl.DataFrame, out: Path) -> None:
    """An .xlsx with one sheet, or a folder with ``policies.csv``; whole or not at all."""
    if out.suffix.lower() == ".xlsx":
        import xlsxwriter

        out.parent.mkdir(parents=True, exist_ok=True)
        target = out
    else:
        out.mkdir(parents=True, exist_ok=True)
        target = out / "policies.csv"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        if target.suffix == ".xlsx":
            with xlsxwriter.Workbook(tmp) as wb:
                table.write_excel(
                    wb,
                    worksheet=SHEET,
                    autofit=True,
                    header_format={"bold": True},
                    freeze_panes=(1, 0),
                )
        else:
            table.write_csv(tmp, include_bom=True)  # Excel opens UTF-8 with a BOM as such
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _summary(e: Eligibility) -> None:
    from feidi.policy._eligibility import VERDICTS

    firms = e.verdicts["credit_code"].n_unique()
    console.print(
        f"{firms:,} 家企业，评价日 {e.as_of}，{len(e.policies)} 项有效政策"
        f" / {firms:,} firms as of {e.as_of}, {len(e.policies)} policies in force"
    )
    table = Table(title="政策 / policies")
    table.add_column("政策 / policy")
    for v in VERDICTS:
        table.add_column(both(VERDICTS[v]), justify="right")
    counts = e.counts()
    for p in e.policies:
        table.add_row(both(p.name), *(f"{counts[p.id][v]:,}" for v in VERDICTS))
    console.print(table)


def policies_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="企业名录 CSV / XLSX / Parquet（同 feidi evaluate）/ registry file, as feidi evaluate reads it",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="输出文件夹（policies.csv）或 .xlsx / an output folder or .xlsx",
            show_default=False,
        ),
    ],
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of", help="评价日期 YYYY-MM-DD / evaluation date (上年度 = its year − 1)"
        ),
    ] = date.today().isoformat(),  # noqa: DTZ011 - a CLI default, shown in --help
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX 工作表名 / XLSX sheet name")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="把输入检查报告写入文件 (.csv/.xlsx/.json) / write the input report"
        ),
    ] = None,
) -> None:
    """每家企业可享受哪些政策（政策直达）/ which policies every firm is eligible for."""
    from feidi.io import InputError, read_dataset, write_report
    from feidi.policy._eligibility import eligibility
    from feidi.policy._policies import load_policies

    suffix = out.suffix.lower()
    if suffix not in ("", ".xlsx") and not out.is_dir():
        err.print(
            f"[red]输出应为文件夹或 .xlsx / the output is a folder or an .xlsx, not {suffix}[/red]"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    day = as_of_date(as_of)
    policies = load_policies(day)
    try:
        data, checked = read_dataset(input, extra_fields=policy_inputs(policies), sheet=sheet)
    except InputError as exc:
        refuse(exc.report, report, ("评估", "graded"))
    if checked.warnings:
        show_report(checked, limit=10)
    if report:
        write_report(checked, report)
    e = eligibility(data, as_of=day, policies=policies)
    write_table(policy_table(e), out)
    _summary(e)
    console.print(f"结果 / written: {out}")
