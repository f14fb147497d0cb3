"""A run stores the exact rulebook it graded with: its results explain against that version,
never against today's file, even after an indicator is removed from the shipped YAML."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from feidi.rules import _loader, rulebook_source
from feidi_web.evaluations.models import EvaluationRun, RulebookVersion
from feidi_web.evaluations.services import evaluation_run_create, evaluation_run_execute


@pytest.fixture
def files_changed_today(monkeypatch, tmp_path):
    """Today's shipped rulebooks: miit-2022 without its 数字化水平 (digital_level) indicator."""
    shipped = _loader._package_dir()
    for f in shipped.glob("*.yaml"):
        text = f.read_text("utf-8")
        if f.name == "miit-2022.yaml":
            text = "\n".join(line for line in text.splitlines() if "id: digital_level" not in line)
        (tmp_path / f.name).write_text(text, "utf-8")
    monkeypatch.setattr(_loader, "_package_dir", lambda: Path(tmp_path))
    _loader.load_rulebook.cache_clear()
    yield
    _loader.load_rulebook.cache_clear()


def _digital_level_points(record) -> list:
    return [i for i in record.record["indicators"] if i["id"] == "digital_level"]


def test_an_old_result_explains_with_its_own_version_after_the_file_changed(
    client, staff_user, graded_city, files_changed_today
):
    rec = graded_city.records.filter(tier="specialized").select_related("enterprise").first()
    assert _digital_level_points(rec)  # graded when the indicator existed
    assert graded_city.version.digest != rulebook_source("miit-2022").digest  # the file moved on
    client.force_login(staff_user)
    page = client.get(f"/enterprises/{rec.enterprise.credit_code}/")
    assert page.status_code == 200
    assert "数字化水平" in page.content.decode()  # worded by the stored version
    pool = client.get("/pool/export.xlsx?tier=specialized")
    assert pool.status_code == 200


def test_a_queued_run_grades_with_the_version_stored_when_it_was_asked_for(
    staff_user, city, monkeypatch, tmp_path
):
    from feidi_web.evaluations import services

    monkeypatch.setattr(services, "_enqueue", lambda run: None)  # no worker yet
    run, _ = evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=date(2026, 6, 30))
    # the shipped file changes while the run waits for a worker
    shipped = _loader._package_dir()
    for f in shipped.glob("*.yaml"):
        text = f.read_text("utf-8")
        if f.name == "miit-2022.yaml":
            text = "\n".join(line for line in text.splitlines() if "id: digital_level" not in line)
        (tmp_path / f.name).write_text(text, "utf-8")
    monkeypatch.setattr(_loader, "_package_dir", lambda: Path(tmp_path))
    _loader.load_rulebook.cache_clear()
    try:
        done = evaluation_run_execute(run_id=run.pk)
        rec = done.records.filter(tier="specialized").first()
        assert done.status == "done"
        assert _digital_level_points(rec)
    finally:
        _loader.load_rulebook.cache_clear()


def test_a_version_is_stored_once_and_a_changed_file_is_a_new_version(
    staff_user, city, monkeypatch, files_changed_today
):
    from feidi_web.evaluations import services

    monkeypatch.setattr(services, "_enqueue", lambda run: None)
    a, _ = evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=date(2026, 6, 30))
    b, _ = evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=date(2025, 6, 30))
    assert a.version_id == b.version_id
    assert RulebookVersion.objects.count() == 1
    stored = RulebookVersion.objects.get()
    assert stored.digest == rulebook_source("miit-2022").digest
    assert sorted(stored.source["documents"]) == ["_measures", "miit-2022"]


def test_scripts_that_create_runs_directly_still_get_a_version(admin_user, city):
    run = EvaluationRun.objects.create(
        rulebook="guangdong-2024", as_of=date(2026, 6, 30), created_by=admin_user
    )
    done = evaluation_run_execute(run_id=run.pk)
    assert done.version.rulebook == "guangdong-2024"
    assert sorted(done.version.source["documents"]) == ["_measures", "guangdong-2024", "miit-2022"]
