"""Parties: who the platform works with, whether or not they have a credit code yet.

The ladder grades enterprises by their 统一社会信用代码, but the enclave works with many who
have none, or none yet: a big-city start-up before it registers, a pipeline prospect, a
university lab, an investor. A :class:`Party` is the neutral identity all of them share; the
ladder's inputs attach to a party that has a credit code (:attr:`Party.gradable`), and a
prospect that registers keeps its identity and its history when the code is added.

Examples
--------
>>> p = Party(key="p-12", kind=PartyKind.STARTUP, name="深圳某传感器初创团队")
>>> p.gradable, p.kind.label("en")
(False, 'Start-up')
>>> Party(key="913205811032256919", kind=PartyKind.ENTERPRISE, name="甲",
...       credit_code="913205811032256919").gradable
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Party", "PartyKind"]


class PartyKind(StrEnum):
    """What kind of party: the ladder grades enterprises; the others meet the enclave."""

    ENTERPRISE = "enterprise"
    PROSPECT = "prospect"
    STARTUP = "startup"
    LAB = "lab"
    INVESTOR = "investor"
    OTHER = "other"

    def label(self, lang: str) -> str:
        """The kind's name in ``lang`` ("zh" or "en")."""
        zh, en = _KIND_LABELS[self]
        return zh if lang == "zh" else en


_KIND_LABELS: dict[PartyKind, tuple[str, str]] = {
    PartyKind.ENTERPRISE: ("企业", "Enterprise"),
    PartyKind.PROSPECT: ("招商意向项目", "Investment prospect"),
    PartyKind.STARTUP: ("初创团队", "Start-up"),
    PartyKind.LAB: ("高校或科研机构", "University or research lab"),
    PartyKind.INVESTOR: ("投资机构", "Investor"),
    PartyKind.OTHER: ("其他", "Other"),
}


@dataclass(frozen=True, slots=True)
class Party:
    """One party. ``key`` is stable for its whole life (a registry assigns it); a
    ``credit_code`` may arrive later and never replaces the key."""

    key: str
    kind: PartyKind
    name: str
    credit_code: str | None = None
    region_code: str | None = None

    @property
    def gradable(self) -> bool:
        """Whether the ladder can grade it: only a registered enterprise can hold a title."""
        return self.credit_code is not None
