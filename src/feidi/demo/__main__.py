"""``python -m feidi.demo DIRECTORY [SEED]``: write the demo city's XLSX, CSV and Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

from feidi.demo import DEMO_SEED, write_demo_inputs


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2 or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    seed = int(argv[1]) if len(argv) == 2 else DEMO_SEED
    for kind, path in write_demo_inputs(Path(argv[0]), seed=seed).items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
