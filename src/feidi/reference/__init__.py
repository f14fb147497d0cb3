"""Reference tables shipped with Feidi and the checks built on them.

* GB 32100-2015 统一社会信用代码: alphabet and check digit.
* GB/T 4754-2017 国民经济行业分类: 20 sections, 97 divisions, 473 groups, 1,381 classes
  (``data/gbt4754_2017.csv``, copied from ``shared/data/reference``).
* 统计用区划代码 2023: provinces, cities and counties as 6-digit codes
  (``data/divisions_2023.csv``, built from the modood tables).
"""

from feidi.reference._credit_code import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    credit_code_valid_expr,
    make_credit_code,
)
from feidi.reference._tables import (
    Division,
    Industry,
    division,
    division_codes,
    industry,
    industry_codes,
    normalise_industry_code,
)

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "Division",
    "Industry",
    "credit_code_check_char",
    "credit_code_problem",
    "credit_code_valid_expr",
    "division",
    "division_codes",
    "industry",
    "industry_codes",
    "make_credit_code",
    "normalise_industry_code",
]
