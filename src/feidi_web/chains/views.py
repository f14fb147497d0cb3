"""The industry chains of a user's scope — every chain with its strength and gaps, one chain
as a graph with its nodes and ranked gaps, one node with its firms and the candidates that
could fill its gaps, the workbook — and staff correcting where a registry firm sits (a
profile's corrections are posted to the matchmaking app, which owns the profile)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from feidi.chains import GAP_TYPES, Chain, load_chains
from feidi_web.chains import exports
from feidi_web.chains.permissions import require_chain_viewer
from feidi_web.chains.selectors import chain_figures
from feidi_web.chains.services import mount_correct
from feidi_web.chains.wording import (
    chain_name,
    chain_summaries,
    code_names,
    gap_rows,
    gap_type_labels,
    graph_payload,
    node_firm_rows,
    node_name,
    node_rows,
)
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import pick
from feidi_web.enterprises.permissions import enterprise_get_for_user

#: Gaps listed on the chains page (all of them are on each chain's page and in Excel).
TOP_GAPS = 15


def _chain_or_404(chain_id: str) -> Chain:
    """A shipped chain (before any figure is computed: an unknown one costs nothing)."""
    found = next((c for c in load_chains() if c.id == chain_id), None)
    if found is None:
        raise Http404("chain not found")
    return found


@login_required
@require_GET
def chain_list(request: AuthedRequest) -> HttpResponse:
    require_chain_viewer(request.user)
    kind = request.GET.get("type") or None
    if kind not in GAP_TYPES:
        kind = None
    figures = chain_figures(request.user)
    return render(
        request,
        "chains/list.html",
        {
            "figures": figures,
            "chains": chain_summaries(figures),
            "gap_types": gap_type_labels(),
            "type": kind,
            "gaps": gap_rows(figures, kind=kind, limit=TOP_GAPS),
            "gap_total": figures.gaps.height
            if kind is None
            else int((figures.gaps["type"] == kind).sum()),
        },
    )


@login_required
@require_GET
def chain_detail(request: AuthedRequest, chain_id: str) -> HttpResponse:
    require_chain_viewer(request.user)
    chain = _chain_or_404(chain_id)
    figures = chain_figures(request.user)
    nodes = node_rows(figures, chain)
    return render(
        request,
        "chains/detail.html",
        {
            "figures": figures,
            "chain": chain,
            "chain_name": chain_name(chain),
            "summary": chain_summaries(figures, chain_id=chain.id)[0],
            "nodes": nodes,
            "gaps": gap_rows(figures, chain_id=chain.id),
            "graph": graph_payload(figures, chain, nodes),
            "sources": [s.citation() for s in chain.sources],
            "synthesis": pick(chain.synthesis),
        },
    )


@login_required
@require_GET
def chain_node(request: AuthedRequest, chain_id: str, node_id: str) -> HttpResponse:
    require_chain_viewer(request.user)
    chain = _chain_or_404(chain_id)
    if not chain.has_node(node_id):
        raise Http404("node not found")
    node = chain.node(node_id)
    ref = chain.ref(node_id)
    figures = chain_figures(request.user)
    nodes = node_rows(figures, chain)
    row = next(n for n in nodes if n.id == node_id)
    chain_gaps = gap_rows(figures, chain_id=chain.id)
    held = {n.id: n.firms for n in nodes}
    on_node = node_firm_rows(figures, ref)
    return render(
        request,
        "chains/node.html",
        {
            "figures": figures,
            "chain": chain,
            "chain_name": chain_name(chain),
            "node": row,
            "codes": code_names(node.codes),
            "gaps": [g for g in chain_gaps if g.node == ref],
            # gaps of other nodes that name this one (a missing supplier or customer)
            "named_in": [g for g in chain_gaps if g.node != ref and node_id in dict(g.related)],
            "suppliers": [(n.id, node_name(n), held[n.id]) for n in chain.suppliers(node_id)],
            "customers": [(n.id, node_name(n), held[n.id]) for n in chain.customers(node_id)],
            "local": [r for r in on_node if not r.party.enclave],
            "enclave": [r for r in on_node if r.party.enclave],
            "min_confidence": figures.min_confidence,
        },
    )


@login_required
@require_GET
def export(request: AuthedRequest) -> HttpResponse:
    require_chain_viewer(request.user)
    figures = chain_figures(request.user)
    now = timezone.now()
    response = HttpResponse(
        exports.workbook(figures, request.user, now=now), content_type=exports.XLSX_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(now)}"'
    return response


@login_required
@require_POST
def firm_correct(request: AuthedRequest, ref: str) -> HttpResponse:
    enterprise = enterprise_get_for_user(request.user, ref)
    correct_from_post(request, enterprise=enterprise)
    return redirect(reverse("registry:detail", args=[enterprise.ref]) + "#chain-mounts")


def correct_from_post(request: AuthedRequest, **subject: object) -> None:
    """Apply the posted correction to ``subject`` (``enterprise=`` or ``profile=``) and say
    what happened, or why not, in a message."""
    try:
        mount_correct(
            actor=request.user,
            node=request.POST.get("node", ""),
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            **subject,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, gettext("Correction saved: it holds whenever the mounting runs again.")
        )
