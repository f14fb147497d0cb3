"""Names of a package imported when first used (PEP 562), for the capability packages whose
libraries are heavy (scikit-learn, bm25s, OR-Tools, SciPy): the `feidi` CLI registers their
commands through the packages, and `feidi evaluate` must not pay for those imports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``where`` maps each public name to the
    submodule that defines it; a name is imported on first use and kept in ``namespace``
    (the package's ``globals()``), so later uses are plain lookups."""

    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(import_module(f"{package}.{where[name]}"), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
