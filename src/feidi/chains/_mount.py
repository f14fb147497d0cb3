"""Mounting a firm (or a profile) on chain nodes from its industry code and its text.

The evidence and how it becomes a confidence (all figures rounded to 3 decimals):

* **code** — how the firm's GB/T 4754-2017 code relates to the node's nearest code: the
  same *class* (C3670 and C3670); the same *group*, one holding the other (a C2822 firm and a
  node coded C282, or a firm coded only to C367 and a node's C3670); or only the same
  *division* (C3670 and C3612; two classes of one group, C3825 and C3824, are neighbours,
  not the same thing, so they count as a division too). The level is worth ``CODE_WEIGHT`` (0.6, 0.45, 0.05),
  shared equally among the nodes of the chain the code reaches at that level: a C3670 firm
  without text is an auto-parts firm, but which of the six C3670 nodes it makes is unknown,
  so each gets 0.6 ÷ 6 = 0.1 and the chain as a whole 0.6. A division is little evidence
  (C3670 parts and C3612 vehicles are both 汽车制造业): 0.05 keeps it below a class shared
  by up to a dozen nodes.
* **keywords** — the node's keywords found in the text (:mod:`feidi.chains._segment`); each
  distinct keyword is an independent ``KEYWORD_WEIGHT`` (0.4) chance that the firm is on the
  node: ``keywords = 1 − 0.6^n`` (0.4, 0.64, 0.784 …).
* **confidence** ``= 1 − (1 − code) × (1 − keywords)``: either piece of evidence alone can
  mount a firm, and the two together make it surer (a noisy-or).

A firm is mounted on a node when its code is in the node's class or group, or at least one
keyword is found; a division-level code only adds to keyword evidence.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from feidi.chains._loader import load_chains
from feidi.chains._model import Chain, fold_text, node_ref
from feidi.chains._segment import Hit, KeywordFinder
from feidi.reference import normalise_industry_code

if TYPE_CHECKING:
    from feidi.chains._corrections import Correction

__all__ = [
    "CODE_WEIGHT",
    "KEYWORD_WEIGHT",
    "CodeLevel",
    "CodeMatch",
    "Evidence",
    "Mount",
    "Status",
    "code_score",
    "confidence",
    "keyword_score",
    "mount",
]

CodeLevel = Literal["class", "group", "division"]
#: What a code match at each level is worth, before it is shared among the chain's nodes.
CODE_WEIGHT: Mapping[CodeLevel, float] = {"class": 0.6, "group": 0.45, "division": 0.05}
#: What each distinct keyword found in the text is worth.
KEYWORD_WEIGHT = 0.4
#: ``auto``: found by :func:`mount`; ``confirmed`` / ``added``: by staff (a correction).
Status = Literal["auto", "confirmed", "added"]

_LEVEL_OF_DIGITS: dict[int, CodeLevel] = {4: "class", 3: "group", 2: "division"}
_MOUNTING_LEVELS = frozenset({"class", "group"})


@dataclass(frozen=True, slots=True)
class CodeMatch:
    """The firm's ``code`` met the node's ``node_code`` at ``level``; ``shared`` nodes of the
    chain were reached at that level by the same code."""

    code: str
    node_code: str
    level: CodeLevel
    shared: int

    @property
    def score(self) -> float:
        return code_score(self.level, self.shared)

    @property
    def common_code(self) -> str:
        """The code at ``level`` both belong to: ``C3670``, ``C367`` or ``C36``."""
        digits = {"class": 4, "group": 3, "division": 2}[self.level]
        return self.code[: 1 + digits]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a firm sits on a node: the code match (if any) and the keywords found, as written
    in the chain data, in the order they appear in the text."""

    code: CodeMatch | None = None
    keywords: tuple[str, ...] = ()

    @property
    def code_score(self) -> float:
        return self.code.score if self.code else 0.0

    @property
    def keyword_score(self) -> float:
        return keyword_score(len(self.keywords))

    @property
    def empty(self) -> bool:
        return self.code is None and not self.keywords


@dataclass(frozen=True, slots=True)
class Mount:
    """A firm on a node (``"chain/node"``) with a confidence in [0, 1] and its evidence."""

    node: str
    confidence: float
    evidence: Evidence
    status: Status = "auto"
    correction: Correction | None = None

    @property
    def chain(self) -> str:
        return self.node.partition("/")[0]


def code_score(level: CodeLevel, shared: int) -> float:
    """What a code match at ``level`` is worth to each of ``shared`` nodes.

    >>> code_score("class", 6)
    0.1
    """
    return round(CODE_WEIGHT[level] / max(shared, 1), 3)


def keyword_score(n: int) -> float:
    """What ``n`` distinct keywords are worth: ``1 − 0.6^n``.

    >>> [keyword_score(n) for n in range(4)]
    [0.0, 0.4, 0.64, 0.784]
    """
    return round(1 - (1 - KEYWORD_WEIGHT) ** n, 3)


def confidence(code: float, keywords: float) -> float:
    """``1 − (1 − code) × (1 − keywords)``.

    >>> confidence(0.1, 0.4)
    0.46
    """
    return round(1 - (1 - code) * (1 - keywords), 3)


def mount(
    industry_code: str | None,
    text: str | None,
    *,
    chains: Sequence[Chain] | None = None,
    min_confidence: float = 0.0,
) -> list[Mount]:
    """The nodes a firm sits on, surest first (then by node name).

    ``industry_code`` is a GB/T 4754-2017 code (``C3670``, ``3670``; class, group or division)
    or ``None``; ``text`` is its products or business in Chinese, or ``None``. ``chains``
    defaults to every shipped chain. A code that is not in GB/T 4754-2017 raises
    ``ValueError``.

    Examples
    --------
    >>> found = mount("C3670", "新能源汽车电池包壳体")
    >>> [(m.node, m.confidence, m.evidence.keywords) for m in found[:3]]
    [('auto_parts/ev_systems', 0.46, ('电池包',)), ('new_energy/nev', 0.43, ('新能源汽车',)), ('new_energy/battery_packs', 0.4, ('电池包',))]
    >>> found[0].evidence.code
    CodeMatch(code='C3670', node_code='C3670', level='class', shared=6)
    """
    index = _index(chains)
    code = normalise_code(industry_code)
    found = index.finder.in_text(fold_text(text)) if text else ()
    return index.mounts(code, found, min_confidence)


_FLOAT_TEXT = re.compile(r"^(\d+)\.0+$")  # 3670.0: a code that went through a spreadsheet


def normalise_code(value: str | None) -> str | None:
    """``"3670"`` → ``"C3670"``; ``None`` for no code; ``ValueError`` (both languages) when
    the value is not a GB/T 4754-2017 class, group or division."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    m = _FLOAT_TEXT.match(text)
    code = normalise_industry_code(m.group(1) if m else text)
    if code is None:
        raise ValueError(
            f"行业代码 {text!r} 不是 GB/T 4754-2017 的大类、中类或小类代码"
            f" / industry code {text!r} is not a GB/T 4754-2017 division, group or class"
        )
    return code


class _Index:
    """What mounting needs from a set of chains, built once per set."""

    def __init__(self, chains: tuple[Chain, ...]) -> None:
        self.chains = chains
        self._by_keyword: dict[str, list[tuple[str, str]]] = {}
        for chain in chains:
            for node in chain.nodes:
                for word in node.keywords:
                    self._by_keyword.setdefault(fold_text(word), []).append(
                        (node_ref(chain.id, node.id), word)
                    )
        self._chains_of: dict[str, frozenset[str]] = {
            k: frozenset(ref.partition("/")[0] for ref, _ in refs)
            for k, refs in self._by_keyword.items()
        }
        self.finder = KeywordFinder(self._by_keyword)
        self._codes: dict[str, tuple[tuple[str, CodeMatch], ...]] = {}

    def code_matches(self, code: str) -> tuple[tuple[str, CodeMatch], ...]:
        """Every node the normalised ``code`` reaches (at class, group or division level)."""
        if code not in self._codes:
            self._codes[code] = tuple(self._match_code(code))
        return self._codes[code]

    def _match_code(self, code: str) -> list[tuple[str, CodeMatch]]:
        digits = code[1:]
        out: list[tuple[str, CodeMatch]] = []
        for chain in self.chains:
            best: list[tuple[str, str, CodeLevel]] = []
            for node in chain.nodes:
                found: tuple[int, str] | None = None
                for node_code in node.codes:
                    n = _shared_digits(digits, node_code[1:])
                    if n >= 2 and (found is None or n > found[0]):
                        found = (n, node_code)
                if found:
                    best.append((node.id, found[1], _LEVEL_OF_DIGITS[found[0]]))
            shared: dict[CodeLevel, int] = {}
            for _, _, level in best:
                shared[level] = shared.get(level, 0) + 1
            out += [
                (node_ref(chain.id, nid), CodeMatch(code, node_code, level, shared[level]))
                for nid, node_code, level in best
            ]
        return out

    def node_keywords(self, found: Sequence[Hit]) -> dict[str, tuple[str, ...]]:
        """Keywords found in a text (:class:`~feidi.chains._segment.KeywordFinder`) → the
        nodes they belong to, with the keywords as written in the chain data, in the order
        found.

        A keyword found only inside a longer keyword of the same chain does not count there:
        the longer word is the more precise reading (服装批发 is trade, not 服装 making; 焊接机器人
        counts once). Inside another chain's keyword it counts (精密铸造, an auto-parts word,
        still says 铸造 to the equipment chain). Nor does a keyword count twice for one node
        when another found keyword of that node holds it.
        """
        alone = {k for k, inside in found if not inside}
        holders: dict[str, list[str]] = {}
        for k, inside in found:
            if inside:
                holders.setdefault(k, []).append(inside)
        out: dict[str, list[tuple[str, str]]] = {}
        for folded in dict.fromkeys(k for k, _ in found):
            for ref, word in self._by_keyword.get(folded, ()):
                chain = ref.partition("/")[0]
                if folded in alone or any(
                    chain not in self._chains_of.get(h, ()) for h in holders[folded]
                ):
                    out.setdefault(ref, []).append((folded, word))
        return {
            ref: tuple(
                word
                for folded, word in pairs
                if not any(folded != other and folded in other for other, _ in pairs)
            )
            for ref, pairs in out.items()
        }

    def mounts(self, code: str | None, found: Sequence[Hit], min_confidence: float) -> list[Mount]:
        codes = dict(self.code_matches(code)) if code else {}
        words = self.node_keywords(found)
        refs = {r for r, m in codes.items() if m.level in _MOUNTING_LEVELS} | set(words)
        out = []
        for ref in refs:
            evidence = Evidence(codes.get(ref), words.get(ref, ()))
            value = confidence(evidence.code_score, evidence.keyword_score)
            if value >= min_confidence:
                out.append(Mount(ref, value, evidence))
        return sorted(out, key=lambda m: (-m.confidence, m.node))


def _shared_digits(a: str, b: str) -> int:
    """How many leading digits say that ``a`` and ``b`` are the same thing: the shorter
    code's length when one holds the other (3670 in 367: 3), else 2 for the same division.

    >>> _shared_digits("3670", "3670"), _shared_digits("2822", "282"), _shared_digits("3825", "3824")
    (4, 3, 2)
    """
    short = min(len(a), len(b))
    if a[:short] == b[:short]:
        return short
    return 2 if a[:2] == b[:2] else 0


_INDEXES: dict[tuple[str, ...], _Index] = {}
_INDEX_LOCK = threading.Lock()


def _index(chains: Sequence[Chain] | None) -> _Index:
    chosen = load_chains() if chains is None else tuple(chains)
    key = tuple(c.digest for c in chosen)
    with _INDEX_LOCK:
        if key not in _INDEXES:
            if len(_INDEXES) >= 4:  # a few sets of chains per process, not an ever-growing pile
                _INDEXES.pop(next(iter(_INDEXES)))
            _INDEXES[key] = _Index(chosen)
        return _INDEXES[key]
