"""Writes to the registry: imports (check, then one atomic commit) and figure edits.

Every value enters through the core's checks (``feidi.io``), so the web, the API and the CLI
accept and refuse exactly the same input; every change of a stored value leaves an
``AuditEntry`` in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.io import (
    CONTROL_CHARS,
    Dataset,
    InputError,
    InputReport,
    Isolation,
    ReadLimits,
    dataset_from_frame,
    flag_column,
    read_dataset_isolated,
    report_to_json,
)
from feidi.parties import PartyKind
from feidi.reference import credit_code_problem, make_credit_code, normalise_industry_code
from feidi.schema import FIELDS_BY_NAME, TITLE_COLUMNS, YEAR_FIELDS
from feidi_web.accounts.models import Role, User
from feidi_web.common.audit import (
    VIA_FORM,
    AuditAction,
    audit_entry,
    party_subject,
    via_import,
    year_subject,
)
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.lang import core_lang, pick, reason_text
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.codec import from_json, name_initials, to_json
from feidi_web.enterprises.fields import extra_fields, registry_fields
from feidi_web.enterprises.import_scope import (
    ScopeCheck,
    check_import_scope,
    credit_header_of,
    stored_places,
)
from feidi_web.enterprises.models import DataImport, Enterprise, FiscalYear, ImportStatus
from feidi_web.enterprises.permissions import (
    enterprise_scope,
    require_party_registrar,
    require_registry_editor,
)

ALLOWED_SUFFIXES = (".xlsx", ".csv", ".parquet")


# --- which stored columns a file's field writes ---------------------------------------------


def _owned_columns(field_name: str) -> list[str]:
    """The normalised columns a firm field produces (flags and titles fan out)."""
    f = registry_fields()[field_name]
    if f.kind == "flags":
        return [f.name, *(flag_column(f.name, key) for key in f.values)]
    if f.kind == "titles":
        return [f.name, *TITLE_COLUMNS]
    return [f.name]


def _written_columns(present: set[str]) -> tuple[list[str], list[str]]:
    """(profile columns, figure columns) an import carrying fields ``present`` writes; the
    rest of a stored firm is left as it is."""
    fields = registry_fields()
    firm_cols = [
        c
        for name in sorted(present)
        if name in fields and fields[name].scope == "firm"
        for c in _owned_columns(name)
    ]
    return firm_cols, [n for n in YEAR_FIELDS if n in present]


def _present_fields(report: InputReport) -> set[str]:
    return set(report.columns.values())


# --- import: check -------------------------------------------------------------------------


def _read_upload(path: Path, file_name: str) -> tuple[Dataset | None, InputReport]:
    """Read and check a stored upload with the core in a child process with memory and time
    limits, after bounding its rows, columns, cells and uncompressed size (``ReadLimits``):
    no file can take the web process (or the worker) down."""
    return read_dataset_isolated(
        path,
        file_name=file_name,
        extra_fields=extra_fields(),  # a province's own columns are kept, not ignored
        limits=ReadLimits(**settings.FEIDI_IMPORT_LIMITS),
        isolation=Isolation(
            memory_bytes=settings.FEIDI_IMPORT_MEMORY_BYTES,
            cpu_seconds=settings.FEIDI_IMPORT_SECONDS,
            wall_seconds=settings.FEIDI_IMPORT_SECONDS,
        ),
    )


def _scope(data: Dataset, report: InputReport, division: str) -> ScopeCheck:
    return check_import_scope(
        data,
        division=division,
        stored=stored_places(data.firms.get_column("credit_code").to_list()),
        file_name=report.file,
        credit_header=credit_header_of(report.columns),
    )


def _discard_file(imp: DataImport) -> None:
    """A refused upload keeps its report, not its file."""
    if imp.file:
        imp.file.delete(save=False)


def import_check(*, actor: User, upload: UploadedFile, jurisdiction_code: str = "") -> DataImport:
    """Store the upload and check it with the core and against the uploader's scope, row by
    row. Nothing in the registry changes.

    The result is a ``DataImport`` either *rejected* (its report lists every error with row,
    column, value and reason; the stored file is deleted) or in *preview* (its summary says
    what a commit would change, counting only firms the uploader may write).
    """
    require_registry_editor(actor)
    file_name = Path(upload.name or "upload").name
    suffix = Path(file_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(
            _("%(name)s: unsupported file type; upload .xlsx, .csv or .parquet")
            % {"name": file_name}
        )
    if upload.size is None or upload.size > settings.FEIDI_IMPORT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than the import limit of %(limit)s MB")
            % {"name": file_name, "limit": settings.FEIDI_IMPORT_MAX_BYTES // 2**20}
        )
    if actor.role == Role.COUNTY_STAFF:
        jurisdiction_code = actor.division_code
    if not (len(jurisdiction_code) == 6 and jurisdiction_code.isdigit()):
        raise ValidationError(_("Choose the six-digit division code the firms belong to."))

    imp = DataImport(
        uploaded_by=actor,
        jurisdiction_code=jurisdiction_code,
        file_name=file_name,
        status=ImportStatus.REJECTED,
    )
    imp.file.save(file_name, upload, save=False)
    try:
        data, report = _read_upload(Path(imp.file.path), file_name)
        imp.report = report_to_json(report)
        if data is not None:
            scope = _scope(data, report, jurisdiction_code)
            if scope.issues:
                imp.report["issues"] = scope.issues + imp.report["issues"]
            else:
                imp.status = ImportStatus.PREVIEW
                imp.summary = _plan(data, _present_fields(report))
        if imp.status == ImportStatus.REJECTED:
            _discard_file(imp)
        imp.save()
    except BaseException:
        _discard_file(imp)  # nothing of a check that failed stays on disk
        raise
    return imp


def _plan(data: Dataset, present: set[str]) -> dict[str, Any]:
    """What committing ``data`` changes: new and updated firms, years, changed cells."""
    codes = data.firms.get_column("credit_code").to_list()
    existing = {
        e.credit_code: e
        for e in Enterprise.objects.filter(credit_code__in=codes).only("credit_code", "profile")
    }
    stored_years = {
        (c, y): f
        for c, y, f in FiscalYear.objects.filter(enterprise__credit_code__in=codes).values_list(
            "enterprise__credit_code", "year", "figures"
        )
    }
    firm_cols, year_cols = _written_columns(present)
    changed_cells = 0
    for row in data.firms.iter_rows(named=True):
        old = existing.get(row["credit_code"])
        if old is not None:
            new = to_json(row)
            changed_cells += sum(1 for c in firm_cols if old.profile.get(c) != new.get(c))
    new_years = 0
    for row in data.financials.iter_rows(named=True):
        old_fig = stored_years.get((row["credit_code"], row["year"]))
        if old_fig is None:
            new_years += 1
        else:
            new = to_json(row)
            changed_cells += sum(1 for c in year_cols if old_fig.get(c) != new.get(c))
    return {
        "firms_new": len(codes) - len(existing),
        "firms_updated": len(existing),
        "years_new": new_years,
        "years_total": data.financials.height,
        "cells_changed": changed_cells,
        "fields": sorted(present),
    }


# --- import: commit ------------------------------------------------------------------------


def import_commit(*, actor: User, import_id: int) -> DataImport:
    """Write a checked import into the registry in one transaction, with its audit trail.

    The stored file is read and checked again (outside the transaction: reading is the slow
    part), and the scope rules run again inside it against the registry as it is now — a firm
    another county registered since the preview is refused, not overwritten. A second commit
    of the same import (a double click) waits for the first and is then refused.
    """
    require_registry_editor(actor)
    imp = DataImport.objects.get(pk=import_id)
    if imp.uploaded_by_id != actor.pk and actor.role != Role.ADMIN:
        raise PermissionDenied
    _require_preview(imp)
    data, report = _read_upload(Path(imp.file.path), imp.file_name)
    if data is None:  # the stored file changed under us: refuse rather than half-write
        raise ValidationError(_("The stored file no longer passes the checks."))
    with transaction.atomic():
        imp = DataImport.objects.select_for_update().get(pk=import_id)
        _require_preview(imp)
        scope = _scope(data, report, imp.jurisdiction_code)
        if scope.issues:
            raise ValidationError([reason_text(i) for i in scope.issues[:20]])
        summary = _write(
            actor=actor,
            data=data,
            present=_present_fields(report),
            imp=imp,
            jurisdiction=scope.jurisdiction,
        )
        imp.status = ImportStatus.COMMITTED
        imp.committed_at = timezone.now()
        imp.summary = {**imp.summary, **summary}
        imp.save(update_fields=["status", "committed_at", "summary"])
    return imp


def _require_preview(imp: DataImport) -> None:
    if imp.status != ImportStatus.PREVIEW:
        raise ValidationError(
            _("This import cannot be committed (status: %(s)s).") % {"s": imp.get_status_display()}
        )


def _write(
    *,
    actor: User,
    data: Dataset,
    present: set[str],
    imp: DataImport,
    jurisdiction: Mapping[str, str],
) -> dict[str, int]:
    via = via_import(imp.pk)
    firm_cols, year_cols = _written_columns(present)
    codes = data.firms.get_column("credit_code").to_list()
    existing = {
        e.credit_code: e
        for e in Enterprise.objects.select_for_update().filter(credit_code__in=codes)
    }
    audit: list[AuditEntry] = []
    created: list[Enterprise] = []
    updated: list[Enterprise] = []
    for row in data.firms.iter_rows(named=True):
        new = to_json(row)
        ent = existing.get(row["credit_code"])
        if ent is None:
            ent = Enterprise(
                credit_code=row["credit_code"],
                jurisdiction_code=jurisdiction[row["credit_code"]],
                profile=new,
            )
            created.append(ent)
        else:
            profile = dict(ent.profile)
            for c in firm_cols:
                if profile.get(c) != new.get(c):
                    audit.append(
                        audit_entry(
                            actor=actor,
                            action=AuditAction.PARTY_UPDATE,
                            subject=party_subject(ent.pk),
                            field=c,
                            old=profile.get(c),
                            new=new.get(c),
                            via=via,
                        )
                    )
                    profile[c] = new.get(c)
            ent.profile = profile
            ent.jurisdiction_code = jurisdiction[row["credit_code"]]
            updated.append(ent)
        _sync_columns(ent)
    Enterprise.objects.bulk_create(created, batch_size=500)  # sets their ids (RETURNING)
    audit += [
        audit_entry(
            actor=actor, action=AuditAction.PARTY_CREATE, subject=party_subject(e.pk), via=via
        )
        for e in created
    ]
    columns = [
        "name",
        "name_initials",
        "region_code",
        "town",
        "industry_code",
        "enclave",
        "jurisdiction_code",
        "profile",
        "updated_at",
    ]
    now = timezone.now()
    for ent in updated:
        ent.updated_at = now
    Enterprise.objects.bulk_update(updated, columns, batch_size=500)

    ids = dict(Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", "id"))
    stored = {
        (y.enterprise_id, y.year): y
        # locked: a figure edit in flight either finishes before this reads or waits after it
        for y in FiscalYear.objects.select_for_update().filter(enterprise_id__in=ids.values())
    }
    new_years: list[FiscalYear] = []
    changed_years: list[FiscalYear] = []
    for row in data.financials.iter_rows(named=True):
        code, year = row["credit_code"], row["year"]
        figures = {k: v for k, v in to_json(row).items() if k not in ("credit_code", "year")}
        fy = stored.get((ids[code], year))
        if fy is None:
            new_years.append(FiscalYear(enterprise_id=ids[code], year=year, figures=figures))
            continue
        merged = dict(fy.figures)
        for c in year_cols:
            if merged.get(c) != figures.get(c):
                audit.append(
                    audit_entry(
                        actor=actor,
                        action=AuditAction.YEAR_UPDATE,
                        subject=year_subject(ids[code], year),
                        field=c,
                        old=merged.get(c),
                        new=figures.get(c),
                        via=via,
                    )
                )
                merged[c] = figures.get(c)
        if merged != fy.figures:
            fy.figures = merged
            fy.version += 1
            changed_years.append(fy)
    FiscalYear.objects.bulk_create(new_years, batch_size=1000)
    FiscalYear.objects.bulk_update(changed_years, ["figures", "version"], batch_size=1000)
    AuditEntry.objects.bulk_create(audit, batch_size=1000)
    return {
        "firms_created": len(created),
        "years_created": len(new_years),
        "audit_entries": len(audit),
    }


def _sync_columns(ent: Enterprise) -> None:
    """Copy the searchable fields out of the profile into their indexed columns."""
    p = ent.profile
    code = ent.credit_code or ""
    ent.name = p.get("name") or ent.name or code
    ent.name_initials = name_initials(ent.name)
    ent.region_code = p.get("region_code") or ent.region_code or code[2:8]
    ent.town = p.get("town") or ""
    ent.industry_code = p.get("industry_code") or ""
    ent.enclave = bool(p.get("enclave"))


# --- one figure at a time ------------------------------------------------------------------


def fiscal_year_update(
    *,
    actor: User,
    enterprise: Enterprise,
    year: int,
    changes: Mapping[str, Any],
    seen_version: int,
    via: str = VIA_FORM,
) -> FiscalYear:
    """Change figures of one fiscal year, checked by the core like a one-firm file.

    ``seen_version`` is the year's version the editor read (0: the year did not exist yet).
    Raises ``EditConflict`` when the year has changed since (nothing is written), and
    ``ValidationError`` with the core's reasons when a value is refused — a negative revenue,
    more R&D staff than staff, a field that does not exist.
    """
    require_registry_editor(actor)
    unknown = sorted(set(changes) - set(YEAR_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)})
    subject = year_subject(enterprise.pk, year)
    key = _check_key(enterprise)
    with transaction.atomic():
        years = list(FiscalYear.objects.select_for_update().filter(enterprise=enterprise))
        target = next((y for y in years if y.year == year), None)
        current_version = target.version if target is not None else 0
        if current_version != seen_version:
            last = AuditEntry.objects.filter(subject=subject).select_related("actor").first()
            raise EditConflict(
                current_version=current_version,
                current=dict(target.figures) if target is not None else {},
                changed_by=last.actor.get_username() if last and last.actor else None,
                changed_at=last.at if last else None,
            )
        rows = []
        for y in years:
            figures = from_json(y.figures)
            if y.year == year:
                figures = {
                    **figures,
                    **{k: (None if v in ("", None) else v) for k, v in changes.items()},
                }
            rows.append(_text_row(key, y.year, figures))
        if target is None:
            rows.append(
                _text_row(
                    key,
                    year,
                    {k: None if v in (None, "") else v for k, v in changes.items()},
                )
            )
        frame = pl.DataFrame(
            rows, schema={k: pl.String for k in ("credit_code", "year", *YEAR_FIELDS)}
        )
        try:
            data, _report = dataset_from_frame(frame, file=f"{enterprise.name} {year}")
        except InputError as exc:
            raise ValidationError(
                [f"{i.column}: {i.value} — {i.text(core_lang())}" for i in exc.report.errors]
            ) from None
        row = data.financials.filter(pl.col("year") == year).row(0, named=True)
        new = {k: v for k, v in to_json(row).items() if k not in ("credit_code", "year")}
        if target is None:
            target = FiscalYear.objects.create(enterprise=enterprise, year=year, figures=new)
            audit_entry(
                actor=actor, action=AuditAction.YEAR_CREATE, subject=subject, via=via
            ).save()
            return target
        entries = [
            audit_entry(
                actor=actor,
                action=AuditAction.YEAR_UPDATE,
                subject=subject,
                field=k,
                old=target.figures.get(k),
                new=new.get(k),
                via=via,
            )
            for k in changes
            if target.figures.get(k) != new.get(k)
        ]
        if entries:
            target.figures = {**target.figures, **{k: new.get(k) for k in changes}}
            target.version += 1
            target.save(update_fields=["figures", "version"])
            AuditEntry.objects.bulk_create(entries)
    return target


#: The key a party without a credit code is checked under: a well-formed code (check digit
#: right) that no registry firm carries, since the figures' checks need a firm key, not a firm.
_UNREGISTERED_KEY = make_credit_code("00000000000000000")


def _check_key(enterprise: Enterprise) -> str:
    return enterprise.credit_code or _UNREGISTERED_KEY


def _text_row(credit_code: str, year: int, figures: Mapping[str, Any]) -> dict[str, str | None]:
    """One fiscal year as the all-text row a file would hold, for the core's checks."""
    return {
        "credit_code": credit_code,
        "year": str(year),
        **{k: None if figures.get(k) is None else str(figures[k]) for k in YEAR_FIELDS},
    }


# --- parties: registered by hand, with or without a credit code ----------------------------


def _credit_code_error(code: str) -> str | None:
    problem = credit_code_problem(code)
    return (
        _("%(code)s is not a valid unified social credit code: %(why)s")
        % {"code": code, "why": pick(problem)}
        if problem
        else None
    )


def _code_taken_error(actor: User, code: str, party: Enterprise | None = None) -> str | None:
    """Whether another party holds ``code``; a firm outside the actor's scope is named only
    as that (its name and place stay unseen), as an import would say it."""
    holder = Enterprise.objects.filter(credit_code=code)
    if party is not None:
        holder = holder.exclude(pk=party.pk)
    if not holder.exists():
        return None
    visible = holder.filter(enterprise_scope(actor)).first()
    if visible is None:
        return _("%(code)s belongs to a firm outside your jurisdiction.") % {"code": code}
    return _("%(code)s is already registered, as %(name)s.") % {"code": code, "name": visible.name}


def party_register(
    *,
    actor: User,
    name: str,
    kind: str,
    credit_code: str | None = None,
    town: str = "",
    industry_code: str = "",
    jurisdiction_code: str = "",
) -> Enterprise:
    """Register a party by hand: a firm without a file row yet, or a prospect, start-up, lab
    or investor that may never have a credit code. It belongs to the actor's county (an
    administrator names one); its registered division is the code's, else that county."""
    require_party_registrar(actor)
    division = jurisdiction_code if actor.role == Role.ADMIN else actor.division_code
    errors: dict[str, list[str]] = {}
    if not division or len(division) != 6 or not division.isdigit():
        errors["jurisdiction_code"] = [_("Choose the county the party belongs to.")]
    name = name.strip()
    longest = FIELDS_BY_NAME["name"].max_chars or 0
    if not name:
        errors["name"] = [_("A name is needed.")]
    elif re.search(CONTROL_CHARS, name) or len(name) > longest:
        errors["name"] = [
            _("A name of at most %(n)d characters, without control characters.") % {"n": longest}
        ]
    try:
        kind = PartyKind(kind).value
    except ValueError:
        errors["kind"] = [_("Choose one of the listed kinds.")]
    code = (credit_code or "").strip().upper() or None
    if code is not None:
        problem = _credit_code_error(code) or _code_taken_error(actor, code)
        if problem:
            errors["credit_code"] = [problem]
    industry = normalise_industry_code(industry_code) if industry_code else ""
    if industry is None:
        errors["industry_code"] = [
            _("%(code)s is not a GB/T 4754 industry code.") % {"code": industry_code}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        party = Enterprise(
            kind=kind,
            credit_code=code,
            jurisdiction_code=division,
            profile={
                "name": name,
                "town": town.strip(),
                "industry_code": industry or "",
                # what the enclave operator registers is the enclave's (and in their scope)
                "enclave": actor.role == Role.ENCLAVE_OPERATOR,
            },
        )
        party.region_code = (code or "")[2:8] or division
        _sync_columns(party)
        party.save()
        audit_entry(
            actor=actor,
            action=AuditAction.PARTY_CREATE,
            subject=party_subject(party.pk),
            via=VIA_FORM,
        ).save()
    return party


def party_set_credit_code(*, actor: User, party: Enterprise, credit_code: str) -> Enterprise:
    """A party registers as a firm: its credit code is added; its identity, figures and
    history stay (the change log shows the code arriving). From then on the ladder grades it
    and a file row with that code updates it."""
    require_party_registrar(actor)
    code = credit_code.strip().upper()
    problem = _credit_code_error(code) or _code_taken_error(actor, code, party)
    if problem:
        raise ValidationError({"credit_code": [problem]})
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=party.pk)
        if locked.credit_code is not None:
            raise ValidationError(
                {
                    "credit_code": [
                        _("This party already has a credit code: %(c)s") % {"c": locked.credit_code}
                    ]
                }
            )
        locked.credit_code = code
        locked.save(update_fields=["credit_code", "updated_at"])
        audit_entry(
            actor=actor,
            action=AuditAction.PARTY_UPDATE,
            subject=party_subject(locked.pk),
            field="credit_code",
            old=None,
            new=code,
            via=VIA_FORM,
        ).save()
    return locked
