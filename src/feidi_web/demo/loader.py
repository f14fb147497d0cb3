"""Load the demo city into the platform through the same services a user would use."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from feidi.demo import CITY_NAME, DEMO_YEARS, LOCAL_REGION, generate_demo_city
from feidi_web.accounts.models import Role, User
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.services import import_check, import_commit
from feidi_web.evaluations.models import EvaluationRun, RunStatus
from feidi_web.evaluations.services import evaluation_run_execute

#: Three as-of dates, one per fiscal year 2023-2025, so the cockpit shows movement.
#: Three yearly gradings on MIIT 2022, each inside its effective period (2022-08-01 to
#: 2026-03-31): the newest is the cockpit's and the pool's, and needs no "outside the
#: rulebook's period" caveat. (The CLI's demo grades 2026-06-30 on MIIT 2026 as well.)
DEMO_RUN_DATES = (date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31))
DEMO_RULEBOOK = "miit-2022"


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
            user.division_code = (
                LOCAL_REGION if acc.role in (Role.COUNTY_STAFF, Role.ENCLAVE_OPERATOR) else ""
            )
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
    return accounts


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
