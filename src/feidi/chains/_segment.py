"""Finding chain keywords in Chinese text with a word segmenter (jieba).

Why segment rather than search for substrings: 汽车 is inside 汽车站 and 电池 inside 蓄电池包装
(蓄电池/包装: no 电池包). A keyword counts only where the segmenter puts word boundaries
around it:

* the keyword is one word of the segmentation, or several adjacent words (高强/钢), or
* it is a 2- or 3-character keyword inside a longer word — jieba's own search mode (铸造件
  holds 铸造, 焊接机器人 holds 机器人).

Every keyword is given to the segmenter as a word (frequency chosen by jieba so that it is
kept whole against its own parts), so 电池包 and 新能源汽车 survive segmentation.

jieba segments each run of Chinese, letters and digits between punctuation on its own
(:data:`BLOCK`), so a text's keywords are the union of its runs' keywords: each
distinct run is segmented once, and only runs that contain a keyword as a substring are
segmented at all. Both are exact shortcuts, which makes a whole registry cheap.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import polars as pl

__all__ = ["KeywordFinder"]

#: jieba's ``re_han_default``: the runs it segments one by one. Written out here so that
#: importing the chains does not import jieba (whose import alone takes ~0.5 s); a test
#: checks that the two agree.
BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)", re.U)
#: Distinct runs remembered per finder before the memory is cleared (each a few words).
_MEMORY = 200_000
_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _tokenizer(keywords: frozenset[str]) -> Any:
    """A private jieba tokenizer holding the keywords as words (the global one is left
    alone: other modules segment with it)."""
    import jieba

    with _LOCK:
        tokenizer = jieba.Tokenizer()
        logger = jieba.default_logger
        level = logger.level
        logger.setLevel(logging.WARNING)  # jieba announces its dictionary on stderr
        try:
            tokenizer.initialize()
        finally:
            logger.setLevel(level)
        for word in sorted(keywords):
            tokenizer.add_word(word)
        return tokenizer


#: A keyword found in a text, and where: ``""`` when it is a word (or adjacent words) of the
#: segmentation, else the longer word it sits inside (search mode).
Hit = tuple[str, str]


class KeywordFinder:
    """Finds folded keywords (:func:`~feidi.chains._model.fold_text`) in folded text."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = frozenset(keywords)
        self._longest = max((len(k) for k in self.keywords), default=0)
        self._memory: dict[str, tuple[Hit, ...]] = {}
        self._lock = threading.Lock()  # the web may mount from several threads

    def in_text(self, text: str) -> tuple[Hit, ...]:
        """The keywords of a folded text, each (keyword, inside) once, in order of appearance."""
        return self._merge(self.in_blocks(BLOCK.findall(text)))

    def in_texts(self, texts: Sequence[str]) -> list[tuple[Hit, ...]]:
        """:meth:`in_text` for many texts, segmenting each distinct run once."""
        runs = [BLOCK.findall(t) for t in texts]
        with self._lock:
            self._learn({r for rs in runs for r in rs})
            return [self._merge(self._memory[r] for r in rs) for rs in runs]

    def in_blocks(self, blocks: Iterable[str]) -> list[tuple[Hit, ...]]:
        blocks = list(blocks)
        with self._lock:
            self._learn(set(blocks))
            return [self._memory[b] for b in blocks]

    def _learn(self, blocks: set[str]) -> None:
        """Make sure every run of ``blocks`` is in memory."""
        new = [b for b in blocks if b not in self._memory]
        if not new:
            return
        if len(self._memory) + len(new) > _MEMORY:
            self._memory.clear()
            new = list(blocks)
        if not self.keywords:
            self._memory.update(dict.fromkeys(new, ()))
            return
        # Only runs holding a keyword as a substring can hold it as a word: one Aho-Corasick
        # pass (Polars) spares the segmenter the rest.
        hit = pl.Series(new, dtype=pl.String).str.contains_any(sorted(self.keywords))
        tokenizer = _tokenizer(self.keywords)
        for block, has in zip(new, hit.to_list(), strict=True):
            self._memory[block] = self._segment(tokenizer, block) if has else ()

    def _segment(self, tokenizer: Any, block: str) -> tuple[Hit, ...]:
        words = tokenizer.lcut(block, HMM=False)
        keywords, longest = self.keywords, self._longest
        found: list[Hit] = []
        for i, word in enumerate(words):
            run = ""
            for nxt in words[i:]:
                run += nxt
                if len(run) > longest:
                    break
                if run in keywords:
                    found.append((run, ""))
            if len(word) > 2:
                for size in (2, 3):
                    for k in range(len(word) - size + 1):
                        if word[k : k + size] in keywords:
                            found.append((word[k : k + size], word))
        return tuple(dict.fromkeys(found))

    @staticmethod
    def _merge(parts: Iterable[tuple[Hit, ...]]) -> tuple[Hit, ...]:
        found = [part for part in parts if part]
        if len(found) <= 1:  # most texts: no run, or one run, holds a keyword
            return found[0] if found else ()
        return tuple(dict.fromkeys(h for part in found for h in part))
