"""Feidi 飞地 — the analytics core: ladder grading, input checks, the demo city.

This package never imports Django (an import-linter contract and a test enforce it): the web
app, the CLI and batch jobs all call the same functions here.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
