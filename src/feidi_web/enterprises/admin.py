"""The registry in /admin/: firms with their fiscal years, and the imports that wrote them.

View-only (``common.admin.ViewOnlyAdmin``): a firm's figures change through an import or the
figure form, which check them, keep the audit trail and the edit version, and recompute what
depends on them (the name's 拼音 initials); an import is committed from its own page."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from feidi_web.common.admin import ViewOnlyAdmin, ViewOnlyInline, name_model, shown, titled
from feidi_web.enterprises.models import DataImport, Enterprise, FiscalYear

name_model(Enterprise, _("enterprise"), _("enterprises"))
name_model(FiscalYear, _("fiscal year"), _("fiscal years"))
name_model(DataImport, _("import"), _("imports"))


class FiscalYearInline(ViewOnlyInline):
    model = FiscalYear
    ordering = ("-year",)

    version_shown = shown("version", _("edit version"))
    figures_shown = shown("figures", _("figures"), as_json=True)

    fields = ("year", "version_shown", "figures_shown")


@admin.register(Enterprise)
class EnterpriseAdmin(ViewOnlyAdmin):
    initials_shown = shown("name_initials", _("pinyin initials"))
    profile_shown = shown("profile", _("profile"), as_json=True)
    created_shown = shown("created_at", _("created"))
    updated_shown = shown("updated_at", _("updated"))

    list_display = (
        "name",
        "credit_code",
        "jurisdiction_code",
        "region_code",
        "town",
        "industry_code",
        "enclave",
    )
    list_filter = ("enclave", "jurisdiction_code")
    search_fields = ("name", "credit_code", "name_initials")
    show_full_result_count = False
    fields = (
        "name",
        "credit_code",
        "initials_shown",
        "jurisdiction_code",
        "region_code",
        "town",
        "industry_code",
        "enclave",
        "profile_shown",
        "created_shown",
        "updated_shown",
    )
    inlines = (FiscalYearInline,)


@admin.register(DataImport)
class DataImportAdmin(ViewOnlyAdmin):
    file_name_shown = shown("file_name", _("file name"))
    file_shown = shown("file", _("stored file"))
    status_shown = shown("get_status_display", _("status"), ordering="status")
    jurisdiction_shown = shown("jurisdiction_code", _("jurisdiction"))
    uploaded_by_shown = shown("uploaded_by", _("uploaded by"))
    created_shown = shown("created_at", _("uploaded"))
    committed_shown = shown("committed_at", _("committed"))
    summary_shown = shown("summary", _("summary"), as_json=True)
    report_shown = shown("report", _("check report"), as_json=True)

    list_display = (
        "created_shown",
        "file_name_shown",
        "status_shown",
        "jurisdiction_shown",
        "uploaded_by_shown",
        "committed_shown",
    )
    list_filter = (
        ("status", titled(_("status"), admin.ChoicesFieldListFilter)),
        ("jurisdiction_code", titled(_("jurisdiction"))),
    )
    list_select_related = ("uploaded_by",)
    search_fields = ("file_name", "uploaded_by__username")
    date_hierarchy = "created_at"
    fields = (
        "file_name_shown",
        "status_shown",
        "jurisdiction_shown",
        "uploaded_by_shown",
        "created_shown",
        "committed_shown",
        "file_shown",
        "summary_shown",
        "report_shown",
    )
