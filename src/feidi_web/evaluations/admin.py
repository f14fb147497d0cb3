"""Evaluations in /admin/: runs, the rulebook texts they graded with, and their records.

View-only (``common.admin.ViewOnlyAdmin``): a run is started, retried and cancelled from the
evaluations pages (which check the role, the scope and the per-user limit) and written by the
worker; its records are the core's output; a rulebook version is immutable by design."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from feidi_web.common.admin import ViewOnlyAdmin, name_model, shown, titled
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RulebookVersion

name_model(RulebookVersion, _("rulebook version"), _("rulebook versions"))
name_model(EvaluationRun, _("evaluation run"), _("evaluation runs"))
name_model(EvaluationRecord, _("evaluation record"), _("evaluation records"))


@admin.register(RulebookVersion)
class RulebookVersionAdmin(ViewOnlyAdmin):
    digest_shown = shown("digest", _("digest"))
    name_shown = shown("name", _("name"))
    name_en_shown = shown("name_en", _("English name"))
    created_shown = shown("created_at", _("stored"))
    source_shown = shown("source", _("source texts"), as_json=True)

    list_display = ("rulebook", "name_shown", "digest_shown", "created_shown")
    list_filter = ("rulebook",)
    search_fields = ("rulebook", "digest", "name")
    fields = (
        "rulebook",
        "name_shown",
        "name_en_shown",
        "digest_shown",
        "created_shown",
        "source_shown",
    )


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ViewOnlyAdmin):
    version_shown = shown("version", _("rulebook version"))
    jurisdiction_shown = shown("jurisdiction_code", _("division graded"))
    created_by_shown = shown("created_by", _("started by"))
    status_shown = shown("get_status_display", _("status"), ordering="status")
    firms_total_shown = shown("firms_total", _("firms"))
    firms_done_shown = shown("firms_done", _("firms done"))
    error_shown = shown("error", _("error"))
    warnings_shown = shown("warnings", _("warnings"), as_json=True)
    created_shown = shown("created_at", _("created"))
    started_shown = shown("started_at", _("started"))
    finished_shown = shown("finished_at", _("finished"))
    heartbeat_shown = shown("heartbeat_at", _("last sign of the worker"))
    attempt_shown = shown("attempt", _("attempt"))

    list_display = (
        "id",
        "rulebook",
        "as_of",
        "jurisdiction_shown",
        "status_shown",
        "firms_total_shown",
        "created_by_shown",
        "created_shown",
    )
    list_filter = (
        ("status", titled(_("status"), admin.ChoicesFieldListFilter)),
        "rulebook",
        "as_of",
    )
    list_select_related = ("created_by",)
    search_fields = ("rulebook", "jurisdiction_code", "created_by__username")
    date_hierarchy = "created_at"
    fields = (
        "rulebook",
        "version_shown",
        "as_of",
        "jurisdiction_shown",
        "status_shown",
        "firms_total_shown",
        "firms_done_shown",
        "created_by_shown",
        "created_shown",
        "started_shown",
        "finished_shown",
        "heartbeat_shown",
        "attempt_shown",
        "error_shown",
        "warnings_shown",
    )


@admin.register(EvaluationRecord)
class EvaluationRecordAdmin(ViewOnlyAdmin):
    run_shown = shown("run", _("evaluation run"))
    enterprise_shown = shown("enterprise", _("enterprise"), ordering="enterprise__name")
    tier_shown = shown("tier", _("tier"))
    verdict_shown = shown("get_verdict_display", _("verdict"), ordering="verdict")
    score_shown = shown("score", _("score"))
    pass_mark_shown = shown("pass_mark", _("pass mark"))
    gap_shown = shown("gap", _("gap"))
    record_shown = shown("record", _("record"), as_json=True)

    list_display = (
        "enterprise_shown",
        "tier_shown",
        "verdict_shown",
        "score_shown",
        "pass_mark_shown",
        "gap_shown",
        "run_shown",
    )
    list_filter = (
        ("tier", titled(_("tier"))),
        ("verdict", titled(_("verdict"), admin.ChoicesFieldListFilter)),
        ("run", titled(_("evaluation run"), admin.RelatedFieldListFilter)),
    )
    list_select_related = ("enterprise", "run")
    search_fields = ("enterprise__name", "enterprise__credit_code")
    show_full_result_count = False
    fields = (
        "run_shown",
        "enterprise_shown",
        "tier_shown",
        "verdict_shown",
        "score_shown",
        "pass_mark_shown",
        "gap_shown",
        "record_shown",
    )
