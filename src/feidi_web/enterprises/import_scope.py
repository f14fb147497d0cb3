"""Which rows of an import the uploader may write: every row, whatever columns the file has.

An import is made *for a division* (county staff: their own; an administrator: the one they
choose). Each firm in the file must end up inside that division after the write:

* a firm already in the registry must already lie in the division (its ``jurisdiction_code``);
  a firm of another county is refused — the file cannot update it, flip it into an enclave
  firm, or learn anything about it (the refusal names no value, division or figure of it);
* a new local firm must be registered inside the division (its ``region_code`` from the file,
  else the registration division inside its credit code, characters 3–8);
* an enclave firm (飞地企业 = 是) is registered in the big city by design and is placed under the
  importing division, the home county that runs the enclave;
* a firm in the division cannot be moved out of it by the file (a local firm given a region
  outside, or an enclave firm made local while registered outside).

The same rules run at check and again at commit, against the registry as it is then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from feidi.io import Dataset
from feidi.schema import FIELDS_BY_NAME
from feidi_web.accounts.scope import division_prefix
from feidi_web.common.lang import in_both
from feidi_web.enterprises.models import Enterprise


@dataclass(frozen=True)
class StoredPlace:
    """Where a registered firm is today: what the scope rules need to know of it."""

    jurisdiction_code: str
    region_code: str
    enclave: bool


@dataclass(frozen=True)
class ScopeCheck:
    """The rows refused, as report issues, and where each accepted new firm is placed."""

    issues: list[dict[str, Any]]
    jurisdiction: dict[str, str]


def jurisdiction_for(
    *, region_code: str, enclave: bool, division: str, stored: StoredPlace | None = None
) -> str:
    """The county responsible for a firm: its own division, or for an enclave firm the home
    county that runs the enclave (the importer's division, or the one it already had)."""
    if not enclave:
        return region_code
    if stored is not None and stored.enclave:
        return stored.jurisdiction_code
    return division


def check_import_scope(
    data: Dataset,
    *,
    division: str,
    stored: Mapping[str, StoredPlace],
    file_name: str,
    credit_header: str,
) -> ScopeCheck:
    """Check every firm of ``data`` against ``division``; ``stored`` holds the registered
    firms among them (by credit code), whatever their jurisdiction."""
    prefix = division_prefix(division)
    firms = data.firms
    columns = ["credit_code"]
    columns += [c for c in ("region_code", "enclave") if c in firms.columns]
    rows = {}
    if data.firm_rows is not None:
        rows = dict(data.firm_rows.select("credit_code", "row").iter_rows())
    issues: list[dict[str, Any]] = []
    placed: dict[str, str] = {}
    for firm in firms.select(columns).iter_rows(named=True):
        code = firm["credit_code"]
        file_region = firm.get("region_code")
        file_enclave = firm.get("enclave")
        old = stored.get(code)
        reason: tuple[str, str] | None = None
        if old is not None:
            region = file_region or old.region_code
            enclave = old.enclave if file_enclave is None else bool(file_enclave)
            if not old.jurisdiction_code.startswith(prefix):
                # The same words whether the firm is local elsewhere or an enclave firm of
                # another county: nothing about the other county's record is revealed.
                reason = in_both(
                    gettext_lazy(
                        "%(code)s is a firm of another jurisdiction; it cannot be imported into "
                        "%(mine)s. Ask a system administrator if it has moved."
                    ),
                    code=code,
                    mine=division,
                )
            elif not enclave and not region.startswith(prefix):
                reason = in_both(
                    gettext_lazy(
                        "This row would move %(code)s out of your jurisdiction %(mine)s: it is "
                        "registered in %(region)s and not marked as an enclave firm."
                    ),
                    code=code,
                    region=region,
                    mine=division,
                )
            else:
                placed[code] = jurisdiction_for(
                    region_code=region, enclave=enclave, division=division, stored=old
                )
        else:
            region = file_region or code[2:8]
            enclave = bool(file_enclave)
            if not enclave and not region.startswith(prefix):
                reason = in_both(
                    gettext_lazy(
                        "%(code)s is registered in %(region)s, outside your jurisdiction %(mine)s; "
                        "only enclave firms (飞地企业 = 是) registered elsewhere can be imported."
                    ),
                    code=code,
                    region=region,
                    mine=division,
                )
            else:
                placed[code] = jurisdiction_for(
                    region_code=region, enclave=enclave, division=division
                )
        if reason is not None:
            issues.append(
                {
                    "severity": "error",
                    "file": file_name,
                    "row": rows.get(code),
                    "column": credit_header,
                    "value": code,
                    "reason": reason[0],
                    "reason_en": reason[1],
                    "code": "outside_jurisdiction",
                }
            )
    return ScopeCheck(issues=issues, jurisdiction=placed)


def credit_header_of(columns: Mapping[str, str]) -> str:
    """The file's own header for the credit code (the report maps header → field)."""
    for header, field in columns.items():
        if field == "credit_code":
            return header
    return FIELDS_BY_NAME["credit_code"].zh


def stored_places(codes: list[str]) -> dict[str, StoredPlace]:
    """Where the registered firms among ``codes`` are, in one query over the whole registry
    (scope is what is being checked, so this read is deliberately not scope-filtered; its
    result never reaches the user beyond the refusal above)."""
    return {
        str(c): StoredPlace(jurisdiction_code=j, region_code=r, enclave=e)
        for c, j, r, e in Enterprise.objects.filter(credit_code__in=codes).values_list(
            "credit_code", "jurisdiction_code", "region_code", "enclave"
        )
    }


__all__ = [
    "ScopeCheck",
    "StoredPlace",
    "check_import_scope",
    "credit_header_of",
    "jurisdiction_for",
    "stored_places",
]
