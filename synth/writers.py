"""Format rendered records in each agency's layout and write the extracts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from synth.corrupt import MISSING_DAY, Rendered
from synth.events import (
    DASH_LEVELS, FACTORS, OFFENCE_CATEGORIES, PLAN_TYPES, POLICE_ROLES, SC_CATEGORIES,
    SC_ROLES, SERVICES, SUSPECT,
)
from synth.idgen import format_nhs, format_pnc
from synth.population import Population, day_of

__all__ = ["DateFormats", "Table", "ids", "police_columns", "social_care_columns", "health_columns", "write_csv", "write_parquet"]

Table = dict[str, np.ndarray]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NFA_POSTCODE = "ZZ99 3VZ"


class DateFormats:
    """Lookup tables from day number to each agency's date string."""

    def __init__(self, last_day: int) -> None:
        self.first = day_of("1900-01-01")
        iso = np.datetime_as_string(np.arange(self.first, last_day + 1).astype("datetime64[D]"))
        self.tables = {
            "iso": np.array(iso, dtype=object),
            "dmy_slash": np.array([f"{s[8:10]}/{s[5:7]}/{s[:4]}" for s in iso], dtype=object),
            "dmy_mon": np.array([f"{s[8:10]}-{_MONTHS[int(s[5:7]) - 1]}-{s[:4]}" for s in iso], dtype=object),
            "compact": np.array([s.replace("-", "") for s in iso], dtype=object),
        }

    def format(self, days: np.ndarray, fmt: str) -> np.ndarray:
        """Format day numbers; :data:`MISSING_DAY` becomes None."""
        missing = days == MISSING_DAY
        out = self.tables[fmt][np.where(missing, 0, days - self.first)]
        return np.where(missing, None, out)


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Sequential ids ``PREFIX000..1`` .. n, zero padded to ``width`` (wider if needed)."""
    width = max(width, len(str(n)))
    return prefix + np.char.zfill(np.arange(1, n + 1).astype(f"U{width}"), width).astype(object)


def _blank(a: np.ndarray) -> np.ndarray:
    """Empty strings to None so CSVs show an empty (unquoted) field."""
    return np.where(a == "", None, a)


def _upper(a: np.ndarray) -> np.ndarray:
    return pc.utf8_upper(pa.array(a, type=pa.string())).to_numpy(zero_copy_only=False)


def _choose(rng: np.random.Generator, p: list[float], *variants: np.ndarray) -> np.ndarray:
    idx = rng.choice(len(variants), size=len(variants[0]), p=p)
    return np.select([idx == i for i in range(len(variants))], variants, None)


def _postcodes(rng: np.random.Generator, postcode: np.ndarray, p: list[float]) -> np.ndarray:
    """Mixed postcode formatting: standard, lower case, no space; a missing postcode stays None."""
    have = postcode != None  # noqa: E711 - elementwise on an object array
    pc_std = np.where(have, postcode, "")
    arr = pa.array(pc_std, type=pa.string())
    lower = pc.utf8_lower(arr).to_numpy(zero_copy_only=False)
    nospace = pc.replace_substring(arr, " ", "").to_numpy(zero_copy_only=False)
    return np.where(have, _choose(rng, p, pc_std, lower, nospace), None)


def _forenames(r: Rendered) -> np.ndarray:
    """Forename and middle names, space-separated."""
    return r.forename + np.where(r.middle != "", " " + r.middle, "")


def _phones(rng: np.random.Generator, phone: np.ndarray) -> np.ndarray:
    """Mixed phone formatting: ``07700900123``, ``07700 900123``, ``+44 7700 900123``."""
    have = phone != None  # noqa: E711 - elementwise on an object array
    out = np.full(len(phone), None, dtype=object)
    if not have.any():
        return out
    arr = pa.array(phone[have], type=pa.string())
    head = pc.utf8_slice_codeunits(arr, 0, 5)
    tail = pc.utf8_slice_codeunits(arr, 5, 11)
    spaced = pc.binary_join_element_wise(head, tail, " ").to_numpy(zero_copy_only=False)
    intl = pc.binary_join_element_wise(
        pa.scalar("+44"), pc.utf8_slice_codeunits(arr, 1, 5), tail, " "
    ).to_numpy(zero_copy_only=False)
    out[have] = _choose(rng, [0.35, 0.45, 0.2], phone[have], spaced, intl)
    return out


def _address(pop: Population, idx: np.ndarray, abbrev: np.ndarray | None = None, with_town: bool = True) -> tuple[np.ndarray, np.ndarray]:
    a = pop.addresses
    ok = idx >= 0
    i = np.maximum(idx, 0)
    line = a.line[i] if abbrev is None else np.where(abbrev, a.line_abbrev[i], a.line[i])
    if with_town:
        line = line + ", " + a.town[i]
    return np.where(ok, line, None), np.where(ok, a.postcode[i], None)


def _sex(codes: np.ndarray, labels: tuple[str, str, str]) -> np.ndarray:
    return np.array(labels, dtype=object)[codes]


def police_columns(rng, pop, r: Rendered, dates: DateFormats, occ_ref, occ_day, occ_cat, occ_dash, role, pnc_year2, pnc_serial, person, pnc_wrong_rate: float) -> Table:
    """Columns of police.csv, in order."""
    k = len(person)
    name = _upper(r.surname) + np.where(r.forename != "", ", " + r.forename, "") + np.where(r.middle != "", " " + r.middle, "")
    da = occ_cat < 4
    addr, postcode = _address(pop, r.address, abbrev=rng.random(k) < 0.2)
    has_pnc = pnc_serial[person] >= 0
    show = has_pnc & (rng.random(k) < np.where(role == SUSPECT, 0.9, 0.5))
    pnc = np.full(k, None, dtype=object)
    if show.any():
        wrong = rng.random(int(show.sum())) < pnc_wrong_rate
        pnc[show] = format_pnc(pnc_year2[person[show]], pnc_serial[person[show]], wrong)
    return {
        "OccurrenceRef": occ_ref,
        "OccurrenceDate": dates.format(occ_day, "dmy_slash"),
        "OffenceCategory": np.array(OFFENCE_CATEGORIES, dtype=object)[occ_cat],
        "DAFlag": np.where(da, "Y", "N").astype(object),
        "DASHRisk": np.where(occ_dash >= 0, np.array(DASH_LEVELS, dtype=object)[np.maximum(occ_dash, 0)], None),
        "PersonRecordRef": ids("PN", k, 7),
        "PersonRole": np.array(POLICE_ROLES, dtype=object)[role],
        "Name": _blank(name),
        "DOB": dates.format(r.dob, "dmy_slash"),
        "Sex": _sex(r.sex, ("M", "F", "U")),
        "PNCID": pnc,
        "Address": addr,
        "Postcode": _postcodes(rng, postcode, [0.5, 0.25, 0.25]),
        "Phone": _phones(rng, r.phone),
    }


def social_care_columns(rng, pop, r: Rendered, dates: DateFormats, ep_ref, ep_day, ep_plan, ep_category, ep_factors, role) -> Table:
    """Columns of social_care.csv, in order."""
    k = len(role)
    factor_text = np.array(
        [";".join(f for i, f in enumerate(FACTORS) if mask >> i & 1) for mask in range(2 ** len(FACTORS))],
        dtype=object,
    )
    forenames = _forenames(r)
    addr, postcode = _address(pop, r.address)
    nhs_present = r.nhs > 0
    nhs = np.full(k, None, dtype=object)
    nhs[nhs_present] = format_nhs(r.nhs[nhs_present], rng.random(int(nhs_present.sum())) < 0.3)
    return {
        "EpisodeID": ep_ref,
        "ReferralDate": dates.format(ep_day, "iso"),
        "ClientID": ids("SC", k, 7),
        "Role": np.array(SC_ROLES, dtype=object)[role],
        "PlanType": np.array(PLAN_TYPES, dtype=object)[ep_plan],
        "Category": np.where(ep_category >= 0, np.array(SC_CATEGORIES, dtype=object)[np.maximum(ep_category, 0)], None),
        "Factors": _blank(factor_text[ep_factors]),
        "Forenames": _blank(forenames),
        "Surname": _blank(r.surname),
        "DateOfBirth": dates.format(r.dob, "iso"),
        "Gender": _sex(r.sex, ("Male", "Female", "Unknown")),
        "NHSNumber": nhs,
        "Address": addr,
        "Postcode": _postcodes(rng, postcode, [0.8, 0.05, 0.15]),
        "ContactNumber": _phones(rng, r.phone),
    }


def health_columns(rng, pop, r: Rendered, dates: DateFormats, att_ref, day, service, complaint, baby_mother, nfa) -> Table:
    """Columns of health.parquet, in order. Newborns may be ``BABY <mother's surname>``."""
    k = len(day)
    baby = baby_mother >= 0
    given = _forenames(r)
    given[baby] = "BABY"
    family = r.surname.copy()
    family[baby] = pop.surname[baby_mother[baby]]
    addr, postcode = _address(pop, r.address, with_town=False)
    addr = np.where(nfa, None, addr)
    postcode = np.where(nfa, _NFA_POSTCODE, postcode)
    nhs = np.full(k, None, dtype=object)
    present = r.nhs > 0
    nhs[present] = format_nhs(r.nhs[present])
    return {
        "AttendanceID": att_ref,
        "AttendanceDate": dates.format(day, "dmy_mon"),
        "PatientRecordID": ids("HL", k, 7),
        "Service": np.array(SERVICES, dtype=object)[service],
        "PresentingComplaint": complaint,
        "GivenName": _blank(given),
        "FamilyName": _blank(_upper(family)),
        "BirthDate": dates.format(r.dob, "compact"),
        "Sex": _sex(r.sex, ("1", "2", "9")),
        "NHSNumber": nhs,
        "Postcode": postcode,
        "AddressLine": addr,
    }


def _table(cols: Table) -> pa.Table:
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in cols.items()})


def write_csv(cols: Table, path: Path) -> None:
    """UTF-8 CSV with a header; every non-null value double-quoted, nulls empty."""
    pacsv.write_csv(_table(cols), path, pacsv.WriteOptions(quoting_style="needed"))


def write_parquet(cols: Table, path: Path) -> None:
    """Parquet with all-string columns."""
    pq.write_table(_table(cols), path, compression="zstd")
