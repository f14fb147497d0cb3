"""Issues found batch by batch, reported as if the whole file had been checked at once.

A file read in batches of firms (:mod:`feidi.io._stream`) is checked batch by batch, but its
report must be the one a single pass gives: every issue at its row, and, per issue code, the
*first* :data:`~feidi.io._issues.ISSUE_CAP` in the order a single pass lists them — check by
check (a check's failing rows top to bottom), then the duplicate years, the conflicts field
by field, the firms with too few years. So a batch does not log straight into the report:

* each batch logs into a :class:`SiteLog`, where every *site* (one check, one field's
  conflicts …) lists at most the cap of its own issues and counts the rest — enough, since
  no site can have more listed in the report than the cap;
* :class:`Findings` appends each batch's sites to the earlier batches' (batches are in file
  order, so a site's issues stay top to bottom), again keeping at most the cap per site;
* at the end :meth:`Findings.replay` logs the sites, in the order the checks run, into the
  report's :class:`~feidi.io._issues.IssueLog`, which applies the cap per code.

A site lists a superset of what the report lists from it: a code's room left for a site in
the report is at most the cap, and when earlier sites of the same code took less room in a
batch than in the whole file, the later site's share is only larger. The whole-file read is
the same thing with one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feidi.io._issues import ISSUE_CAP, Bilingual, IssueLog, Severity

__all__ = ["Findings", "SiteLog"]


@dataclass(frozen=True, slots=True)
class _Entry:
    reason: Bilingual
    row: int | None
    column: str | None
    value: str | None


@dataclass
class _Site:
    code: str
    severity: Severity
    entries: list[_Entry] = field(default_factory=list)
    unlisted: int = 0

    @property
    def found(self) -> bool:
        return bool(self.entries) or self.unlisted > 0


class SiteLog:
    """The issues of one batch of rows, by site.

    Has the parts of :class:`~feidi.io._issues.IssueLog` the checks use (``room``, ``add``,
    ``count_unlisted``), applied to the site opened last with :meth:`site`.
    """

    def __init__(self, cap: int = ISSUE_CAP) -> None:
        self.cap = cap
        self.sites: dict[str, _Site] = {}
        self._open: _Site | None = None

    def site(self, key: str, code: str, severity: Severity) -> None:
        """Open the site ``key`` (one check's issues, all of ``code`` and ``severity``)."""
        if key in self.sites:
            raise ValueError(f"site {key!r} opened twice in one batch")
        self._open = self.sites[key] = _Site(code, severity)

    def _current(self, code: str) -> _Site:
        if self._open is None or self._open.code != code:
            raise ValueError(f"an issue of {code!r} outside a site of that code")
        return self._open

    def room(self, code: str) -> int:
        """How many more issues the open site lists."""
        return max(self.cap - len(self._current(code).entries), 0)

    def add(
        self,
        severity: Severity,
        code: str,
        reason: Bilingual,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        site = self._current(code)
        if len(site.entries) >= self.cap:
            site.unlisted += 1
        else:
            site.entries.append(_Entry(reason, row, column, value))

    def count_unlisted(self, code: str, n: int) -> None:
        if n > 0:
            self._current(code).unlisted += n

    @property
    def has_errors(self) -> bool:
        return any(s.severity == "error" and s.found for s in self.sites.values())


class Findings:
    """The sites of every batch so far, each keeping its first ``cap`` issues in file order."""

    def __init__(self, cap: int = ISSUE_CAP) -> None:
        self.cap = cap
        self._sites: dict[str, _Site] = {}
        self.has_errors = False

    def merge(self, batch: SiteLog) -> None:
        """Append a batch's sites (the next rows of the file) to the earlier batches'."""
        if self._sites and tuple(self._sites) != tuple(batch.sites):
            # every batch runs the same checks in the same order; anything else is a bug
            raise ValueError("a batch was checked with other checks than the first")
        for key, new in batch.sites.items():
            site = self._sites.setdefault(key, _Site(new.code, new.severity))
            room = max(self.cap - len(site.entries), 0)
            site.entries += new.entries[:room]
            site.unlisted += max(len(new.entries) - room, 0) + new.unlisted
        self.has_errors = self.has_errors or batch.has_errors

    def replay(self, log: IssueLog) -> None:
        """Log every site, in the order the checks ran, into the report's ``log``."""
        for site in self._sites.values():
            for e in site.entries:
                log.add(
                    site.severity, site.code, e.reason, row=e.row, column=e.column, value=e.value
                )
            log.count_unlisted(site.code, site.unlisted)
