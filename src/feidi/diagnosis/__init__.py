"""Diagnosis of a firm (落后 / 中间 / 先锋 and red flags) and the services that treat it.

* **Rules as data** — ``data/diagnosis.yaml``, a rulebook of the ladder's own format graded by
  the ladder's engine (:func:`feidi.rules.evaluate`): the type rules (先锋分子, then 落后分子;
  中间分子 is what remains) and four red flags (falling revenue, rising debt, no R&D, detached
  from every chain), each met / unmet / unknown with its trace. Two more flags — a title due
  for 复核, a title lapsing — are worked out from the grant dates (``_titles``).
* **Services** — ``data/services.yaml``: the seed's instruments (park integration, chain
  migration, direction briefings, application-centre pilots, master-craftsman training,
  consulting days, talent pool, proof of concept, capital forum, leading-firm programmes),
  each with its source passage and whom it suits (:func:`load_services`,
  :func:`service_by_id`).
* **Diagnose** — :func:`diagnose` gives, for a whole registry, each firm's type, flags with
  evidence and ranked recommendations with reasons (Polars frames), and
  :meth:`Diagnosis.explain` one firm's diagnosis in words (中文, English).

The thresholds and their reasons are written beside each rule in the YAML and in
``docs/diagnosis.md``. CLI: ``feidi diagnose INPUT -o OUT`` (:mod:`feidi.diagnosis.cli`).

>>> from feidi.diagnosis import FLAGS, TYPES
>>> list(TYPES), TYPES["vanguard"]
(['laggard', 'middle', 'vanguard'], ('先锋分子', 'Vanguard'))
>>> list(FLAGS)[:3]
['falling_revenue', 'rising_debt', 'no_rd']
"""

from typing import TYPE_CHECKING

from feidi._lazy import lazy_names
from feidi.diagnosis._names import FLAGS, TYPES, UNDECIDED, Bilingual

# Names are imported when first used (PEP 562): the `feidi` CLI registers `feidi diagnose`
# through this package, and `feidi evaluate` should not load the catalogue or the chains.
_WHERE = {
    "CatalogueError": "_catalogue",
    "CatalogueProblem": "_catalogue",
    "Catalogue": "_catalogue",
    "Clause": "_catalogue",
    "SERVICE_IDS": "_catalogue",
    "Service": "_catalogue",
    "load_catalogue": "_catalogue",
    "load_services": "_catalogue",
    "service_by_id": "_catalogue",
    "Diagnosis": "_diagnose",
    "FirmDiagnosis": "_diagnose",
    "FlagFinding": "_diagnose",
    "LadderGap": "_diagnose",
    "Recommendation": "_recommend",
    "RuleCheck": "_diagnose",
    "diagnose": "_diagnose",
    "ladder_in_force": "_ladder",
    "diagnosis_rulebook": "_rules",
    "diagnosis_source": "_rules",
}

if TYPE_CHECKING:
    from feidi.diagnosis._catalogue import (
        SERVICE_IDS,
        Catalogue,
        CatalogueError,
        CatalogueProblem,
        Clause,
        Service,
        load_catalogue,
        load_services,
        service_by_id,
    )
    from feidi.diagnosis._diagnose import (
        Diagnosis,
        FirmDiagnosis,
        FlagFinding,
        LadderGap,
        RuleCheck,
        diagnose,
    )
    from feidi.diagnosis._ladder import ladder_in_force
    from feidi.diagnosis._recommend import Recommendation
    from feidi.diagnosis._rules import diagnosis_rulebook, diagnosis_source


__getattr__ = lazy_names(__name__, _WHERE, globals())


__all__ = [
    "FLAGS",
    "SERVICE_IDS",
    "TYPES",
    "UNDECIDED",
    "Bilingual",
    "Catalogue",
    "CatalogueError",
    "CatalogueProblem",
    "Clause",
    "Diagnosis",
    "FirmDiagnosis",
    "FlagFinding",
    "LadderGap",
    "Recommendation",
    "RuleCheck",
    "Service",
    "diagnose",
    "diagnosis_rulebook",
    "diagnosis_source",
    "ladder_in_force",
    "load_catalogue",
    "load_services",
    "service_by_id",
]
