"""Load the demo city into the platform through the same services a user would use."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from feidi.demo import CITY_NAME, DEMO_YEARS, LOCAL_REGION, demo_pipeline, generate_demo_city
from feidi_web.accounts.models import DIVISION_ROLES, Role, User
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.services import import_check, import_commit
from feidi_web.evaluations.models import EvaluationRun, RunStatus
from feidi_web.evaluations.services import evaluation_run_execute
from feidi_web.pipeline.models import Project
from feidi_web.pipeline.permissions import ENCLAVE_SOURCES
from feidi_web.pipeline.services import NewCounterpart, project_create, project_move

#: Three as-of dates, one per fiscal year 2023-2025, so the cockpit shows movement.
#: Three yearly gradings on MIIT 2022, each inside its effective period (2022-08-01 to
#: 2026-03-31): the newest is the cockpit's and the pool's, and needs no "outside the
#: rulebook's period" caveat. (The CLI's demo grades 2026-06-30 on MIIT 2026 as well.)
DEMO_RUN_DATES = (date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31))
DEMO_RULEBOOK = "miit-2022"
#: Months of investment-pipeline history the demo files.
PIPELINE_MONTHS = 18


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    note: str


def demo_accounts(enterprise: Enterprise) -> list[DemoAccount]:
    return [
        DemoAccount("admin", "feidi-admin-2026", Role.ADMIN, "系统管理员 / system administrator"),
        DemoAccount(
            "staff",
            "feidi-staff-2026",
            Role.COUNTY_STAFF,
            f"{CITY_NAME} 中小企业局 ({LOCAL_REGION})",
        ),
        DemoAccount(
            "enclave", "feidi-enclave-2026", Role.ENCLAVE_OPERATOR, f"飞地运营方 ({LOCAL_REGION})"
        ),
        DemoAccount(
            "officer",
            "feidi-officer-2026",
            Role.INVESTMENT_OFFICER,
            f"{CITY_NAME} 招商专员 ({LOCAL_REGION})",
        ),
        DemoAccount(
            "firm",
            "feidi-firm-2026",
            Role.ENTERPRISE,
            f"{enterprise.name} ({enterprise.credit_code})",
        ),
    ]


def load_demo(
    *, n_local: int = 3000, n_enclave: int = 300, say: Callable[[str], None] = print
) -> list[DemoAccount]:
    """Import the demo city, create one account per role and grade three years.

    Idempotent: a registry that already holds firms is left as it is.
    """
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "", "feidi-admin-2026", role=Role.ADMIN)
    if not Enterprise.objects.exists():
        say(f"Importing the demo city {CITY_NAME} ({n_local} local + {n_enclave} enclave firms)…")
        frame = generate_demo_city(n_local=n_local, n_enclave=n_enclave, n_years=DEMO_YEARS)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "虞山市示例企业.csv"
            frame.write_csv(path)
            upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
        imp = import_check(actor=admin, upload=upload, jurisdiction_code=LOCAL_REGION)
        if imp.status != "preview":
            raise RuntimeError(f"the demo file did not pass the checks: {imp.report['issues'][:3]}")
        import_commit(actor=admin, import_id=imp.pk)
    firm = _showcase_firm()
    accounts = demo_accounts(firm)
    with transaction.atomic():
        for acc in accounts:
            user = User.objects.filter(username=acc.username).first() or User(username=acc.username)
            user.role = acc.role
            user.division_code = LOCAL_REGION if acc.role in DIVISION_ROLES else ""
            user.enterprise = firm if acc.role == Role.ENTERPRISE else None
            user.is_staff = user.is_superuser = acc.role == Role.ADMIN
            user.set_password(acc.password)
            user.save()
    for as_of in DEMO_RUN_DATES:
        if EvaluationRun.objects.filter(
            rulebook=DEMO_RULEBOOK, as_of=as_of, status=RunStatus.DONE
        ).exists():
            continue
        say(f"Grading the registry on {DEMO_RULEBOOK} as of {as_of}…")
        run = EvaluationRun.objects.create(
            rulebook=DEMO_RULEBOOK, as_of=as_of, jurisdiction_code="", created_by=admin
        )
        evaluation_run_execute(run_id=run.pk)
    load_pipeline(say=say)
    return accounts


def pipeline_opened(today: date) -> date:
    """The demo centre opened on the first of the month 18 months before ``today``, so its
    eighteen months of history end now."""
    back = today.year * 12 + today.month - 1 - PIPELINE_MONTHS
    return date(back // 12, back % 12 + 1, 1)


def load_pipeline(*, today: date | None = None, say: Callable[[str], None] = print) -> int:
    """File the demo's eighteen months of projects (``feidi.demo.demo_pipeline``) through
    the pipeline's services, backdated; a pipeline that has projects is left as it is.
    Returns the number of projects filed."""
    if Project.objects.exists():
        return 0
    officer, staff, enclave = (
        User.objects.get(username=u) for u in ("officer", "staff", "enclave")
    )
    plan = demo_pipeline(opened=pipeline_opened(today or timezone.localdate()))
    say(f"Filing {len(plan.projects)} investment projects (18 months of history)…")
    for p in plan.projects:
        # the enclave operator files and works what the enclave side brings in
        enclave_side = p.source in ENCLAVE_SOURCES
        actor = enclave if enclave_side else officer
        owner = ((enclave, officer) if enclave_side else (officer, staff))[p.owner % 2]
        (first, filed), *moves = p.moves
        project = project_create(
            actor=actor,
            name=p.name,
            source=p.source,
            stage=first,
            new_counterpart=NewCounterpart(name=p.counterpart, kind=p.counterpart_kind),
            industry_code=p.industry_code,
            planned_investment=p.planned_investment,
            valuation=p.valuation,
            owner=owner,
            allow_duplicate=True,
            at=_aware(filed),
        )
        for stage, when in moves:
            project = project_move(
                actor=actor,
                project=project,
                to=stage,
                seen_version=project.version,
                lost_reason=p.lost_reason if stage == "lost" else "",
                landed_credit_code=p.landed_credit_code if stage == "landed" else "",
                landed_firm_name=f"{CITY_NAME[:2]}{p.counterpart[2:]}" if stage == "landed" else "",
                at=_aware(when),
            )
    return len(plan.projects)


def _aware(when: datetime) -> datetime:
    return timezone.make_aware(when)


def _showcase_firm() -> Enterprise:
    """A local firm with figures in every year: the enterprise account's own firm."""
    firm = (
        Enterprise.objects.filter(enclave=False, region_code=LOCAL_REGION)
        .exclude(name="")
        .order_by("credit_code")
        .first()
        or Enterprise.objects.order_by("credit_code").first()
    )
    if firm is None:  # cannot happen after the import above
        raise RuntimeError("the demo import left no enterprise for the firm account")
    return firm
