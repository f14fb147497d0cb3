"""Staff corrections over automatic mounts, so that mounting again never undoes them.

A correction names a node and what staff decided: ``confirm`` (the firm is on it — whether
or not the automatic mounting still finds it), ``reject`` (it is not, whatever the evidence
says) or ``add`` (a node the automatic mounting did not propose). The platform stores the
corrections and applies them to every fresh run of :func:`~feidi.chains.mount`; for one node
the latest correction (the last in the list) is the one that holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from feidi.chains._model import split_node_ref
from feidi.chains._mount import Evidence, Mount, Status

__all__ = ["ACTIONS", "Action", "Correction", "apply_corrections"]

Action = Literal["confirm", "reject", "add"]
ACTIONS: tuple[Action, ...] = get_args(Action)
_STATUS: dict[Action, Status] = {"confirm": "confirmed", "add": "added"}


@dataclass(frozen=True, slots=True)
class Correction:
    """Staff's decision about one firm on one node (``"chain/node"``).

    >>> Correction("auto_parts/chassis", "reject", by="王芳", note="只做内饰件")
    Correction(node='auto_parts/chassis', action='reject', by='王芳', note='只做内饰件')
    """

    node: str
    action: Action
    by: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        split_node_ref(self.node)
        if self.action not in ACTIONS:
            allowed = " / ".join(ACTIONS)
            raise ValueError(
                f"更正动作应是 {allowed} 之一，收到 {self.action!r}"
                f" / a correction's action is one of {allowed}, got {self.action!r}"
            )


def latest(corrections: Iterable[Correction]) -> dict[str, Correction]:
    """The correction that holds for each node: the last one given."""
    out: dict[str, Correction] = {}
    for c in corrections:
        out.pop(c.node, None)  # re-inserted: the dict keeps the order of the last decisions
        out[c.node] = c
    return out


def apply_corrections(mounts: Sequence[Mount], corrections: Iterable[Correction]) -> list[Mount]:
    """One firm's automatic mounts with its corrections applied, surest first.

    Confirmed and added mounts get confidence 1 and keep whatever automatic evidence there
    is; rejected ones are dropped. Corrections are pure data: a node no chain has any more
    still counts as staff said (the platform decides what to show for it).

    Examples
    --------
    >>> from feidi.chains import mount
    >>> auto = mount("C3670", "新能源汽车电池包壳体")
    >>> fixed = apply_corrections(auto, [
    ...     Correction("new_energy/nev", "reject"),
    ...     Correction("auto_parts/body_stampings", "confirm"),
    ...     Correction("new_energy/energy_storage", "add"),
    ... ])
    >>> [(m.node, m.confidence, m.status) for m in fixed[:3]]
    [('auto_parts/body_stampings', 1.0, 'confirmed'), ('new_energy/energy_storage', 1.0, 'added'), ('auto_parts/ev_systems', 0.46, 'auto')]
    >>> "new_energy/nev" in {m.node for m in fixed}
    False
    """
    decided = latest(corrections)
    out: list[Mount] = []
    for m in mounts:
        c = decided.get(m.node)
        if c is None:
            out.append(m)
        elif c.action != "reject":
            out.append(replace(m, confidence=1.0, status=_STATUS[c.action], correction=c))
    present = {m.node for m in mounts}
    for node, c in decided.items():
        if node not in present and c.action != "reject":
            out.append(Mount(node, 1.0, Evidence(), _STATUS[c.action], c))
    return sorted(out, key=lambda m: (-m.confidence, m.node))
