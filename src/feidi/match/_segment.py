"""Chinese word segmentation: jieba's dictionary and jieba's rule, computed on arrays.

jieba (精确模式, no HMM) cuts each run of Han characters, ASCII letters and digits into the
most probable sequence of dictionary words: every dictionary word starting at each character
is an edge of a graph, and the path maximising the sum of ``log(freq / total)`` is the cut;
single ASCII letters and digits left over are joined again. The search mode
(``cut_for_search``) adds each dictionary 2-gram and 3-gram inside the longer words.

jieba does this one character at a time in Python (≈ 150,000 characters a second here), which
alone would take two minutes for 100,000 technology offers. :class:`Segmenter` computes the
same cut for a whole corpus at once with NumPy — every dictionary look-up for one word length
in one call, the best path over all runs together from their ends — from jieba's own
``dict.txt``, and gives jieba's output token for token (``tests/core/test_match_segment.py``
compares them on 500 real abstracts, with and without custom words).

Words are identified by a 64-bit polynomial hash of their characters (mod 2**64): two
different strings of up to 16 characters share a hash with a probability of about 2**-64 per
pair, far below anything a corpus meets. Only the distinct words are ever made into Python
strings.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["GENERIC_WORDS", "STOP_WORDS", "Segmented", "Segmenter", "normalise_text"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

#: Odd multiplier of the polynomial hash (a fixed constant: runs must be reproducible).
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MASK = (1 << 64) - 1

#: jieba's ``re_han_default``: the characters a cut block is made of.
_BLOCK_SYMBOLS = "+#&._%-"
_HAN_FIRST, _HAN_LAST = 0x4E00, 0x9FD5
_RE_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_RE_SKIP = re.compile(r"(\r\n|\s)")
_RE_ENG = re.compile(r"[a-zA-Z0-9]")

#: Function words that say nothing about a technology (虚词 and the most general verbs and
#: pronouns); punctuation and symbols are dropped separately. Kept short on purpose: BM25's
#: IDF already weighs down common content words, and a word such as 方法 or 系统 can matter.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "的",
        "地",
        "得",
        "了",
        "着",
        "过",
        "和",
        "与",
        "及",
        "以及",
        "或",
        "或者",
        "并",
        "并且",
        "而",
        "而且",
        "且",
        "但",
        "但是",
        "也",
        "还",
        "又",
        "就",
        "都",
        "即",
        "在",
        "于",
        "对",
        "对于",
        "关于",
        "从",
        "由",
        "向",
        "为",
        "为了",
        "以",
        "因",
        "因为",
        "所以",
        "因此",
        "由于",
        "通过",
        "根据",
        "按照",
        "随着",
        "将",
        "把",
        "被",
        "让",
        "使",
        "给",
        "是",
        "有",
        "这",
        "那",
        "此",
        "该",
        "其",
        "之",
        "其中",
        "各",
        "每",
        "本",
        "该",
        "我们",
        "我",
        "你",
        "他",
        "她",
        "它",
        "他们",
        "本文",
        "文章",
        "一个",
        "一种",
        "一些",
        "一",
        "个",
        "种",
        "等",
        "等等",
        "中",
        "上",
        "下",
        "内",
        "外",
        "时",
        "后",
        "前",
        "间",
        "可",
        "可以",
        "能",
        "能够",
        "会",
        "要",
        "应",
        "需",
        "如",
        "如何",
        "什么",
        "哪些",
        "已",
        "已经",
        "不",
        "没有",
        "无",
        "非",
        "很",
        "更",
        "最",
        "较",
        "比较",
        "进行",
        "作为",
        "具有",
        "所",
        "则",
        "若",
        "如果",
        "及其",
        "之一",
        "方面",
        "基于",
        "利用",
        "采用",
        "提出",
        "得到",
        "表明",
        "结果表明",
    ]
)

#: Words every partnering profile and company name is full of (技术, 需要, 有限公司, 场景):
#: dropped like the stop words. Among research abstracts BM25's IDF weighs them down, but
#: among a county's few dozen profiles one of them (场景 in a scenario, 联合 in a lab's offer)
#: can be rare enough to carry a pairing — a pairing on nothing — and a reason that lists
#: them as what two profiles share says nothing.
GENERIC_WORDS: frozenset[str] = frozenset(
    [
        "技术",
        "需要",
        "需求",
        "联合",
        "合作",
        "公司",
        "有限",
        "有限公司",
        "股份",
        "集团",
        "企业",
        "我司",
        "团队",
        "研发",
        "研究",
        "开发",
        "生产",
        "产品",
        "项目",
        "应用",
        "服务",
        "提供",
        "实现",
        "提高",
        "提升",
        "相关",
        "领域",
        "行业",
        "方案",
        "科技",
        "发展",
        "主要",
        "希望",
        "寻求",
        "寻找",
        "引进",
        "引入",
        "已",
        "完成",
        "具备",
        "用于",
        "适用",
        "适用于",
        "以上",
        "能力",
        "问题",
        "工作",
        "使用",
        "新",
        "高",
        "场景",
        "应用场景",
        "开放",
        "验证",
    ]
)

#: The block characters a kept token may not consist of alone.
_SYMBOL_CODES = np.array([ord(c) for c in "+#&._%-"], dtype=np.int64)


def normalise_text(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII, ① becomes 1), as both the index and
    the queries see text; jieba's dictionary is written in these forms."""
    return unicodedata.normalize("NFKC", text)


@cache
def _nfkc_table() -> npt.NDArray[np.uint32]:
    """Each Basic Multilingual Plane character's NFKC form where that is one character."""
    table = np.arange(0x10000, dtype=np.uint32)
    for c in range(0x10000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        form = unicodedata.normalize("NFKC", chr(c))
        if len(form) == 1:
            table[c] = ord(form)
    return table


def _normalised_corpus(texts: Sequence[str]) -> tuple[str, I64]:
    """The texts, each in NFKC, joined by NUL (which NFKC leaves alone), and their lengths.

    Unicode's own NFKC of 27 M characters takes seconds; most characters map to one
    character (，→ , Ａ → A), which a table does for the whole corpus at once. A text that
    still is not NFKC afterwards (a character that becomes several, ㎡ → m2, or combining
    marks) is normalised by Unicode's own function; the result is NFKC either way.
    """
    joined = "\x00".join(t.replace("\x00", " ") if "\x00" in t else t for t in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    bmp = codes < 0x10000
    mapped = np.where(bmp, _nfkc_table()[np.where(bmp, codes, 0)], codes)
    joined = mapped.tobytes().decode("utf-32-le")
    parts = joined.split("\x00")
    odd = [i for i, t in enumerate(parts) if not unicodedata.is_normalized("NFKC", t)]
    if odd:
        for i in odd:
            parts[i] = unicodedata.normalize("NFKC", parts[i])
        joined = "\x00".join(parts)
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    return joined, lengths


# --- the dictionary --------------------------------------------------------------------------


def _hash(text: str) -> int:
    """The polynomial hash of ``text``, as :class:`Segmenter` computes it on arrays."""
    h = 0
    base = int(_BASE)
    for ch in text:
        h = (h * base + ord(ch)) & _MASK
    return h


@dataclass(frozen=True)
class _Dictionary:
    """jieba's ``FREQ`` and ``total`` after its ``add_word`` calls, as arrays.

    Look-ups go through one open-addressing hash table per word length (half full, linear
    probing; each small enough to stay in the CPU cache while a corpus is cut one length at
    a time) and, for single characters, a table indexed by code point.
    """

    keys: U64  # every word and every prefix of a word
    freq: I64  # the word's frequency, 0 for a prefix that is no word
    logp: npt.NDArray[np.float64]  # log(freq) - log(total); unused where freq is 0
    total: int
    max_len: int
    #: per length, the hash table: per slot the key and its index (−1: empty), two int64 in
    #: one 16-byte element (complex128 is only the container), moved by one 1-D gather
    tables: dict[int, npt.NDArray[np.complex128]] = field(repr=False)
    chars: npt.NDArray[np.int32] = field(repr=False)  # code point → key index or −1

    def lookup(self, hashes: U64, length: int) -> I64:
        """Index into ``keys`` of each hash of a ``length``-character string, −1 where it is
        not there."""
        table = self.tables.get(length)
        if table is None:
            return np.full(len(hashes), -1, dtype=np.int64)
        mask = len(table) - 1
        wanted = hashes.view(np.int64)
        slot = (_mix(hashes) & np.uint64(mask)).astype(np.int64)
        row = table.take(slot).view(np.int64).reshape(-1, 2)
        hit = (row[:, 0] == wanted) & (row[:, 1] >= 0)
        found = np.where(hit, row[:, 1], -1)
        # Collisions probe the next slots (a half-full table: few do, and not far).
        todo = np.flatnonzero(~hit & (row[:, 1] >= 0))
        while len(todo):
            slot[todo] = (slot[todo] + 1) & mask
            row = table.take(slot[todo]).view(np.int64).reshape(-1, 2)
            hit = (row[:, 0] == wanted[todo]) & (row[:, 1] >= 0)
            found[todo[hit]] = row[hit, 1]
            todo = todo[~hit & (row[:, 1] >= 0)]
        return found

    def lookup_chars(self, codes: I64) -> I64:
        """:meth:`lookup` for one-character strings, by code point."""
        return self.chars[codes].astype(np.int64)

    def freq_of(self, word: str) -> int | None:
        """``FREQ.get(word)``: None when absent, 0 for a prefix only."""
        at = self.freq_index(word)
        return None if at < 0 else int(self.freq[at])

    def freq_index(self, word: str) -> int:
        """The entry of ``word``, −1 when absent."""
        return int(self.lookup(np.array([_hash(word)], dtype=np.uint64), len(word))[0])


def _mix(h: U64) -> U64:
    """splitmix64's finaliser: spreads every bit of the polynomial hash over the slot bits
    (the hash of a short word alone has its high bits set by its first characters only)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * np.uint64(0xBF58476D1CE4E5B9)
        h = h ^ (h >> np.uint64(27))
        h = h * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def _hash_table(keys: U64, index: I64) -> npt.NDArray[np.complex128]:
    """Open addressing with linear probing, at most half full; see :meth:`_Dictionary.lookup`."""
    size = 1 << max(4, (2 * len(keys)).bit_length())
    mask = np.uint64(size - 1)
    slots = np.full(size, -1, dtype=np.int64)
    pending = np.arange(len(keys))
    slot = _mix(keys) & mask
    while len(pending):
        free = slots[slot] == -1
        # One key per free slot this round; the others probe on.
        chosen, first = np.unique(slot[free], return_index=True)
        slots[chosen] = pending[free][first]
        placed = np.zeros(len(pending), dtype=bool)
        placed[np.flatnonzero(free)[first]] = True
        pending, slot = pending[~placed], slot[~placed]
        slot = np.where(slots[slot] == -1, slot, (slot + np.uint64(1)) & mask)
    table = np.zeros((size, 2), dtype=np.int64)
    filled = slots >= 0
    table[:, 1] = -1
    table[filled, 0] = keys[slots[filled]].view(np.int64)
    table[filled, 1] = index[slots[filled]]
    return table.view(np.complex128).ravel()


def _arrays(keys: U64, freq: I64, lengths: I64, total: int) -> _Dictionary:
    """Sort the entries (the last one of a repeated key wins), price the words and build the
    look-up tables."""
    order = np.argsort(keys, kind="stable")
    keys, freq, lengths = keys[order], freq[order], lengths[order]
    last = np.ones(len(keys), dtype=bool)
    last[:-1] = keys[1:] != keys[:-1]
    keys, freq, lengths = keys[last], freq[last], lengths[last]
    distinct, inverse = np.unique(freq, return_inverse=True)
    log_total = math.log(total)
    # math.log, as jieba: NumPy's vectorised log may differ in the last bit, and a tie broken
    # differently would cut differently.
    logs = np.array([math.log(c) - log_total if c > 0 else 0.0 for c in distinct.tolist()])
    tables = {}
    for length in np.unique(lengths).tolist():
        mine = np.flatnonzero(lengths == length)
        tables[int(length)] = _hash_table(keys[mine], mine)
    chars = np.full(0x110000, -1, dtype=np.int32)
    single = np.flatnonzero(lengths == 1)  # a one-character string hashes to its code point
    chars[keys[single].astype(np.int64)] = single
    return _Dictionary(keys, freq, logs[inverse], total, int(lengths.max()), tables, chars)


def _jieba_dict_file() -> Path:
    """jieba's ``dict.txt``, found without importing jieba (its import alone takes 0.5 s)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


@cache
def _base_dictionary() -> _Dictionary:
    """jieba's ``gen_pfdict`` over its shipped ``dict.txt``: each word with its (last)
    frequency, each prefix of a word with 0, and the total of every line."""
    raw = _jieba_dict_file().read_bytes()
    lines = pl.read_csv(
        raw,
        separator=" ",
        has_header=False,
        quote_char=None,
        new_columns=["word", "freq", "tag"],
        schema_overrides={"word": pl.String, "freq": pl.Int64, "tag": pl.String},
    )
    total = int(lines["freq"].sum())
    entries = lines.unique("word", keep="last", maintain_order=True)
    words: list[str] = entries["word"].to_list()
    freq = entries["freq"].to_numpy()
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    width = int(lengths.max())
    col = np.arange(width)
    valid = col[None, :] < lengths[:, None]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    grid = np.where(valid, codes[np.where(valid, starts[:, None] + col[None, :], 0)], 0)
    prefix = _prefix_hashes(grid)[:, 1:]
    # Prefixes first (frequency 0), then the words, so that a word's own entry wins.
    prefixes = prefix[valid]
    prefix_lengths = np.broadcast_to(col + 1, valid.shape)[valid]
    whole = prefix[np.arange(len(words)), lengths - 1]
    keys = np.concatenate([prefixes, whole])
    counts = np.concatenate([np.zeros(len(prefixes), np.int64), freq.astype(np.int64)])
    all_lengths = np.concatenate([prefix_lengths, lengths])
    # A prefix that is also a word keeps the word's frequency: take the largest per key.
    order = np.lexsort((counts, keys))
    return _arrays(keys[order], counts[order], all_lengths[order], total)


@lru_cache(maxsize=4)
def _dictionary(user_words: tuple[str, ...]) -> _Dictionary:
    base = _base_dictionary()
    if not user_words:
        return base
    added: dict[int, tuple[int, int]] = {}  # hash → (frequency, length)
    total = base.total
    # The base dictionary's answer for every piece of every custom word, looked up at once
    # (one array look-up per length instead of one per piece).
    pieces = {w[a:b] for w in user_words for a in range(len(w)) for b in range(a + 1, len(w) + 1)}
    known: dict[str, int | None] = {}
    by_length: dict[int, list[str]] = {}
    for piece in pieces:
        by_length.setdefault(len(piece), []).append(piece)
    for length, group in by_length.items():
        hashes = np.array([_hash(x) for x in group], dtype=np.uint64)
        at = base.lookup(hashes, length).tolist()
        known.update(
            (x, None if i < 0 else int(base.freq[i])) for x, i in zip(group, at, strict=True)
        )

    def freq_of(word: str) -> int | None:
        h = _hash(word)
        if h in added:
            return added[h][0]
        return known[word] if word in known else base.freq_of(word)

    for word in user_words:
        # jieba's add_word(word): the frequency suggest_freq gives from the dictionary as it
        # stands (custom words added before included); the total grows by it.
        freq = _suggest_freq(word, freq_of, total)
        added[_hash(word)] = (freq, len(word))
        total += freq
        for k in range(1, len(word)):
            if freq_of(word[:k]) is None:
                added[_hash(word[:k])] = (0, k)
    base_lengths = np.zeros(len(base.keys), dtype=np.int64)
    for length, table in base.tables.items():
        index = table.view(np.int64)[1::2]
        base_lengths[index[index >= 0]] = length
    keys = np.concatenate([base.keys, np.fromiter(added, np.uint64, len(added))])
    counts = np.concatenate([base.freq, np.array([f for f, _ in added.values()], np.int64)])
    lengths = np.concatenate([base_lengths, np.array([n for _, n in added.values()], np.int64)])
    return _arrays(keys, counts, lengths, total)


FreqOf = Callable[[str], "int | None"]


def _suggest_freq(word: str, freq_of: FreqOf, total: int) -> int:
    """jieba's ``suggest_freq(word, tune=False)``."""
    ftotal = float(total)
    freq = 1.0
    for seg in _cut_plain(word, freq_of, total):
        freq *= (freq_of(seg) or 1) / ftotal
    return max(int(freq * total) + 1, freq_of(word) or 1)


def _cut_plain(sentence: str, freq_of: FreqOf, total: int) -> Iterator[str]:
    """jieba's ``cut(sentence, HMM=False)``, character by character (for custom words only)."""
    for block in _RE_HAN.split(sentence):
        if not block:
            continue
        if _RE_HAN.match(block):
            yield from _cut_block_plain(block, freq_of, total)
        else:
            for part in _RE_SKIP.split(block):
                if _RE_SKIP.match(part):
                    yield part
                else:
                    yield from part


def _cut_block_plain(block: str, freq_of: FreqOf, total: int) -> Iterator[str]:
    n = len(block)
    dag: dict[int, list[int]] = {}
    for k in range(n):
        ends: list[int] = []
        i, frag = k, block[k]
        while i < n and (f := freq_of(frag)) is not None:
            if f:
                ends.append(i)
            i += 1
            frag = block[k : i + 1]
        dag[k] = ends or [k]
    route: dict[int, tuple[float, int]] = {n: (0.0, 0)}
    log_total = math.log(total)
    for idx in range(n - 1, -1, -1):
        route[idx] = max(
            (math.log(freq_of(block[idx : x + 1]) or 1) - log_total + route[x + 1][0], x)
            for x in dag[idx]
        )
    x, buf = 0, ""
    while x < n:
        y = route[x][1] + 1
        word = block[x:y]
        if _RE_ENG.match(word) and len(word) == 1:
            buf += word
        else:
            if buf:
                yield buf
                buf = ""
            yield word
        x = y
    if buf:
        yield buf


# --- segmenting a corpus -------------------------------------------------------------------


@dataclass(frozen=True)
class Segmented:
    """The tokens of ``n`` texts, in no particular order: token ``j`` is the lower-cased word
    ``text[starts[j] : starts[j] + lens[j]]`` of text ``doc[j]``, identified by ``hashes[j]``.
    """

    n: int
    doc: I64
    hashes: U64
    starts: I64
    lens: I64
    text: str = field(repr=False)
    #: each token's entry in the segmenter's dictionary, −1 where it was not looked up
    keys: I64 = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    def __len__(self) -> int:
        return self.n

    def word(self, j: int) -> str:
        """Token ``j`` as text."""
        start = int(self.starts[j])
        return self.text[start : start + int(self.lens[j])].lower()

    def tokens(self, i: int) -> list[str]:
        """Text ``i``'s tokens in reading order (for tests and examples; slow for a corpus)."""
        mine = np.flatnonzero(self.doc == i)
        mine = mine[np.lexsort((self.lens[mine], self.starts[mine]))]
        return [self.word(j) for j in mine.tolist()]


@dataclass(frozen=True)
class Vocabulary:
    """The distinct words of a :class:`Segmented` corpus: ``ids[j]`` numbers token ``j``'s
    word, ``hashes[v]`` and ``words[v]`` are word ``v``."""

    hashes: U64
    words: list[str]
    ids: I64


class Segmenter:
    """jieba's search-mode cut (``cut_for_search(text, HMM=False)``) of many texts at once,
    lower-cased, without stop words, punctuation or symbols.

    Parameters
    ----------
    user_words
        Custom words (e.g. the keywords of the home city's industry chains), added in this
        order as jieba's ``add_word(word)`` would add them.

    Examples
    --------
    >>> seg = Segmenter(["热管理系统"]).segment(["动力电池热管理系统的设计"])
    >>> seg.tokens(0)
    ['动力', '动力电池', '电池', '热管', '热管理系统', '管理', '管理系', '系统', '设计']
    """

    def __init__(self, user_words: Sequence[str] = ()) -> None:
        words = tuple(dict.fromkeys(normalise_text(w).strip() for w in user_words if w.strip()))
        self.user_words = words
        self._dict = _dictionary(words)
        dropped = STOP_WORDS | GENERIC_WORDS
        self._stop = np.sort(np.array([_hash(w) for w in dropped], dtype=np.uint64))
        self._stop_entry = np.zeros(len(self._dict.keys), dtype=bool)
        for word in dropped:
            entry = self._dict.freq_index(word)
            if entry >= 0:  # a word jieba's dictionary lacks is dropped by its hash alone
                self._stop_entry[entry] = True

    def segment(self, texts: Sequence[str], n_jobs: int | None = None) -> Segmented:
        """Cut ``texts`` (see the class); with ``n_jobs`` > 1 (−1: every core), in that many
        threads over parts of the corpus (NumPy works outside the interpreter lock)."""
        workers = _workers(n_jobs, len(texts))
        if workers == 1:
            return self._segment(texts)
        bounds = np.linspace(0, len(texts), workers + 1).astype(int)
        parts = [texts[a:b] for a, b in itertools.pairwise(bounds.tolist())]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(self._segment, parts))
        return _concatenate(done)

    def _segment(self, texts: Sequence[str]) -> Segmented:
        joined, lengths = _normalised_corpus(texts) if texts else ("", np.zeros(0, np.int64))
        empty = np.zeros(0, dtype=np.int64)
        if not joined.strip("\x00"):
            return Segmented(len(texts), empty, np.zeros(0, np.uint64), empty, empty, joined)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        starts, lens, hashes, keys = _corpus_tokens(codes, self._dict)
        single_start, single_hash = _loose_characters(codes)
        starts = np.concatenate([starts, single_start])
        lens = np.concatenate([lens, np.ones(len(single_start), dtype=np.int64)])
        hashes = np.concatenate([hashes, single_hash])
        keys = np.concatenate([keys, np.full(len(single_start), -1, dtype=np.int64)])
        # Drop stop words and tokens made of symbols only ("-", "..", "%").
        symbol = np.concatenate([[0], np.cumsum(np.isin(codes, _SYMBOL_CODES))])
        symbolic = symbol[starts + lens] - symbol[starts] == lens
        known = keys >= 0
        stop = np.where(known, self._stop_entry.take(np.maximum(keys, 0)), False)
        stop[~known] = _isin_sorted(hashes[~known], self._stop)
        keep = ~symbolic & ~stop
        starts, lens, hashes, keys = starts[keep], lens[keep], hashes[keep], keys[keep]
        doc_of_position = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)
        return Segmented(len(texts), doc_of_position[starts], hashes, starts, lens, joined, keys)

    def vocabulary(self, seg: Segmented) -> Vocabulary:
        """Number the distinct words of ``seg`` without sorting its tokens: most are words of
        the dictionary, numbered by its hash table; the rest (letters, rare characters) are
        few and sorted."""
        found = (
            seg.keys.copy() if len(seg.keys) == len(seg.hashes) else np.full(len(seg.hashes), -1)
        )
        unknown = np.flatnonzero(found < 0)
        for length in np.unique(seg.lens[unknown]).tolist():
            mine = unknown[seg.lens[unknown] == length]
            found[mine] = self._dict.lookup(seg.hashes[mine], length)
        rest = found < 0
        rest_hashes, rest_ids = np.unique(seg.hashes[rest], return_inverse=True)
        n_dict = len(self._dict.keys)
        combined = found.copy()
        combined[rest] = n_dict + rest_ids
        used = np.bincount(combined, minlength=n_dict + len(rest_hashes)) > 0
        renumber = np.cumsum(used) - 1
        ids = renumber[combined]
        hashes = np.concatenate([self._dict.keys, rest_hashes])[used]
        # (a dictionary entry's hash is of its text as written; the token's, lower-cased,
        # is the same whenever the entry was found through the token)
        first = np.empty(len(hashes), dtype=np.int64)
        first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)  # the last write is the first token
        words = [seg.word(j) for j in first.tolist()]
        return Vocabulary(hashes, words, ids.astype(np.int64))


def _workers(n_jobs: int | None, n_texts: int) -> int:
    if n_jobs is None or n_texts < 2_000:
        return 1
    if n_jobs < 0:
        return max(1, len(os.sched_getaffinity(0)) + 1 + n_jobs)
    return max(1, n_jobs)


def _concatenate(parts: list[Segmented]) -> Segmented:
    """One corpus from consecutive parts (their texts joined by NUL, as one corpus's are)."""
    docs, chars = 0, 0
    doc, starts = [], []
    for part in parts:
        doc.append(part.doc + docs)
        starts.append(part.starts + chars)
        docs += part.n
        chars += len(part.text) + 1
    return Segmented(
        docs,
        np.concatenate(doc),
        np.concatenate([p.hashes for p in parts]),
        np.concatenate(starts),
        np.concatenate([p.lens for p in parts]),
        "\x00".join(p.text for p in parts),
        np.concatenate([p.keys for p in parts]),
    )


def _isin_sorted(values: U64, sorted_set: U64) -> npt.NDArray[np.bool_]:
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return np.asarray(sorted_set[at] == values)


def _lowered(codes: I64) -> I64:
    upper = (codes >= 65) & (codes <= 90)
    return np.where(upper, codes + 32, codes)


_BLOCK_ASCII = np.array(
    [chr(c).isascii() and (chr(c).isalnum() or chr(c) in _BLOCK_SYMBOLS) for c in range(128)]
)


def _in_block(codes: I64) -> npt.NDArray[np.bool_]:
    """jieba's ``re_han_default``: Han characters, ASCII letters and digits, ``+#&._%-``."""
    ascii_ok = _BLOCK_ASCII.take(np.minimum(codes, 127)) & (codes < 128)
    return np.asarray(ascii_ok | ((codes >= _HAN_FIRST) & (codes <= _HAN_LAST)))


def _loose_characters(codes: I64) -> tuple[I64, U64]:
    """Characters outside the cut blocks that jieba gives one by one and that are letters or
    digits of some script (Greek, CJK extension A, …); whitespace and punctuation go."""
    outside = ~_in_block(codes) & (codes > 127)
    positions = np.flatnonzero(outside)
    if len(positions) == 0:
        return positions.astype(np.int64), np.zeros(0, dtype=np.uint64)
    found = codes[positions]
    distinct = np.unique(found)
    wordlike = np.array([chr(c).isalnum() for c in distinct.tolist()], dtype=bool)
    keep = wordlike[np.searchsorted(distinct, found)]
    positions = positions[keep]
    lowered = np.array([ord(chr(c).lower()[0]) for c in codes[positions].tolist()], dtype=np.int64)
    return positions.astype(np.int64), lowered.astype(np.uint64)


#: Positions processed together: bounds the (positions × word length) arrays to ≈ 40 MB.
_CHUNK_POSITIONS = 1 << 18


def _corpus_tokens(codes: I64, d: _Dictionary) -> tuple[I64, I64, U64, I64]:
    """Every token of every cut block: start (in ``codes``), length, lower-cased hash and
    dictionary entry (−1: not known yet)."""
    block = _in_block(codes)
    edges = np.diff(np.concatenate([[0], block.view(np.int8), [0]]))
    run_starts = np.flatnonzero(edges == 1)
    run_lens = np.flatnonzero(edges == -1) - run_starts
    out_starts: list[I64] = []
    out_lens: list[I64] = []
    out_hashes: list[U64] = []
    out_keys: list[I64] = []
    # Runs of similar length share a padded 2-D array: ≤ 8, 9–16, 17–32 … characters.
    width_class = np.ceil(np.log2(np.maximum(run_lens, 8))).astype(np.int64)
    lower = _lowered(codes)
    for cls in np.unique(width_class).tolist():
        members = np.flatnonzero(width_class == cls)
        width = int(run_lens[members].max())
        per_chunk = max(1, _CHUNK_POSITIONS // width)
        for at in range(0, len(members), per_chunk):
            chosen = members[at : at + per_chunk]
            s, n, h, k = _cut_runs(codes, lower, run_starts[chosen], run_lens[chosen], d)
            out_starts.append(s)
            out_lens.append(n)
            out_hashes.append(h)
            out_keys.append(k)
    if not out_starts:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.uint64), empty
    return (
        np.concatenate(out_starts),
        np.concatenate(out_lens),
        np.concatenate(out_hashes),
        np.concatenate(out_keys),
    )


def _prefix_hashes(grid: I64) -> U64:
    """``P[:, j]`` = hash of the first ``j`` characters of each row (column-major, so that the
    column-by-column recurrence reads and writes contiguous memory)."""
    rows, width = grid.shape
    p = np.zeros((rows, width + 1), dtype=np.uint64, order="F")
    g = np.asfortranarray(grid.astype(np.uint64))
    for j in range(width):
        np.multiply(p[:, j], _BASE, out=p[:, j + 1])
        p[:, j + 1] += g[:, j]
    return p


def _powers(n: int) -> U64:
    """``_BASE ** i`` mod 2**64 for i = 0 … n."""
    out, p = [], 1
    for _ in range(n + 1):
        out.append(p)
        p = (p * int(_BASE)) & _MASK
    return np.array(out, dtype=np.uint64)


def _cut_runs(
    codes: I64, lower: I64, starts: I64, lens: I64, d: _Dictionary
) -> tuple[I64, I64, U64, I64]:
    """Cut ``rows`` runs (start and length in ``codes``) laid out as one padded grid."""
    rows, width = len(starts), int(lens.max())
    col = np.arange(width)
    valid = col[None, :] < lens[:, None]
    index = np.where(valid, starts[:, None] + col[None, :], 0)
    grid = np.where(valid, codes[index], 0)
    prefix = _prefix_hashes(grid)
    powers = _powers(max(width, d.max_len) + 1)

    # The DAG: for each start, every length whose text is a word (jieba walks on while the
    # text so far is a word or a prefix of one). Look-ups are made for the live starts only.
    edge_r: list[I64] = []
    edge_c: list[I64] = []
    edge_n: list[int] = []
    edge_p: list[npt.NDArray[np.float64]] = []
    edge_k: list[I64] = []
    # Positions as flat indices into the column-major prefix hashes (column × rows + row):
    # 1-D gathers, several times faster than 2-D ones.
    flat_prefix = prefix.ravel(order="F")
    # The dictionary entry of the 2- and 3-character word at each flat position, −1 if none.
    word2 = np.full(rows * width, -1, dtype=np.int64)
    word3 = np.full(rows * width, -1, dtype=np.int64)
    live_c, live_r = np.nonzero(valid.T)
    live = live_c * rows + live_r
    room = lens[live_r] - live_c
    for length in range(1, min(d.max_len, width) + 1):
        if length > 1:
            fits = room >= length
            live, live_r, live_c, room = live[fits], live_r[fits], live_c[fits], room[fits]
        if len(live) == 0:
            break
        if length == 1:
            at = d.lookup_chars(codes.take(starts.take(live_r) + live_c))
        else:
            h = flat_prefix.take(live + length * rows) - flat_prefix.take(live) * powers[length]
            at = d.lookup(h, length)
        known = at >= 0
        live, live_r, live_c, room, at = (
            live[known],
            live_r[known],
            live_c[known],
            room[known],
            at[known],
        )
        word = d.freq.take(at) > 0
        wr, wc = live_r[word], live_c[word]
        edge_r.append(wr)
        edge_c.append(wc)
        edge_n.append(length)
        edge_p.append(d.logp.take(at[word]))
        edge_k.append(at[word])
        if length == 2:
            word2[live[word]] = at[word]
        elif length == 3:
            word3[live[word]] = at[word]

    # Word scores laid out by (start column, length, run): the backward pass reads one
    # contiguous block per column. A start with no word at all is cut as one character:
    # log(FREQ.get(c) or 1) - log(total), where such a character's FREQ is 0 or absent.
    longest = max((n for n, r in zip(edge_n, edge_r, strict=True) if len(r)), default=1)
    logp = np.full((width, longest, rows), -np.inf)
    key = np.full((width, longest, rows), -1, dtype=np.int64)  # each edge's dictionary entry
    has_edge = np.zeros((rows, width), dtype=bool)
    for er, ec, en, lp, ek in zip(edge_r, edge_c, edge_n, edge_p, edge_k, strict=True):
        if not len(er):
            continue
        logp[ec, en - 1, er] = lp
        key[ec, en - 1, er] = ek
        has_edge[er, ec] = True
    lonely_r, lonely_c = np.nonzero(valid & ~has_edge)
    logp[lonely_c, 0, lonely_r] = -math.log(d.total)
    key[lonely_c, 0, lonely_r] = d.lookup_chars(grid[lonely_r, lonely_c])

    # The best path, from each run's end backwards, all runs at once. jieba's max() over
    # (score, end) tuples prefers the longer word on a tie: lengths are scanned longest first.
    best = np.zeros((width + longest + 1, rows))
    choice = np.zeros((width, rows), dtype=np.int64)
    valid_t = np.ascontiguousarray(valid.T)
    everyone = np.arange(rows)
    for j in range(width - 1, -1, -1):
        candidates = logp[j, ::-1] + best[j + longest : j : -1]
        pick = np.argmax(candidates, axis=0)
        # Past a run's end the score stays 0: jieba's route[N] = (0, 0).
        best[j] = np.where(valid_t[j], candidates[pick, everyone], 0.0)
        choice[j] = longest - pick

    # Follow the path from each run's start, marking where words start; read back in
    # reading order.
    is_start = np.zeros((rows, width), dtype=bool)
    cur = np.zeros(rows, dtype=np.int64)
    active = np.arange(rows)
    while len(active):
        c = cur[active]
        is_start[active, c] = True
        cur[active] = c + choice[c, active]
        active = active[cur[active] < lens[active]]
    r, c = np.nonzero(is_start)
    n = choice[c, r]
    k = key[c, n - 1, r]

    # Single ASCII letters or digits next to each other become one token (jieba's "buf").
    ch = grid[r, c]
    eng = (n == 1) & _ascii_alnum(ch)
    joins_previous = np.zeros(len(r), dtype=bool)
    joins_previous[1:] = eng[1:] & eng[:-1] & (r[1:] == r[:-1])
    group = np.cumsum(~joins_previous) - 1
    head = np.flatnonzero(~joins_previous)
    merged = np.bincount(group, weights=n).astype(np.int64)
    k = np.where(merged == n[head], k[head], -1)  # a joined run of letters is looked up later
    n, r, c = merged, r[head], c[head]

    # Search mode: the dictionary 2-grams of words longer than 2, the 3-grams of those longer
    # than 3, then the word.
    sub_r: list[I64] = [r]
    sub_c: list[I64] = [c]
    sub_n: list[I64] = [n]
    sub_k: list[I64] = [k]
    for gram, table in ((2, word2), (3, word3)):
        long = n > gram
        if not long.any():
            continue
        count = n[long] - gram + 1
        gr = np.repeat(r[long], count)
        offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        gc = np.repeat(c[long], count) + offsets
        entry = table.take(gc * rows + gr)
        hit = entry >= 0
        sub_r.append(gr[hit])
        sub_c.append(gc[hit])
        sub_n.append(np.full(int(hit.sum()), gram, dtype=np.int64))
        sub_k.append(entry[hit])
    r = np.concatenate(sub_r)
    c = np.concatenate(sub_c)
    n = np.concatenate(sub_n)
    k = np.concatenate(sub_k)

    # Tokens are identified lower-cased: 'CAN总线' and 'can总线' are one word to a reader.
    # Only the runs with a capital letter need hashes of their own for that.
    powers = _powers(width + 1)
    hashes = prefix[r, c + n] - prefix[r, c] * powers[n]
    upper = np.asarray(((grid >= 65) & (grid <= 90)).any(axis=1), dtype=bool)
    if upper.any():
        capital = np.flatnonzero(upper)
        lower_prefix = _prefix_hashes(np.where(valid[capital], lower[index[capital]], 0))
        where = np.full(rows, -1, dtype=np.int64)
        where[capital] = np.arange(len(capital))
        mine = upper[r]
        lr = where[r[mine]]
        hashes[mine] = (
            lower_prefix[lr, c[mine] + n[mine]] - lower_prefix[lr, c[mine]] * powers[n[mine]]
        )
        k[mine] = -1  # lower-cased, it may be another entry (or none): looked up later
    return starts[r] + c, n, hashes, k


def _ascii_alnum(codes: I64) -> npt.NDArray[np.bool_]:
    return np.asarray(
        ((codes >= 48) & (codes <= 57))
        | ((codes >= 65) & (codes <= 90))
        | ((codes >= 97) & (codes <= 122))
    )
