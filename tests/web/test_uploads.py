"""Uploads are bounded before they are stored or read, and no file can take the server down."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from feidi.reference import make_credit_code
from feidi_web.accounts.models import ApiToken
from feidi_web.enterprises.models import DataImport, Enterprise
from feidi_web.enterprises.services import import_check

CODE = make_credit_code("91320581MA1AAAAA0")


@pytest.fixture(autouse=True)
def _own_media_folder(settings, tmp_path):
    """A media folder of this test's own: other tests' imports keep their files."""
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def far_cell_xlsx() -> bytes:
    """A 1.6 KB workbook whose only cell sits at XFD1048576, the last cell a sheet has."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><sheetData><row r="1048576"><c r="XFD1048576" t="n">'
            "<v>1</v></c></row></sheetData></worksheet>",
        )
    return buf.getvalue()


def test_the_far_cell_workbook_is_refused_and_the_server_lives(client, staff_user):
    client.force_login(staff_user)
    payload = far_cell_xlsx()
    assert len(payload) < 2048
    r = client.post("/enterprises/imports/", {"file": SimpleUploadedFile("x.xlsx", payload)})
    assert r.status_code == 302
    imp = DataImport.objects.get()
    assert imp.status == "rejected"
    assert [i["code"] for i in imp.report["issues"]] == ["file.too_large"]
    assert "16384" in imp.report["issues"][0]["reason"].replace(",", "")
    assert stored_files() == []  # a refused upload keeps its report, not its file
    assert client.get("/healthz").status_code == 200


def test_the_far_cell_workbook_through_the_api(client, staff_user):
    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff_user, name="t", digest=ApiToken.digest_of(key))
    r = client.post(
        "/api/imports",
        {"file": SimpleUploadedFile("x.xlsx", far_cell_xlsx())},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert r.status_code == 201
    assert (r.json()["status"], [i["code"] for i in r.json()["issues"]]) == (
        "rejected",
        ["file.too_large"],
    )


@pytest.mark.parametrize("size", [5_000, 300_000])
def test_an_upload_over_the_limit_is_stopped_before_it_is_stored(
    client, staff_user, settings, size
):
    """5 KB: counted while it arrives; 300 KB: refused from its declared length."""
    settings.FEIDI_IMPORT_MAX_BYTES = 1_000
    client.force_login(staff_user)
    body = ("统一社会信用代码,年度,营业收入(万元)\n" + f"{CODE},2024,1\n" * (size // 30)).encode()
    r = client.post("/enterprises/imports/", {"file": SimpleUploadedFile("big.csv", body)})
    assert r.status_code == 200
    assert (
        "larger than the upload limit" in r.content.decode() or "超过上传上限" in r.content.decode()
    )
    assert not DataImport.objects.exists()
    assert stored_files() == []


def test_an_upload_over_the_limit_is_413_in_the_api(client, staff_user, settings):
    settings.FEIDI_IMPORT_MAX_BYTES = 1_000
    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff_user, name="t", digest=ApiToken.digest_of(key))
    r = client.post(
        "/api/imports",
        {"file": SimpleUploadedFile("big.csv", b"x" * 5_000)},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert r.status_code == 413
    assert "MB" in r.json()["detail"]
    assert not DataImport.objects.exists()


def test_multipart_without_a_boundary_is_400_not_500(client, staff_user):
    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff_user, name="t", digest=ApiToken.digest_of(key))
    r = client.generic(
        "POST",
        "/api/imports",
        b"--x\r\n",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert r.status_code == 400
    assert r.json() == {"detail": "Malformed multipart body."}


def test_nul_in_a_path_or_filter_is_400(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/api/enterprises?q=a%00b").status_code == 400
    assert client.get("/enterprises/9132%00/").status_code == 400


@pytest.mark.parametrize(
    ("cell", "code"),
    [("虞山\x00公司", "text.control_char"), ("虞" * 201, "text.too_long")],
)
def test_names_the_database_cannot_hold_are_refused_at_the_check(staff_user, cell, code):
    frame_text = f"统一社会信用代码,企业名称,年度,营业收入(万元)\n{CODE},{cell},2024,1\n"
    imp = import_check(
        actor=staff_user, upload=SimpleUploadedFile("n.csv", frame_text.encode("utf-8"))
    )
    assert imp.status == "rejected"
    errors = [i for i in imp.report["issues"] if i["severity"] == "error"]
    assert [(i["row"], i["column"], i["code"]) for i in errors] == [(2, "企业名称", code)]
    assert not Enterprise.objects.exists()


def test_a_name_at_the_limit_is_accepted_and_stored(staff_user):
    from feidi_web.enterprises.services import import_commit

    text = f"统一社会信用代码,企业名称,年度,营业收入(万元)\n{CODE},{'虞' * 200},2024,1\n"
    imp = import_check(actor=staff_user, upload=SimpleUploadedFile("n.csv", text.encode()))
    assert imp.status == "preview"
    import_commit(actor=staff_user, import_id=imp.pk)
    assert Enterprise.objects.get().name == "虞" * 200
