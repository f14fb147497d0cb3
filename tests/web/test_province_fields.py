"""A province's own input fields through the platform: a Shandong import keeps them, the
registry stores them, a Shandong evaluation grades with them exactly as the core does from the
same file, and the portal offers them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.conftest import make_user

from feidi.io import read_dataset
from feidi.reference import make_credit_code
from feidi.rules import evaluate, load_rulebook
from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.services import import_check, import_commit
from feidi_web.evaluations.models import EvaluationRun
from feidi_web.evaluations.services import evaluation_run_execute

JINAN = "370100"
CODES = [make_credit_code(f"91370100MA{i:07d}") for i in range(1, 4)]
HEADER = (
    "统一社会信用代码,企业名称,年度,营业收入,主营业务收入,所属重点产业领域,创新型经营事项数,"
    "细分市场占有率,细分市场全国排名,细分市场全省排名,上市进展"
)
ROWS = [
    f"{CODES[0]},济南甲,2025,5000,4500,省级重点产业链,3,12,,,新三板",
    f"{CODES[1]},济南乙,2025,5000,4500,县级重点产业,1,10,8,,上市辅导备案",
    f"{CODES[2]},济南丙,2025,5000,4500,,,,,,",
]
AS_OF = date(2026, 3, 1)


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def jinan_staff(db):
    return make_user("jinan", Role.COUNTY_STAFF, division=JINAN)


@pytest.fixture
def imported(jinan_staff):
    imp = import_check(actor=jinan_staff, upload=SimpleUploadedFile("sd.csv", _csv(ROWS)))
    assert imp.status == "preview", imp.report["issues"]
    import_commit(actor=jinan_staff, import_id=imp.pk)
    return imp


def test_the_import_keeps_the_provinces_columns(jinan_staff):
    imp = import_check(actor=jinan_staff, upload=SimpleUploadedFile("sd.csv", _csv(ROWS)))
    assert imp.report["ignored_columns"] == []
    assert set(imp.summary["fields"]) >= {
        "sd_key_industry",
        "sd_innovation_items",
        "market_rank_provincial",
        "sd_listing",
    }


def test_the_registry_stores_them_normalised(imported):
    a, b, c = (Enterprise.objects.get(credit_code=code).profile for code in CODES)
    assert (a["sd_key_industry"], a["sd_innovation_items"], a["sd_listing"]) == (
        "provincial_chain",
        3.0,
        "neeq",
    )
    assert (b["sd_key_industry"], b["sd_listing"]) == ("county", "tutoring")
    assert c["sd_key_industry"] is None


def test_a_reimport_without_them_keeps_them(jinan_staff, imported):
    header = "统一社会信用代码,年度,营业收入,主营业务收入"
    again = import_check(
        actor=jinan_staff,
        upload=SimpleUploadedFile("plain.csv", _csv([f"{CODES[0]},2025,5100,4500"], header)),
    )
    import_commit(actor=jinan_staff, import_id=again.pk)
    profile = Enterprise.objects.get(credit_code=CODES[0]).profile
    assert (profile["sd_key_industry"], profile["sd_listing"]) == ("provincial_chain", "neeq")


def test_a_shandong_run_grades_them_exactly_as_the_core_does_from_the_file(
    jinan_staff, imported, tmp_path
):
    run = EvaluationRun.objects.create(
        rulebook="shandong-2022", as_of=AS_OF, jurisdiction_code=JINAN, created_by=jinan_staff
    )
    done = evaluation_run_execute(run_id=run.pk)
    assert done.status == "done", done.error
    stored = {
        r.enterprise.credit_code: r.record
        for r in done.records.filter(tier="specialized").select_related("enterprise")
    }
    # the same file through the core alone, as the CLI reads it
    path = tmp_path / "sd.csv"
    path.write_bytes(_csv(ROWS))
    book = load_rulebook("shandong-2022")
    data, _ = read_dataset(path, extra_fields=tuple(book.inputs))
    direct = {
        r["credit_code"]: r
        for r in evaluate(data, book, AS_OF, tiers=("specialized",))
        .records()
        .collect()
        .iter_rows(named=True)
    }

    def special(record):
        return {
            i["id"]: (i["points_min"], i["points_max"])
            for i in record["indicators"]
            if i["id"] in ("special", "key_industry", "listing")
        }

    for code in CODES:
        assert special(stored[code]) == special(direct[code]), code
        assert (stored[code]["verdict"], stored[code]["score"]) == (
            direct[code]["verdict"],
            direct[code]["score"],
        )
    assert special(stored[CODES[0]])["special"] == (15.0, 15.0)


def test_the_portal_offers_them_on_the_shandong_rulebook(client, imported):
    firm = Enterprise.objects.get(credit_code=CODES[0])
    user = make_user("sdfirm", Role.ENTERPRISE, enterprise=firm)
    client.force_login(user)
    page = client.post("/portal/", {"rulebook": "shandong-2022", "as_of": "2026-03-01"})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="sd_key_industry"' in body
    assert 'name="sd_listing"' in body
    assert "所属重点产业领域" in body


def test_the_firm_page_shows_them(client, jinan_staff, imported):
    client.force_login(jinan_staff)
    body = client.get(f"/enterprises/{CODES[0]}/").content.decode()
    assert "所属重点产业领域" in body
