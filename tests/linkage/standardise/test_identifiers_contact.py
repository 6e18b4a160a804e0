"""Table-driven cases for postcode, phone, NHS number and PNC ID steps."""

from __future__ import annotations

import pytest

from linkage.standardise import contact, identifiers
from tests.linkage.standardise.conftest import apply_step

V = "VARCHAR"

POSTCODE_CASES = [
    # (description, raw, postcode, outward, notes)
    ("lower case without space", "se154qr", "SE15 4QR", "SE15", []),
    ("lower case with space", "se15 4qr", "SE15 4QR", "SE15", []),
    ("extra spaces", "  SE15   4QR ", "SE15 4QR", "SE15", []),
    ("short outward code", "M1 1AE", "M1 1AE", "M1", []),
    ("letter in outward code", "sw1a1aa", "SW1A 1AA", "SW1A", []),
    ("NHS no-fixed-abode pseudo-postcode", "ZZ99 3VZ", None, None, ["postcode: NHS pseudo-postcode (no fixed abode or not known)"]),
    ("NHS not-known pseudo-postcode, compact", "zz993wz", None, None, ["postcode: NHS pseudo-postcode (no fixed abode or not known)"]),
    ("NHS pseudo-postcode 3CZ", "ZZ99 3CZ", None, None, ["postcode: NHS pseudo-postcode (no fixed abode or not known)"]),
    ("not a postcode", "NOT KNOWN", None, None, ["postcode: invalid format"]),
    ("too short", "SE1", None, None, ["postcode: invalid format"]),
    ("inward code must start with a digit", "SE15 AQR", None, None, ["postcode: invalid format"]),
    ("null stays null without a note", None, None, None, []),
]


@pytest.mark.parametrize(("description", "raw", "postcode", "outward", "notes"), POSTCODE_CASES, ids=[c[0] for c in POSTCODE_CASES])
def test_standardise_postcode(con, description, raw, postcode, outward, notes):
    out = apply_step(con, contact.standardise_postcode(), {"postcode_raw": (V, raw)})
    assert (out["postcode"], out["postcode_outward"], out["dq"]) == (postcode, outward, notes), description


ANY_POSTCODE_CASES = [
    # (description, raw, postcode (also its area), notes): postcode scheme 'any'
    ("an Australian postcode", "2615", "2615", []),
    ("a Dutch postcode with a space", "1012 ab", "1012AB", []),
    ("a US ZIP+4 with a hyphen", "20500-0003", "205000003", []),
    ("a UK postcode kept, compact", "se15 4qr", "SE154QR", []),
    ("too short to be a code", "26", None, ["postcode: invalid format"]),
    ("too long to be a code", "NOT A POSTCODE AT ALL", None, ["postcode: invalid format"]),
    ("null stays null without a note", None, None, []),
]


@pytest.mark.parametrize(("description", "raw", "postcode", "notes"), ANY_POSTCODE_CASES, ids=[c[0] for c in ANY_POSTCODE_CASES])
def test_standardise_any_postcode(con, description, raw, postcode, notes):
    out = apply_step(con, contact.standardise_postcode("any"), {"postcode_raw": (V, raw)})
    assert (out["postcode"], out["postcode_outward"], out["dq"]) == (postcode, postcode, notes), description


PHONE_CASES = [
    ("mobile with spaces", "07700 900123", "07700900123", []),
    ("international +44", "+44 7700 900123", "07700900123", []),
    ("international 0044", "0044 7700900123", "07700900123", []),
    ("+44 (0) written out", "+44 (0)20 7946 0018", "02079460018", []),
    ("London landline with brackets", "(020) 7946 0018", "02079460018", []),
    ("too short", "12345", None, ["phone: invalid number"]),
    ("foreign number", "+1 212 555 0100", None, ["phone: invalid number"]),
    ("null stays null", None, None, []),
]


@pytest.mark.parametrize(("description", "raw", "phone", "notes"), PHONE_CASES, ids=[c[0] for c in PHONE_CASES])
def test_standardise_phone(con, description, raw, phone, notes):
    out = apply_step(con, contact.standardise_phone(), {"phone_raw": (V, raw)})
    assert (out["phone"], out["dq"]) == (phone, notes), description


def test_standardise_address(con):
    out = apply_step(con, contact.standardise_address(), {"address_raw": (V, "12, Acacia Road,  Newtown")})
    assert out["address"] == "12 ACACIA ROAD NEWTOWN"


NHS_CASES = [
    # (description, raw, nhs_number, notes)
    ("valid number", "9434765919", "9434765919", []),
    ("valid number written with spaces", "943 476 5919", "9434765919", []),
    ("valid number written with hyphens", "943-476-5919", "9434765919", []),
    ("wrong check digit", "9434765918", None, ["nhs_number: check digit does not match"]),
    ("transposed digits", "4934765919", None, ["nhs_number: check digit does not match"]),
    ("nine digits whose check would be 10: no valid number", "1000000010", None, ["nhs_number: check digit does not match"]),
    ("check digit 11 becomes 0", "1000000060", "1000000060", []),
    ("too short", "943476591", None, ["nhs_number: not 10 digits"]),
    ("letters", "94347A5919", None, ["nhs_number: not 10 digits"]),
    ("all zeros passes mod 11 but is a placeholder", "0000000000", None, ["nhs_number: placeholder number"]),
    ("null stays null", None, None, []),
]


@pytest.mark.parametrize(("description", "raw", "nhs", "notes"), NHS_CASES, ids=[c[0] for c in NHS_CASES])
def test_validate_nhs_number(con, description, raw, nhs, notes):
    out = apply_step(con, identifiers.validate_nhs_number(), {"nhs_number_raw": (V, raw)})
    assert (out["nhs_number"], out["dq"]) == (nhs, notes), description


PNC_CASES = [
    # Check letters worked out by hand: 981234567 mod 23 = 11 -> M; 20000123 mod 23 = 14 -> P.
    ("valid PNC ID", "98/1234567M", "98/1234567M", []),
    ("lower case check letter", "98/1234567m", "98/1234567M", []),
    ("four-digit year", "1998/1234567M", "98/1234567M", []),
    ("serial without leading zeros", "02/123P", "02/0000123P", []),
    ("no slash and spaces", "02 0000123 P", "02/0000123P", []),
    ("wrong check letter", "98/1234567X", None, ["pnc_id: check letter does not match"]),
    ("not a PNC ID", "ABC123", None, ["pnc_id: invalid format"]),
    ("null stays null", None, None, []),
]


@pytest.mark.parametrize(("description", "raw", "pnc", "notes"), PNC_CASES, ids=[c[0] for c in PNC_CASES])
def test_validate_pnc_id(con, description, raw, pnc, notes):
    out = apply_step(con, identifiers.validate_pnc_id(), {"pnc_id_raw": (V, raw)})
    assert (out["pnc_id"], out["dq"]) == (pnc, notes), description
