"""Table-driven cases for the name steps."""

from __future__ import annotations

import pytest

from linkage.config.run import DEFAULT_PLACEHOLDER_NAMES
from linkage.standardise import names
from tests.linkage.standardise.conftest import apply_step

V = "VARCHAR"

CLEAN_CASES = [
    # (description, forenames_raw, surname_raw, forenames_clean, surname_clean)
    ("apostrophe dropped, not spaced", "Siobhan", "O'Brien", "SIOBHAN", "OBRIEN"),
    ("curly apostrophe dropped", "Sean", "O\u2019Neill", "SEAN", "ONEILL"),
    ("hyphenated surname to spaced parts", "Amy", "SMITH-JONES", "AMY", "SMITH JONES"),
    ("apostrophe and hyphen together", "Liam", "D'Arcy-Smith", "LIAM", "DARCY SMITH"),
    ("accents stripped", "Zo\u00eb", "Ni\u00f1o", "ZOE", "NINO"),
    ("title removed from forenames", "Mr Robert James", "Smith", "ROBERT JAMES", "SMITH"),
    ("title with full stop removed", "Dr. Jane", "Doe", "JANE", "DOE"),
    ("title-like forename kept when it is the whole name", "Miss", "Smith", "MISS", "SMITH"),
    ("surrounding spaces and case", "  robert ", "  smith  ", "ROBERT", "SMITH"),
    ("full stop in surname to space", "Mary", "St. John", "MARY", "ST JOHN"),
    ("empty strings become null", "", "", None, None),
    ("only punctuation becomes null", "--", "'", None, None),
    ("non-Latin letters kept, accents stripped alike (short I to I)", "\u0414\u043c\u0438\u0442\u0440\u0438\u0439", "\u041f\u0435\u0442\u0440\u043e\u0432", "\u0414\u041c\u0418\u0422\u0420\u0418\u0418", "\u041f\u0415\u0422\u0420\u041e\u0412"),
    ("null stays null", None, None, None, None),
]


@pytest.mark.parametrize(("description", "forenames", "surname", "want_forenames", "want_surname"), CLEAN_CASES, ids=[c[0] for c in CLEAN_CASES])
def test_clean_names(con, description, forenames, surname, want_forenames, want_surname):
    out = apply_step(con, names.clean_names(), {"forenames_raw": (V, forenames), "surname_raw": (V, surname)})
    assert (out["forenames_clean"], out["surname_clean"]) == (want_forenames, want_surname), description


PLACEHOLDER_CASES = [
    # (description, forenames_clean, surname_clean, want_forenames, want_surname, notes)
    ("BABY as forename is a placeholder", "BABY", "SMITH", None, "SMITH", ["forenames: placeholder name"]),
    ("TWIN 1 is a placeholder", "TWIN 1", "JONES", None, "JONES", ["forenames: placeholder name"]),
    ("UNKNOWN surname is a placeholder", "JOHN", "UNKNOWN", "JOHN", None, ["surname: placeholder name"]),
    ("both placeholders", "BABY", "UNKNOWN", None, None, ["forenames: placeholder name", "surname: placeholder name"]),
    ("a real name is kept", "ROBERT", "SMITH", "ROBERT", "SMITH", []),
    ("stray digits dropped from a real name", "JOHN 2", "SMITH", "JOHN", "SMITH", []),
    ("digits only is no name", "123", "SMITH", None, "SMITH", ["forenames: no letters"]),
    ("BABYLON is not BABY", "BABYLON", "SMITH", "BABYLON", "SMITH", []),
]


@pytest.mark.parametrize(("description", "forenames", "surname", "want_forenames", "want_surname", "notes"), PLACEHOLDER_CASES, ids=[c[0] for c in PLACEHOLDER_CASES])
def test_null_placeholder_names(con, description, forenames, surname, want_forenames, want_surname, notes):
    step = names.null_placeholder_names(DEFAULT_PLACEHOLDER_NAMES)
    out = apply_step(con, step, {"forenames_clean": (V, forenames), "surname_clean": (V, surname)})
    assert (out["forenames_clean"], out["surname_clean"]) == (want_forenames, want_surname), description
    assert out["dq"] == notes, description


SPLIT_CASES = [
    # (description, forenames_clean, surname_clean, forename, middle, surname, parts)
    ("first forename and middle names", "ROBERT JAMES PAUL", "SMITH", "ROBERT", "JAMES PAUL", "SMITH", ["SMITH"]),
    ("single forename has no middle", "ROBERT", "SMITH", "ROBERT", None, "SMITH", ["SMITH"]),
    ("Mc joined to the following name", "JIM", "MC DONALD", "JIM", None, "MCDONALD", ["MCDONALD"]),
    ("Mac joined to the following name", "JIM", "MAC DONALD", "JIM", None, "MACDONALD", ["MACDONALD"]),
    ("Mac left apart from Mc (not merged)", "JIM", "MACDONALD", "JIM", None, "MACDONALD", ["MACDONALD"]),
    ("Mc inside a double-barrelled name", "AMY", "SMITH MC DONALD", "AMY", None, "SMITH MCDONALD", ["SMITH", "MCDONALD"]),
    ("double-barrelled surname parts", "AMY", "SMITH JONES", "AMY", None, "SMITH JONES", ["SMITH", "JONES"]),
    ("no forenames", None, "SMITH", None, None, "SMITH", ["SMITH"]),
]


@pytest.mark.parametrize(("description", "forenames", "surname", "forename", "middle", "want_surname", "parts"), SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_forenames(con, description, forenames, surname, forename, middle, want_surname, parts):
    out = apply_step(con, names.split_forenames(), {"forenames_clean": (V, forenames), "surname_clean": (V, surname)})
    assert (out["forename"], out["middle_names"], out["surname"], out["surname_parts"]) == (forename, middle, want_surname, parts), description


NICKNAME_CASES = [
    ("Deborah stays Deborah although the list files it under Debbie", "DEBORAH", "DEBORAH"),
    ("Bob is Robert", "BOB", "ROBERT"),
    ("Rob is Robert", "ROB", "ROBERT"),
    ("Bobby is Robert", "BOBBY", "ROBERT"),
    ("Bill is William", "BILL", "WILLIAM"),
    ("Jim is James", "JIM", "JAMES"),
    ("Liz is Elizabeth", "LIZ", "ELIZABETH"),
    ("Gaz is Gary (UK usage, curated override)", "GAZ", "GARY"),
    ("Peggy is Margaret", "PEGGY", "MARGARET"),
    ("a formal name maps to itself", "ROBERT", "ROBERT"),
    ("Alexander stays Alexander although the list files it under Alexandria", "ALEXANDER", "ALEXANDER"),
    ("Alex is Alexander", "ALEX", "ALEXANDER"),
    ("Kit (Christopher or Katherine) stays Kit", "KIT", "KIT"),
    ("Christopher maps to itself", "CHRISTOPHER", "CHRISTOPHER"),
    ("a name not in the list maps to itself", "XANTHE", "XANTHE"),
    ("null stays null", None, None),
]


@pytest.mark.parametrize(("description", "forename", "canonical"), NICKNAME_CASES, ids=[c[0] for c in NICKNAME_CASES])
def test_canonical_forename(con, description, forename, canonical):
    out = apply_step(con, names.canonical_forename(), {"forename": (V, forename), "surname": (V, None)})
    assert out["forename_canonical"] == canonical, description


PHONETIC_CASES = [
    ("Robert and Rupert share a code", "ROBERT", "SMITH", "R163", "S530"),
    ("Smyth codes like Smith", "ROBERT", "SMYTH", "R163", "S530"),
    ("surname parts coded as one word", "AMY", "SMITH JONES", "A500", "S532"),
    ("null stays null", None, None, None, None),
]


@pytest.mark.parametrize(("description", "forename", "surname", "forename_code", "surname_code"), PHONETIC_CASES, ids=[c[0] for c in PHONETIC_CASES])
def test_phonetic_codes(con, description, forename, surname, forename_code, surname_code):
    out = apply_step(con, names.phonetic_codes(), {"forename": (V, forename), "surname": (V, surname)})
    assert (out["forename_soundex"], out["surname_soundex"]) == (forename_code, surname_code), description


GROUP_CASES = [
    # (description, forename a, forename b, nickname-compatible)
    ("Sadie is a nickname of Sarah", "SADIE", "SARAH", True),
    ("Jack is a nickname of Jacqueline", "JACK", "JACQUELINE", True),
    ("Bob and Rob meet through Robert", "BOB", "ROB", True),
    ("Debby and Deborah (curated override)", "DEBBY", "DEBORAH", True),
    ("a name matches itself even if not in the list", "XANTHE", "XANTHE", True),
    ("Jack and Roman are unrelated", "JACK", "ROMAN", False),
    ("Oliver and Finley are unrelated", "OLIVER", "FINLEY", False),
]


@pytest.mark.parametrize(("description", "a", "b", "compatible"), GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_forename_groups(con, description, a, b, compatible):
    ga = apply_step(con, names.canonical_forename(), {"forename": (V, a), "surname": (V, None)})["forename_groups"]
    gb = apply_step(con, names.canonical_forename(), {"forename": (V, b), "surname": (V, None)})["forename_groups"]
    assert bool(set(ga) & set(gb)) == compatible, description


SURNAME_GROUP_CASES = [
    # (description, surname, a forename, the surname's groups meet the forename's)
    ("a surname keyed from a nickname meets the formal forename: JONNY and JOHN", "JONNY", "JOHN", True),
    ("SALLY keyed as surname meets SARAH", "SALLY", "SARAH", True),
    ("a surname that is a forename meets that forename", "JAMES", "JAMES", True),
    ("an unrelated forename", "JONNY", "SARAH", False),
]


@pytest.mark.parametrize(("description", "surname", "forename", "meets"), SURNAME_GROUP_CASES, ids=[c[0] for c in SURNAME_GROUP_CASES])
def test_surname_groups(con, description, surname, forename, meets):
    """A surname's groups as a forename, for names keyed the wrong way round (``NAMES_SWAPPED_FUZZY``)."""
    groups = apply_step(con, names.canonical_forename(), {"forename": (V, None), "surname": (V, surname)})["surname_groups"]
    other = apply_step(con, names.canonical_forename(), {"forename": (V, forename), "surname": (V, None)})["forename_groups"]
    assert bool(set(groups) & set(other)) == meets, description


@pytest.mark.parametrize(("surname", "groups"), [("BELSTEAD", []), (None, None)], ids=["a surname no list knows: empty", "no surname: null"])
def test_surname_groups_empty_not_null_for_a_surname(con, surname, groups):
    """Empty for a surname that is no listed forename, never NULL (``fixed_u`` counts the name columns' combinations)."""
    out = apply_step(con, names.canonical_forename(), {"forename": (V, None), "surname": (V, surname)})
    assert out["surname_groups"] == groups


NEAR_CASES = [
    # (description, forename a, forename b, a's near names meet b's groups)
    ("TMO is TOM keyed with two letters swapped: THOMAS", "TMO", "THOMAS", True),
    ("DVE is DAVE with a letter dropped: DAVID", "DVE", "DAVID", True),
    ("SALLLY is SALLY with a letter doubled: SARAH", "SALLLY", "SARAH", True),
    ("MIKEE is MIKE with a letter added: MICHAEL", "MIKEE", "MICHAEL", True),
    ("AVA (not in the list) and EVA: the first letters differ, not read as a keystroke error", "AVA", "EVA", False),
    ("a name the list knows gets none (THOMAS is not read as a typo)", "THOMAS", "TOMAS", False),
    ("two letters are too short to read as a keystroke error", "TO", "THOMAS", False),
    ("a different first letter is not read as a keystroke error", "FOM", "THOMAS", False),
    ("an unknown name far from every listed name", "XQZVW", "THOMAS", False),
]


@pytest.mark.parametrize(("description", "a", "b", "meets"), NEAR_CASES, ids=[c[0] for c in NEAR_CASES])
def test_near_forename_groups(con, description, a, b, meets):
    near = apply_step(con, names.near_forename_groups(), {"forename": (V, a)})["forename_near"]
    groups = apply_step(con, names.canonical_forename(), {"forename": (V, b), "surname": (V, None)})["forename_groups"]
    assert bool(set(near) & set(groups)) == meets, description


@pytest.mark.parametrize("forename", ["THOMAS", "XQZVW", None])
def test_near_forename_groups_is_an_empty_list_when_none(con, forename):
    """No near names is an empty list, never NULL (``fixed_u`` counts the name columns' combinations)."""
    assert apply_step(con, names.near_forename_groups(), {"forename": (V, forename)})["forename_near"] == []
