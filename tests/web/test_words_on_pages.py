"""No raw codes in front of a user, in either language: the text of every page a user
reads (not its attributes, links or scripts) carries no rule id, field id, tier id,
rulebook id, audit action or import reference — and an English page carries no Chinese
beyond firm names, towns and industries the registry holds in Chinese."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from feidi.parties import PartyKind
from feidi.pipeline import LostReason, Source, Stage
from feidi.policy import load_policies
from feidi.reference import make_credit_code
from feidi.rules import available_rulebooks, load_rulebook
from feidi.rules._model import scoring_parts, walk
from feidi.schema import FIELDS
from feidi_web.common.audit import AuditAction
from feidi_web.cultivation.models import ServiceCase
from feidi_web.cultivation.services import case_move, case_open, type_review_add
from feidi_web.enterprises.models import DataImport, Enterprise
from feidi_web.enterprises.services import fiscal_year_update
from feidi_web.pipeline.models import Project
from feidi_web.pipeline.services import NewCounterpart, follow_up_add, project_create, project_move
from feidi_web.policies.applications import application_move, application_submit
from feidi_web.policies.digests import digest_send
from feidi_web.policies.models import PolicyApplication
from feidi_web.space.services import membership_create, visit_create


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):  # <code>: a credit code, shown on purpose
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\s+", " ", " ".join(p.parts))


def _raw_ids() -> re.Pattern[str]:
    ids = {f.name for f in FIELDS if "_" in f.name}
    ids |= {k for f in FIELDS for k in f.values if "_" in k}
    for ref in available_rulebooks():
        book = load_rulebook(ref)
        ids |= {ref, *book.tiers}
        ids |= {m for m in book.measures if "_" in m}
        for tier in book.tiers.values():
            ids |= {n.meta.id for n in walk(tier.requires) if "_" in n.meta.id}
            for top in tier.scorecard.indicators if tier.scorecard else ():
                ids |= {i.meta.id for i in scoring_parts(top) if "_" in i.meta.id}
    ids |= {"requires", "enterprise.create", "enterprise.update", "fiscal_year.update"}
    ids |= {a.value for a in AuditAction} | {"no_fit"}
    # issue 13 and 14: diagnosis, services, gap types, chain nodes, case statuses, space kinds
    from feidi.chains import GAP_TYPES, load_chains
    from feidi.diagnosis import FLAGS, SERVICE_IDS
    from feidi_web.space.models import ResourceKind

    ids |= {f for f in FLAGS if "_" in f} | {s for s in SERVICE_IDS if "_" in s}
    ids |= {g for g in GAP_TYPES if "_" in g} | {"in_service"}
    ids |= {c.ref(n.id) for c in load_chains() for n in c.nodes}
    ids |= {k.value for k in ResourceKind if "_" in k.value}
    # the policy channel and the rest of the space: policy ids and their tiers, how a policy
    # is claimed, application, membership, visit and message ids
    from feidi.policy import load_policies
    from feidi.policy._policies import CLAIMS
    from feidi_web.inbox.models import Topic
    from feidi_web.policies.models import ApplicationStatus
    from feidi_web.space.models import VisitPurpose

    ids |= {p.id for p in load_policies()} | {p.tier for p in load_policies() if "_" in p.tier}
    ids |= {c for c in CLAIMS if "_" in c} | {t.value for t in Topic}
    ids |= {a.value for a in ApplicationStatus if "_" in a.value} | {"not_eligible"}
    ids |= {v.value for v in VisitPurpose if "_" in v.value}
    return ids


def _pattern(ids: set[str], extra: str = "") -> re.Pattern[str]:
    words = "|".join(sorted((re.escape(i) for i in ids), key=len, reverse=True))
    return re.compile(rf"(?<![\w.-])({words}{extra})(?![\w-])")


#: Ids an English sentence may hold as plain words ("Holds the innovative SME title"): a raw
#: id only on a Chinese page.
_WORD_IDS = {i for i in _raw_ids() if i.isalpha()}
RAW = _pattern(_raw_ids() - _WORD_IDS, r"|import:\d+")
RAW_WORDS = _pattern(_WORD_IDS)
#: Pipeline codes (stages, sources, lost reasons, party kinds): English words, so only a
#: Chinese page can tell a raw one.
PIPELINE_CODES = re.compile(
    r"(?<![A-Za-z_])("
    + "|".join(
        sorted(
            {
                *(s.value for s in Stage),
                *(s.value for s in Source),
                *(r.value for r in LostReason),
                *(k.value for k in PartyKind),
            }
        )
    )
    + r")(?![A-Za-z_])"
)
ENGLISH_WORDS = re.compile(r"(?<![A-Za-z])(yes|no|none|unknown)(?![A-Za-z])")


def _pages(firms: list[Enterprise], run_id: int) -> list[str]:
    pages = ["/enterprises/", "/cockpit/", "/pool/", "/evaluations/", f"/evaluations/{run_id}/"]
    pages += ["/enterprises/imports/", "/pipeline/", "/pipeline/funnel/", "/pipeline/new/"]
    pages += [f"/pipeline/{p.pk}/" for p in Project.objects.all()]
    pages += [f"/pipeline/{p.pk}/edit/" for p in Project.objects.all()[:1]]
    pages += [f"/enterprises/imports/{i.pk}/" for i in DataImport.objects.all()]
    pages += [f"/enterprises/{e.ref}/" for e in firms]
    pages += ["/chains/", "/chains/auto_parts/", "/chains/auto_parts/chassis/", "/opportunities/"]
    pages += ["/cultivation/", "/cultivation/cases/", "/cultivation/services/", "/space/"]
    pages += [f"/cultivation/firms/{e.credit_code}/" for e in firms if e.credit_code][:10]
    pages += [f"/cultivation/cases/{c.pk}/" for c in ServiceCase.objects.all()]
    # issue 14: the centre's day, members, visitors, figures and feeds; the policy channel
    pages += ["/space/today/", "/space/members/", "/space/visitors/", "/space/usage/"]
    pages += ["/space/calendar/", "/inbox/", "/policies/", "/policies/local/", "/policies/free/"]
    pages += ["/policies/applications/", "/policies/digests/"]
    pages += [f"/policies/{p.id}/" for p in load_policies(timezone.localdate())]
    pages += [f"/policies/firms/{e.credit_code}/" for e in firms if e.credit_code][:5]
    pages += [f"/policies/applications/{a.pk}/" for a in PolicyApplication.objects.all()]
    return pages


@pytest.fixture
def edited_city(graded_city, city, admin_user):
    """The graded city with a figure edited, so the change log has form and import rows."""
    fiscal_year_update(
        actor=admin_user,
        enterprise=city[0],
        year=2025,
        changes={"revenue": 1234},
        seen_version=city[0].years.get(year=2025).version,
    )
    # projects that were lost, landed and are in progress, with a follow-up
    for i, (source, moves) in enumerate(
        [("enclave", ["negotiating", "lost"]), ("referral", ["signed", "landed"]), ("event", [])]
    ):
        p = project_create(
            actor=admin_user,
            name=f"项目{i}",
            source=source,
            jurisdiction_code=city[0].jurisdiction_code,
            new_counterpart=NewCounterpart(name=f"对接方{i}", kind="startup"),
            industry_code="C3670",
        )
        for to in moves:
            p = project_move(
                actor=admin_user,
                project=p,
                to=to,
                seen_version=p.version,
                lost_reason="no_fit",
                landed_credit_code=make_credit_code("91320581MA9W0RD31"),
                landed_firm_name="落地企业",
            )
        follow_up_add(actor=admin_user, project=p, title="回访", due_on=date(2026, 7, 1))
    # a service case moved on, and a staff review of a diagnosis
    case = case_open(actor=admin_user, enterprise=city[0], service="consulting_days")
    case_move(actor=admin_user, case=case, to="in_service", seen_version=case.version)
    type_review_add(actor=admin_user, enterprise=city[1], staff_type="middle", reason="走访核实")
    # a resident firm, a visitor, a policy application under review and a digest sent
    membership_create(
        actor=admin_user,
        party=city[2],
        kind="desk",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        jurisdiction_code=city[0].jurisdiction_code,
    )
    visit_create(
        actor=admin_user,
        visitor_name="王磊",
        purpose="investment",
        organisation=city[3].name,
        jurisdiction_code=city[0].jurisdiction_code,
    )
    title = next(p.id for p in load_policies(timezone.localdate()) if p.claim == "apply")
    for firm in city:
        try:
            application = application_submit(actor=admin_user, enterprise=firm, policy_id=title)
        except (ValidationError, Http404):  # not eligible, or not covered: the next firm
            continue
        application_move(
            actor=admin_user,
            application=application,
            to="under_review",
            seen_version=application.version,
        )
        break
    digest_send(actor=admin_user)
    return graded_city


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_no_raw_ids_on_any_staff_page(client, admin_user, city, edited_city, lang):
    client.force_login(admin_user)
    client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    found = []
    for url in _pages(city, edited_city.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        found += [(url, text[max(m.start() - 60, 0) : m.end() + 30]) for m in RAW.finditer(text)]
        if lang == "zh-hans":
            found += [
                (url, text[max(m.start() - 60, 0) : m.end() + 30]) for m in RAW_WORDS.finditer(text)
            ]
        if lang == "zh-hans" and url.startswith("/pipeline/"):
            found += [
                (url, text[max(m.start() - 60, 0) : m.end() + 30])
                for m in PIPELINE_CODES.finditer(text)
            ]
        if lang == "zh-hans":  # an untranslated yes / no / none on a Chinese page
            found += [
                (url, text[max(m.start() - 60, 0) : m.end() + 30])
                for m in ENGLISH_WORDS.finditer(text)
            ]
    assert found == [], "\n".join(sorted({f"{u}: …{t}…" for u, t in found})[:40])


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_no_raw_ids_in_the_portal(client, firm_user, graded_city, lang):
    client.force_login(firm_user)
    client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    text = visible_text(client.get("/portal/").content.decode())
    found = RAW.search(text) or (RAW_WORDS.search(text) if lang == "zh-hans" else None)
    assert found is None, text[max(found.start() - 80, 0) : found.end() + 80]


def test_the_what_if_starts_from_the_compared_results_as_of(client, firm_user, graded_city):
    client.force_login(firm_user)
    html = client.get("/portal/").content.decode()
    assert re.search(rf'name="as_of"[^>]*value="{graded_city.as_of.isoformat()}"', html) or (
        f'value="{graded_city.as_of.isoformat()}"' in html
    )


def test_the_platforms_demo_holds_the_clis_demo_firms(monkeypatch, tmp_path, db):
    """`feidi demo` and `make demo` (feidi-web demo) generate the same city: the same call."""
    import feidi.demo as core_demo
    from feidi_web.demo import loader

    calls: list[dict] = []
    real = core_demo.generate_demo_city

    def spy(**kw):
        calls.append(kw)
        return real(**{**kw, "n_local": 20, "n_enclave": 2})

    monkeypatch.setattr(core_demo, "generate_demo_city", spy)
    monkeypatch.setattr(loader, "generate_demo_city", spy)
    core_demo.write_demo_inputs(tmp_path)
    loader.load_demo(say=lambda _: None)
    cli, web = calls
    assert cli.get("n_years") == web.get("n_years") == core_demo.DEMO_YEARS
    assert cli.get("seed", core_demo.DEMO_SEED) == web.get("seed", core_demo.DEMO_SEED)
    assert web["n_local"] == 3000 and "n_local" not in cli  # both the generator's default size
    # the demo's evaluations are inside their rulebook's effective period
    from feidi.rules import load_rulebook

    book = load_rulebook(loader.DEMO_RULEBOOK)
    assert all(book.in_force(d) for d in loader.DEMO_RUN_DATES)


def test_no_chinese_inside_an_english_message():
    """English is the source language of the platform's messages: a msgid with Chinese in it
    ("Titles and 复核 due dates") shows Chinese on English pages."""
    from pathlib import Path

    import feidi_web

    cjk = re.compile(r"[\u4e00-\u9fff]")
    root = Path(feidi_web.__file__).parent
    found = []
    for path in [*root.rglob("*.html"), *root.rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        text = path.read_text("utf-8")
        for m in re.finditer(r'(?:translate|gettext_lazy|gettext|\b_)\(?\s*"([^"]*)"', text):
            if cjk.search(m.group(1)):
                found.append((path.name, m.group(1)))
        for m in re.finditer(r"blocktranslate[^%]*%\}(.*?)\{% endblocktranslate", text, re.S):
            if cjk.search(m.group(1)):
                found.append((path.name, m.group(1)))
    assert found == []
