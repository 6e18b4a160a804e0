"""Table-driven cases for the nickname reference tables (linkage/standardise/lookups.py)."""

from __future__ import annotations

import pytest

from linkage.standardise.lookups import NICKNAME_TABLE, lookup_tables, nickname_canonicals

RULE_CASES = [
    # (description, name, canonical) by the rule alone, before any override
    ("a formal name the list also files under another keeps itself (Alexander, not Alexandria)", "ALEXANDER", "ALEXANDER"),
    ("a formal name of the other sex stays apart (Alexandra)", "ALEXANDRA", "ALEXANDRA"),
    ("Alex goes to Alexander, the only formal name that covers its own nickname Al", "ALEX", "ALEXANDER"),
    ("Kit is Christopher or Katherine: ambiguous, maps to itself", "KIT", "KIT"),
    ("Christopher is a formal name and maps to itself", "CHRISTOPHER", "CHRISTOPHER"),
    ("Chris is Christopher, Christina, Kristine...: ambiguous, maps to itself", "CHRIS", "CHRIS"),
    ("Sam is Samuel or Samantha: ambiguous, maps to itself", "SAM", "SAM"),
    ("Andy is Andrew or Andrea: ambiguous, maps to itself", "ANDY", "ANDY"),
    ("Robert is a formal name and maps to itself", "ROBERT", "ROBERT"),
    ("Bob's own nicknames (Rob, Robert) are Robert's: Bob follows Robert", "BOB", "ROBERT"),
    ("Bobby follows Robert", "BOBBY", "ROBERT"),
    ("Rob is Robert or Roberto in the list: ambiguous by the rule (the override makes it Robert)", "ROB", "ROB"),
    ("John is a formal name, not Johnathan", "JOHN", "JOHN"),
    ("Michael is a formal name, not Miguel", "MICHAEL", "MICHAEL"),
    ("Andrew is not sent to Andrea", "ANDREW", "ANDREW"),
    ("Louise is not sent to Louis", "LOUISE", "LOUISE"),
    ("Peter is not sent to Patrick", "PETER", "PETER"),
    ("Thom and Thomas cover each other: the higher-ranked Thomas wins", "THOM", "THOMAS"),
    ("Tom follows Thomas", "TOM", "THOMAS"),
    ("Charlie (Charles, Chuck) follows Charles", "CHARLIE", "CHARLES"),
    ("Tim follows Timothy", "TIM", "TIMOTHY"),
]


@pytest.mark.parametrize(("description", "name", "canonical"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_nickname_canonicals_rule(description, name, canonical):
    assert nickname_canonicals()[name] == canonical, description


def test_every_canonical_is_its_own_canonical():
    """A canonical form maps to itself, so two names agree on it exactly when they lead to one formal name."""
    mapping = nickname_canonicals()
    assert {name: c for name, c in mapping.items() if mapping.get(c, c) != c} == {}


def _table(nicknames=None) -> dict[str, str]:
    rows = lookup_tables(nicknames)[NICKNAME_TABLE].to_pydict()
    return dict(zip(rows["name"], rows["canonical"], strict=True))


TABLE_CASES = [
    # (description, overrides (None: the defaults), name, canonical)
    ("default overrides: Rob is Robert", None, "ROB", "ROBERT"),
    ("default overrides: Bob is Robert", None, "BOB", "ROBERT"),
    ("default overrides: Bill is William, although the list files it under Robert too", None, "BILL", "WILLIAM"),
    ("default overrides leave Alexander alone", None, "ALEXANDER", "ALEXANDER"),
    ("default overrides leave Kit ambiguous", None, "KIT", "KIT"),
    ("an override wins over the rule: Kit as Christopher", {"KIT": "CHRISTOPHER"}, "KIT", "CHRISTOPHER"),
    ("an override's formal name maps to itself", {"KIT": "CHRISTOPHER"}, "CHRISTOPHER", "CHRISTOPHER"),
    ("without overrides the rule stands: Rob is ambiguous", {}, "ROB", "ROB"),
]


@pytest.mark.parametrize(("description", "overrides", "name", "canonical"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_nickname_table(description, overrides, name, canonical):
    assert _table(overrides)[name] == canonical, description
