"""Policy digests: each firm is told what is new or changed in its policies since it was last
told, in one inbox message (and an email copy) to each of its active users.

What counts, per firm and policy, against ``EligibilityState`` (what the firm was last told):

* **new** — never told, and now eligible, or unknown with inputs missing (a firm that does
  not qualify for a policy it never heard of is not news);
* **changed** — the verdict changed; or still eligible with another amount, or under a
  changed rulebook (the policy's text changed: its ``digest``);
* **gone** — was eligible, now not eligible (or the policy no longer covers the firm).

Choices:

* A firm's state advances only when it is told: a firm with no active user keeps its old
  state, so it hears everything new once it has a user.
* Each firm is told inside its own transaction, with the firm's row locked and its state
  read again under the lock: two sends at once (a cron job and a click) queue on the firm,
  and the second finds nothing left to tell.
* The message is written in the recipient's language (``User.reading_language``: the one
  they last chose, else the site's default), never the sender's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.policy import VERDICTS, Eligibility, load_policies
from feidi_web.accounts.models import Role, User
from feidi_web.common.display import number_text
from feidi_web.common.lang import pick
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import in_jurisdiction
from feidi_web.inbox.models import Topic
from feidi_web.inbox.services import Notice, notify_each
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.models import DigestRun, EligibilityState
from feidi_web.policies.permissions import firms_for, require_author, require_staff

NEW, CHANGED, GONE = "new", "changed", "gone"
#: Amounts closer than this (万元) are the same amount.
_SAME_AMOUNT = 1e-6


@dataclass(frozen=True)
class Change:
    """One piece of news for one firm: ``kind`` new / changed / gone, the verdict now (and
    before, for a change), the amount now (and before) in 万元, the rulebook's digest."""

    kind: str
    policy: str
    verdict: str
    amount: float | None
    digest: str
    was_verdict: str = ""
    was_amount: float | None = None
    missing: tuple[str, ...] = ()


def _same_amount(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < _SAME_AMOUNT


def changes_for(
    rows: dict[str, dict[str, Any]], states: dict[str, EligibilityState], digests: dict[str, str]
) -> list[Change]:
    """The news of one firm: ``rows`` its verdict rows by policy (as graded now),
    ``states`` what it was told by policy, ``digests`` each graded policy's rulebook digest."""
    out: list[Change] = []
    for pid in sorted(rows):
        row = rows[pid]
        verdict, amount = str(row["verdict"]), row["benefit_amount"]
        missing = tuple(row["missing"] or ())
        digest = digests[pid]
        state = states.get(pid)
        if state is None:
            if verdict == "eligible" or (verdict == "unknown" and missing):
                out.append(Change(NEW, pid, verdict, amount, digest, missing=missing))
            continue
        revised = verdict == "eligible" and (
            not _same_amount(state.benefit_amount, amount) or state.digest != digest
        )
        kind = ""
        if state.verdict == "eligible" and verdict == "not_eligible":
            kind = GONE
        elif state.verdict != verdict or revised:
            kind = CHANGED
        if kind:
            out.append(
                Change(
                    kind,
                    pid,
                    verdict,
                    amount,
                    digest,
                    was_verdict=state.verdict,
                    was_amount=state.benefit_amount,
                    missing=missing,
                )
            )
    # told eligible once, and the policy no longer covers the firm (ended, or moved away)
    for pid, state in sorted(states.items()):
        if pid not in rows and state.verdict == "eligible":
            out.append(
                Change(
                    GONE,
                    pid,
                    "not_eligible",
                    None,
                    state.digest,
                    was_verdict=state.verdict,
                    was_amount=state.benefit_amount,
                )
            )
    return out


def firm_link(credit_code: str) -> str:
    """The firm's policy page (``policies:firm``)."""
    try:
        return reverse("policies:firm", args=[credit_code])
    except NoReverseMatch:  # the page is not mounted (yet): its documented path
        return f"/policies/firms/{credit_code}/"


def _amount_words(amount: float | None) -> str:
    if amount is None:
        return ""
    return _("%(amount)s (10k CNY)") % {"amount": number_text(amount)}


def _verdict_words(verdict: str) -> str:
    pair = VERDICTS.get(verdict)  # type: ignore[call-overload]
    return pick(pair) if pair else verdict


def _first_step(result: Eligibility, credit_code: str, change: Change) -> str:
    """What would make the firm eligible, first step (a path step, else the first missing
    input), in the active language; empty when there is none."""
    try:
        why = result.explain(credit_code, change.policy)
    except KeyError:
        return ""
    if why.path:
        return pick(why.path[0])
    if why.missing:
        return _("Provide: %(input)s") % {"input": pick(why.missing[0])}
    return ""


def _policy_name(result: Eligibility, pid: str) -> str:
    try:
        return pick(result.policy(pid).name)
    except KeyError:  # no longer graded here (ended): the shipped list still names it
        for p in load_policies():
            if p.id == pid:
                return pick(p.name)
        return _("a policy no longer in force")


def change_line(result: Eligibility, credit_code: str, change: Change) -> str:
    """One change in words, in the active language."""
    name = _policy_name(result, change.policy)
    verdict = _verdict_words(change.verdict)
    if change.kind == NEW:
        line = _("New: %(policy)s — %(verdict)s") % {"policy": name, "verdict": verdict}
    elif change.kind == GONE:
        line = _("No longer eligible: %(policy)s") % {"policy": name}
    elif change.was_verdict != change.verdict:
        line = _("Changed: %(policy)s — %(before)s → %(now)s") % {
            "policy": name,
            "before": _verdict_words(change.was_verdict),
            "now": verdict,
        }
    elif not _same_amount(change.was_amount, change.amount):
        line = _("Changed: %(policy)s — the amount was %(before)s") % {
            "policy": name,
            "before": _amount_words(change.was_amount) or "—",
        }
    else:
        line = _("Changed: %(policy)s — the policy's conditions were revised") % {"policy": name}
    if change.verdict == "eligible" and change.amount is not None:
        line += "; " + _("benefit %(amount)s") % {"amount": _amount_words(change.amount)}
    if change.verdict != "eligible" and change.kind != GONE:
        step = _first_step(result, credit_code, change)
        if step:
            line += "\n    " + _("What would make you eligible: %(step)s") % {"step": step}
    return line


def digest_notice(
    result: Eligibility, firm: Enterprise, changes: list[Change], run_id: int
) -> Notice:
    """The message to one firm's users, in the active language."""
    lines = [
        _("What changed in %(firm)s's policies since you were last told:") % {"firm": firm.name},
        "",
        *(f"• {change_line(result, str(firm.credit_code), c)}" for c in changes),
        "",
        _("Details and what each condition needs are on your firm's policy page."),
    ]
    return Notice(
        subject=_("Policy digest: %(n)d changes for %(firm)s")
        % {"n": len(changes), "firm": firm.name},
        body="\n".join(lines),
        link=firm_link(str(firm.credit_code)),
        key=f"digest:{run_id}:{firm.pk}",
    )


def _rows_by_firm(result: Eligibility) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in result.verdicts.iter_rows(named=True):
        out[str(row["credit_code"])][str(row["policy"])] = row
    return out


def _recipients(firm_ids: Iterable[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    users = User.objects.filter(
        enterprise_id__in=list(firm_ids), role=Role.ENTERPRISE, is_active=True
    ).order_by("pk")
    for u in users:
        if u.enterprise_id is not None:
            out[u.enterprise_id].append(u)
    return out


def digest_firms(
    *, actor: User | None, firms: QuerySet[Enterprise] | None = None, division: str = ""
) -> QuerySet[Enterprise]:
    """The registered firms a send covers: the actor's scope (narrowed to ``firms`` when
    given), or, without an actor (a scheduled job), the division's firms."""
    if actor is not None:
        require_author(actor)
        scope = firms_for(actor)
    else:
        if not division:
            raise ValueError("a digest without an actor names its division")
        scope = Enterprise.objects.filter(in_jurisdiction(division), credit_code__isnull=False)
    if firms is not None:
        scope = scope.filter(pk__in=firms.values("pk"))
    return scope


def digest_preview(
    *, actor: User | None, as_of: date | None = None, division: str = ""
) -> dict[str, int]:
    """How many firms a send now would tell (``firms``; only those with an active user) and
    how many changes it would tell them, without sending or locking anything."""
    scope = digest_firms(actor=actor, division=division)
    result = eligibility_of(scope, as_of=as_of)
    digests = {p.id: p.digest for p in result.policies}
    rows = _rows_by_firm(result)
    pairs = list(scope.values_list("pk", "credit_code"))
    users = _recipients([pk for pk, _c in pairs])
    states: dict[int, dict[str, EligibilityState]] = defaultdict(dict)
    for s in EligibilityState.objects.filter(enterprise__in=scope.values("pk")):
        states[s.enterprise_id][s.policy] = s
    firms = changes = 0
    for pk, code in pairs:
        if not users.get(pk):
            continue
        found = changes_for(rows.get(str(code), {}), states.get(pk, {}), digests)
        if found:
            firms += 1
            changes += len(found)
    return {"firms": firms, "changes": changes}


def digest_send(
    *,
    actor: User | None,
    as_of: date | None = None,
    firms: QuerySet[Enterprise] | None = None,
    division: str = "",
) -> DigestRun:
    """Tell each firm of the actor's scope (or ``firms`` in it; or, without an actor, the
    firms of ``division``) what is new or changed in its policies on ``as_of`` (today), and
    remember what it was told. Returns the run, with how many firms and changes were told."""
    scope = digest_firms(actor=actor, firms=firms, division=division)
    when = as_of or timezone.localdate()
    run = DigestRun.objects.create(
        jurisdiction_code=(actor.division_code if actor is not None else division)[:6],
        as_of=when,
        started_at=timezone.now(),
        actor=actor,
    )
    result = eligibility_of(scope, as_of=when)
    digests = {p.id: p.digest for p in result.policies}
    rows = _rows_by_firm(result)
    firm_list = list(scope.order_by("pk"))
    users = _recipients(f.pk for f in firm_list)
    told = told_changes = 0
    for firm in firm_list:
        recipients = users.get(firm.pk)
        if not recipients:
            continue  # nobody to tell: the state waits for a user
        with transaction.atomic():
            # the firm's row is the lock: a second send at once waits here, then reads the
            # state this one wrote and finds nothing left to tell
            Enterprise.objects.select_for_update().filter(pk=firm.pk).first()
            states = {s.policy: s for s in EligibilityState.objects.filter(enterprise=firm)}
            changes = changes_for(rows.get(str(firm.credit_code), {}), states, digests)
            if not changes:
                continue
            notify_each(
                recipients,
                Topic.POLICY_DIGEST,
                lambda: digest_notice(result, firm, changes, run.pk),  # noqa: B023 - called now
            )
            now = timezone.now()
            for c in changes:
                EligibilityState.objects.update_or_create(
                    enterprise=firm,
                    policy=c.policy,
                    defaults={
                        "verdict": c.verdict,
                        "benefit_amount": c.amount,
                        "digest": c.digest,
                        "told_at": now,
                    },
                )
        told += 1
        told_changes += len(changes)
    run.firms_told = told
    run.changes = told_changes
    run.finished_at = timezone.now()
    run.save(update_fields=["firms_told", "changes", "finished_at"])
    return run


def digest_runs(user: User) -> QuerySet[DigestRun]:
    """The sends a staff member sees: their division's (an administrator: all)."""
    require_staff(user)
    runs = DigestRun.objects.select_related("actor")
    if user.role == Role.ADMIN:
        return runs
    return runs.filter(jurisdiction_code=user.division_code)
