"""How a policy's benefit is claimed (``Policy.claim``): 免申即享 (automatic), self-declared
at filing, or by application — read from each YAML ``policies:`` entry, checked, and
accepted on an authored local policy."""

from __future__ import annotations

from typing import Any

import pytest

from feidi.policy import (
    CLAIMS,
    PolicySpecError,
    load_policies,
    load_policy_spec,
    policy_by_id,
    policy_problems,
)
from feidi.policy._policies import policies_from_source, source_of
from feidi.rules import RulebookError
from tests.core.test_policy import _spec

_BOOK = """
id: claim-test
name: 测试
name_en: Test
document: 测试文件
issuer: 测试
effective_from: 2024-01-01
tiers:
  eligible:
    name: 测试
    name_en: Test
    article: 第一条
    requires: {id: r, name: 研发费用, name_en: R&D, measure: rd_expense_y0, greater_than: 0}
policies:
  - id: claim-test
    tier: eligible
    article_en: Article 1
    benefit: {zh: 奖励, en: A reward}
"""


def test_the_shipped_policies_say_how_they_are_claimed() -> None:
    claims = {p.id: p.claim for p in load_policies()}
    # the tax reliefs are claimed by the firm at filing (自行判别、申报享受)
    for pid in ("small-low-profit", "high-tech-rate", "rd-super-deduction"):
        assert claims[pid] == "self_declared"
    # titles are applied for and recognised
    assert {claims[p] for p in claims if p.startswith("title-")} == {"apply"}
    # the demo's labelled example of 免申即享, and its other reward by application
    assert claims["demo-little-giant-reward"] == "automatic"
    assert claims["demo-specialized-reward"] == "apply"
    assert set(claims.values()) <= set(CLAIMS)


def test_a_policy_without_claim_is_by_application() -> None:
    (policy,) = policies_from_source(source_of(_BOOK, "claim-test"))
    assert policy.claim == "apply"


def test_a_policy_reads_its_claim() -> None:
    text = _BOOK.replace("tier: eligible\n", "tier: eligible\n    claim: automatic\n")
    (policy,) = policies_from_source(source_of(text, "claim-test"))
    assert policy.claim == "automatic"


@pytest.mark.parametrize("bad", ["whenever", "[apply]", "{a: 1}"])
def test_an_unknown_claim_is_refused_naming_the_field(bad: str) -> None:
    text = _BOOK.replace("tier: eligible\n", f"tier: eligible\n    claim: {bad}\n")
    with pytest.raises(RulebookError, match="claim must be one of automatic"):
        policies_from_source(source_of(text, "claim-test"))


def test_an_authored_policy_defaults_to_apply_and_takes_a_claim() -> None:
    assert load_policy_spec(_spec()).claim == "apply"
    assert load_policy_spec(_spec(claim="automatic")).claim == "automatic"
    assert load_policy_spec(_spec(claim="self_declared")).claim == "self_declared"


@pytest.mark.parametrize("bad", ["free", "", 3, ["apply"]])
def test_an_authored_policy_with_a_bad_claim_is_refused(bad: Any) -> None:
    problems = policy_problems(_spec(claim=bad))
    assert ("享受方式 claim 应为 automatic、self_declared、apply 之一") in [
        zh for zh, _ in problems
    ]
    with pytest.raises(PolicySpecError):
        load_policy_spec(_spec(claim=bad))


def test_claim_does_not_change_the_policy_identity_or_words() -> None:
    p = policy_by_id("demo-little-giant-reward")
    assert CLAIMS[p.claim] == ("免申即享", "granted without applying")
