"""Industry chains as data, and mounting firms and texts on their nodes.

* **Chains** — one YAML file per chain in ``data/`` (the seed's 8: 汽车零部件, 纺织服装,
  高端装备制造, 新能源, 新材料, 节能环保, 新一代信息技术, 生物医药及高端医疗器械), each citing
  its sources; nodes from upstream to downstream with GB/T 4754-2017 codes and keywords;
  edges supplier → customer. :func:`load_chains` / :func:`load_chain` check them
  (:class:`ChainError` lists every problem, naming the file and the node).
* **Mounting** — :func:`mount` (one firm) and :func:`mount_frame` (a registry) place firms
  on nodes from their industry code and their text (jieba), with structured evidence and a
  confidence whose formula is in :mod:`feidi.chains._mount`; :func:`evidence_words` says it
  in both languages.
* **Corrections** — :func:`apply_corrections` / :func:`apply_corrections_frame` lay staff
  decisions (confirm, reject, add) over fresh automatic mounts, so they stick.
* **Strength and gaps** — :func:`node_strength` (firms, revenue, R&D, tier holders and a
  strength index per node) and :func:`chain_gaps` (填空白, 补短板, 锻长板, missing upstream /
  downstream / technology, ranked, with evidence and candidates to attract or grow).

Nodes are named across the platform as ``"<chain_id>/<node_id>"`` (:func:`node_ref`).

>>> from feidi.chains import load_chain, mount
>>> [m.node for m in mount("C3825", "光伏组件")][:1]
['new_energy/pv_modules']
"""

from feidi.chains._corrections import ACTIONS, Action, Correction, apply_corrections
from feidi.chains._frames import (
    MOUNT_COLUMNS,
    apply_corrections_frame,
    mount_frame,
    mount_of_row,
    mounts_from_frame,
)
from feidi.chains._gaps import GAP_TYPES, chain_gaps, gap_candidates
from feidi.chains._loader import (
    ChainError,
    ChainProblem,
    available_chains,
    load_chain,
    load_chains,
)
from feidi.chains._model import (
    POSITIONS,
    Chain,
    Edge,
    Node,
    Position,
    Source,
    node_ref,
    split_node_ref,
)
from feidi.chains._mount import (
    CODE_WEIGHT,
    KEYWORD_WEIGHT,
    CodeLevel,
    CodeMatch,
    Evidence,
    Mount,
    Status,
    code_score,
    confidence,
    keyword_score,
    mount,
    normalise_code,
)
from feidi.chains._strength import TIERS, node_strength
from feidi.chains._wording import evidence_words, find_node, node_words, with_words

__all__ = [
    "ACTIONS",
    "CODE_WEIGHT",
    "GAP_TYPES",
    "KEYWORD_WEIGHT",
    "MOUNT_COLUMNS",
    "POSITIONS",
    "TIERS",
    "Action",
    "Chain",
    "ChainError",
    "ChainProblem",
    "CodeLevel",
    "CodeMatch",
    "Correction",
    "Edge",
    "Evidence",
    "Mount",
    "Node",
    "Position",
    "Source",
    "Status",
    "apply_corrections",
    "apply_corrections_frame",
    "available_chains",
    "chain_gaps",
    "code_score",
    "confidence",
    "evidence_words",
    "find_node",
    "gap_candidates",
    "keyword_score",
    "load_chain",
    "load_chains",
    "mount",
    "mount_frame",
    "mount_of_row",
    "mounts_from_frame",
    "node_ref",
    "node_strength",
    "node_words",
    "normalise_code",
    "split_node_ref",
    "with_words",
]
