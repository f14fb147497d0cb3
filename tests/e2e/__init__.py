"""Browser tests (pytest -m e2e)."""
