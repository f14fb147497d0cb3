"""Pick the demo enclave's technology offers from real research abstracts.

    .venv/bin/python scripts/extract_demo_offers.py [../shared/data/text/csl_dev_500.tsv]

Writes ``src/feidi/demo/data/enclave_offers.tsv``: papers of the disciplines the demo city's
chains need (materials, environment, computing, electronics, textiles, pharmacy, transport,
communications, energy), each with the GB/T 4754 class its offer is filed under. Source:
CSL (Chinese Scientific Literature), ydli-ai/CSL, Apache-2.0 — the titles, abstracts and
keywords are the papers' own; only the industry code is ours.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "text" / "csl_dev_500.tsv"
TARGET = ROOT / "src" / "feidi" / "demo" / "data" / "enclave_offers.tsv"

#: discipline → the GB/T 4754-2017 class an offer of that field is filed under
INDUSTRY = {
    "材料科学与工程": "C3985",  # 电子专用材料制造
    "环境科学与工程": "N7723",  # 固体废物治理
    "计算机科学与技术": "I6513",  # 应用软件开发
    "电子科学与技术": "C3973",  # 集成电路制造
    "纺织科学与工程": "C1752",  # 化纤织物染整精加工
    "药学": "C2720",  # 化学药品制剂制造
    "交通运输工程": "C3670",  # 汽车零部件及配件制造
    "信息与通信工程": "C3921",  # 通信系统设备制造
    "电气工程": "C3841",  # 锂离子电池制造
    "动力工程及工程热物理": "C3415",  # 风能原动设备制造
    "机械工程": "C3491",  # 工业机器人制造
    "控制科学与工程": "C3491",
    "化学工程与技术": "C2661",  # 化学试剂和助剂制造
}


def main(source: Path = SOURCE) -> None:
    papers = pl.read_csv(source, separator="\t", quote_char=None)
    chosen = (
        papers.filter(pl.col("discipline").is_in(list(INDUSTRY)))
        .with_columns(industry_code=pl.col("discipline").replace_strict(INDUSTRY))
        .select("title", "abstract", "keywords", "discipline", "industry_code")
    )
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    chosen.write_csv(TARGET, separator="\t", quote_style="never")
    print(f"{TARGET.relative_to(ROOT)}: {chosen.height} offers")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
