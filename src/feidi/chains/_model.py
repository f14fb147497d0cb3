"""Industry chains as plain data: a chain, its nodes (upstream → downstream) and its edges.

A node is named across the platform by one string, ``"<chain_id>/<node_id>"``
(:func:`node_ref`), so a stored mount, a correction, a profile or a gap names a node without
holding the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "POSITIONS",
    "Bilingual",
    "Chain",
    "Edge",
    "Node",
    "Position",
    "Source",
    "fold_text",
    "node_ref",
    "split_node_ref",
]

#: A message in both languages, 简体中文 first.
Bilingual = tuple[str, str]

Position = Literal["upstream", "midstream", "downstream"]
#: Positions in chain order: an edge never runs from a later position to an earlier one.
POSITIONS: tuple[Position, ...] = get_args(Position)
POSITION_WORDS: dict[Position, Bilingual] = {
    "upstream": ("上游", "upstream"),
    "midstream": ("中游", "midstream"),
    "downstream": ("下游", "downstream"),
}


@dataclass(frozen=True, slots=True)
class Source:
    """A public document a chain rests on, and what was taken from it."""

    title: str
    title_en: str = ""
    document: str = ""  # 文号 or standard number: 国家统计局令第23号, GB/T 4754-2017
    issuer: str = ""
    year: int | None = None
    used_for: str = ""

    def citation(self) -> str:
        """《title》（document，issuer，year）, as a page cites it.

        >>> Source("国民经济行业分类", document="GB/T 4754-2017", year=2017).citation()
        '《国民经济行业分类》（GB/T 4754-2017，2017）'
        """
        parts = [p for p in (self.document, self.issuer, str(self.year or "")) if p]
        return f"《{self.title}》" + (f"（{'，'.join(parts)}）" if parts else "")


@dataclass(frozen=True, slots=True)
class Node:
    """One stage of a chain.

    ``codes`` are normalised GB/T 4754-2017 classes (``C3670``) or groups (``C367``);
    ``keywords`` are the words a firm's text uses for the stage, as written in the data.
    """

    id: str
    name: str
    name_en: str
    position: Position
    codes: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Edge:
    """``supplier`` sells to ``customer`` (both node ids of the same chain)."""

    supplier: str
    customer: str


@dataclass(frozen=True)
class Chain:
    """An industry chain: nodes in file order (upstream first) and supplier → customer edges.

    Build one with :func:`feidi.chains.load_chain` (which checks it); ``to_dict`` gives the
    data back, so a chain can be stored and loaded again unchanged (same ``digest``).

    Examples
    --------
    >>> from feidi.chains import load_chain
    >>> chain = load_chain("auto_parts")
    >>> chain.name, chain.ref("ev_systems")
    ('汽车零部件', 'auto_parts/ev_systems')
    >>> [n.id for n in chain.suppliers("tyres")]
    ['polymers']
    >>> load_chain(chain.to_dict()).digest == chain.digest
    True
    """

    id: str
    name: str
    name_en: str
    sources: tuple[Source, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    #: What in the file is the authors' own synthesis rather than a cited document's.
    synthesis: Bilingual = ("", "")
    #: Where it was read from (a file name, or ``""`` for data); not part of the digest.
    source_file: str = field(default="", compare=False)
    _by_id: dict[str, Node] = field(init=False, repr=False, compare=False, hash=False)
    _digest: str = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {n.id: n for n in self.nodes})
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        object.__setattr__(self, "_digest", hashlib.sha256(canonical.encode()).hexdigest())

    @property
    def digest(self) -> str:
        """Names this version of the chain: the same data gives the same digest."""
        return self._digest

    def node(self, node_id: str) -> Node:
        """The node with this id (``KeyError`` if there is none)."""
        return self._by_id[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._by_id

    def ref(self, node_id: str) -> str:
        """The platform-wide name of one of this chain's nodes."""
        return node_ref(self.id, self.node(node_id).id)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(node_ref(self.id, n.id) for n in self.nodes)

    def suppliers(self, node_id: str) -> tuple[Node, ...]:
        """Nodes with an edge into ``node_id``, in edge order."""
        return tuple(self._by_id[e.supplier] for e in self.edges if e.customer == node_id)

    def customers(self, node_id: str) -> tuple[Node, ...]:
        """Nodes ``node_id`` has an edge to, in edge order."""
        return tuple(self._by_id[e.customer] for e in self.edges if e.supplier == node_id)

    def to_dict(self) -> dict[str, Any]:
        """The chain as plain data, in the shape of its YAML file (codes normalised)."""
        return {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "sources": [
                {
                    k: v
                    for k, v in (
                        ("title", s.title),
                        ("title_en", s.title_en),
                        ("document", s.document),
                        ("issuer", s.issuer),
                        ("year", s.year),
                        ("used_for", s.used_for),
                    )
                    if v not in ("", None)
                }
                for s in self.sources
            ],
            "synthesis": {"zh": self.synthesis[0], "en": self.synthesis[1]},
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "name_en": n.name_en,
                    "position": n.position,
                    "codes": list(n.codes),
                    "keywords": list(n.keywords),
                }
                for n in self.nodes
            ],
            "edges": [[e.supplier, e.customer] for e in self.edges],
        }


def node_ref(chain_id: str, node_id: str) -> str:
    """``"auto_parts/ev_systems"``: how the platform names a node.

    >>> node_ref("new_energy", "battery_packs")
    'new_energy/battery_packs'
    """
    return f"{chain_id}/{node_id}"


def split_node_ref(ref: str) -> tuple[str, str]:
    """``"chain/node"`` → ``("chain", "node")``; ``ValueError`` (both languages) otherwise.

    >>> split_node_ref("new_energy/battery_packs")
    ('new_energy', 'battery_packs')
    """
    chain_id, sep, node_id = ref.partition("/")
    if not sep or not chain_id or not node_id or "/" in node_id:
        raise ValueError(
            f"环节应写作「产业链/环节」，收到 {ref!r} / a node is named 'chain/node', got {ref!r}"
        )
    return chain_id, node_id


#: Full-width ASCII forms (ＩＧＢＴ, ３Ｄ, ＃) and the ideographic space → their ASCII selves.
_HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


def fold_text(text: str) -> str:
    """How keywords and texts are compared: full-width letters, digits and signs as ASCII, and
    lower case, so ``ＩＧＢＴ`` and ``igbt`` are the keyword ``IGBT``. (Full NFKC would do
    the same for these and cost ten times as much on a registry.)

    >>> fold_text("ＩＧＢＴ模块（3D打印）")
    'igbt模块(3d打印)'
    """
    return text.translate(_HALF_WIDTH).lower()
