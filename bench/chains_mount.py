"""Mounting a county's registry on the chains: ``feidi.chains.mount_frame`` on 33,000 firms.

The firms are the demo generator's (their GB/T 4754 codes), each given a synthetic business
text in the style of a 经营范围: one to three product phrases made of the keywords of the
nodes its code belongs to (sometimes another node's, sometimes none), with modifiers and
suffixes, then three to nine standard scope clauses (about 120 characters a text; real
经营范围 run longer, which only favours the mounting). Two variants:

* **registry** — as such texts are: products repeat across firms, clauses repeat a lot;
* **unique** — every product phrase carries the firm's own model number (``精密铸件X3301型``),
  so no run of text that holds a keyword is shared: the segmenter's worst case.

In the same process and on the same texts, the plain way is timed as the baseline: jieba
(the same tokenizer, keywords loaded) segmenting every firm's whole text, one call per firm,
which is only the segmentation the mounting needs, without any matching. Wall and CPU time
are both printed: on a shared machine the CPU time is the closer guess of an idle run.
The tokenizer is built before the timings (≈ 1.5-2.5 s once per process, reported apart).

Usage: ``python bench/chains_mount.py [--firms 33000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import polars as pl

from feidi.chains import load_chains, mount, mount_frame, mounts_from_frame, with_words
from feidi.chains._model import fold_text
from feidi.chains._mount import _index
from feidi.chains._segment import _tokenizer

MODIFIERS = ["高精度", "新型", "智能", "环保", "节能", "多功能", "大型", "精密", "高性能", "轻量化"]
SUFFIXES = ["总成", "组件", "配件", "系统", "设备", "材料", "制品", "零件"]
VERBS = ["的研发、生产、销售；", "的制造、加工；", "的设计、制造及销售；", "生产；", "研发；"]
CLAUSES = [
    "货物进出口",
    "技术进出口",
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "普通机械设备安装服务",
    "五金产品批发",
    "五金产品零售",
    "非居住房地产租赁",
    "销售代理",
    "机械设备租赁",
    "金属材料销售",
    "塑料制品销售",
    "电子产品销售",
    "信息咨询服务（不含许可类信息咨询服务）",
    "企业管理咨询",
    "国内贸易代理",
    "仓储服务（不含危险化学品）",
    "道路货物运输（不含危险货物）",
    "专用设备修理",
    "通用设备修理",
    "包装材料及制品销售",
    "办公用品销售",
    "劳务服务（不含劳务派遣）",
    "工程和技术研究和试验发展",
    "新材料技术研发",
    "软件开发",
    "物业管理",
    "会议及展览服务",
    "日用百货销售",
]
TAIL = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"


def registry(n: int, seed: int = 7) -> pl.DataFrame:
    """``n`` firms (id, industry_code) from the demo generator."""
    from feidi.demo import generate_firms

    firms = generate_firms(n, seed=seed, n_years=1).select("credit_code", "industry_code")
    return firms.rename({"credit_code": "id"})


def texts(codes: list[str], *, unique: bool, seed: int = 11) -> list[str]:
    rng = np.random.default_rng(seed)
    chains = load_chains()
    all_words = [w for c in chains for n in c.nodes for w in n.keywords]
    by_code: dict[str, list[str]] = {}
    for code in set(codes):
        words = [
            w
            for m in mount(code, None)
            for w in next(c for c in chains if c.id == m.chain).node(m.node.split("/")[1]).keywords
        ]
        by_code[code] = words or all_words
    out = []
    for i, code in enumerate(codes):
        own = by_code[code]
        phrases = []
        for _ in range(rng.integers(1, 4)):
            roll = rng.random()
            if roll < 0.1:
                continue
            pool = own if roll < 0.75 else all_words
            word = pool[rng.integers(len(pool))]
            if rng.random() < 0.5:
                word = MODIFIERS[rng.integers(len(MODIFIERS))] + word
            if rng.random() < 0.3:
                word += SUFFIXES[rng.integers(len(SUFFIXES))]
            if unique:
                word += f"X{i}型"
            phrases.append(word)
        head = "、".join(phrases) + VERBS[rng.integers(len(VERBS))] if phrases else ""
        clauses = [CLAUSES[k] for k in rng.choice(len(CLAUSES), rng.integers(3, 10), replace=False)]
        out.append(head + "；".join(clauses) + (TAIL if rng.random() < 0.7 else ""))
    return out


def run(firms: pl.DataFrame, label: str, runs: int) -> None:
    tokenizer = _tokenizer(_index(None).finder.keywords)
    folded = [fold_text(t) for t in firms["text"]]
    chars = sum(map(len, folded))
    for r in range(runs):
        _index(None).finder._memory.clear()  # each run starts with nothing remembered
        t0, c0 = time.perf_counter(), time.process_time()
        long = mount_frame(firms)
        t_mount, c_mount = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        for text in folded:
            tokenizer.lcut(text, HMM=False)
        t_plain, c_plain = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"{label:9} run {r + 1}: mount_frame {t_mount:5.2f} s (CPU {c_mount:5.2f} s, "
            f"{long.height:,} mounts) | plain jieba per firm {t_plain:5.2f} s (CPU {c_plain:5.2f} s)"
            f" | ratio {t_plain / t_mount:4.1f}x faster"
        )
    t0 = time.perf_counter()
    with_words(long)
    print(f"{label:9} words for every mount (with_words): {time.perf_counter() - t0:.2f} s")
    print(
        f"{label:9} {firms.height:,} firms, {chars / firms.height:.0f} characters per text, "
        f"{firms['text'].n_unique():,} distinct texts"
    )


def check_equal(firms: pl.DataFrame, sample: int = 300) -> None:
    long = mount_frame(firms.head(sample))
    by_id = mounts_from_frame(long)
    for firm_id, code, text in firms.head(sample).iter_rows():
        assert by_id.get(firm_id, []) == mount(code, text), firm_id
    print(f"mount_frame equals mount() on the first {sample} firms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=33_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, {os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    _tokenizer(_index(None).finder.keywords)
    print(
        f"tokenizer with {len(_index(None).finder.keywords)} keywords: {time.perf_counter() - t0:.2f} s"
    )
    base = registry(args.firms)
    codes = base["industry_code"].to_list()
    for label, unique in (("registry", False), ("unique", True)):
        firms = base.with_columns(pl.Series("text", texts(codes, unique=unique)))
        if label == "registry":
            print("e.g.", firms["text"][0])
            check_equal(firms)
        run(firms, label, args.runs)


if __name__ == "__main__":
    main()
