"""Load the demo city into the platform through the same services a user would use."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from feidi.chains import load_chains, mount
from feidi.demo import (
    CITY_NAME,
    DEMO_YEARS,
    LOCAL_REGION,
    demo_offers,
    demo_pipeline,
    demo_request,
    demo_request_for,
    generate_demo_city,
)
from feidi.reference import make_credit_code
from feidi_web.accounts.models import DIVISION_ROLES, Role, User
from feidi_web.chains.services import (
    mount_correct,
    refresh_enterprise_mounts,
    refresh_profile_mounts,
)
from feidi_web.cultivation.diagnosing import diagnosis_of
from feidi_web.cultivation.models import ServiceCase
from feidi_web.cultivation.permissions import firms_for as cultivation_firms
from feidi_web.cultivation.services import case_move, case_open, type_review_add
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.services import import_check, import_commit, party_register
from feidi_web.evaluations.models import EvaluationRun, RunStatus
from feidi_web.evaluations.services import evaluation_run_execute
from feidi_web.matchmaking import services as mm
from feidi_web.matchmaking.models import Profile
from feidi_web.pipeline.models import Project
from feidi_web.pipeline.permissions import ENCLAVE_SOURCES
from feidi_web.pipeline.services import NewCounterpart, project_create, project_move
from feidi_web.policies.demo import load_policies_demo
from feidi_web.space.demo import load_space

#: Three as-of dates, one per fiscal year 2023-2025, so the cockpit shows movement.
#: Three yearly gradings on MIIT 2022, each inside its effective period (2022-08-01 to
#: 2026-03-31): the newest is the cockpit's and the pool's, and needs no "outside the
#: rulebook's period" caveat. (The CLI's demo grades 2026-06-30 on MIIT 2026 as well.)
DEMO_RUN_DATES = (date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31))
DEMO_RULEBOOK = "miit-2022"
#: Months of investment-pipeline history the demo files.
PIPELINE_MONTHS = 18


#: The demo accounts' people (fictitious), as pages name them.
DEMO_PEOPLE = {"staff": "李明", "enclave": "张华", "officer": "陈静", "firm": "王磊"}


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
            # people's names on pages (owners, assignees, the change log), not user names
            user.first_name = DEMO_PEOPLE.get(acc.username, "")
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
    load_matchmaking(say=say)
    load_events(say=say)
    load_chain_mounts(say=say)
    load_cultivation(say=say)
    load_space(say=say)
    load_policies_demo(say=say)
    return accounts


def load_chain_mounts(*, say: Callable[[str], None] = print) -> int:
    """Mount every firm and profile on the chains now, so no page pays for it; the showcase
    firm's surest node is confirmed by county staff after a visit (a correction to show)."""
    say("Mounting the registry and the profiles on the industry chains…")
    n = refresh_enterprise_mounts(
        Enterprise.objects.only("id", "industry_code", "jurisdiction_code", "profile")
    )
    n += refresh_profile_mounts(Profile.objects.all())
    firm = _showcase_firm()
    staff = User.objects.get(username="staff")
    mounting = getattr(firm, "mounting", None)
    if mounting is not None and not mounting.corrections.exists():
        top = mounting.mounts.filter(status="auto").first()
        if top is not None:
            mount_correct(
                actor=staff,
                enterprise=firm,
                node=top.node,
                action="confirm",
                note="走访核实：主导产品与该环节一致",
            )
    return n


#: Cases the demo refers per service at most (the firms the service suits best), when they
#: were referred, and what became of them.
DEMO_CASES_PER_SERVICE = 8
DEMO_REFERRED_ON = tuple(date(2025, month, 3) for month in (2, 3, 4, 5, 6))
DEMO_OUTCOME_NOTES = (
    "服务完成，企业反馈良好",
    "完成对接，已形成合作意向",
    "服务按计划结束，后续由园区跟进",
)


@transaction.atomic  # all or nothing: a second run after a failure starts again
def load_cultivation(*, say: Callable[[str], None] = print) -> int:
    """Refer the firms each service suits best (rank 1 in the diagnosis of the day) as county
    staff would over the first half of 2025, and move the cases on: most were served by the
    end of 2025, some are still in service, a few cancelled — so the outcome report compares
    2024 with 2025 for served and comparable firms. Two staff reviews of a diagnosis. A
    registry that has cases is left as it is. Returns the number of cases."""
    if ServiceCase.objects.exists():
        return 0
    say("Referring firms to services (diagnosis and services)…")
    staff = User.objects.get(username="staff")
    firms = cultivation_firms(staff)
    rng = np.random.default_rng(2025_13)
    d = diagnosis_of(firms, as_of=DEMO_REFERRED_ON[0])
    best = d.recommendations.filter(d.recommendations["rank"] == 1).sort("credit_code")
    by_code = {e.credit_code: e for e in firms.filter(credit_code__in=best["credit_code"])}
    n = 0
    for service in best["service"].unique().sort():
        codes = best.filter(best["service"] == service)["credit_code"].to_list()
        for code in rng.permutation(codes)[:DEMO_CASES_PER_SERVICE]:
            firm = by_code.get(str(code))
            if firm is None or firm.enclave:
                continue
            opened = DEMO_REFERRED_ON[int(rng.integers(len(DEMO_REFERRED_ON)))]
            case = case_open(
                actor=staff,
                enterprise=firm,
                service=str(service),
                note="诊断推荐，企业同意参加",
                at=_aware(datetime.combine(opened, datetime.min.time()) + timedelta(hours=10)),
            )
            n += 1
            fate = rng.random()
            if fate < 0.1:
                continue  # still waiting for the service to start
            if fate < 0.15:
                case_move(
                    actor=staff,
                    case=case,
                    to="cancelled",
                    seen_version=case.version,
                    note="企业经营调整，暂不参加",
                    at=case.opened_at + timedelta(days=20),
                )
                continue
            case = case_move(
                actor=staff,
                case=case,
                to="in_service",
                seen_version=case.version,
                at=case.opened_at + timedelta(days=int(rng.integers(7, 40))),
            )
            if fate < 0.35:
                continue  # in service now
            case_move(
                actor=staff,
                case=case,
                to="done",
                seen_version=case.version,
                note=DEMO_OUTCOME_NOTES[int(rng.integers(len(DEMO_OUTCOME_NOTES)))],
                at=timezone.make_aware(datetime(2025, int(rng.integers(9, 13)), 15, 16)),  # noqa: DTZ001
            )
    laggards = d.types.filter(d.types["type"] == "laggard")["credit_code"].head(2).to_list()
    reasons = ("走访发现已引进自动化产线并组建研发团队", "已与本地龙头企业建立稳定配套关系")
    for code, reason in zip(laggards, reasons, strict=False):
        type_review_add(
            actor=staff,
            enterprise=Enterprise.objects.get(credit_code=code),
            staff_type="middle",
            reason=reason,
        )
    return n


def pipeline_opened(today: date) -> date:
    """The demo centre opened on the first of the month 18 months before ``today``, so its
    eighteen months of history end now."""
    back = today.year * 12 + today.month - 1 - PIPELINE_MONTHS
    return date(back // 12, back % 12 + 1, 1)


@transaction.atomic  # all or nothing: a second run after a failure starts again
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
        # a registered local enterprise: on a second run the registry also holds the demo's
        # prospects and investors, without credit codes (which sort first)
        Enterprise.objects.filter(
            enclave=False, region_code=LOCAL_REGION, kind="enterprise", credit_code__isnull=False
        )
        .exclude(name="")
        .order_by("credit_code")
        .first()
        or Enterprise.objects.order_by("credit_code").first()
    )
    if firm is None:  # cannot happen after the import above
        raise RuntimeError("the demo import left no enterprise for the firm account")
    return firm


#: Home firms that post a request in the demo, and pairings walked to each stage.
DEMO_REQUESTS = 36
DEMO_PAIRING_STAGES = ("proposed", "proposed", "mutual", "dated", "pilot", "landed", "declined")


@transaction.atomic  # all or nothing: a second run after a failure starts again
def load_matchmaking(*, say: Callable[[str], None] = print) -> int:
    """The enclave's side of the demo, through the matchmaking services: Beijing offers from
    real research abstracts, home-firm requests and scenarios from the chain nodes the firms
    sit on, all reviewed; rankings for some requests, and pairings walked to every stage.
    A platform that has profiles is left as it is. Returns the number of profiles."""
    if Profile.objects.exists():
        return 0
    officer, enclave = (User.objects.get(username=u) for u in ("officer", "enclave"))
    rng = np.random.default_rng(20260702)
    offers = demo_offers()
    say(f"Posting {len(offers)} enclave offers and {DEMO_REQUESTS} home-firm requests…")
    posted = []
    parties: dict[str, Enterprise] = {}
    for o in offers:
        party = parties.get(o.party) or party_register(
            actor=enclave, name=o.party, kind=o.party_kind, industry_code=o.industry_code
        )
        parties[o.party] = party
        posted.append(
            mm.profile_submit(
                actor=enclave,
                party=party,
                type=o.type,
                title=o.title,
                description=o.description,
                keywords=";".join(o.keywords),
                industry_code=o.industry_code,
                stage=o.stage,
                contact="飞地中心 项目经理 010-6279xxxx",
            )
        )
    nodes = {chain.ref(n.id): n for chain in load_chains() for n in chain.nodes}
    firms = (
        Enterprise.objects.filter(
            jurisdiction_code=LOCAL_REGION, enclave=False, credit_code__isnull=False
        )
        .exclude(industry_code="")
        .order_by("credit_code")
    )
    requests: list[Profile] = []
    for firm in firms.iterator():
        if len(requests) >= DEMO_REQUESTS:
            break
        found = mount(firm.industry_code, firm.name, min_confidence=0.3)
        if not found or rng.random() < 0.7:  # a spread of firms, not the first ones
            continue
        node = nodes[found[0].node]
        # a third ask for what one of the offers has (the enclave was asked to find it)
        if len(requests) % 3 == 0:
            r = demo_request_for(offers[int(rng.integers(len(offers)))], node.name)
        else:
            r = demo_request(node.name, node.keywords, rng)
        requests.append(
            mm.profile_submit(
                actor=officer,
                party=firm,
                type=r.type,
                title=r.title,
                description=r.description,
                keywords=";".join(r.keywords),
                chain_node=found[0].node,
                stage=r.stage,
            )
        )
    for p in [*posted, *requests]:
        mm.profile_review(actor=officer, profile=p, approve=True, seen_version=p.version)
    # rankings for the requests asking for an offer's topic and a few others; the best-scored
    # pairs are walked, one to each stage
    ranked = []
    for request in requests[::3] + requests[1:6]:
        request.refresh_from_db()
        run = mm.recommend_for(actor=officer, profile=request)
        if run.results:
            ranked.append((run.results[0]["score"], request, run.results[0]))
    ranked.sort(key=lambda t: -t[0])
    for i, ((_score, request, best), stage) in enumerate(
        zip(ranked, DEMO_PAIRING_STAGES, strict=False)
    ):
        offer = Profile.objects.get(pk=int(str(best["supply_id"]).split(":")[1]))
        _walk_pairing(officer, enclave, request, offer, best, stage, i)
    return len(posted) + len(requests)


def _walk_pairing(officer, enclave, request, offer, best, stage: str, i: int) -> None:
    match = mm.match_propose(
        actor=officer, supply=offer, demand=request, rank=best["rank"], reasons=best["reasons"]
    )
    if stage == "proposed":
        return
    if stage == "declined":
        mm.match_answer(
            actor=officer,
            match=match,
            side="demand",
            interested=False,
            reason="wrong_stage",
            seen_version=match.version,
        )
        return
    for side in ("demand", "supply"):
        match = mm.match_answer(
            actor=officer, match=match, side=side, interested=True, seen_version=match.version
        )
    if stage == "mutual":
        return
    when = timezone.now() + timedelta(days=3 + i)
    match = mm.match_date(
        actor=enclave,
        match=match,
        at=when,
        place="常熟（北京）创新中心 3 楼路演厅",
        seen_version=match.version,
    )
    if stage == "dated":
        return
    today = timezone.localdate()
    match = mm.match_pilot(
        actor=officer,
        match=match,
        milestones=[
            ("签订试点合作协议", today + timedelta(days=14)),
            ("样机入厂联调", today + timedelta(days=60)),
            ("小批量试产验证", today + timedelta(days=120)),
        ],
        seen_version=match.version,
    )
    if stage == "landed":
        mm.match_land(
            actor=officer,
            match=match,
            seen_version=match.version,
            landed_credit_code=make_credit_code(f"91{LOCAL_REGION}MA8P1L0T{i}"),
            landed_firm_name=f"{CITY_NAME[:2]}{offer.party.name[2:]}",
        )


@dataclass(frozen=True)
class _DemoEvent:
    title: str
    kind: str
    days_from_today: int
    place: str
    slots: int
    slot_minutes: int
    tables: int
    capacity: int
    investors: int
    startups: int
    firms: int


#: The demo's events (飞地创新中心的沙龙、资本对接会、路演). The upcoming salon has more
#: registrations than seats: a wait list.
DEMO_EVENTS = (
    _DemoEvent("智能制造专场资本对接会", "capital", -150, "常熟（北京）创新中心 3 楼路演厅", 8, 15, 6, 30, 5, 12, 9),
    _DemoEvent("新能源与新材料项目路演", "roadshow", -60, "虞山高新区科创大厦 1 楼报告厅", 6, 20, 4, 24, 4, 10, 6),
    _DemoEvent("飞地创新中心春季企业家沙龙", "salon", 21, "常熟（北京）创新中心 2 楼会客厅", 6, 15, 4, 20, 4, 10, 10),
)  # fmt: skip
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳敏静磊洋艳勇军杰娟涛明超霞平"


def load_events(*, say: Callable[[str], None] = print) -> int:
    """Two past events (held: registrations, check-ins, accepted meeting requests and the
    schedule they were given) and one upcoming (open, with a wait list, a schedule, and a
    cancellation since that the schedule has still to absorb: the rescheduling button),
    through the events' services. Participants are the enclave's investors, start-ups and
    labs and the county's firms. A platform that has events is left as it is. Returns the
    number of events."""
    from feidi_web.events import services as ev
    from feidi_web.events.models import Event, RegistrationStatus

    if Event.objects.exists():
        return 0
    officer, enclave = (User.objects.get(username=u) for u in ("officer", "enclave"))
    rng = np.random.default_rng(20260718)
    county = Enterprise.objects.filter(jurisdiction_code=LOCAL_REGION)
    investors = list(county.filter(enclave=True, kind="investor").order_by("id"))
    while len(investors) < 5:  # a small demo city: investors the centre knows
        name = f"北京某创业投资基金{len(investors) + 1}号"
        investors.append(party_register(actor=officer, name=name, kind="investor"))
    startups = list(county.filter(enclave=True, kind__in=["startup", "lab"]).order_by("id"))
    firms = list(
        county.filter(enclave=False, credit_code__isnull=False)
        .exclude(name="")
        .order_by("credit_code")[:200]
    )

    def pick(items: list[Enterprise], n: int) -> list[Enterprise]:
        chosen = rng.choice(len(items), min(n, len(items)), replace=False)
        return [items[j] for j in sorted(chosen)]

    say(f"Holding {len(DEMO_EVENTS)} enclave events (registrations, check-in, 1:1 schedules)…")
    today = timezone.localdate()
    for plan in DEMO_EVENTS:
        past = plan.days_from_today < 0
        organiser = enclave if plan.kind == "roadshow" else officer
        day = today + timedelta(days=plan.days_from_today)
        starts = timezone.make_aware(datetime(day.year, day.month, day.day, 13, 30))  # noqa: DTZ001
        event = ev.event_create(
            actor=organiser,
            title=plan.title,
            kind=plan.kind,
            place=plan.place,
            starts_at=starts,
            slots=plan.slots,
            slot_minutes=plan.slot_minutes,
            first_slot_at=starts + timedelta(hours=1),
            tables=plan.tables,
            capacity=plan.capacity,
        )
        # the upcoming salon is popular: four more home firms than there are seats
        n_firms = plan.firms if past else plan.capacity + 4 - plan.investors - plan.startups
        comers = [
            *((p, "investor") for p in pick(investors, plan.investors)),
            *((p, "startup") for p in pick(startups, plan.startups)),
            *((p, "home_firm") for p in pick(firms, n_firms)),
        ]
        opened = starts - timedelta(days=30)
        people = []
        for k, j in enumerate(rng.permutation(len(comers))):
            party, role = comers[j]
            person = _SURNAMES[rng.integers(len(_SURNAMES))] + _GIVEN[rng.integers(len(_GIVEN))]
            partial = rng.random() < 0.2
            slots = rng.choice(range(1, plan.slots + 1), plan.slots - 2, replace=False)
            people.append(
                ev.registration_create(
                    actor=organiser,
                    event=event,
                    party=party,
                    person=person,
                    contact=f"13{rng.integers(0, 10)}{rng.integers(10**7, 10**8)}",
                    role=role,
                    availability=sorted(int(s) for s in slots) if partial else None,
                    at=opened + timedelta(hours=8 * k),
                )
            )
        seated = [r for r in people if r.status == RegistrationStatus.REGISTERED]
        _demo_requests(organiser, seated, rng, answer_all=past)
        ev.schedule_make(
            actor=organiser, event=event, at=starts - timedelta(days=1) if past else None
        )
        if past:
            for r in seated:
                if rng.random() < 0.88:
                    late = timedelta(minutes=int(rng.integers(-20, 40)))
                    ev.registration_check_in(actor=organiser, registration=r, at=starts + late)
            ev.event_set_status(actor=organiser, event=event, status="held", seen_version=1)
        else:
            # a start-up called off since: its meetings wait for the rescheduling, and the
            # first on the wait list takes its seat
            busiest = max(
                (r for r in seated if r.role == "startup"),
                key=lambda r: r.requests_made.count() + r.requests_received.count(),
            )
            ev.registration_cancel(actor=organiser, registration=busiest)
    return len(DEMO_EVENTS)


#: Who asks whom at the demo's events: (whom, how many, priorities from, to (exclusive)).
_DEMO_WANTS = {
    "investor": ("startup", 4, 3, 6),
    "startup": ("home_firm", 2, 2, 5),
    "home_firm": ("startup", 2, 1, 4),
}


def _demo_requests(
    actor: User, seated: list, rng: np.random.Generator, *, answer_all: bool
) -> None:
    """Investors ask start-ups, start-ups ask home firms and home firms ask start-ups, each a
    few times with a priority; most are accepted (before a past event, every one was
    answered)."""
    from feidi_web.events import services as ev

    by_role: dict[str, list] = {}
    for r in seated:
        by_role.setdefault(r.role, []).append(r)
    asked: set[frozenset[int]] = set()
    for r in seated:
        target, n, low, high = _DEMO_WANTS[r.role]
        others = by_role.get(target, [])
        for j in rng.permutation(len(others))[:n]:
            other = others[j]
            if frozenset((r.pk, other.pk)) in asked or other.party_id == r.party_id:
                continue
            asked.add(frozenset((r.pk, other.pk)))
            q = ev.meeting_request_create(
                actor=actor, requester=r, invitee=other, priority=int(rng.integers(low, high))
            )
            draw = rng.random()
            if draw < 0.8:
                ev.meeting_request_answer(actor=actor, request=q, accept=True)
            elif answer_all or draw < 0.9:
                ev.meeting_request_answer(actor=actor, request=q, accept=False)
