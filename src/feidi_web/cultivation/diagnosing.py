"""Diagnosing the registry's firms with the core (``feidi.diagnosis.diagnose``).

A diagnosis is computed, never stored: from the firms' registry rows and fiscal years
(``enterprises.selectors.dataset_for``), their chain mounts (how many nodes each sits on at
the counting confidence, refreshed first so an import never leaves them stale) and the date.
A county's diagnosis is kept in this process only while nothing it read has changed: the key
is what the registry, the fiscal years and the mounts hold now (counts, largest ids, sums of
versions, the latest changes), so an edit, an import or a correction is seen on the next page.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import date

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from feidi.diagnosis import Diagnosis, diagnose
from feidi_web.chains.models import ChainMount, MountCorrection
from feidi_web.chains.selectors import chain_nodes_of
from feidi_web.chains.services import refresh_enterprise_mounts
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.selectors import dataset_for

#: A mount counts towards "on a chain" from this confidence (one keyword, or a code match),
#: the same threshold as the chain strength and the ranker.
CHAIN_CONFIDENCE = 0.4
_CACHE_SIZE = 8
_cache: OrderedDict[str, Diagnosis] = OrderedDict()
_lock = threading.Lock()


def _key(firms: QuerySet[Enterprise], as_of: date) -> str:
    ids = firms.values("id")
    e = firms.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    y = FiscalYear.objects.filter(enterprise__in=ids).aggregate(
        n=Count("id"), top=Max("id"), v=Sum("version")
    )
    m = ChainMount.objects.filter(mounting__enterprise__in=ids).aggregate(
        n=Count("id"), top=Max("id")
    )
    c = MountCorrection.objects.filter(mounting__enterprise__in=ids).aggregate(top=Max("id"))
    raw = repr((sorted(e.items()), sorted(y.items()), sorted(m.items()), c["top"], as_of))
    return hashlib.sha256(raw.encode()).hexdigest()


def diagnosis_of(firms: QuerySet[Enterprise], *, as_of: date | None = None) -> Diagnosis:
    """The diagnosis of ``firms`` (the registered ones: a party without a credit code has no
    figures) on ``as_of`` (today by default)."""
    when = as_of or timezone.localdate()
    graded = firms.filter(credit_code__isnull=False)
    refresh_enterprise_mounts(graded.only("id", "jurisdiction_code", "industry_code", "profile"))
    key = _key(graded, when)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    pairs = list(graded.values_list("id", "credit_code"))
    nodes = chain_nodes_of("enterprise", [i for i, _c in pairs], min_confidence=CHAIN_CONFIDENCE)
    result = diagnose(
        dataset_for(graded),
        as_of=when,
        chain_nodes={str(code): len(nodes.get(i, ())) for i, code in pairs},
    )
    with _lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def engine_type_of(
    enterprise: Enterprise, among: QuerySet[Enterprise], *, as_of: date | None = None
) -> str | None:
    """The type the rules give one firm on ``as_of`` (None: undecided for missing inputs),
    read from the diagnosis of ``among`` (the actor's firms: one diagnosis kept for many
    calls, as long as nothing changes)."""
    if not enterprise.gradable:
        return None
    d = diagnosis_of(among, as_of=as_of)
    row = d.types.filter(d.types["credit_code"] == enterprise.credit_code)
    if row.is_empty():
        return None
    value = row["type"][0]
    return str(value) if value is not None else None
