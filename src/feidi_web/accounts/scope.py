"""Divisions: which six-digit 行政区划代码 a staff member's division covers.

What that means for firms (``enterprise_scope``) is the registry's policy and lives in
``feidi_web.enterprises.permissions``.
"""

from __future__ import annotations


def division_prefix(code: str) -> str:
    """The prefix a six-digit division code covers: 320581 → 320581, 320500 → 3205, 320000 → 32.

    >>> division_prefix("320581"), division_prefix("320500"), division_prefix("320000")
    ('320581', '3205', '32')
    """
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code
