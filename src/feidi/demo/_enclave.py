"""The demo enclave's matchmaking profiles, seeded.

* **Offers** — technology offers and R&D teams of Beijing start-ups and labs: real research
  abstracts (CSL, ydli-ai/CSL, Apache-2.0; ``data/enclave_offers.tsv``, picked by
  ``scripts/extract_demo_offers.py``) with the GB/T 4754 class each is filed under.
* **Requests** — technology requests and application scenarios of home firms, written from
  the chain node the firm sits on (``feidi.chains``): what it makes, the words of the node.

>>> offers = demo_offers()
>>> len(offers) > 100, offers[0].keywords[:2]
(True, ('电压暂降', '凹陷域'))
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np

_STAGES = ("idea", "prototype", "prototype", "pilot", "pilot", "mass_production")
_BRANDS = [
    "睿",
    "澜",
    "启",
    "曜",
    "鼎",
    "芯",
    "航",
    "拓",
    "衡",
    "锐",
    "元",
    "铂",
    "知",
    "瀚",
    "智",
    "钧",
    "沐",
    "昊",
    "星",
    "骐",
    "博",
    "宸",
    "泓",
    "朗",
    "微",
    "极",
]


@dataclass(frozen=True, slots=True)
class DemoOffer:
    party: str
    party_kind: str  # startup or lab
    type: str  # tech_offer or rd_team
    title: str
    description: str
    keywords: tuple[str, ...]
    industry_code: str
    stage: str


@dataclass(frozen=True, slots=True)
class DemoRequest:
    type: str  # tech_request or scenario
    title: str
    description: str
    keywords: tuple[str, ...]
    stage: str


@cache
def _papers() -> tuple[dict[str, str], ...]:
    text = files("feidi.demo").joinpath("data", "enclave_offers.tsv").read_text("utf-8")
    return tuple(csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


def demo_offers(seed: int = 20260701) -> list[DemoOffer]:
    rng = np.random.default_rng(seed)
    out = []
    for i, paper in enumerate(_papers()):
        lab = i % 3 == 2
        brand = "".join(rng.choice(_BRANDS, 2, replace=False))
        field = paper["discipline"]
        party = f"北京某高校{field}课题组（{brand}）" if lab else f"北京{brand}科技有限公司"
        out.append(
            DemoOffer(
                party=party,
                party_kind="lab" if lab else "startup",
                type="rd_team" if lab else "tech_offer",
                title=paper["title"],
                description=paper["abstract"],
                keywords=tuple(k for k in paper["keywords"].split("_") if k),
                industry_code=paper["industry_code"],
                stage=str(rng.choice(_STAGES)),
            )
        )
    return out


def demo_request_for(offer: DemoOffer, product: str) -> DemoRequest:
    """A home firm's request for what an offer has (a need the enclave was asked to find)."""
    words = offer.keywords[:3]
    return DemoRequest(
        type="tech_request",
        title=f"寻求{words[0]}技术合作",
        description=f"{product}产品升级，需要{'、'.join(words)}方面的技术或团队，可提供中试场地。",
        keywords=words,
        stage=offer.stage if offer.stage != "idea" else "prototype",
    )


def demo_request(node_name: str, words: tuple[str, ...], rng: np.random.Generator) -> DemoRequest:
    """A home firm's request (or scenario) about the chain node it sits on."""
    picked = tuple(str(w) for w in rng.choice(words, min(3, len(words)), replace=False))
    if rng.random() < 0.3:
        return DemoRequest(
            type="scenario",
            title=f"{node_name}产线开放{picked[0]}应用场景",
            description=f"开放{node_name}产线，验证{'、'.join(picked)}等新技术，可联合试验。",
            keywords=picked,
            stage="pilot",
        )
    return DemoRequest(
        type="tech_request",
        title=f"寻求{picked[0]}技术合作",
        description=f"{node_name}产品升级，需要{'、'.join(picked)}方面的技术或团队，可提供中试场地。",
        keywords=picked,
        stage=str(rng.choice(("prototype", "pilot"))),
    )
