"""Reads of the registry. Every function takes the user and starts from their scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from feidi.io import Dataset
from feidi_web.accounts.models import User
from feidi_web.enterprises.codec import dataset_from_rows
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.permissions import enterprises_for_user

_CODE_LIKE = re.compile(r"^[0-9A-Za-z]{4,18}$")
_LETTERS = re.compile(r"^[A-Za-z]+$")


@dataclass(frozen=True)
class RegistryFilter:
    """What the registry search box and its filters ask for."""

    q: str = ""
    industry: str = ""  # a GB/T 4754 prefix: "C", "C32", "C3240"
    town: str = ""
    region: str = ""
    enclave: bool | None = None


def enterprise_search(user: User, f: RegistryFilter) -> QuerySet[Enterprise]:
    """Name (汉字), 拼音首字母, credit code (or its start), industry prefix, town."""
    qs = enterprises_for_user(user)
    q = f.q.strip()
    if q:
        cond = Q(name__icontains=q)
        if _LETTERS.match(q):
            cond |= Q(name_initials__startswith=q.lower()) | Q(name_initials__contains=q.lower())
        if _CODE_LIKE.match(q):
            cond |= Q(credit_code__startswith=q.upper())
        qs = qs.filter(cond)
    if f.industry:
        qs = qs.filter(industry_code__startswith=f.industry.strip().upper())
    if f.town:
        qs = qs.filter(town=f.town)
    if f.region:
        qs = qs.filter(region_code=f.region)
    if f.enclave is not None:
        qs = qs.filter(enclave=f.enclave)
    return qs


def towns_for_user(user: User) -> list[str]:
    return list(
        enterprises_for_user(user)
        .exclude(town="")
        .values_list("town", flat=True)
        .distinct()
        .order_by("town")
    )


def dataset_for(enterprises: QuerySet[Enterprise]) -> Dataset:
    """The core's ``Dataset`` for a set of enterprises, in two queries. Only parties with a
    credit code are in it: the ladder grades registered enterprises (``Enterprise.gradable``)."""
    enterprises = enterprises.filter(credit_code__isnull=False)
    ids_and_profiles = list(enterprises.order_by("id").values_list("id", "credit_code", "profile"))
    code_of = {i: str(c) for i, c, _ in ids_and_profiles}
    years = FiscalYear.objects.filter(enterprise__in=enterprises.values("id")).values_list(
        "enterprise_id", "year", "figures"
    )
    return dataset_from_rows(
        ({**p, "credit_code": code_of[i]} for i, _, p in ids_and_profiles),
        ((code_of[e], y, fig) for e, y, fig in years.iterator(chunk_size=5000)),
    )
