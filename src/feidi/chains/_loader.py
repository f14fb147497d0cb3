"""Read chain files (YAML) or chain data (a dict) into :class:`Chain`, checking everything.

File format (one chain per file in ``feidi/chains/data/``)::

    id: auto_parts                  # ascii: lower-case letters, digits, _ and -
    name: 汽车零部件
    name_en: Automotive parts       # no Chinese characters
    sources:                        # at least one public document
      - {title: 国民经济行业分类, document: GB/T 4754-2017, issuer: …, year: 2017,
         title_en: …, used_for: …}
    synthesis: {zh: …, en: …}       # what in the file is the authors' own work
    nodes:                          # upstream first
      - id: steel                   # ascii, unique in the chain
        name: 汽车用钢
        name_en: Automotive steel
        position: upstream          # upstream / midstream / downstream
        codes: [C3130]              # GB/T 4754-2017 classes (4 digits) or groups (3 digits)
        keywords: [汽车板, 高强钢]   # words of firms' texts; unique in the chain
    edges:                          # [supplier, customer]
      - [steel, body_stampings]

Checked: the keys (unknown keys are refused, so a typo is not silently ignored), unique ids,
names in both languages, codes in the shipped GB/T 4754-2017 table at class or group level,
keywords unique in the chain, edges between existing nodes that never run from a later
position to an earlier one, no repeated edge, no cycle, and no node without an edge. Every
problem is listed, each naming the file and the node or edge, in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from feidi.chains._model import (
    POSITIONS,
    Bilingual,
    Chain,
    Edge,
    Node,
    Position,
    Source,
    fold_text,
)
from feidi.reference import industry, normalise_industry_code

__all__ = [
    "ChainError",
    "ChainProblem",
    "available_chains",
    "load_chain",
    "load_chains",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: CJK ideographs, CJK punctuation and full-width forms: none belongs in an English name.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_TOP_KEYS = {"id", "name", "name_en", "sources", "synthesis", "nodes", "edges"}
_NODE_KEYS = {"id", "name", "name_en", "position", "codes", "keywords"}
_SOURCE_KEYS = {"title", "title_en", "document", "issuer", "year", "used_for"}
_LEVEL_OK = {"小类", "中类"}


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """One thing wrong in a chain file: where (file, node or edge) and why, in both languages."""

    file: str
    where: str  # "node steel", "edge steel -> tyres", "" for the whole file
    code: str  # stable id of the kind of problem, e.g. "edge.dangling"
    reason: str
    reason_en: str

    @property
    def bilingual(self) -> str:
        place = f"{self.where}: " if self.where else ""
        return f"{self.file}: {place}{self.reason} / {self.reason_en}"


class ChainError(ValueError):
    """A chain that cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: tuple[ChainProblem, ...]) -> None:
        super().__init__("\n".join(p.bilingual for p in problems))
        self.problems = problems

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


def _data_dir() -> Path:
    return Path(str(resources.files("feidi.chains").joinpath("data")))


def available_chains() -> list[str]:
    """Ids of the chains shipped with Feidi.

    >>> available_chains()[:3]
    ['auto_parts', 'biomedicine_devices', 'energy_saving_env']
    """
    return sorted(p.stem for p in _data_dir().glob("*.yaml"))


@cache
def load_chains() -> tuple[Chain, ...]:
    """Every shipped chain, checked, in id order (read once per process).

    >>> len(load_chains())
    8
    """
    return tuple(_load_file(_data_dir() / f"{cid}.yaml") for cid in available_chains())


def load_chain(source: str | Path | Mapping[str, Any]) -> Chain:
    """A chain from a shipped id (``"auto_parts"``), a YAML file, or data (a dict in the
    file's shape, e.g. :meth:`Chain.to_dict` stored by the platform).

    Raises :class:`ChainError` listing every problem.

    >>> load_chain("new_energy").node("battery_packs").name
    '电池包与电池管理系统'
    """
    if isinstance(source, Mapping):
        return _parse(source, _data_name(source))
    if isinstance(source, str) and source in available_chains():
        return next(c for c in load_chains() if c.id == source)
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ChainError(
                (_problem(path.name, "", "file.missing", ("找不到文件", "file not found")),)
            )
        return _load_file(path)
    known = ", ".join(available_chains())
    raise ChainError(
        (
            _problem(
                str(source),
                "",
                "chain.unknown",
                (f"未知产业链，可用：{known}", f"unknown chain; known: {known}"),
            ),
        )
    )


def _data_name(data: Mapping[str, Any]) -> str:
    return f"<chain {data.get('id', '?')}>"


def _load_file(path: Path) -> Chain:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChainError(
            (
                _problem(
                    path.name,
                    "",
                    "file.unreadable",
                    (f"无法读取文件：{exc}", f"the file cannot be read: {exc}"),
                ),
            )
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChainError(
            (
                _problem(
                    path.name,
                    "",
                    "file.yaml",
                    (f"不是有效的 YAML：{exc}", f"not valid YAML: {exc}"),
                ),
            )
        ) from None
    if not isinstance(data, Mapping):
        raise ChainError(
            (
                _problem(
                    path.name,
                    "",
                    "file.shape",
                    ("文件顶层应是键值对", "the file must hold a mapping at the top"),
                ),
            )
        )
    return _parse(data, path.name)


def _problem(file: str, where: str, code: str, reason: Bilingual) -> ChainProblem:
    return ChainProblem(file, where, code, reason[0], reason[1])


class _Checker:
    """Collects the problems of one chain."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ChainProblem] = []

    def add(self, where: str, code: str, reason: Bilingual) -> None:
        self.problems.append(_problem(self.file, where, code, reason))

    def text(self, data: Mapping[str, Any], key: str, where: str, *, english: bool) -> str:
        """A required, non-empty name; an English one may not hold Chinese characters."""
        value = data.get(key)
        if value is None or not str(value).strip():
            zh_what = "英文名称" if english else "中文名称"
            en_what = "the English name" if english else "the Chinese name"
            self.add(
                where, f"{key}.missing", (f"缺少{zh_what} {key}", f"missing {en_what} ({key})")
            )
            return ""
        text = str(value).strip()
        if english and _CJK.search(text):
            self.add(
                where,
                f"{key}.chinese",
                (
                    f"英文名称 {key} 含有中文字符",
                    f"the English name ({key}) contains Chinese characters",
                ),
            )
        return text

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.add(
                    where,
                    "key.unknown",
                    (
                        f"未知字段 {key!r}，可用：{', '.join(sorted(allowed))}",
                        f"unknown key {key!r}; allowed: {', '.join(sorted(allowed))}",
                    ),
                )


def _parse(data: Mapping[str, Any], file: str) -> Chain:
    check = _Checker(file)
    check.unknown_keys(data, _TOP_KEYS, "")
    chain_id = str(data.get("id") or "")
    if not _ID.match(chain_id):
        check.add(
            "",
            "chain.id",
            (
                f"产业链 id {chain_id!r} 应由小写英文字母、数字、_ 或 - 组成",
                f"chain id {chain_id!r} must be lower-case ascii letters, digits, _ or -",
            ),
        )
    name = check.text(data, "name", "", english=False)
    name_en = check.text(data, "name_en", "", english=True)
    sources = _sources(data.get("sources"), check)
    synthesis = _synthesis(data.get("synthesis"), check)
    nodes = _nodes(data.get("nodes"), check)
    edges = _edges(data.get("edges"), nodes, check)
    if check.problems:
        raise ChainError(tuple(check.problems))
    return Chain(
        id=chain_id,
        name=name,
        name_en=name_en,
        sources=sources,
        nodes=tuple(nodes.values()),
        edges=edges,
        synthesis=synthesis,
        source_file=file,
    )


def _sources(raw: Any, check: _Checker) -> tuple[Source, ...]:
    if not isinstance(raw, list) or not raw:
        check.add(
            "",
            "sources.missing",
            (
                "至少要引用一份公开文件（sources）",
                "cite at least one public document (sources)",
            ),
        )
        return ()
    out: list[Source] = []
    for i, item in enumerate(raw):
        where = f"sources[{i}]"
        if not isinstance(item, Mapping):
            check.add(where, "source.shape", ("应是键值对", "must be a mapping"))
            continue
        check.unknown_keys(item, _SOURCE_KEYS, where)
        title = check.text(item, "title", where, english=False)
        title_en = str(item.get("title_en") or "").strip()
        if _CJK.search(title_en):
            check.add(
                where,
                "title_en.chinese",
                ("英文标题 title_en 含有中文字符", "title_en contains Chinese characters"),
            )
        year = item.get("year")
        if year is not None and not isinstance(year, int):
            check.add(where, "source.year", ("year 应是整数年份", "year must be a whole year"))
            year = None
        out.append(
            Source(
                title=title,
                title_en=title_en,
                document=str(item.get("document") or "").strip(),
                issuer=str(item.get("issuer") or "").strip(),
                year=year,
                used_for=str(item.get("used_for") or "").strip(),
            )
        )
    return tuple(out)


def _synthesis(raw: Any, check: _Checker) -> Bilingual:
    if raw is None:
        return ("", "")
    if not isinstance(raw, Mapping) or set(raw) - {"zh", "en"}:
        check.add(
            "",
            "synthesis.shape",
            ("synthesis 应写作 {zh: …, en: …}", "synthesis must be {zh: ..., en: ...}"),
        )
        return ("", "")
    en = str(raw.get("en") or "").strip()
    if _CJK.search(en):
        check.add(
            "",
            "synthesis.chinese",
            ("synthesis.en 含有中文字符", "synthesis.en contains Chinese characters"),
        )
    return (str(raw.get("zh") or "").strip(), en)


def _nodes(raw: Any, check: _Checker) -> dict[str, Node]:
    if not isinstance(raw, list) or not raw:
        check.add("", "nodes.missing", ("没有环节（nodes）", "the chain has no nodes"))
        return {}
    nodes: dict[str, Node] = {}
    keyword_owner: dict[str, str] = {}  # folded keyword → node id
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            check.add(f"nodes[{i}]", "node.shape", ("应是键值对", "must be a mapping"))
            continue
        node_id = str(item.get("id") or "")
        where = f"node {node_id}" if node_id else f"nodes[{i}]"
        check.unknown_keys(item, _NODE_KEYS, where)
        if not _ID.match(node_id):
            check.add(
                where,
                "node.id",
                (
                    f"环节 id {node_id!r} 应由小写英文字母、数字、_ 或 - 组成",
                    f"node id {node_id!r} must be lower-case ascii letters, digits, _ or -",
                ),
            )
        elif node_id in nodes:
            check.add(
                where,
                "node.duplicate",
                (f"环节 id {node_id} 重复", f"node id {node_id} appears twice"),
            )
            continue
        name = check.text(item, "name", where, english=False)
        name_en = check.text(item, "name_en", where, english=True)
        position = _position(item.get("position"), where, check)
        codes = _codes(item.get("codes"), where, check)
        keywords = _keywords(item.get("keywords"), where, node_id, keyword_owner, check)
        nodes[node_id] = Node(node_id, name, name_en, position, codes, keywords)
    return nodes


def _position(raw: Any, where: str, check: _Checker) -> Position:
    for p in POSITIONS:
        if raw == p:
            return p
    allowed = " / ".join(POSITIONS)
    check.add(
        where,
        "node.position",
        (
            f"position 应是 {allowed} 之一，收到 {raw!r}",
            f"position must be one of {allowed}, got {raw!r}",
        ),
    )
    return "midstream"


def _codes(raw: Any, where: str, check: _Checker) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        check.add(
            where,
            "codes.missing",
            ("缺少行业代码 codes", "missing the industry codes (codes)"),
        )
        return ()
    out: list[str] = []
    for value in raw:
        text = str(value).strip()
        code = normalise_industry_code(text)
        found = industry(code) if code else None
        if code is None or found is None:
            check.add(
                where,
                "code.unknown",
                (
                    f"行业代码 {text} 不在 GB/T 4754-2017 中",
                    f"industry code {text} is not in GB/T 4754-2017",
                ),
            )
        elif found.level not in _LEVEL_OK:
            check.add(
                where,
                "code.level",
                (
                    f"行业代码 {code} 是大类，请写到中类（3 位）或小类（4 位）",
                    f"industry code {code} is a division: give groups (3 digits) or classes (4 digits)",
                ),
            )
        elif code in out:
            check.add(
                where,
                "code.duplicate",
                (f"行业代码 {code} 重复", f"industry code {code} is listed twice"),
            )
        else:
            out.append(code)
    return tuple(out)


def _keywords(
    raw: Any, where: str, node_id: str, owner: dict[str, str], check: _Checker
) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        check.add(where, "keywords.missing", ("缺少关键词 keywords", "missing keywords"))
        return ()
    out: list[str] = []
    for value in raw:
        word = str(value).strip() if value is not None else ""
        if not word or any(ch.isspace() for ch in word):
            check.add(
                where,
                "keyword.blank",
                (
                    f"关键词 {word!r} 为空或含空白",
                    f"keyword {word!r} is empty or holds white space",
                ),
            )
            continue
        folded = fold_text(word)
        if folded in owner:
            other = owner[folded]
            check.add(
                where,
                "keyword.duplicate",
                (
                    f"关键词「{word}」已属于环节 {other}，同一产业链内关键词不能重复",
                    f"keyword {word!r} already belongs to node {other}: keywords are unique in a chain",
                ),
            )
            continue
        owner[folded] = node_id
        out.append(word)
    return tuple(out)


def _edges(raw: Any, nodes: dict[str, Node], check: _Checker) -> tuple[Edge, ...]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        check.add("", "edges.shape", ("edges 应是列表", "edges must be a list"))
        return ()
    order = {p: i for i, p in enumerate(POSITIONS)}
    edges: list[Edge] = []
    for i, item in enumerate(raw):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(x, str) for x in item)
        ):
            check.add(
                f"edges[{i}]",
                "edge.shape",
                (
                    f"边应写作 [供方, 需方]，收到 {item!r}",
                    f"an edge is [supplier, customer], got {item!r}",
                ),
            )
            continue
        supplier, customer = item
        where = f"edge {supplier} -> {customer}"
        ok = True
        for role_zh, role_en, end in (
            ("供方", "supplier", supplier),
            ("需方", "customer", customer),
        ):
            if end not in nodes:
                check.add(
                    where,
                    "edge.dangling",
                    (
                        f"{role_zh} {end} 不是本链的环节",
                        f"the {role_en} {end} is not a node of this chain",
                    ),
                )
                ok = False
        if not ok:
            continue
        if supplier == customer:
            check.add(where, "edge.self", ("环节不能供给自己", "a node cannot supply itself"))
            continue
        edge = Edge(supplier, customer)
        if edge in edges:
            check.add(where, "edge.duplicate", ("这条边重复", "this edge is listed twice"))
            continue
        s_pos, c_pos = nodes[supplier].position, nodes[customer].position
        if order[s_pos] > order[c_pos]:
            check.add(
                where,
                "edge.backwards",
                (
                    f"边从{_ZH_POS[s_pos]}指向{_ZH_POS[c_pos]}，应由上游指向下游",
                    f"the edge runs from {s_pos} to {c_pos}; edges run downstream",
                ),
            )
        edges.append(edge)
    cycle = _cycle(list(nodes), edges)
    if cycle:
        path = " -> ".join(cycle)
        check.add(
            f"edge {cycle[-2]} -> {cycle[-1]}",
            "edge.cycle",
            (f"上下游关系成环：{path.replace('->', '→')}", f"the edges form a cycle: {path}"),
        )
    if len(nodes) > 1:
        linked = {e.supplier for e in edges} | {e.customer for e in edges}
        for node_id in nodes:
            if node_id not in linked:
                check.add(
                    f"node {node_id}",
                    "node.isolated",
                    ("环节没有任何上下游关系（edges）", "the node has no edge to or from it"),
                )
    return tuple(edges)


_ZH_POS: dict[Position, str] = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}


def _cycle(node_ids: list[str], edges: list[Edge]) -> list[str]:
    """One cycle as a closed path (first node repeated at the end), or ``[]``."""
    out: dict[str, list[str]] = {n: [] for n in node_ids}
    for e in edges:
        out[e.supplier].append(e.customer)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(n: str) -> list[str]:
        state[n] = 1
        path.append(n)
        for m in out[n]:
            if state.get(m) == 1:
                return [*path[path.index(m) :], m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        state[n] = 2
        path.pop()
        return []

    for n in node_ids:
        if n not in state:
            found = visit(n)
            if found:
                return found
    return []
