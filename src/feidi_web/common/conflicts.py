"""Optimistic concurrency: an edit names the version its editor saw.

Two people open the same record; both save. Without a version the later save silently
reverts the earlier one (and the audit trail records the revert as a change). With one,
the later save finds the version moved on and is refused with what changed, by whom and
when, so the editor can look and decide; the form then carries the new version, and saving
again is a deliberate overwrite.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class EditConflict(Exception):
    """The record is at ``current_version``, not at the version the editor saw; ``current``
    holds its values now, ``changed_by`` / ``changed_at`` the last change from the audit
    trail."""

    def __init__(
        self,
        *,
        current_version: int,
        current: dict[str, Any],
        changed_by: str | None = None,
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(f"the record changed since it was read (now version {current_version})")
        self.current_version = current_version
        self.current = current
        self.changed_by = changed_by
        self.changed_at = changed_at
