"""The recommender: ranking, reasons, declines, replay, the dense path (feidi.match)."""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import feidi.match._select as select_module
from feidi.match import (
    DeclineReason,
    Feedback,
    Match,
    MatchRanker,
    ModelError,
    Profile,
    Stage,
    StaticEmbedding,
)
from feidi.match._bm25 import bm25_weights
from feidi.match._fits import INDUSTRY_STEPS, REGION_STEPS, stage_fit
from feidi.match._segment import Segmenter

EDGES = (
    ("nev/thermal", "nev/pack"),
    ("nev/cathode", "nev/cell"),
    ("nev/cell", "nev/pack"),
    ("nev/bms", "nev/pack"),
)
NAMES = {
    "nev": ("新能源汽车", "new-energy vehicles"),
    "nev/thermal": ("热管理", "thermal management"),
    "nev/pack": ("电池包", "battery packs"),
    "nev/cathode": ("正极材料", "cathode materials"),
    "nev/cell": ("电芯", "cells"),
    "nev/bms": ("电池管理系统", "battery management"),
}

OFFERS = [
    Profile(
        "s1",
        "动力电池热管理系统",
        "液冷板与相变材料结合，控制电池包温差",
        keywords=("热管理", "液冷"),
        industry_code="C3841",
        region_code="110108",
        chain_nodes=("nev/thermal",),
        stage=Stage.PILOT,
    ),
    Profile(
        "s2",
        "纺织面料抗菌整理工艺",
        "银离子抗菌整理，耐洗五十次",
        keywords=("抗菌", "纺织"),
        industry_code="C1713",
        region_code="110105",
        stage=Stage.MASS_PRODUCTION,
    ),
    Profile(
        "s3",
        "工业机器人视觉引导焊接",
        "基于机器视觉的焊缝识别与路径规划",
        keywords=("机器视觉", "焊接"),
        industry_code="C3491",
        region_code="110108",
        stage=Stage.PROTOTYPE,
    ),
    Profile(
        "s4",
        "电池正极材料包覆改性",
        "高镍正极材料表面包覆，提升电池循环寿命",
        keywords=("正极材料",),
        industry_code="C3841",
        region_code="320582",
        chain_nodes=("nev/cathode",),
        stage=Stage.MASS_PRODUCTION,
    ),
]

D1 = Profile(
    "d1",
    "电池包热失控防护",
    "储能电池包的液冷与热管理方案",
    keywords=("热管理",),
    industry_code="C3841",
    region_code="320581",
    chain_nodes=("nev/pack",),
    stage=Stage.PILOT,
    tier="specialized",
    owner="firm-a",
)
D2 = Profile("d2", "焊接产线自动化改造", "薄板焊接需要视觉引导", industry_code="C3491")


def ranker(**params: object) -> MatchRanker:
    return MatchRanker(chain_edges=EDGES, chain_names=NAMES, **params)  # type: ignore[arg-type]


def ids(matches: Sequence[Match], demand: str = "d1") -> list[str]:
    return [m.supply_id for m in matches if m.demand_id == demand]


def reason(match: Match, kind: str) -> dict[str, object]:
    found = [r for r in match.reasons if r.kind == kind]
    assert len(found) == 1, [r.kind for r in match.reasons]
    return found[0].to_dict()


# --- ranking -------------------------------------------------------------------------------


def test_ranker_puts_the_offer_sharing_the_request_words_first() -> None:
    matches = ranker().fit(OFFERS).recommend([D1, D2], top_k=3)
    assert ids(matches, "d1")[0] == "s1"
    assert ids(matches, "d2")[0] == "s3"
    assert "s2" not in ids(matches, "d1")  # textiles share nothing with a battery pack
    assert [m.rank for m in matches if m.demand_id == "d1"] == list(
        range(1, len(ids(matches, "d1")) + 1)
    )


def test_ranker_scores_are_the_sum_of_the_points_and_ordered() -> None:
    matches = ranker().fit(OFFERS).recommend([D1, D2], top_k=4)
    for m in matches:
        assert m.score == pytest.approx(sum(m.points.values()), abs=1e-5)
    scores = [m.score for m in matches if m.demand_id == "d1"]
    assert scores == sorted(scores, reverse=True)


def test_ranker_recommends_nothing_that_nothing_relates() -> None:
    # Same stage, region and tier as s2, but no shared word, industry or chain.
    lonely = Profile(
        "d9",
        "农产品冷链物流",
        "果蔬保鲜配送",
        region_code="110105",
        stage=Stage.MASS_PRODUCTION,
        tier="little_giant",
    )
    assert ranker().fit(OFFERS).recommend([lonely]) == []


def test_ranker_shared_industry_division_alone_relates_a_pair() -> None:
    same_division = Profile("d8", "汽车座椅", "", industry_code="C3841")
    matches = ranker().fit(OFFERS).recommend([same_division])
    assert sorted(ids(matches, "d8")) == ["s1", "s4"]


# --- reasons -------------------------------------------------------------------------------


def test_reasons_name_words_industry_chain_stage_and_tier_in_both_languages() -> None:
    m = ranker().fit(OFFERS).recommend([D1], top_k=1)[0]
    assert (m.demand_id, m.supply_id) == ("d1", "s1")
    concepts = reason(m, "concepts")
    assert concepts["zh"] == "匹配的重点概念：" + "、".join(concepts["detail"]["terms"])  # type: ignore[index]
    assert concepts["en"] == "key concepts matched: " + ", ".join(concepts["detail"]["terms"])  # type: ignore[index]
    assert set(concepts["detail"]["terms"]) == {"热管理", "液冷"}  # type: ignore[index]
    assert reason(m, "industry")["zh"] == "行业相同：同属小类「锂离子电池制造」"
    assert reason(m, "industry")["en"] == "same industry class (GB/T 4754 C3841)"
    chain = reason(m, "chain")
    assert chain["zh"] == "供给方所在的「热管理」环节为需求方所在的「电池包」环节供货"
    assert (
        chain["en"]
        == "the offer's node, thermal management, supplies the requester's node, battery packs"
    )
    assert chain["detail"] == {
        "relation": "supplies",
        "supply_node": "nev/thermal",
        "demand_node": "nev/pack",
    }
    assert reason(m, "stage")["zh"] == "技术成熟度正合所需（中试）"
    assert reason(m, "tier")["en"] == (
        "the requester is a specialised and sophisticated SME, able to take a technology on"
    )
    assert "region" not in {r.kind for r in m.reasons}  # Beijing and Changshu
    for r in m.reasons:
        for text in (r.zh, r.en):
            assert "s1" not in text and "d1" not in text and "nev/" not in text


def test_reasons_points_follow_the_documented_levels() -> None:
    r = ranker().fit(OFFERS)
    group = Profile("d5", "电池", "", industry_code="C3849", region_code="320582")
    m = next(x for x in r.recommend([group]) if x.supply_id == "s4")
    assert reason(m, "industry")["zh"] == "行业相同：同属中类「电池制造」"
    assert m.points["industry"] == pytest.approx(0.3 * sum(INDUSTRY_STEPS[:3]))
    assert reason(m, "region")["zh"] == "同在张家港市"
    assert reason(m, "region")["en"] == "in the same county"
    assert m.points["region"] == pytest.approx(0.1 * sum(REGION_STEPS))
    city = Profile("d6", "电池", "", region_code="320581")
    m = next(x for x in r.recommend([city]) if x.supply_id == "s4")
    assert (reason(m, "region")["zh"], reason(m, "region")["en"]) == (
        "同在苏州市",
        "in the same city",
    )


@pytest.mark.parametrize(
    ("offer", "needed", "fit", "zh"),
    [
        (Stage.PILOT, Stage.PILOT, 1.0, "技术成熟度正合所需（中试）"),
        (Stage.MASS_PRODUCTION, Stage.PILOT, 0.75, "技术已到量产阶段，比所需的中试更成熟"),
        (Stage.PROTOTYPE, Stage.PILOT, 0.25, "技术处于样机阶段，比所需的中试早一步"),
        (Stage.IDEA, Stage.PILOT, 0.0, None),
    ],
)
def test_reasons_stage_fit(offer: Stage, needed: Stage, fit: float, zh: str | None) -> None:
    assert float(stage_fit(offer.order, needed.order)) == fit
    offers = [Profile("s", "激光焊接", "", stage=offer)]
    m = ranker().fit(offers).recommend([Profile("d", "激光焊接", "", stage=needed)])[0]
    assert m.points.get("stage", 0.0) == pytest.approx(0.2 * fit)
    assert [r.zh for r in m.reasons if r.kind == "stage"] == ([zh] if zh else [])


def test_reasons_same_node_and_same_chain() -> None:
    offers = [
        Profile("a", "电池包结构件", "", chain_nodes=("nev/pack",)),
        Profile("b", "电芯化成设备", "", chain_nodes=("nev/bms",)),
    ]
    d = Profile("d", "电池包", "", chain_nodes=("nev/pack",))
    r = ranker().fit(offers)
    got = {m.supply_id: reason(m, "chain")["zh"] for m in r.recommend([d])}
    assert got["a"] == "同处产业链环节「电池包」"
    cell = Profile("c", "电芯", "", chain_nodes=("nev/cell",))
    other = ranker().fit([Profile("x", "电芯", "", chain_nodes=("nev/bms",))])
    assert reason(other.recommend([cell])[0], "chain")["zh"] == "同属新能源汽车产业链"


# --- feedback ------------------------------------------------------------------------------


def test_feedback_a_declined_pair_never_comes_back() -> None:
    r = ranker().fit(OFFERS)
    assert "s1" in ids(r.recommend([D1]))
    by_request = Feedback("s1", DeclineReason.NOT_INTERESTED, demand_id="d1")
    assert "s1" not in ids(r.recommend([D1], feedback=[by_request]))
    by_requester = {"supply_id": "s1", "reason": "not_interested", "requester": "firm-a"}
    other_request = Profile("d7", D1.title, D1.description, owner="firm-a")
    assert "s1" not in ids(r.recommend([other_request], feedback=[by_requester]), "d7")
    stranger = Profile("d7", D1.title, D1.description, owner="firm-b")
    assert "s1" in ids(r.recommend([stranger], feedback=[by_requester]), "d7")


THERMAL = [
    Profile("t1", "电池液冷板", "液冷板设计，电池热管理", industry_code="C3841"),
    Profile("t2", "电池液冷系统", "液冷系统集成，电池热管理", industry_code="C3841"),
    Profile("t3", "电池热失控检测", "电池包早期检测传感器", industry_code="C4028"),
    *OFFERS[1:3],
]
REQUEST = Profile("q", "电池液冷与热管理", "", owner="firm-q")


def test_feedback_wrong_field_moves_the_declined_field_down() -> None:
    r = ranker(keywords_as_words=False).fit(THERMAL)
    before = {m.supply_id: m for m in r.recommend([REQUEST])}
    assert ids(before.values(), "q") == ["t1", "t2", "t3"]
    declined = Feedback("t1", DeclineReason.WRONG_FIELD, requester="firm-q")
    after = {m.supply_id: m for m in r.recommend([REQUEST], feedback=[declined])}
    assert list(after) == ["t2", "t3"]
    # t2 shares t1's industry class: the whole penalty; t3 (instruments, C40, the same
    # manufacturing section) its section fit 0.1 or its text likeness, whichever is higher.
    assert after["t2"].score == pytest.approx(before["t2"].score - 0.3, abs=1e-5)
    assert reason(after["t2"], "feedback")["zh"] == "与此前以「领域不符」婉拒的对象相近，排序下调"
    likeness = float(r.similarity(0)[2])
    assert 0 < likeness < 0.2
    expected = -0.3 * max(likeness, INDUSTRY_STEPS[0])
    assert after["t3"].points["feedback"] == pytest.approx(expected, abs=1e-5)


def test_feedback_wrong_stage_weighs_stage_more_and_moves_that_stage_down() -> None:
    offers = [
        Profile("p1", "激光焊接", "", stage=Stage.PROTOTYPE),
        Profile("p2", "激光焊接", "", stage=Stage.PILOT),
        Profile("p3", "激光焊接", "", stage=Stage.PROTOTYPE),
    ]
    need = Profile("q", "激光焊接", "", stage=Stage.PILOT, owner="o")
    r = ranker().fit(offers)
    before = {m.supply_id: m for m in r.recommend([need])}
    assert before["p2"].points["stage"] == pytest.approx(0.2)
    declined = Feedback("p1", DeclineReason.WRONG_STAGE, demand_id="q")
    after = {m.supply_id: m for m in r.recommend([need], feedback=[declined])}
    assert set(after) == {"p2", "p3"}
    assert after["p2"].points["stage"] == pytest.approx(0.4)  # stage fit counts double
    assert after["p3"].points["stage"] == pytest.approx(0.4 * 0.25)
    assert after["p3"].points["feedback"] == pytest.approx(-0.3)


def test_feedback_too_far_moves_that_city_down_but_not_the_requesters_own() -> None:
    offers = [
        Profile("f1", "激光焊接", "", region_code="110108"),
        Profile("f2", "激光焊接", "", region_code="110105"),
        Profile("f3", "激光焊接", "", region_code="320582"),
    ]
    need = Profile("q", "激光焊接", "", region_code="320581")
    r = ranker().fit(offers)
    declined = Feedback("f1", DeclineReason.TOO_FAR, demand_id="q")
    after = {m.supply_id: m for m in r.recommend([need], feedback=[declined])}
    assert after["f2"].points["feedback"] == pytest.approx(-0.3)  # Beijing, like f1
    assert "feedback" not in after["f3"].points
    assert after["f3"].points["region"] == pytest.approx(2 * 0.1 * 0.6)  # same city, ×2
    declined_home = Feedback("f3", DeclineReason.TOO_FAR, demand_id="q")
    home = {m.supply_id: m for m in r.recommend([need], feedback=[declined_home])}
    assert "feedback" not in home["f1"].points and "f3" not in home


def test_feedback_no_capacity_moves_the_offer_down_for_everyone() -> None:
    offers = [Profile("c1", "激光焊接工艺", ""), Profile("c2", "激光焊接设备", "")]
    r = ranker().fit(offers)
    a, b = Profile("a", "激光焊接", ""), Profile("b", "激光焊接", "")
    declined = Feedback("c1", DeclineReason.NO_CAPACITY, demand_id="a")
    after = r.recommend([a, b], feedback=[declined])
    assert ids(after, "a") == ["c2"]  # declined by a: gone
    c1_for_b = next(m for m in after if m.demand_id == "b" and m.supply_id == "c1")
    assert c1_for_b.points["feedback"] == pytest.approx(-0.3)


def test_feedback_when_ranking_home_firms_leaves_declined_pairs_out() -> None:
    firms = [Profile("f1", "激光焊接", ""), Profile("f2", "激光焊接", "")]
    r = ranker(index_side="demand").fit(firms)
    offer = Profile("s", "激光焊接", "")
    declined = Feedback("s", DeclineReason.NOT_INTERESTED, demand_id="f1")
    assert [m.demand_id for m in r.recommend([offer], feedback=[declined])] == ["f2"]


# --- the other direction -------------------------------------------------------------------


def test_ranker_for_an_offer_ranks_home_firms_higher_on_the_ladder_first() -> None:
    firms = [
        Profile("f1", "精密焊接", "", industry_code="C3491", tier="innovative"),
        Profile("f2", "精密焊接", "", industry_code="C3491", tier="little_giant"),
        Profile("f3", "精密焊接", "", industry_code="C3491"),
    ]
    matches = ranker(index_side="demand").fit(firms).recommend([OFFERS[2]])
    assert [m.demand_id for m in matches] == ["f2", "f1", "f3"]
    assert {m.supply_id for m in matches} == {"s3"}
    assert reason(matches[0], "tier")["zh"] == '需求方为专精特新"小巨人"企业，具备承接能力'


# --- parameters ----------------------------------------------------------------------------


def test_params_replay_from_json_gives_identical_results() -> None:
    original = ranker(industry_weight=0.5, user_words=("热失控",), max_terms=3)
    stored = json.loads(json.dumps(original.to_dict(), ensure_ascii=False))
    replay = MatchRanker.from_dict(stored)
    assert replay.get_params() == original.get_params()
    declined = [Feedback("s4", DeclineReason.WRONG_FIELD, demand_id="d1")]
    first = [m.to_record() for m in original.fit(OFFERS).recommend([D1, D2], feedback=declined)]
    again = [m.to_record() for m in replay.fit(OFFERS).recommend([D1, D2], feedback=declined)]
    assert first == again
    assert [
        m.to_record() for m in clone(original).fit(OFFERS).recommend([D1, D2], feedback=declined)
    ] == first


def test_params_from_dict_refuses_what_is_not_a_ranker() -> None:
    with pytest.raises(ValueError, match="not the parameters"):
        MatchRanker.from_dict({"estimator": "x", "format": 1, "params": {}})
    stored = MatchRanker().to_dict()
    stored["params"]["k3"] = 1
    with pytest.raises(ValueError, match="unknown parameter"):
        MatchRanker.from_dict(stored)


@pytest.mark.parametrize(
    "params",
    [{"text_weight": -1.0}, {"bm25_method": "bm42"}, {"index_side": "both"}, {"b": 2.0}],
)
def test_params_that_make_no_sense_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        MatchRanker(**params).fit(OFFERS)  # type: ignore[arg-type]


def test_ranker_refuses_duplicate_ids_and_use_before_fit() -> None:
    with pytest.raises(NotFittedError):
        MatchRanker().recommend([D1])
    with pytest.raises(ValueError, match="'s1' appears twice"):
        MatchRanker().fit([OFFERS[0], OFFERS[0]])


def test_ranker_threads_give_identical_results() -> None:
    queries = [D1, D2] * 40
    queries = [Profile(f"q{i}", p.title, p.description) for i, p in enumerate(queries)]
    one = ranker(batch_size=8).fit(OFFERS).recommend(queries)
    two = ranker(batch_size=8, n_jobs=2).fit(OFFERS).recommend(queries)
    assert [m.to_record() for m in one] == [m.to_record() for m in two]


# --- exactness -----------------------------------------------------------------------------


def _brute_force(r: MatchRanker, queries: list[Profile], top_k: int) -> dict[str, list[float]]:
    """Every pair scored in full with the documented rules, straight from the profiles."""
    seg = r.segmenter_.segment([q.text for q in queries])
    words = {h: i for i, h in enumerate(r.vocab_hashes_.tolist())}
    out = {}
    for qi, q in enumerate(queries):
        terms = sorted({words[h] for h in seg.hashes[seg.doc == qi].tolist() if h in words})
        text = (
            np.asarray(r.by_term_[terms].sum(axis=0)).ravel() if terms else np.zeros(len(r.items_))
        )
        text = text / text.max() if text.max() > 0 else text
        scores = []
        for i, p in enumerate(r.items_):
            shared = 0
            for a, b in zip(_parts(q.industry_code), _parts(p.industry_code), strict=False):
                if a != b:
                    break
                shared += 1
            region = sum(
                step
                for step, n in zip(REGION_STEPS, (2, 4, 6), strict=True)
                if q.region_code and p.region_code and q.region_code[:n] == p.region_code[:n]
            )
            stage = float(
                stage_fit(p.stage.order if p.stage else 4, q.stage.order if q.stage else 4)
            )
            total = text[i] + 0.3 * sum(INDUSTRY_STEPS[:shared]) + 0.1 * region + 0.2 * stage
            if text[i] > 0 or shared >= 2:
                scores.append(total)
        out[q.id] = sorted((s for s in scores if s > 0), reverse=True)[:top_k]
    return out


def _parts(code: str | None) -> list[str]:
    """ "C3841" → C, C38, C384, C3841 (section, division, group, class)."""
    if not code:
        return []
    return [code[:1], *(code[: n + 1] for n in (2, 3, 4) if len(code) > n)]


def test_ranker_screening_finds_the_same_best_as_scoring_every_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tiny blocks so that most profiles go through the text screen; many ties.
    monkeypatch.setattr(select_module, "BLOCK", 4)
    screened: list[int] = []
    screen = select_module.Grid._screened

    def counted(self: select_module.Grid, *args: object) -> object:
        screened.append(len(args[1]))  # type: ignore[arg-type]
        return screen(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(select_module.Grid, "_screened", counted)
    rng = np.random.default_rng(7)
    words = ["电池", "焊接", "激光", "纺织", "抗菌", "液冷", "视觉", "材料", "电机", "涂层"]
    codes = ["C3841", "C3849", "C3491", "C1713", None]
    regions = ["320581", "320582", "110108", None]
    stages = [*Stage, None]

    def profile(pid: str) -> Profile:
        return Profile(
            pid,
            "".join(rng.choice(words, size=rng.integers(1, 4))),
            "".join(rng.choice(words, size=rng.integers(0, 3))),
            industry_code=codes[rng.integers(len(codes))],
            region_code=regions[rng.integers(len(regions))],
            stage=stages[rng.integers(len(stages))],
        )

    offers = [profile(f"s{i}") for i in range(120)]
    queries = [profile(f"d{i}") for i in range(30)]
    r = MatchRanker(tier_weight=0.0, keywords_as_words=False, batch_size=7).fit(offers)
    got = r.recommend(queries, top_k=6)
    expected = _brute_force(r, queries, 6)
    for q in queries:
        mine = [m.score for m in got if m.demand_id == q.id]
        assert mine == pytest.approx(expected[q.id], abs=1e-5), q.id
    assert sum(screened) > 100  # rows × blocks that went through the text screen


def test_bm25_weights_are_bm25s_own() -> None:
    texts = ["动力电池热管理系统设计", "电池包液冷板", "纺织面料抗菌整理", "电池电池电池", ""]
    seg = Segmenter()
    tokens = seg.segment(texts)
    vocab = seg.vocabulary(tokens)
    mine = bm25_weights(tokens.doc, vocab.ids, len(texts), len(vocab.hashes), 1.2, 0.7, "lucene")
    corpus = [vocab.ids[tokens.doc == i].tolist() for i in range(len(texts))]
    reference = bm25s.BM25(k1=1.2, b=0.7, method="lucene")
    reference.index(
        (corpus, {t: t for t in range(len(vocab.hashes))}),
        create_empty_token=False,
        show_progress=False,
    )
    theirs = reference.scores
    by_term = mine.T.tocsr()
    assert (by_term.indptr == theirs["indptr"]).all()
    assert (by_term.indices == theirs["indices"]).all()
    assert (by_term.data == theirs["data"]).all()


# --- the dense path ------------------------------------------------------------------------


def _tiny_model(folder: Path, layout: str) -> Path:
    """A 4-dimensional static model: storage words near each other, textile words apart."""
    vocab = ["电池", "储能", "蓄电", "纺织", "面料", "焊接"]
    matrix = np.array(
        [
            [1.0, 0.1, 0.0, 0.0],
            [0.9, 0.2, 0.0, 0.0],
            [0.95, 0.15, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.1],
            [0.0, 0.0, 0.9, 0.2],
            [0.0, 1.0, 0.0, 0.9],
        ],
        dtype=np.float32,
    )
    folder.mkdir(parents=True, exist_ok=True)
    if layout == "npy":
        (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        np.save(folder / "embeddings.npy", matrix)
    elif layout == "npz":
        np.savez(folder / "model.npz", vocab=np.array(vocab), embeddings=matrix)
    else:  # model2vec's layout, written by hand
        tokenizer = {"model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(vocab)}}}
        (folder / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), "utf-8")
        data = matrix.tobytes()
        header = json.dumps(
            {
                "embeddings": {
                    "dtype": "F32",
                    "shape": list(matrix.shape),
                    "data_offsets": [0, len(data)],
                }
            }
        ).encode()
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + data)
    return folder


@pytest.mark.parametrize("layout", ["npy", "npz", "safetensors"])
def test_dense_model_formats_read_the_same_vectors(tmp_path: Path, layout: str) -> None:
    model = StaticEmbedding(_tiny_model(tmp_path / layout, layout))
    vectors = model.encode(["电池储能", "纺织面料", "未知词"])
    assert vectors[0] @ vectors[1] == pytest.approx(0.0, abs=1e-6)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0)
    assert (vectors[2] == 0).all()


def test_dense_path_relates_words_that_differ(tmp_path: Path) -> None:
    folder = _tiny_model(tmp_path / "m", "npy")
    offers = [Profile("s1", "蓄电技术", ""), Profile("s2", "纺织面料", "")]
    request = Profile("d", "储能电池", "")
    assert MatchRanker().fit(offers).recommend([request]) == []
    r = MatchRanker(dense_model=str(folder)).fit(offers)
    found = r.recommend([request])
    assert [m.supply_id for m in found] == ["s1"]
    meaning = reason(found[0], "meaning")
    cosine = meaning["detail"]["cosine"]  # type: ignore[index]
    assert cosine > 0.9
    assert meaning["zh"] == f"语义相近（相似度 {cosine:.2f}）"
    assert meaning["points"] == pytest.approx(0.5 * cosine, abs=1e-4)
    stored = r.to_dict()
    assert stored["params"]["dense_model"] == str(folder)
    assert stored["dense_model_sha256"] == StaticEmbedding(folder).digest
    replay = MatchRanker.from_dict(json.loads(json.dumps(stored))).fit(offers)
    assert [m.to_record() for m in replay.recommend([request])] == [m.to_record() for m in found]


def test_dense_path_takes_any_encoder_but_stores_only_a_directory(tmp_path: Path) -> None:
    class Lengths:
        def encode(self, texts: Sequence[str]) -> np.ndarray:
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    r = MatchRanker(dense_model=Lengths()).fit([Profile("s1", "蓄电技术", "")])
    assert [m.supply_id for m in r.recommend([Profile("d", "纺织", "")])] == ["s1"]
    with pytest.raises(ValueError, match="cannot be stored"):
        r.to_dict()


def test_dense_model_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    with pytest.raises(ModelError, match="broken"):
        StaticEmbedding(tmp_path / "broken")


def test_words_every_profile_is_full_of_neither_pair_nor_show() -> None:
    """技术, 需要, 联合, 有限公司, 场景 are dropped like stop words: a pair sharing only them is
    no pair, and no reason lists them as what two profiles share."""
    boiler = "本公司联合团队需要技术，提供技术服务，开放应用场景"
    offers = [
        Profile("s1", "焊缝视觉检测技术", f"{boiler}。焊缝缺陷视觉检测，识别气孔裂纹"),
        Profile("s2", "面料抗菌整理技术", f"{boiler}。银离子抗菌整理"),
        Profile("s3", "有限公司数据服务", f"{boiler}。数据中台"),
    ]
    request = Profile("d1", "需要焊缝检测技术", f"{boiler}。焊接产线需要识别焊缝缺陷")
    found = ranker().fit(offers).recommend([request], top_k=3)
    assert ids(found) == ["s1"]  # s2 and s3 share nothing but the boilerplate
    listed = [
        w for r in found[0].reasons if r.kind in ("terms", "concepts") for w in r.detail["terms"]
    ]
    assert "焊缝" in listed and "缺陷" in listed
    generic = {"技术", "需要", "联合", "团队", "提供", "服务", "公司", "引进", "场景", "开放"}
    assert not set(listed) & generic
