"""The registry over HTTP: list, one firm, its evaluations, and figure edits."""

from django.http import HttpResponse
from ninja import P, PathEx, Query, Router
from ninja.pagination import paginate

from feidi_web.api.errors import seen_version
from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import (
    EnterpriseDetailOut,
    EnterpriseEvaluationOut,
    EnterpriseOut,
    FiscalYearChanges,
    FiscalYearOut,
    RegistryQuery,
    errors,
)
from feidi_web.common.audit import VIA_API
from feidi_web.enterprises.permissions import enterprise_get_for_user, require_registry_editor
from feidi_web.enterprises.selectors import RegistryFilter, enterprise_search
from feidi_web.enterprises.services import fiscal_year_update
from feidi_web.evaluations.selectors import enterprise_history

router = Router(tags=["enterprises"])

CreditCode = PathEx[str, P(description="统一社会信用代码 (18 characters).")]
_LIST_COLUMNS = (
    "id",
    "kind",
    "credit_code",
    "name",
    "region_code",
    "jurisdiction_code",
    "town",
    "industry_code",
    "enclave",
)


@router.get("", response={200: list[EnterpriseOut], **errors()}, summary="Search the registry")
@paginate(Pagination)
def enterprise_list(request, filters: Query[RegistryQuery]):
    """Firms in the caller's scope, by name; an enterprise user sees only their own firm."""
    return (
        enterprise_search(
            request.auth,
            RegistryFilter(
                q=filters.q,
                industry=filters.industry,
                town=filters.town,
                region=filters.region,
                enclave=filters.enclave,
            ),
        )
        .only(*_LIST_COLUMNS)
        .order_by("name", "credit_code")
    )


@router.get(
    "/{credit_code}",
    response={200: EnterpriseDetailOut, **errors(404)},
    summary="One firm: profile and fiscal-year figures",
)
def enterprise_detail(request, credit_code: CreditCode):
    """404 when the firm does not exist or lies outside the caller's scope."""
    return enterprise_get_for_user(request.auth, credit_code)


@router.get(
    "/{credit_code}/evaluations",
    response={200: list[EnterpriseEvaluationOut], **errors(404)},
    summary="The firm's evaluation records",
)
def enterprise_evaluations(request, credit_code: CreditCode):
    """One record per finished run × tier, newest run first."""
    return enterprise_history(enterprise_get_for_user(request.auth, credit_code))


@router.patch(
    "/{credit_code}/years/{year}",
    response={200: FiscalYearOut, **errors(400, 403, 404, 412, 422, 428)},
    summary="Change fiscal-year figures",
)
def fiscal_year_patch(
    request,
    response: HttpResponse,
    credit_code: CreditCode,
    year: PathEx[int, P(ge=1949, le=2100, description="Fiscal year.")],
    changes: FiscalYearChanges,
):
    """Change some figures of one fiscal year (the year is created if it has none yet).

    Say which version you are changing: `If-Match: "<version>"` with the year's `version`
    from `GET /api/enterprises/{credit_code}` (or the `ETag` of your last change), or
    `If-None-Match: *` to create a year that has no figures yet. Without either the answer is
    428; when the year has changed since, 412 with its current version and figures, and
    nothing is written. Values are checked by the same rules as an imported file; a refused
    value answers 422 with the reasons. Only system administrators and county staff may
    change figures (403 otherwise). Every change is audited (via ``api``). The answer's
    `ETag` is the new version.
    """
    require_registry_editor(request.auth)  # a refusal says nothing of versions
    fy = fiscal_year_update(
        actor=request.auth,
        enterprise=enterprise_get_for_user(request.auth, credit_code),
        year=year,
        changes=changes.model_dump(exclude_unset=True),
        seen_version=seen_version(request),
        via=VIA_API,
    )
    response["ETag"] = f'"{fy.version}"'
    return fy
