"""Ladder grading: rulebooks as data, a generic engine, traces and paths to pass.

>>> from feidi.rules import load_rulebook
>>> sorted(load_rulebook("miit-2022").tiers)
['innovative', 'little_giant', 'specialized']
"""

from feidi.rules._engine import compile_rulebook
from feidi.rules._evaluate import (
    ENGINES,
    Engine,
    Evaluation,
    FirmBatches,
    FirmData,
    evaluate,
    grade_on_spark,
)
from feidi.rules._layout import (
    CONDITION,
    INDICATOR,
    RECORD_SCHEMA,
    flat_schema,
    records_from_flat,
)
from feidi.rules._loader import (
    RulebookError,
    RulebookSource,
    available_rulebooks,
    load_rulebook,
    load_rulebook_source,
    rulebook_source,
    shipped_inputs,
)
from feidi.rules._model import Rulebook, Tier
from feidi.rules._paths import PATH_STEP
from feidi.rules._titles import TitleGrant, highest_title, review_due, title_grants
from feidi.rules._whatif import apply_changes, path_changes, what_if
from feidi.rules._wording import (
    ConditionLine,
    Explanation,
    IndicatorLine,
    describe,
    explain,
    format_value,
    measure_name,
    number_text,
    score_gap,
    summary_line,
)

__all__ = [
    "CONDITION",
    "ENGINES",
    "INDICATOR",
    "PATH_STEP",
    "RECORD_SCHEMA",
    "ConditionLine",
    "Engine",
    "Evaluation",
    "Explanation",
    "FirmBatches",
    "FirmData",
    "IndicatorLine",
    "Rulebook",
    "RulebookError",
    "RulebookSource",
    "Tier",
    "TitleGrant",
    "apply_changes",
    "available_rulebooks",
    "compile_rulebook",
    "describe",
    "evaluate",
    "explain",
    "flat_schema",
    "format_value",
    "grade_on_spark",
    "highest_title",
    "load_rulebook",
    "load_rulebook_source",
    "measure_name",
    "number_text",
    "path_changes",
    "records_from_flat",
    "review_due",
    "rulebook_source",
    "score_gap",
    "shipped_inputs",
    "summary_line",
    "title_grants",
    "what_if",
]
