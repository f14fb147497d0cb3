"""The demo county's policy channel: one published local policy authored by its staff (an
explicitly labelled example), one digest run (so the demo firm's account finds its policy
news in the inbox) and some thirty applications across policies and towns, some granted —
all through the channel's services. The demo loader calls ``load_policies_demo`` after the
accounts, the firms and the chain mounts exist. Deterministic and idempotent: what exists is
left as it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from feidi.demo import LOCAL_REGION
from feidi_web.accounts.models import Role, User
from feidi_web.enterprises.models import Enterprise
from feidi_web.policies import applications as apps
from feidi_web.policies.digests import digest_send
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.models import (
    ApplicationStatus,
    DigestRun,
    LocalPolicy,
    PolicyApplication,
    VersionStatus,
)
from feidi_web.policies.permissions import firms_for
from feidi_web.policies.services import policy_create, version_preview, version_publish

DEMO_POLICY = "yushan-rd-reward-demo"
#: Applications the demo files, at most per policy, and in all.
PER_POLICY, IN_ALL = 6, 30


def demo_policy_spec() -> dict:
    """The county's example local policy (a reward for R&D spending), labelled as an example
    in every text: no county document exists behind it."""
    return {
        "id": DEMO_POLICY,
        "name": "示例：虞山市企业研发投入奖励（演示用）",
        "name_en": "Example: Yushan reward for R&D spending (demo only)",
        "document": "示例，无正式文件（演示用）",
        "article": "示例（演示用，无正式条款）",
        "article_en": "Example (demo only, no article)",
        "issuer": "示例：虞山市工业和信息化局（演示用）",
        "effective_from": "2026-01-01",
        "effective_to": "2027-12-31",
        "region": LOCAL_REGION,
        "benefit": {
            "zh": "示例：按上年度研发费用的5%给予奖励（演示用示意值）",
            "en": "Example: a reward of 5% of last year's R&D spending (illustrative)",
        },
        "amount": {
            "field": "rd_expense",
            "times": 0.05,
            "zh": "奖励（万元，示意值）",
            "en": "Reward (10k CNY, illustrative)",
        },
        "claim": "apply",
        "requires": {
            "name": "上年度研发费用不低于200万元",
            "name_en": "R&D spending last year at least 2 million CNY",
            "field": "rd_expense",
            "at_least": 200,
        },
    }


def _local_policy(staff: User) -> None:
    if LocalPolicy.objects.filter(slug=DEMO_POLICY).exists():
        return
    _policy, version = policy_create(actor=staff, spec=demo_policy_spec())
    version = version_preview(actor=staff, version=version, seen_edit_version=version.edit_version)
    version_publish(actor=staff, version=version, seen_edit_version=version.edit_version)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _applications(staff: User, as_of: date) -> int:
    """About thirty applications of the county's firms, eligible or undecided, spread over
    the policies and towns, filed over the last months; most decided."""
    firms = firms_for(staff)
    result = eligibility_of(firms, as_of=as_of)
    # applied for: the policies decided on application (not 免申即享 or self-declared ones)
    applied = sorted(p.id for p in result.policies if p.claim == "apply")
    rows = result.verdicts.filter(
        (result.verdicts["verdict"] != "not_eligible") & result.verdicts["policy"].is_in(applied)
    ).sort("policy", "credit_code")
    by_code = {
        f.credit_code: f
        for f in firms.filter(credit_code__in=rows["credit_code"].unique().to_list())
    }
    queues: list[list[tuple[Enterprise, str]]] = []
    for pid in applied:
        candidates = [
            by_code[c]
            for c in rows.filter(rows["policy"] == pid)["credit_code"].to_list()
            if c in by_code
        ]
        # one firm per town first, so the totals by town have something to show
        seen: set[str] = set()
        first: list[Enterprise] = []
        rest: list[Enterprise] = []
        for f in candidates:
            (rest if f.town in seen else first).append(f)
            seen.add(f.town)
        queues.append([(f, pid) for f in (first + rest)[:PER_POLICY]])
    chosen: list[tuple[Enterprise, str]] = []
    while any(queues) and len(chosen) < IN_ALL:  # round robin over the policies
        for q in queues:
            if q and len(chosen) < IN_ALL:
                chosen.append(q.pop(0))
    made = 0
    start = as_of - timedelta(days=150)
    for i, (firm, pid) in enumerate(chosen):
        submitted = _at(start + timedelta(days=4 * i), 10)
        try:
            a = apps.application_submit(
                actor=staff,
                enterprise=firm,
                policy_id=pid,
                note="企业提交纸质材料，由工作人员代为登记（演示）",
                as_of=as_of,
                at=submitted,
            )
        except ValidationError:
            continue
        made += 1
        fate = i % 5  # 0, 1, 2: granted; 3: rejected; 4: still being decided
        if fate == 4 and i % 2:
            continue  # submitted, not yet looked at
        reviewed = submitted + timedelta(days=3)
        a = apps.application_move(
            actor=staff,
            application=a,
            to=ApplicationStatus.UNDER_REVIEW,
            seen_version=1,
            at=reviewed,
        )
        decided = reviewed + timedelta(days=10)
        if fate in (0, 1, 2):
            amount = a.amount_requested if a.amount_requested is not None else Decimal("10")
            granted = (amount * Decimal("0.8") if fate == 2 else amount).quantize(Decimal("0.01"))
            apps.application_move(
                actor=staff,
                application=a,
                to=ApplicationStatus.GRANTED,
                seen_version=a.version,
                amount_granted=granted,
                at=decided,
            )
        elif fate == 3:
            apps.application_move(
                actor=staff,
                application=a,
                to=ApplicationStatus.REJECTED,
                seen_version=a.version,
                reason="材料不全：未附研发费用专项审计报告（演示）",
                at=decided,
            )
    return made


def _firm_applies(staff: User, as_of: date) -> None:
    """The demo firm's account applies for one policy itself; staff take it under review
    (the firm is told in its inbox)."""
    user = User.objects.filter(username="firm", role=Role.ENTERPRISE).first()
    if user is None or user.enterprise is None:
        return
    firm = user.enterprise
    result = eligibility_of(Enterprise.objects.filter(pk=firm.pk), as_of=as_of)
    open_now = set(
        PolicyApplication.objects.filter(enterprise=firm).values_list("policy", flat=True)
    )
    for p in result.policies:
        rows = result.verdicts.filter(result.verdicts["policy"] == p.id)
        if p.claim != "apply" or p.id in open_now or rows.height == 0:
            continue
        if rows["verdict"][0] == "not_eligible":
            continue
        a = apps.application_submit(
            actor=user, enterprise=firm, policy_id=p.id, note="我司申请（演示）", as_of=as_of
        )
        apps.application_move(
            actor=staff, application=a, to=ApplicationStatus.UNDER_REVIEW, seen_version=1
        )
        return


def load_policies_demo(*, say: Callable[[str], None] = print, as_of: date | None = None) -> None:
    """Publish the county's example policy, send one digest and file the applications — each
    only when the registry has none yet."""
    staff = User.objects.filter(username="staff", role=Role.COUNTY_STAFF).first()
    if staff is None:
        return
    when = as_of or timezone.localdate()
    if not LocalPolicy.objects.filter(
        slug=DEMO_POLICY, versions__status=VersionStatus.PUBLISHED
    ).exists():
        say("Publishing the county's example local policy…")
        _local_policy(staff)
    if not PolicyApplication.objects.exists():
        say("Filing policy applications…")
        _firm_applies(staff, when)  # first: the staff's filings skip what is open
        _applications(staff, when)
    if not DigestRun.objects.exists():
        say("Sending the policy digests…")
        digest_send(actor=staff, as_of=when)
