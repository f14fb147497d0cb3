"""GB 32100-2015 统一社会信用代码: 18 characters, the last a mod-31 check character.

The alphabet is the 31 characters ``0-9`` and ``A-Y`` without ``I O S V Z``; position *i*
(1-based) of the first 17 carries weight ``3**(i-1) mod 31``; the check character is the one
whose value is ``(31 - sum mod 31) mod 31``.
"""

from __future__ import annotations

import polars as pl

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a code.

    >>> credit_code_check_char("91320581MA1MXXXX0")
    '8'
    """
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def make_credit_code(first17: str) -> str:
    """Complete 17 characters into a valid 18-character code (used by the demo city)."""
    return first17 + credit_code_check_char(first17)


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a valid credit code, as (中文, English), or ``None`` when it is.

    >>> credit_code_problem("91350211M00013FA1N") is None
    False
    """
    if len(code) != 18:
        return (
            f"统一社会信用代码应为18位，实际{len(code)}位",
            f"must be 18 characters, got {len(code)}",
        )
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        chars = "".join(bad)
        return (
            f"含非法字符 {chars}（不得含 I O S V Z 或小写）",
            f"characters outside the GB 32100 alphabet: {chars}",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return (
            f"校验位应为 {expected}（早期试点地区部分代码确实不符合 GB 32100，可在已接受代码清单中登记）",
            f"check character should be {expected} (some early pilot-area codes really fail it:"
            " add such a code to the accepted list)",
        )
    return None


def credit_code_valid_expr(column: str) -> pl.Expr:
    """A vectorised Polars expression: is ``column`` a valid credit code?

    Null stays null. Used by the reader to check a million codes without a Python loop; the
    scalar :func:`credit_code_problem` explains the few that fail.
    """
    col = pl.col(column)
    ok_shape = col.str.contains(f"^[{CREDIT_CODE_ALPHABET}]{{18}}$")
    total: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(_WEIGHTS):
        ch = col.str.slice(i, 1)
        total = total + ch.replace_strict(_VALUE, default=0, return_dtype=pl.Int64) * w
    check = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(CREDIT_CODE_ALPHABET)), return_dtype=pl.String
    )
    return ok_shape & (col.str.slice(17, 1) == check)
