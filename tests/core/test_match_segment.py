"""The array segmenter gives jieba's own cut, token for token (feidi.match._segment)."""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import cache
from pathlib import Path

import jieba
import polars as pl
import pytest

from feidi.match._segment import (
    GENERIC_WORDS,
    STOP_WORDS,
    Segmented,
    Segmenter,
    _dictionary,
    normalise_text,
)

CSL = Path(__file__).resolve().parents[3] / "shared" / "data" / "text" / "csl_dev_500.tsv"
#: What the segmenter leaves out of jieba's output: whitespace, punctuation, symbol-only
#: tokens and stop words.
_SYMBOLS = re.compile(r"^[+#&._%\-]+$")


#: The same papers' subset the demo ships (119 of them), when the shared folder is not next
#: to this checkout.
SHIPPED = (
    Path(__file__).resolve().parents[2] / "src" / "feidi" / "demo" / "data" / "enclave_offers.tsv"
)


def _texts() -> list[str]:
    df = pl.read_csv(CSL if CSL.exists() else SHIPPED, separator="\t", quote_char=None)
    # Titles and abstracts (mixed Chinese, Latin, digits, formulas), plus awkward cases.
    return [
        *df["abstract"].to_list()[:250],
        *df["title"].to_list()[:250],
        "",
        "，。！",
        "CAN总线与can总线、C++和ABC123的AT&T",
        "①全角ＡＢＣ１２３与㎡面积",
        "αβ射线　测量\t数据\n换行",
    ]


@cache
def _jieba_for(words: tuple[str, ...]) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for w in words:
        tokenizer.add_word(w)
    return tokenizer


def _jieba(words: list[str]) -> jieba.Tokenizer:
    return _jieba_for(tuple(words))


def _expected(tokenizer: jieba.Tokenizer, text: str) -> Counter[str]:
    words = (w.lower() for w in tokenizer.cut_for_search(normalise_text(text), HMM=False))
    return Counter(
        w
        for w in words
        if w.strip()
        and (w.isalnum() or re.match(r"^[\w+#&.%\-]+$", w))
        and not _SYMBOLS.match(w)
        and w not in STOP_WORDS
        and w not in GENERIC_WORDS
    )


@pytest.mark.parametrize("words", [[], ["热管理系统", "平方和优化", "Lyapunov函数", "大角度机动"]])
def test_segmenter_cuts_as_jieba_does(words: list[str]) -> None:
    texts = _texts()
    tokenizer = _jieba(words)
    seg = Segmenter(words).segment(texts)
    differing = [
        i for i, t in enumerate(texts) if Counter(seg.tokens(i)) != _expected(tokenizer, t)
    ]
    assert differing == []


def test_segmenter_custom_words_get_jiebas_frequencies() -> None:
    words = ["热管理系统", "平方和优化", "Lyapunov函数", "平方和"]
    tokenizer = _jieba(words)
    d = _dictionary(tuple(words))
    assert d.total == tokenizer.total
    assert [d.freq_of(w) for w in words] == [tokenizer.FREQ[w] for w in words]
    assert d.freq_of("Lyapunov") == tokenizer.FREQ.get("Lyapunov")  # a prefix, frequency 0


def test_segmenter_drops_stop_words_punctuation_and_symbols() -> None:
    seg = Segmenter().segment(["本文的研究：基于 -- 和 % 的方法。"])
    assert seg.tokens(0) == ["方法"]  # 研究 says nothing either (GENERIC_WORDS)


def test_segmenter_folds_case_and_width() -> None:
    seg = Segmenter().segment(["ＣＡＮ总线", "can总线"])
    assert seg.tokens(0) == seg.tokens(1)


def test_segmenter_keeps_texts_apart_and_empty_texts_empty() -> None:
    seg = Segmenter().segment(["", "电池", "", "焊接工艺"])
    assert [seg.tokens(i) for i in range(4)] == [[], ["电池"], [], ["焊接", "工艺"]]


def test_segmenter_threads_give_the_same_tokens() -> None:
    texts = _texts() * 5
    one = Segmenter().segment(texts)
    two = Segmenter().segment(texts, n_jobs=2)

    def tokens(s: Segmented) -> list[tuple[int, int, int, int]]:
        columns = (s.doc, s.starts, s.lens, s.hashes)
        return sorted(zip(*(c.tolist() for c in columns), strict=True))

    assert tokens(one) == tokens(two)


def test_segmenter_vocabulary_numbers_each_word_once() -> None:
    segmenter = Segmenter()
    seg = segmenter.segment(["电池 电池 CAN总线", "can总线 电池"])
    vocab = segmenter.vocabulary(seg)
    words = [vocab.words[i] for i in vocab.ids.tolist()]
    assert sorted(words) == sorted(seg.tokens(0) + seg.tokens(1))
    assert len(vocab.words) == len(set(vocab.words))
