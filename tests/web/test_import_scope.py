"""Imports never cross a jurisdiction: every row is checked against the uploader's scope,
whatever columns the file carries, at check and again at commit, and a refusal reveals
nothing about the other county's firm."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.conftest import make_user

from feidi.reference import make_credit_code
from feidi_web.accounts.models import Role, User
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import DataImport, Enterprise, FiscalYear
from feidi_web.enterprises.services import import_check, import_commit

HERE = "320581"  # 常熟 (the demo county)
THERE = "320582"  # 张家港, a neighbouring county
LOCAL_HERE = make_credit_code("91320581MA1AAAAA0")
LOCAL_THERE = make_credit_code("91320582MA1BBBBB0")
BEIJING = make_credit_code("91110108MA1CCCCC0")


def csv(text: str, name: str = "firms.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.strip().encode("utf-8") + b"\n", content_type="text/csv")


def committed(actor: User, text: str, division: str = "") -> DataImport:
    imp = import_check(actor=actor, upload=csv(text), jurisdiction_code=division)
    assert imp.status == "preview", imp.report["issues"]
    return import_commit(actor=actor, import_id=imp.pk)


@pytest.fixture
def here_staff(db) -> User:
    return make_user("here", Role.COUNTY_STAFF, division=HERE)


@pytest.fixture
def there_firm(admin_user) -> Enterprise:
    """A firm of the neighbouring county, with its 2025 revenue, imported by its own staff."""
    there_staff = make_user("there", Role.COUNTY_STAFF, division=THERE)
    committed(there_staff, f"credit_code,name,year,revenue\n{LOCAL_THERE},张家港甲公司,2025,5000")
    return Enterprise.objects.get(credit_code=LOCAL_THERE)


def refusal(imp: DataImport) -> dict:
    (issue,) = [i for i in imp.report["issues"] if i["code"] == "outside_jurisdiction"]
    return issue


def assert_untouched(firm: Enterprise) -> None:
    fresh = Enterprise.objects.get(pk=firm.pk)
    assert (fresh.jurisdiction_code, fresh.enclave, fresh.profile) == (
        firm.jurisdiction_code,
        firm.enclave,
        firm.profile,
    )
    assert [(y.year, y.figures, y.version) for y in fresh.years.all()] == [
        (y.year, y.figures, y.version) for y in firm.years.all()
    ]


def test_import_of_another_countys_firm_is_refused_for_that_row(here_staff, there_firm):
    before = AuditEntry.objects.count()
    imp = import_check(
        actor=here_staff, upload=csv(f"credit_code,year,revenue\n{LOCAL_THERE},2025,1")
    )
    assert imp.status == "rejected"
    issue = refusal(imp)
    assert (issue["row"], issue["column"], issue["value"]) == (2, "credit_code", LOCAL_THERE)
    assert "another jurisdiction" in issue["reason"] or "其他辖区" in issue["reason"]
    assert imp.summary == {}  # no firms_updated / cells_changed to confirm a guess
    assert_untouched(there_firm)
    assert AuditEntry.objects.count() == before


def test_refusal_reveals_nothing_of_the_other_countys_record(here_staff, there_firm):
    imp = import_check(
        actor=here_staff, upload=csv(f"credit_code,year,revenue\n{LOCAL_THERE},2025,5000")
    )
    text = json.dumps(imp.report, ensure_ascii=False) + json.dumps(imp.summary)
    for secret in ("张家港甲公司", "5000", THERE):
        assert secret not in text.replace(LOCAL_THERE, "")


def test_enclave_flag_cannot_pull_another_countys_firm_over(here_staff, there_firm):
    imp = import_check(
        actor=here_staff,
        upload=csv(f"credit_code,year,revenue,飞地企业\n{LOCAL_THERE},2025,1,是"),
    )
    assert imp.status == "rejected"
    assert refusal(imp)["value"] == LOCAL_THERE
    assert_untouched(there_firm)


def test_new_firm_registered_elsewhere_is_refused_by_its_code(here_staff):
    imp = import_check(
        actor=here_staff, upload=csv(f"credit_code,name,year,revenue\n{LOCAL_THERE},乙,2025,1")
    )
    assert imp.status == "rejected"
    assert THERE in refusal(imp)["reason"]
    assert not Enterprise.objects.exists()


def test_new_firm_with_a_region_column_elsewhere_is_refused(here_staff):
    code = make_credit_code("91320581MA1DDDDD0")  # code says here, the file says there
    imp = import_check(
        actor=here_staff,
        upload=csv(f"credit_code,name,region_code,year,revenue\n{code},丙,{THERE},2025,1"),
    )
    assert imp.status == "rejected"
    assert refusal(imp)["row"] == 2
    assert not Enterprise.objects.exists()


def test_a_local_firm_cannot_be_moved_out_by_a_file(here_staff):
    committed(here_staff, f"credit_code,name,year,revenue\n{LOCAL_HERE},丁,2025,10")
    firm = Enterprise.objects.get()
    imp = import_check(
        actor=here_staff,
        upload=csv(f"credit_code,region_code,year,revenue\n{LOCAL_HERE},{THERE},2025,10"),
    )
    assert imp.status == "rejected"
    assert "move" in refusal(imp)["reason"] or "移出" in refusal(imp)["reason"]
    assert_untouched(firm)


def test_enclave_firm_registered_in_the_big_city_is_placed_under_the_importer(here_staff):
    committed(here_staff, f"credit_code,name,year,revenue,飞地企业\n{BEIJING},海淀戊,2025,10,是")
    firm = Enterprise.objects.get()
    assert (firm.region_code, firm.enclave, firm.jurisdiction_code) == ("110108", True, HERE)


def test_mixed_file_is_refused_whole_and_names_only_the_bad_rows(here_staff, there_firm):
    imp = import_check(
        actor=here_staff,
        upload=csv(
            f"credit_code,name,year,revenue\n{LOCAL_HERE},己,2025,1\n{LOCAL_THERE},x,2025,2"
        ),
    )
    assert imp.status == "rejected"
    assert [(i["row"], i["code"]) for i in imp.report["issues"] if i["severity"] == "error"] == [
        (3, "outside_jurisdiction")
    ]
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [LOCAL_THERE]


def test_administrator_imports_are_checked_against_the_chosen_division(admin_user, there_firm):
    imp = import_check(
        actor=admin_user,
        upload=csv(f"credit_code,year,revenue\n{LOCAL_THERE},2025,1"),
        jurisdiction_code=HERE,
    )
    assert imp.status == "rejected"
    assert_untouched(there_firm)
    ok = import_check(
        actor=admin_user,
        upload=csv(f"credit_code,year,revenue\n{LOCAL_THERE},2025,1"),
        jurisdiction_code=THERE,
    )
    assert ok.status == "preview"


def test_prefecture_staff_place_a_new_firm_under_its_own_county(db):
    prefecture = make_user("pref", Role.COUNTY_STAFF, division="320500")
    committed(prefecture, f"credit_code,name,year,revenue\n{LOCAL_THERE},庚,2025,1")
    assert Enterprise.objects.get().jurisdiction_code == THERE


def test_commit_rechecks_scope_against_the_registry_as_it_is_then(here_staff, admin_user):
    """Here previews a new enclave firm; the neighbouring county registers the same firm as
    its own enclave firm and commits first; here's commit is then refused, not applied."""
    text = f"credit_code,name,year,revenue,飞地企业\n{BEIJING},海淀辛,2025,10,是"
    mine = import_check(actor=here_staff, upload=csv(text))
    assert mine.status == "preview"
    there_staff = make_user("there2", Role.COUNTY_STAFF, division=THERE)
    committed(there_staff, text.replace(",10,", ",99,"))
    with pytest.raises(ValidationError):
        import_commit(actor=here_staff, import_id=mine.pk)
    firm = Enterprise.objects.get()
    assert (firm.jurisdiction_code, firm.years.get().figures["revenue"]) == (THERE, 99.0)
    assert DataImport.objects.get(pk=mine.pk).status == "preview"


def test_the_api_applies_the_same_rows_check(client, here_staff, there_firm):
    from feidi_web.accounts.models import ApiToken

    key = ApiToken.new_key()
    ApiToken.objects.create(user=here_staff, name="t", digest=ApiToken.digest_of(key))
    r = client.post(
        "/api/imports",
        {"file": csv(f"credit_code,year,revenue\n{LOCAL_THERE},2025,1")},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "rejected"
    assert [i["code"] for i in body["issues"] if i["severity"] == "error"] == [
        "outside_jurisdiction"
    ]
    assert body["summary"] == {}
    assert FiscalYear.objects.get(enterprise=there_firm).figures["revenue"] == 5000.0


def test_refused_upload_leaves_no_file_behind(here_staff, there_firm):
    imp = import_check(
        actor=here_staff, upload=csv(f"credit_code,year,revenue\n{LOCAL_THERE},2025,1")
    )
    assert imp.status == "rejected"
    assert not imp.file
