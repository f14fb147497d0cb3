"""The policy channel (政策直达): policies as rulebooks on the ladder's engine.

* **Policies as data** — ``data/*.yaml``, one rulebook per policy document in the ladder's own
  format (a document with several policies has a tier per policy), plus a ``policies:``
  section with what the engine does not read: the benefit in words, how its amount is
  priced, the English citation, local or national, how it is claimed (``claim``: 免申即享
  ``automatic``, ``self_declared`` or ``apply``, :data:`CLAIMS`). Shipped: 研发费用加计扣除
  (100%), 高新技术企业 15% rate, 小型微利企业 relief, the three 专精特新 titles (the ladder's own tiers, by
  ``extends``), and an explicitly labelled example of the demo province's rewards
  (:func:`load_policies`).
* **Eligibility** — :func:`eligibility` grades every firm on every policy in force:
  eligible / not_eligible / unknown with the missing inputs and the benefit priced where the
  inputs allow (a Polars frame), and :meth:`Eligibility.explain` one firm × policy in words,
  with the condition trace and what would make the firm eligible (the engine's path).
* **Authoring** — :func:`policy_problems` checks a staff-authored local policy (a dict)
  against the variable catalogue, :func:`load_policy_spec` makes it a :class:`Policy`, and
  :func:`preview` counts the firms it would reach before it is published.

Citations, conditions and every choice: ``docs/policies.md``. CLI: ``feidi policies INPUT -o
OUT`` (:mod:`feidi.policy.cli`).
"""

from typing import TYPE_CHECKING

from feidi._lazy import lazy_names

# Imported when first used (PEP 562): the `feidi` CLI registers `feidi policies` through this
# package, and `feidi evaluate` should not load the policies.
_WHERE = {
    "CLAIMS": "_policies",
    "Amount": "_policies",
    "Bilingual": "_policies",
    "Claim": "_policies",
    "Policy": "_policies",
    "load_policies": "_policies",
    "policy_by_id": "_policies",
    "EXCLUDED_DIVISIONS": "_eligibility",
    "VERDICTS": "_eligibility",
    "Eligibility": "_eligibility",
    "PolicyExplanation": "_eligibility",
    "Verdict": "_eligibility",
    "eligibility": "_eligibility",
    "PolicySpecError": "_authoring",
    "catalogue_measures": "_authoring",
    "load_policy_spec": "_authoring",
    "policy_problems": "_authoring",
    "preview": "_authoring",
}

if TYPE_CHECKING:
    from feidi.policy._authoring import (
        PolicySpecError,
        catalogue_measures,
        load_policy_spec,
        policy_problems,
        preview,
    )
    from feidi.policy._eligibility import (
        EXCLUDED_DIVISIONS,
        VERDICTS,
        Eligibility,
        PolicyExplanation,
        Verdict,
        eligibility,
    )
    from feidi.policy._policies import (
        CLAIMS,
        Amount,
        Bilingual,
        Claim,
        Policy,
        load_policies,
        policy_by_id,
    )


__getattr__ = lazy_names(__name__, _WHERE, globals())


__all__ = [
    "CLAIMS",
    "EXCLUDED_DIVISIONS",
    "VERDICTS",
    "Amount",
    "Bilingual",
    "Claim",
    "Eligibility",
    "Policy",
    "PolicyExplanation",
    "PolicySpecError",
    "Verdict",
    "catalogue_measures",
    "eligibility",
    "load_policies",
    "load_policy_spec",
    "policy_by_id",
    "policy_problems",
    "preview",
]
