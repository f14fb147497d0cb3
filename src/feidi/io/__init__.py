"""Reading, checking and normalising input files (CSV, XLSX, Parquet).

The one way data enters Feidi: :func:`read_dataset` reads a file of firms × fiscal years
with English or Chinese headers, applies every check of ``CRITERIA.md`` ("Input checks") and
returns the normalised :class:`Dataset` — or raises :class:`InputError` whose report lists
every problem with its file, row, column, value and a bilingual reason.
"""

from feidi.io._isolated import (
    Isolation,
    read_dataset_isolated,
    report_from_json,
    report_to_json,
)
from feidi.io._issues import (
    CONTROL_CHARS,
    ISSUE_CAP,
    InputError,
    InputReport,
    Issue,
    write_report,
)
from feidi.io._limits import DEFAULT_LIMITS, ReadLimits
from feidi.io._parse import flag_column
from feidi.io._results import FlatFile, read_flat_records, write_results
from feidi.io._stream import (
    BATCH_FIRMS,
    DatasetStream,
    dataset_from_frame,
    empty_dataset,
    read_dataset,
    stream_dataset,
    validate_file,
)
from feidi.io._validate import Dataset

__all__ = [
    "BATCH_FIRMS",
    "CONTROL_CHARS",
    "DEFAULT_LIMITS",
    "ISSUE_CAP",
    "Dataset",
    "DatasetStream",
    "FlatFile",
    "InputError",
    "InputReport",
    "Isolation",
    "Issue",
    "ReadLimits",
    "dataset_from_frame",
    "empty_dataset",
    "flag_column",
    "read_dataset",
    "read_dataset_isolated",
    "read_flat_records",
    "report_from_json",
    "report_to_json",
    "stream_dataset",
    "validate_file",
    "write_report",
    "write_results",
]
