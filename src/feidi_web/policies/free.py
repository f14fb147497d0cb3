"""免申即享 lists: the firms of a staff member's scope that the rules find eligible for a
policy obtained without an application — ``automatic`` (免申即享: the authority grants it to
the firms its data find eligible) or ``self_declared`` (自行申报享受: the firm claims it itself
when it files) — by policy, with the amount, so staff can push the benefit to them.

Read-only; verdicts come from :func:`feidi_web.policies.grading.eligibility_of`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from feidi.policy import CLAIMS
from feidi_web.accounts.models import User
from feidi_web.common.lang import pick
from feidi_web.common.workbook import Book
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.permissions import firms_for, require_staff

#: The claims a 免申即享 list covers, in the order pages show them.
FREE_CLAIMS = ("automatic", "self_declared")


@dataclass(frozen=True)
class FreeFirm:
    credit_code: str
    name: str
    town: str
    amount: float | None


@dataclass(frozen=True)
class FreePolicy:
    policy: str
    name: str
    claim: str
    claim_text: str
    benefit: str
    amount_name: str
    firms: list[FreeFirm]

    @property
    def total(self) -> float:
        return sum(f.amount or 0.0 for f in self.firms)


def claim_words() -> list[tuple[str, str, str]]:
    """(claim, its name, what it means) for the page's explanation, in the page's language."""
    meaning = {
        "automatic": _(
            "Granted without applying: the authority grants the benefit to the firms its data "
            "find eligible; the firm does nothing."
        ),
        "self_declared": _(
            "Claimed by the firm itself when it files (e.g. in its tax return), without an "
            "application or approval; records are kept for inspection."
        ),
        "apply": _("By application: the firm applies and the authority decides."),
    }
    return [(c, pick(CLAIMS[c]), str(meaning[c])) for c in CLAIMS]  # type: ignore[index]


def free_lists(user: User, *, as_of: date | None = None) -> list[FreePolicy]:
    """Per policy without application, the eligible firms of ``user``'s scope, the largest
    benefit first."""
    require_staff(user)
    firms = firms_for(user)
    result = eligibility_of(firms, as_of=as_of)
    towns = dict(firms.values_list("credit_code", "town"))
    eligible = result.verdicts.filter(result.verdicts["verdict"] == "eligible")
    out = []
    for p in result.policies:
        if p.claim not in FREE_CLAIMS:
            continue
        rows = eligible.filter(eligible["policy"] == p.id)
        listed = [
            FreeFirm(
                credit_code=str(r["credit_code"]),
                name=str(r["name"] or ""),
                town=str(towns.get(r["credit_code"]) or ""),
                amount=r["benefit_amount"],
            )
            for r in rows.iter_rows(named=True)
        ]
        listed.sort(key=lambda f: (-(f.amount or 0.0), f.name))
        out.append(
            FreePolicy(
                policy=p.id,
                name=pick(p.name),
                claim=p.claim,
                claim_text=pick(CLAIMS[p.claim]),
                benefit=pick(p.benefit),
                amount_name=pick(p.amount.name) if p.amount else "",
                firms=listed,
            )
        )
    out.sort(key=lambda fp: (FREE_CLAIMS.index(fp.claim), fp.name))
    return out


def free_workbook(lists: list[FreePolicy]) -> bytes:
    """The lists as a workbook: a summary sheet, then one row per policy × firm."""
    book = Book()
    book.sheet(
        _("Summary"),
        [_("Policy"), _("How it is obtained"), _("Eligible firms"), _("Total (10k CNY)")],
        [(fp.name, fp.claim_text, len(fp.firms), round(fp.total, 2)) for fp in lists],
        formats={3: "money"},
        widths={0: 40},
    )
    book.sheet(
        _("Firms"),
        [
            _("Policy"),
            _("How it is obtained"),
            _("Credit code"),
            _("Firm"),
            _("Town"),
            _("Amount (10k CNY)"),
            _("What the amount is"),
        ],
        [
            (fp.name, fp.claim_text, f.credit_code, f.name, f.town, f.amount, fp.amount_name)
            for fp in lists
            for f in fp.firms
        ],
        formats={5: "money"},
        widths={0: 40, 3: 30},
    )
    return book.close()
