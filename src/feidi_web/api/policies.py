"""The policy channel (政策直达) over HTTP, in the same scope rules as the pages: the policies
covering the caller's firms with their counts, and one firm's verdict on each policy with the
condition trace. A firm outside the scope is *not found*; an enterprise user sees only their
own firm. Words come in the caller's chosen language (Chinese unless they chose English)."""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from feidi_web.api.schemas import errors
from feidi_web.policies import selectors
from feidi_web.policies.permissions import firm_for, require_reader

router = Router(tags=["policies"])

VerdictId = Literal["eligible", "not_eligible", "unknown"]


class Words(Schema):
    zh: str
    en: str


class CountsOut(Schema):
    eligible: int
    not_eligible: int
    unknown: int


class PolicyOut(Schema):
    id: str = Field(description="Policy id: a shipped one (rd-super-deduction …) or a local slug.")
    name: Words
    local: bool = Field(description="A local policy (a division's), else national.")
    document: str
    article: Words
    issuer: str
    effective_from: date
    effective_to: date | None
    dates_confirmed: bool = Field(description="False: the dates in force are not confirmed.")
    benefit: Words
    counts: CountsOut = Field(description="The caller's firms graded on it, by verdict.")
    benefit_total: float | None = Field(
        description="10k CNY summed over the eligible firms whose amount is computable; null "
        "when the policy is not priced or no eligible firm's amount is computable."
    )


class AsOfQuery(Schema):
    as_of: date | None = Field(None, description="The day the verdicts are read on (today).")


class ConditionOut(Schema):
    id: str
    label: str = Field(description="The condition in words.")
    status: Literal["met", "unmet", "unknown"]
    depth: int = Field(description="0 for the root; a child is one deeper.")
    required: str = Field(description="What the condition asks, in words (may be empty).")
    observed: str = Field(description="The firm's value, in words (may be empty).")


class FirmPolicyOut(Schema):
    policy: str = Field(description="Policy id.")
    name: str = Field(description="The policy in words.")
    local: bool
    verdict: VerdictId
    verdict_text: str
    citation: str
    benefit: str
    benefit_amount: float | None = Field(
        description="10k CNY for an eligible firm, where the inputs allow; else null."
    )
    amount_name: str = Field(description="What benefit_amount is (empty when not priced).")
    conditions: list[ConditionOut]
    path: list[str] = Field(description="What would make the firm eligible, in words.")
    missing: list[str] = Field(description="The inputs that decide an unknown verdict.")


def _day(q: AsOfQuery) -> date:
    if q.as_of is not None and not (date(2000, 1, 1) <= q.as_of <= date(2100, 12, 31)):
        raise ValidationError({"as_of": ["Give a date between 2000 and 2100."]})
    return q.as_of or selectors.today()


@router.get("/policies", response={200: list[PolicyOut], **errors(403)}, summary="Policies")
def policy_list(request, q: Query[AsOfQuery]):
    """Every policy in force covering the caller's firms, with how many of them it reaches."""
    require_reader(request.auth)
    rows, _e = selectors.policy_rows(request.auth, _day(q))
    return [
        {
            "id": r.policy.id,
            "name": {"zh": r.policy.name[0], "en": r.policy.name[1]},
            "local": r.policy.local,
            "document": r.policy.document,
            "article": {"zh": r.policy.article[0], "en": r.policy.article[1]},
            "issuer": r.policy.issuer,
            "effective_from": r.policy.effective_from,
            "effective_to": r.policy.effective_to,
            "dates_confirmed": r.policy.dates_confirmed,
            "benefit": {"zh": r.policy.benefit[0], "en": r.policy.benefit[1]},
            "counts": r.counts,
            "benefit_total": r.total,
        }
        for r in rows
    ]


@router.get(
    "/enterprises/{credit_code}/policies",
    response={200: list[FirmPolicyOut], **errors(403, 404)},
    summary="One firm's policies",
)
def enterprise_policies(request, credit_code: str, q: Query[AsOfQuery]):
    """The firm on every policy covering it: verdict, the condition trace (met / unmet /
    unknown), what would make it eligible, the missing inputs, the benefit priced."""
    firm = firm_for(request.auth, credit_code)
    rows = selectors.firm_policies(request.auth, firm, _day(q))
    return [
        {
            "policy": r.policy.id,
            "name": r.name,
            "local": r.policy.local,
            "verdict": r.verdict,
            "verdict_text": r.verdict_text,
            "citation": r.citation,
            "benefit": r.benefit,
            "benefit_amount": r.amount,
            "amount_name": r.amount_name,
            "conditions": [
                {
                    "id": c.id,
                    "label": c.label,
                    "status": selectors.STATUS.get(c.verdict, "unknown"),
                    "depth": c.depth,
                    "required": c.required,
                    "observed": c.observed,
                }
                for c in r.conditions
            ],
            "path": r.path,
            "missing": r.missing,
        }
        for r in rows
    ]
