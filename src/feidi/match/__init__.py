"""Matchmaking between the two cities (飞地众创): supply — technology offers, R&D teams,
start-ups — and demand — technology requests, application scenarios, home firms.

:class:`MatchRanker` recommends, for each request, the offers that fit it (or, fitted on home
firms, the firms that fit an offer), each :class:`Match` with its :class:`Reason` list in both
languages: the words and key concepts that matched, meaning (with a local dense model), the
industry (GB/T 4754), the industry chain (same node, supplier → customer), region, stage and
ladder tier. Declines (:class:`Feedback`) feed back into the ranking. Files in and out:
:func:`read_profiles`, :func:`read_feedback`, :func:`write_matches`.

>>> from feidi.match import MatchRanker, Profile
>>> offers = [Profile("s1", "工业机器人视觉引导系统", keywords=("机器视觉", "焊接")),
...           Profile("s2", "生物可降解包装材料", keywords=("聚乳酸",))]
>>> ranker = MatchRanker().fit(offers)
>>> m = ranker.recommend([Profile("d1", "焊接产线机器视觉改造")])[0]
>>> m.supply_id, m.reasons[0].zh
('s1', '匹配的重点概念：机器视觉、焊接')
"""

from typing import TYPE_CHECKING

from feidi._lazy import lazy_names

# Names are imported when first used (PEP 562): the `feidi` CLI registers `feidi match`
# through this package, and the ranker's imports (scikit-learn, bm25s) cost seconds that
# every other command — a province's `feidi evaluate` — should not pay.
_WHERE = {
    "Encoder": "_dense",
    "ModelError": "_dense",
    "StaticEmbedding": "_dense",
    "load_encoder": "_dense",
    "Reason": "_fits",
    "read_feedback": "_io",
    "read_profiles": "_io",
    "write_matches": "_io",
    "DeclineReason": "_profiles",
    "Feedback": "_profiles",
    "Profile": "_profiles",
    "Side": "_profiles",
    "Stage": "_profiles",
    "as_feedback": "_profiles",
    "as_profiles": "_profiles",
    "Match": "_ranker",
    "MatchRanker": "_ranker",
    "Segmenter": "_segment",
}

if TYPE_CHECKING:
    from feidi.match._dense import Encoder, ModelError, StaticEmbedding, load_encoder
    from feidi.match._fits import Reason
    from feidi.match._io import read_feedback, read_profiles, write_matches
    from feidi.match._profiles import (
        DeclineReason,
        Feedback,
        Profile,
        Side,
        Stage,
        as_feedback,
        as_profiles,
    )
    from feidi.match._ranker import Match, MatchRanker
    from feidi.match._segment import Segmenter


__getattr__ = lazy_names(__name__, _WHERE, globals())


__all__ = [
    "DeclineReason",
    "Encoder",
    "Feedback",
    "Match",
    "MatchRanker",
    "ModelError",
    "Profile",
    "Reason",
    "Segmenter",
    "Side",
    "Stage",
    "StaticEmbedding",
    "as_feedback",
    "as_profiles",
    "load_encoder",
    "read_feedback",
    "read_profiles",
    "write_matches",
]
