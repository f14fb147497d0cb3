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


def test_the_cli_starts_without_the_matchers_the_schedulers_or_the_segmenters_imports() -> None:
    """`feidi evaluate` registers `feidi match`, `feidi schedule` and `feidi chains`, but does
    not pay for scikit-learn, bm25s, OR-Tools or jieba (seconds on a loaded machine)."""
    heavy = ("sklearn", "bm25s", "ortools", "jieba", "scipy")  # scipy: feidi complexity
    code = f"import sys, feidi.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_diagnosis_names_load_without_the_chains_segmenter_or_the_catalogue() -> None:
    """`feidi diagnose` is registered through feidi.diagnosis, and the web reads its TYPES and
    FLAGS at import: neither pays for jieba, the catalogue or the diagnosis itself."""
    code = (
        "import sys, feidi.cli, feidi.diagnosis; from feidi.diagnosis import TYPES, FLAGS; "
        "print(sorted(m for m in ('jieba', 'feidi.diagnosis._diagnose', "
        "'feidi.diagnosis._catalogue') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
