"""Imports: checked on upload, written only on commit, all or nothing, with an audit trail."""

from __future__ import annotations

import io

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.conftest import upload

from feidi.demo import LOCAL_REGION, generate_demo_city
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import DataImport, Enterprise, FiscalYear
from feidi_web.enterprises.services import fiscal_year_update, import_check, import_commit


def _frame(n_local: int = 4, n_enclave: int = 1) -> pl.DataFrame:
    return generate_demo_city(n_local=n_local, n_enclave=n_enclave)


def test_import_check_rejects_bad_rows_with_row_column_reason_and_writes_nothing(staff_user):
    frame = _frame().with_columns(pl.col("credit_code").cast(pl.String))
    bad = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("91320581ABCDEFGH1X"))
        .otherwise(pl.col("credit_code"))
        .alias("credit_code"),
        pl.when(pl.int_range(pl.len()) == 4)
        .then(-5.0)
        .otherwise(pl.col("revenue"))
        .alias("revenue"),
    )
    imp = import_check(actor=staff_user, upload=upload(bad, "messy.csv"))
    errors = [i for i in imp.report["issues"] if i["severity"] == "error"]
    assert imp.status == "rejected"
    assert {(e["row"], e["column"]) for e in errors} >= {(3, "credit_code"), (6, "revenue")}
    assert all(e["file"] == "messy.csv" for e in errors)
    assert Enterprise.objects.count() == 0
    assert FiscalYear.objects.count() == 0


def test_import_commit_writes_every_firm_and_year_once(staff_user):
    frame = _frame()
    imp = import_check(actor=staff_user, upload=upload(frame))
    assert imp.status == "preview"
    assert imp.summary["firms_new"] == 5
    assert imp.summary["years_new"] == 15
    import_commit(actor=staff_user, import_id=imp.pk)
    assert Enterprise.objects.count() == 5
    assert FiscalYear.objects.count() == 15
    enclave = Enterprise.objects.get(enclave=True)
    assert enclave.region_code == "110108"
    assert enclave.jurisdiction_code == LOCAL_REGION
    revenue = frame.filter(pl.col("credit_code") == enclave.credit_code, pl.col("year") == 2025)[
        "revenue"
    ][0]
    assert enclave.years.get(year=2025).figures["revenue"] == revenue


def test_import_commit_twice_is_refused(staff_user):
    imp = import_check(actor=staff_user, upload=upload(_frame()))
    import_commit(actor=staff_user, import_id=imp.pk)
    with pytest.raises(ValidationError):
        import_commit(actor=staff_user, import_id=imp.pk)
    assert FiscalYear.objects.count() == 15


def test_reimport_updates_changed_figures_and_audits_each(staff_user):
    frame = _frame()
    import_commit(
        actor=staff_user, import_id=import_check(actor=staff_user, upload=upload(frame)).pk
    )
    code = frame["credit_code"][0]
    changed = frame.with_columns(
        pl.when((pl.col("credit_code") == code) & (pl.col("year") == 2025))
        .then(pl.col("revenue") + 100)
        .otherwise(pl.col("revenue"))
        .alias("revenue")
    )
    imp = import_check(actor=staff_user, upload=upload(changed))
    assert imp.summary["cells_changed"] == 1
    assert imp.summary["firms_updated"] == 5
    import_commit(actor=staff_user, import_id=imp.pk)
    entry = AuditEntry.objects.get(action="fiscal_year.update")
    old = frame.filter(pl.col("credit_code") == code, pl.col("year") == 2025)["revenue"][0]
    assert (entry.subject, entry.field, entry.old_value, entry.new_value) == (
        f"fiscal_year:{Enterprise.objects.get(credit_code=code).pk}:2025",  # by party id
        "revenue",
        old,
        old + 100,
    )
    assert entry.actor == staff_user
    assert entry.via == f"import:{imp.pk}"


def test_partial_reimport_keeps_fields_the_file_does_not_carry(staff_user):
    frame = _frame()
    import_commit(
        actor=staff_user, import_id=import_check(actor=staff_user, upload=upload(frame)).pk
    )
    before = {e.credit_code: e.profile for e in Enterprise.objects.all()}
    only_money = frame.select("credit_code", "year", "revenue", "rd_expense")
    import_commit(
        actor=staff_user, import_id=import_check(actor=staff_user, upload=upload(only_money)).pk
    )
    after = {e.credit_code: e.profile for e in Enterprise.objects.all()}
    assert after == before


def test_staff_cannot_import_firms_of_another_county(other_staff_user):
    imp = import_check(actor=other_staff_user, upload=upload(_frame(n_local=2, n_enclave=0)))
    assert imp.status == "rejected"
    assert [i["code"] for i in imp.report["issues"]] == [
        "outside_jurisdiction",
        "outside_jurisdiction",
    ]
    assert Enterprise.objects.count() == 0


def test_import_check_refuses_an_unknown_file_type(staff_user):
    with pytest.raises(ValidationError):
        import_check(actor=staff_user, upload=SimpleUploadedFile("x.exe", b"MZ"))
    assert DataImport.objects.count() == 0


def test_import_of_a_broken_xlsx_is_rejected_not_a_traceback(staff_user):
    imp = import_check(actor=staff_user, upload=SimpleUploadedFile("broken.xlsx", b"not a zip"))
    assert imp.status == "rejected"
    assert len(imp.report["issues"]) == 1
    assert imp.report["issues"][0]["file"] == "broken.xlsx"


def test_enterprise_user_cannot_import(firm_user):
    with pytest.raises(PermissionDenied):
        import_check(actor=firm_user, upload=upload(_frame()))


def test_fiscal_year_update_refuses_negative_revenue_and_keeps_the_value(staff_user, city):
    firm = city[0]
    before = firm.years.get(year=2025).figures
    with pytest.raises(ValidationError) as exc:
        fiscal_year_update(
            actor=staff_user,
            enterprise=firm,
            year=2025,
            changes={"revenue": -1},
            seen_version=firm.years.get(year=2025).version,
        )
    assert "revenue" in " ".join(exc.value.messages)
    assert firm.years.get(year=2025).figures == before
    assert not AuditEntry.objects.filter(action="fiscal_year.update").exists()


def test_fiscal_year_update_writes_and_audits(staff_user, city):
    firm = city[0]
    old = firm.years.get(year=2025).figures["rd_expense"]
    fiscal_year_update(
        actor=staff_user, enterprise=firm, year=2025, changes={"rd_expense": 123.5}, seen_version=1
    )
    assert firm.years.get(year=2025).figures["rd_expense"] == 123.5
    entry = AuditEntry.objects.get(action="fiscal_year.update")
    assert (entry.field, entry.old_value, entry.new_value, entry.via) == (
        "rd_expense",
        old,
        123.5,
        "form",
    )


def test_import_page_shows_the_error_table(client, staff_user):
    client.force_login(staff_user)
    buf = io.BytesIO()
    _frame().with_columns(pl.lit("abc").alias("employees")).write_csv(buf)
    r = client.post(
        "/enterprises/imports/", {"file": SimpleUploadedFile("bad.csv", buf.getvalue())}
    )
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert 'id="import-errors"' in page
    assert "employees" in page
    assert Enterprise.objects.count() == 0


def test_import_page_commit_button_writes_the_registry(client, staff_user):
    client.force_login(staff_user)
    buf = io.BytesIO()
    _frame().write_csv(buf)
    r = client.post("/enterprises/imports/", {"file": SimpleUploadedFile("ok.csv", buf.getvalue())})
    imp = DataImport.objects.get()
    assert r["Location"] == f"/enterprises/imports/{imp.pk}/"
    client.post(f"/enterprises/imports/{imp.pk}/commit/")
    imp.refresh_from_db()
    assert imp.status == "committed"
    assert Enterprise.objects.count() == 5
