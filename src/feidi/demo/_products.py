"""What each demo firm makes (``main_products``), in words a registry would hold.

A firm's 主导产品 is drawn from the keywords of the industry-chain nodes its GB/T 4754 class
belongs to (:mod:`feidi.chains`): a C3670 firm makes 制动器 or 电池包 or 车身结构件, a C1752
firm does 数码印花. One or two products per firm, from the class's list, so mounting the demo
city on the chains is meaningful without being trivially certain: the products are the
chains' own words, but the class is shared by several nodes and a firm names only some.

Drawn with a generator of its own (seeded from the demo seed), so adding the column changed
no other value of the demo city.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

__all__ = ["products_for_classes"]

#: How the two products of a firm are joined, as in a registry's 主营产品 line.
_JOIN = "、"
#: Share of firms naming a second product.
_SECOND = 0.45


@cache
def _phrases(codes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """For each class code, the keywords of the nodes it reaches at class or group level
    (the class name, without 制造, when no chain holds it)."""
    from feidi.chains import find_node, mount  # the chains load only when a demo is made
    from feidi.reference import industry

    out = []
    for code in codes:
        words: list[str] = []
        for m in mount(code, None):
            words += find_node(m.node)[1].keywords
        if not words:
            found = industry(code)
            words = [found.name.removesuffix("制造") if found else code]
        out.append(tuple(dict.fromkeys(w for w in words if not w.isascii())))
    return tuple(out)


def products_for_classes(codes: tuple[str, ...], cls: np.ndarray, seed: int) -> pl.Series:
    """``main_products`` for firms whose class is ``codes[cls[i]]``."""
    phrases = _phrases(codes)
    flat = [w for words in phrases for w in words]
    counts = np.array([len(words) for words in phrases], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rng = np.random.default_rng([seed, 4754])  # its own stream: the rest of the city unchanged
    n = cls.shape[0]
    first = rng.integers(0, 1 << 30, n) % counts[cls]
    step = 1 + rng.integers(0, 1 << 30, n) % np.maximum(counts[cls] - 1, 1)
    second = (first + step) % counts[cls]
    two = (rng.random(n) < _SECOND) & (counts[cls] > 1)
    words = pl.Series(flat, dtype=pl.String)
    a = words.gather(offsets[cls] + first)
    b = words.gather(offsets[cls] + second)
    return (
        pl.DataFrame({"a": a, "b": b, "two": two})
        .select(
            pl.when(pl.col("two"))
            .then(pl.concat_str(["a", pl.lit(_JOIN), "b"]))
            .otherwise(pl.col("a"))
            .alias("main_products")
        )
        .to_series()
    )
