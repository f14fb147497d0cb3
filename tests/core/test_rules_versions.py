"""Rulebooks as versions: a source holds every text a rulebook is made of, names itself by
digest, and loads without the shipped files — a rulebook can be authored as data."""

from __future__ import annotations

import pytest

from feidi.rules import (
    RulebookError,
    RulebookSource,
    load_rulebook,
    load_rulebook_source,
    rulebook_source,
)

AUTHORED = """
id: county-bonus-2026
name: 某县专精特新认定（示例）
name_en: A county's own specialised rule (example)
document: 示例
effective_from: 2026-01-01
extends: miit-2022
tiers:
  specialized:
    replace:
      total_score: {id: total_score, score: total, at_least: 55}
"""


def test_source_holds_the_extends_chain_and_the_shared_measures():
    src = rulebook_source("shandong-2022")
    assert (src.root, sorted(src.documents)) == (
        "shandong-2022",
        ["_measures", "miit-2022", "shandong-2022"],
    )


def test_a_source_loads_to_the_same_rulebook_as_the_file():
    book = load_rulebook("guangdong-2024")
    again = load_rulebook_source(rulebook_source("guangdong-2024"))
    assert (again.id, again.tiers, again.measures, again.digest) == (
        book.id,
        book.tiers,
        book.measures,
        book.digest,
    )


def test_the_digest_names_the_texts_and_changes_with_any_of_them():
    src = rulebook_source("guangdong-2024")
    changed_base = RulebookSource(
        root=src.root,
        documents={**src.documents, "miit-2022": src.documents["miit-2022"] + "\n# amended\n"},
    )
    assert len(src.digest) == 64
    assert changed_base.digest != src.digest
    assert RulebookSource.from_json(src.to_json()).digest == src.digest


def test_a_rulebook_authored_as_data_loads_without_a_file():
    base = rulebook_source("miit-2022")
    authored = RulebookSource(
        root="county-bonus-2026",
        documents={**base.documents, "county-bonus-2026": AUTHORED},
    )
    book = load_rulebook_source(authored)
    assert (book.id, book.extends, book.tiers["specialized"].pass_mark) == (
        "county-bonus-2026",
        "miit-2022",
        55.0,
    )
    assert book.digest == authored.digest


def test_a_source_missing_a_text_it_needs_is_refused():
    base = rulebook_source("guangdong-2024")
    without_base = RulebookSource(
        root="guangdong-2024",
        documents={k: v for k, v in base.documents.items() if k != "miit-2022"},
    )
    with pytest.raises(RulebookError, match="miit-2022"):
        load_rulebook_source(without_base)
    with pytest.raises(RulebookError, match="_measures"):
        load_rulebook_source(
            RulebookSource(root="miit-2022", documents={"miit-2022": base.documents["miit-2022"]})
        )
