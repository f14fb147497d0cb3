"""The core stays pure: importing it loads no web framework and no heavy optional engine."""

from __future__ import annotations

import subprocess
import sys


def test_core_import_loads_no_django_and_no_spark() -> None:
    code = (
        "import sys, feidi, feidi.rules, feidi.io, feidi.demo, feidi.cli, feidi.reference; "
        "print(sorted(m for m in ('django', 'feidi_web', 'pyspark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
