"""Words for nodes and mounts, as (简体中文, English) pairs; each reader is shown their half.

Keywords are quoted as found (Chinese words of a Chinese text) in both halves: they are the
evidence itself, not a description of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from feidi.chains._frames import MOUNT_COLUMNS, mount_of_row
from feidi.chains._loader import load_chains
from feidi.chains._model import POSITION_WORDS, Bilingual, Chain, Node, split_node_ref
from feidi.chains._mount import CODE_WEIGHT, CodeMatch, Mount
from feidi.reference import industry

__all__ = ["evidence_words", "find_node", "node_words", "with_words"]

_LEVEL_WORDS: dict[str, Bilingual] = {
    "class": ("小类", "class"),
    "group": ("中类", "group"),
    "division": ("大类", "division"),
}


def find_node(ref: str, chains: Sequence[Chain] | None = None) -> tuple[Chain, Node]:
    """The chain and node a ``"chain/node"`` reference names; ``KeyError`` (both languages)
    when no chain has it.

    >>> chain, node = find_node("textile_apparel/dyeing_finishing")
    >>> chain.name, node.name, node.position
    ('纺织服装', '印染与后整理', 'midstream')
    """
    chain_id, node_id = split_node_ref(ref)
    for chain in load_chains() if chains is None else chains:
        if chain.id == chain_id and chain.has_node(node_id):
            return chain, chain.node(node_id)
    raise KeyError(f"没有环节 {ref} / no chain has the node {ref}")


def node_words(ref: str, chains: Sequence[Chain] | None = None) -> Bilingual:
    """``("汽车零部件 › 底盘系统（中游）", "Automotive parts › Chassis systems (midstream)")``.

    >>> node_words("auto_parts/chassis")
    ('汽车零部件 › 底盘系统（中游）', 'Automotive parts › Chassis systems (midstream)')
    """
    chain, node = find_node(ref, chains)
    zh_pos, en_pos = POSITION_WORDS[node.position]
    return (
        f"{chain.name} › {node.name}（{zh_pos}）",
        f"{chain.name_en} › {node.name_en} ({en_pos})",
    )


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _code_words(m: CodeMatch) -> Bilingual:
    level_zh, level_en = _LEVEL_WORDS[m.level]
    common = m.common_code
    found = industry(common)
    name = f"「{found.name}」" if found else ""
    if m.node_code == common:
        zh = f"行业代码 {m.code} 属于本环节的{level_zh} {common}{name}"
        en = f"industry code {m.code} is in the node's {level_en} {common}"
    else:
        zh = f"行业代码 {m.code} 与本环节的 {m.node_code} 同属{level_zh} {common}{name}"
        en = f"industry code {m.code} and the node's code {m.node_code} are in the same {level_en} {common}"
    weight = _num(CODE_WEIGHT[m.level])
    if m.shared > 1:
        zh += f"；本链 {m.shared} 个环节共用，代码得分 {weight} ÷ {m.shared} = {_num(m.score)}"
        en += f"; {m.shared} nodes of this chain share it: code score {weight} / {m.shared} = {_num(m.score)}"
    else:
        zh += f"；代码得分 {_num(m.score)}"
        en += f"; code score {_num(m.score)}"
    return zh, en


def evidence_words(mount: Mount) -> tuple[Bilingual, ...]:
    """Why the firm sits on the node, one (中文, English) pair per line: the code, the
    keywords, and how they make the confidence — or who corrected it.

    Examples
    --------
    >>> from feidi.chains import mount
    >>> for zh, en in evidence_words(mount("C3670", "新能源汽车电池包壳体")[0]):
    ...     print(zh); print(en)
    行业代码 C3670 属于本环节的小类 C3670「汽车零部件及配件制造」；本链 6 个环节共用，代码得分 0.6 ÷ 6 = 0.1
    industry code C3670 is in the node's class C3670; 6 nodes of this chain share it: code score 0.6 / 6 = 0.1
    关键词：电池包（关键词得分 0.4）
    keywords: 电池包 (keyword score 0.4)
    置信度 0.46 = 1 − (1 − 0.1) × (1 − 0.4)
    confidence 0.46 = 1 - (1 - 0.1) x (1 - 0.4)
    """
    ev = mount.evidence
    lines: list[Bilingual] = []
    if ev.code is not None:
        lines.append(_code_words(ev.code))
    if ev.keywords:
        score = _num(ev.keyword_score)
        lines.append(
            (
                f"关键词：{'、'.join(ev.keywords)}（关键词得分 {score}）",
                f"keywords: {', '.join(ev.keywords)} (keyword score {score})",
            )
        )
    if mount.status == "auto":
        code, words = _num(ev.code_score), _num(ev.keyword_score)
        value = _num(mount.confidence)
        lines.append(
            (
                f"置信度 {value} = 1 − (1 − {code}) × (1 − {words})",
                f"confidence {value} = 1 - (1 - {code}) x (1 - {words})",
            )
        )
    else:
        c = mount.correction
        by = c.by if c else ""
        note = c.note if c else ""
        zh = ("人工确认" if mount.status == "confirmed" else "人工添加") + (
            f"（{by}）" if by else ""
        )
        en = ("confirmed by staff" if mount.status == "confirmed" else "added by staff") + (
            f" ({by})" if by else ""
        )
        if note:
            zh, en = f"{zh}：{note}", f"{en}: {note}"
        lines.append((f"{zh}，置信度 1", f"{en}; confidence 1"))
    return tuple(lines)


def with_words(long: pl.DataFrame, chains: Sequence[Chain] | None = None) -> pl.DataFrame:
    """A long frame with ``node_name`` / ``node_name_en`` (:func:`node_words`) and
    ``evidence`` / ``evidence_en`` (:func:`evidence_words`, lines joined by ``；`` / ``; ``),
    for files people read."""
    names: dict[str, Bilingual] = {}
    said: dict[tuple[Any, ...], Bilingual] = {}  # rows differing only by firm say the same
    node_zh: list[str] = []
    node_en: list[str] = []
    ev_zh: list[str] = []
    ev_en: list[str] = []
    columns = list(MOUNT_COLUMNS)
    for values in long.select(columns).iter_rows():
        key = tuple(tuple(v) if isinstance(v, list) else v for v in values)
        if key not in said:
            m = mount_of_row(dict(zip(columns, values, strict=True)))
            lines = evidence_words(m)
            said[key] = ("；".join(z for z, _ in lines), "; ".join(e for _, e in lines))
        node = values[0]
        if node not in names:
            try:
                names[node] = node_words(node, chains)
            except KeyError:  # a correction naming a node no chain has any more
                names[node] = (node, node)
        node_zh.append(names[node][0])
        node_en.append(names[node][1])
        ev_zh.append(said[key][0])
        ev_en.append(said[key][1])
    return long.with_columns(
        pl.Series("node_name", node_zh, dtype=pl.String),
        pl.Series("node_name_en", node_en, dtype=pl.String),
        pl.Series("evidence", ev_zh, dtype=pl.String),
        pl.Series("evidence_en", ev_en, dtype=pl.String),
    )
