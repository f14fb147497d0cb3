"""Grading the registry's firms on the policies (``feidi.policy.eligibility``).

Which policies: the shipped ones in force on the day, and each division's *published* local
policy versions — each applied only to the firms of the area it covers (the policy's
``region`` prefix of 行政区划代码; a local policy without a region covers its authoring
division). Verdicts are computed, never stored (``EligibilityState`` only remembers what a
firm was *told*), and kept in this process while nothing they read has changed: the key is
what the registry and the fiscal years hold now and which policy versions are published.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date

import polars as pl
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from feidi.policy import (
    Eligibility,
    Policy,
    PolicySpecError,
    eligibility,
    load_policies,
    load_policy_spec,
)
from feidi_web.accounts.scope import division_prefix
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.policies.models import PolicyVersion, VersionStatus

_CACHE_SIZE = 8
_cache: OrderedDict[str, Eligibility] = OrderedDict()
_lock = threading.Lock()


def area_of(policy: Policy, authored_in: str | None = None) -> str:
    """The 行政区划代码 prefix a policy covers ("" for a national one)."""
    if policy.region:
        return policy.region
    if policy.local and authored_in:
        # a city's division 320500 covers its counties 3205xx, as the registry's scope does
        return division_prefix(authored_in)
    return ""


def published_local() -> list[tuple[PolicyVersion, Policy]]:
    """Every published local policy version with its policy (a version whose spec no
    longer loads — the catalogue changed under it — is left out, never half-applied)."""
    out = []
    for v in PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("policy"):
        try:
            out.append((v, load_policy_spec(v.spec)))
        except PolicySpecError:
            continue
    return out


def policies_for(codes: Iterable[str], as_of: date) -> list[tuple[Policy, str]]:
    """(policy, area) of every policy in force on ``as_of`` covering any of the division
    ``codes``: shipped first, then the published local ones."""
    codes = set(codes)
    chosen: list[tuple[Policy, str]] = []
    local = [(p, area_of(p, v.policy.jurisdiction_code)) for v, p in published_local()]
    for policy, area in [(p, area_of(p)) for p in load_policies(as_of)] + local:
        if policy.in_force(as_of) and any(c.startswith(area) for c in codes):
            chosen.append((policy, area))
    return chosen


def _key(firms: QuerySet[Enterprise], as_of: date) -> str:
    ids = firms.values("id")
    e = firms.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    y = FiscalYear.objects.filter(enterprise__in=ids).aggregate(
        n=Count("id"), top=Max("id"), v=Sum("version")
    )
    published = sorted(
        PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list("pk", flat=True)
    )
    raw = repr((sorted(e.items()), sorted(y.items()), published, as_of))
    return hashlib.sha256(raw.encode()).hexdigest()


def eligibility_of(firms: QuerySet[Enterprise], *, as_of: date | None = None) -> Eligibility:
    """Every registered firm of ``firms`` graded on every policy covering it on ``as_of``
    (today by default). ``verdicts`` holds only the (firm, policy) pairs where the policy
    covers the firm's division."""
    when = as_of or timezone.localdate()
    graded = firms.filter(credit_code__isnull=False)
    key = _key(graded, when)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    division = dict(graded.values_list("credit_code", "jurisdiction_code"))
    chosen = policies_for(set(division.values()), when)
    result = eligibility(dataset_for(graded), as_of=when, policies=[p for p, _ in chosen])
    area = pl.DataFrame(
        {"policy": [p.id for p, _ in chosen], "area": [a for _, a in chosen]},
        schema={"policy": pl.String, "area": pl.String},
    )
    where = pl.DataFrame(
        {"credit_code": list(division), "division": list(division.values())},
        schema={"credit_code": pl.String, "division": pl.String},
    )
    covered = (
        result.verdicts.join(area, on="policy", how="left")
        .join(where, on="credit_code", how="left")
        .filter(pl.col("division").str.starts_with(pl.col("area")))
        .drop("area", "division")
    )
    result = dataclasses.replace(result, verdicts=covered)
    with _lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result
