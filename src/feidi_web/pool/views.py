"""Cultivation pool pages and downloads. Each view parses, makes one selector call, renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from feidi_web.common.http import AuthedRequest
from feidi_web.enterprises.permissions import require_staff_role
from feidi_web.pool import exports
from feidi_web.pool.forms import GAP_PRESETS, PoolFilterForm
from feidi_web.pool.selectors import Pool, pool_for_user

PAGE_SIZE = 50


def _pool(request: AuthedRequest) -> tuple[PoolFilterForm, Pool]:
    require_staff_role(request.user)
    form = PoolFilterForm(request.GET)
    pool = pool_for_user(
        request.user,
        form.filters(),
        rulebook=form.chosen_rulebook(),
        run_id=form.chosen_run_id(),
    )
    return form, pool


def _export_query(request: HttpRequest, pool: Pool) -> str:
    """The current query string without the page, with the shown run pinned: a download is
    the list on screen even if a newer run finishes meanwhile."""
    params = request.GET.copy()
    params.pop("page", None)
    if pool.run is not None:
        params["run"] = str(pool.run.pk)
    return params.urlencode()


@login_required
@require_GET
def pool(request: AuthedRequest) -> HttpResponse:
    form, pool = _pool(request)
    page = Paginator(pool.listing, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "pool": pool,
        "f": pool.filters,
        "page": page,
        "rows": exports.pool_rows(page.object_list, pool),
        "tiers": pool.ladder.labels(),
        "tier_label": pool.ladder.label(pool.filters.tier),
        "counts": [(pool.ladder.label(c.tier), c) for c in pool.counts],
        "filter_phrases": exports.describe_filters(pool),
        "gap_presets": GAP_PRESETS,
        "page_query": params.urlencode(),
        "export_query": _export_query(request, pool),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "pool/_results.html" if partial else "pool/pool.html", context)
    patch_vary_headers(response, ("HX-Request",))  # one URL, two bodies: caches must tell
    return response


def _download(data: bytes, content_type: str, pool: Pool, suffix: str) -> HttpResponse:
    name, fallback = exports.file_stem(pool)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = exports.content_disposition(name + suffix, fallback + suffix)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def pool_export_xlsx(request: AuthedRequest) -> HttpResponse:
    _form, pool = _pool(request)
    rows = exports.pool_rows(pool.records.iterator(chunk_size=1000), pool)
    return _download(exports.pool_xlsx(pool, rows), exports.XLSX_TYPE, pool, ".xlsx")


@login_required
@require_GET
def pool_export_pdf(request: AuthedRequest) -> HttpResponse:
    _form, pool = _pool(request)
    rows = exports.pool_rows(pool.records.iterator(chunk_size=1000), pool)
    return _download(exports.pool_pdf(pool, rows), exports.PDF_TYPE, pool, ".pdf")
