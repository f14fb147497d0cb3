"""Vectorised GB 32100 credit codes (and the GB 11714 organisation code inside them).

``feidi.reference.make_credit_code`` completes one code in Python; the benchmark city needs a
million, so the same mod-31 check is computed here on a ``(n, 17)`` matrix of character values.

A code is 登记管理部门码 ``9`` (市场监管), 机构类别码 ``1`` (企业), the 6-digit division code, a
9-character 主体标识码 (the GB 11714 organisation code: 8 body characters and its own mod-11
check character) and the GB 32100 check character. Firms registered before 2015 get the old
all-digit organisation codes; later ones get the ``MA`` codes issued since the reform.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from feidi.reference import CREDIT_CODE_ALPHABET

__all__ = ["credit_code_check_values", "make_credit_codes", "org_codes", "region_credit_codes"]

_ALPHABET_BYTES: npt.NDArray[np.uint8] = np.frombuffer(CREDIT_CODE_ALPHABET.encode(), np.uint8)
_VALUE_OF_BYTE: npt.NDArray[np.int64] = np.full(256, -1, dtype=np.int64)
_VALUE_OF_BYTE[_ALPHABET_BYTES] = np.arange(len(CREDIT_CODE_ALPHABET))
_WEIGHTS: npt.NDArray[np.int64] = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)

#: GB 11714 organisation code: weights of the 8 body characters, modulus 11.
_ORG_WEIGHTS: npt.NDArray[np.int64] = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
#: GB 11714 values of bytes: 0-9 → 0-9, A-Z → 10-35.
_ORG_VALUE_OF_BYTE: npt.NDArray[np.int64] = np.zeros(256, dtype=np.int64)
_ORG_VALUE_OF_BYTE[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_ORG_VALUE_OF_BYTE[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)] = np.arange(10, 36)
_ORG_CHECK_BYTES: npt.NDArray[np.uint8] = np.frombuffer(b"0123456789X0", np.uint8)

#: Capacity of each organisation-code family (the number of distinct bodies).
OLD_ORG_CAPACITY = 5 * 10**7  # first digit 1, 2, 5, 6 or 7, then 7 digits
MA_ORG_CAPACITY = 3 * 31**5  # "MA", a digit 0-2, then 5 alphabet characters
_OLD_FIRST = np.frombuffer(b"12567", np.uint8)


def credit_code_check_values(values: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """The check value (0-30) for each row of an ``(n, 17)`` matrix of alphabet values."""
    total = values.astype(np.int64) @ _WEIGHTS
    return (31 - total % 31) % 31


def _bytes_to_series(matrix: npt.NDArray[np.uint8], name: str) -> pl.Series:
    width = matrix.shape[1]
    fixed = np.ascontiguousarray(matrix).view(f"S{width}").ravel()
    return pl.Series(name, fixed).cast(pl.String)


def make_credit_codes(first17: pl.Series | Sequence[str], name: str = "credit_code") -> pl.Series:
    """Complete many 17-character prefixes into valid 18-character codes (vectorised).

    The vector counterpart of :func:`feidi.reference.make_credit_code`.

    >>> from feidi.reference import make_credit_code
    >>> prefix = "91320581MA1MXXXX0"
    >>> make_credit_codes([prefix]).to_list() == [make_credit_code(prefix)]
    True
    """
    if isinstance(first17, pl.Series):
        series = first17
    else:
        series = pl.Series(list(first17), dtype=pl.String)
    if series.len() == 0:
        return pl.Series(name, [], dtype=pl.String)
    if series.null_count() or (series.str.len_bytes() != 17).any():
        raise ValueError("every prefix must be 17 ASCII characters")
    raw = np.frombuffer("".join(series.to_list()).encode("ascii"), np.uint8).reshape(-1, 17)
    values = _VALUE_OF_BYTE[raw]
    if (values < 0).any():
        raise ValueError("prefix characters must be in the GB 32100 alphabet")
    out = np.empty((raw.shape[0], 18), dtype=np.uint8)
    out[:, :17] = raw
    out[:, 17] = _ALPHABET_BYTES[credit_code_check_values(values)]
    return _bytes_to_series(out, name)


def _digits(numbers: npt.NDArray[np.int64], base: int, width: int) -> npt.NDArray[np.int64]:
    """Little-endian → big-endian fixed-width digits of ``numbers`` in ``base``: ``(n, width)``."""
    out = np.empty((numbers.shape[0], width), dtype=np.int64)
    rest = numbers.copy()
    for i in range(width - 1, -1, -1):
        out[:, i] = rest % base
        rest //= base
    return out


def org_codes(
    ids: npt.NDArray[np.int64], new_style: npt.NDArray[np.bool_]
) -> npt.NDArray[np.uint8]:
    """9-byte GB 11714 organisation codes as an ``(n, 9)`` byte matrix.

    ``ids`` must be distinct within each style (``< OLD_ORG_CAPACITY`` for old codes,
    ``< MA_ORG_CAPACITY`` for ``MA`` codes); distinct ids give distinct codes.
    """
    n = ids.shape[0]
    body = np.empty((n, 8), dtype=np.uint8)
    old = ~new_style
    if old.any():
        oid = ids[old]
        first = _OLD_FIRST[oid // 10**7]
        body[old, 0] = first
        body[old, 1:] = (_digits(oid % 10**7, 10, 7) + ord("0")).astype(np.uint8)
    if new_style.any():
        nid = ids[new_style]
        body[new_style, 0] = ord("M")
        body[new_style, 1] = ord("A")
        body[new_style, 2] = (nid // 31**5 + ord("0")).astype(np.uint8)
        body[new_style, 3:] = _ALPHABET_BYTES[_digits(nid % 31**5, 31, 5)]
    total = _ORG_VALUE_OF_BYTE[body] @ _ORG_WEIGHTS
    check = 11 - total % 11  # 1..11; 10 → X, 11 → 0
    out = np.empty((n, 9), dtype=np.uint8)
    out[:, :8] = body
    out[:, 8] = _ORG_CHECK_BYTES[check]
    return out


def region_credit_codes(regions: npt.NDArray[np.uint8], orgs: npt.NDArray[np.uint8]) -> pl.Series:
    """Credit codes ``91`` + region (``(n, 6)`` bytes) + organisation code (``(n, 9)`` bytes)."""
    n = regions.shape[0]
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, 0] = ord("9")
    out[:, 1] = ord("1")
    out[:, 2:8] = regions
    out[:, 8:17] = orgs
    out[:, 17] = _ALPHABET_BYTES[credit_code_check_values(_VALUE_OF_BYTE[out[:, :17]])]
    return _bytes_to_series(out, "credit_code")
