"""The profile page: golden view with provenance, records, flags and why linked, for a known flagged person; audited."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.explore import PRIOR, provenance
from linkage.explore.readable import present
from linkage.store import open_results, open_state


@pytest.fixture(scope="module")
def flagged(dashboard_store) -> dict:
    """A serial perpetrator with fields agencies disagree on (aliases), and what the store says of them."""
    con = open_results(dashboard_store.run.store)
    try:
        person_id, forename, surname, records = con.execute(
            "SELECT p.person_id, p.forename, p.surname, p.records FROM flags AS f JOIN persons AS p USING (person_id) "
            "WHERE f.code = 'serial_perpetrator' ORDER BY len(p.conflicts) DESC, p.person_id LIMIT 1"
        ).fetchone()
        values = provenance(con, person_id)
    finally:
        con.close()
    return {"id": person_id, "name": f"{forename} {surname}", "records": records, "values": values}


def _open(at, person_id: str):
    at.text_input(key="viewing_typed_person_id").input(person_id).run()
    assert not at.exception and not at.error
    return at


def test_profile_shows_provenance_flags_and_why_linked(app_as, dashboard_store, flagged):
    purpose = "test_profile: known serial perpetrator"
    at = _open(app_as(UserRole.MASH_ANALYST, "profile", purpose=purpose), flagged["id"])
    assert at.header[0].value.startswith(flagged["values"].query("field == 'forename' and golden")["value"].iloc[0])
    golden = next(d.value for d in at.dataframe if "golden" in d.value.columns)
    expected = flagged["values"].assign(value=[
        pd.Timestamp(v).strftime("%d/%m/%Y") if f == "dob" else v for f, v in zip(flagged["values"]["field"], flagged["values"]["value"], strict=True)
    ])
    assert set(zip(golden["value"], golden["records"], strict=True)) == set(zip(expected["value"], expected["records"], strict=True))
    assert not [v for v in golden["value"] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v))], "no ISO date beside dd/mm/yyyy ones"
    assert golden["golden"].sum() == flagged["values"]["field"].nunique()
    assert golden["in_conflict"].any(), "a serial perpetrator with aliases has fields agencies dispute"
    assert any(":material/flag: Serial perpetrator]" in m.value for m in at.markdown)
    assert any(e.label.startswith("**Serial perpetrator** · severity") for e in at.expander)
    # Names where people expect ids: flag titles name people, evidence rows give name and DOB, no raw JSON.
    assert not [e.label for e in at.expander if re.search(r"MP\d{7}", e.label)]
    evidence = [d.value for d in at.dataframe if "description" in d.value.columns]
    assert evidence and all(frame["name"].str.len().gt(0).all() for frame in evidence)
    assert all(frame["link"].str.fullmatch(r"/profile\?person=MP\d{7}").all() for frame in evidence)
    assert not [m.value for m in at.markdown if '{"' in m.value]
    assert any(re.search(r"\*\*victims\*\*: [2-9]", m.value) for m in at.markdown), "the serial rule's parameters, in words"
    records_shown = sum(len(d.value) for d in at.dataframe if "strength" in d.value.columns)
    assert records_shown == flagged["records"]
    bars = next(d.value for d in at.dataframe if "comparison" in d.value.columns)
    assert bars["comparison"].iloc[0] == PRIOR
    assert bars["cumulative"].iloc[-1] == pytest.approx(bars["weight"].sum())
    at.run()  # a rerun of the same view is not audited again
    with open_state(dashboard_store.run.store) as con:
        views = audit.read(con, action="view_person", target=flagged["id"], text=purpose)
    assert len(views) == 1 and '"page": "profile"' in views[0].detail


def test_the_person_can_come_from_a_shared_link(app_as, flagged):
    at = app_as(UserRole.MASH_ANALYST, "profile", purpose="test_profile: link")
    at.query_params["person"] = flagged["id"].lower()
    at.run()
    assert not at.exception
    assert flagged["id"] in at.markdown[0].value


def test_an_unknown_person_is_reported(app_as):
    at = app_as(UserRole.MASH_ANALYST, "profile", purpose="test_profile: unknown")
    at.text_input(key="viewing_typed_person_id").input("MP9999999").run()
    assert at.error and "No person MP9999999" in at.error[0].value


def test_a_merged_id_opens_the_person_it_was_merged_into(app_as, dashboard_store, flagged, tmp_path, monkeypatch):
    # A copy of the store where a later run folded MP9999990 into the flagged person.
    import shutil

    from linkage.store import connect, results_path

    shutil.copytree(dashboard_store.run.store.parent, tmp_path / "store")
    store = tmp_path / "store" / dashboard_store.run.store.name
    con = connect(results_path(store))
    con.execute("INSERT INTO person_ids VALUES ('MP9999990', 'alias', $survivor, 1, 2)", {"survivor": flagged["id"]})
    con.close()
    monkeypatch.setenv("MASH_STORE", str(store))
    at = _open(app_as(UserRole.MASH_ANALYST, "profile", purpose="test_profile: alias"), "MP9999990")
    assert any(f"MP9999990 has been merged with {flagged['id']}" in i.value for i in at.info)
    assert at.header[0].value.startswith(flagged["values"].query("field == 'forename' and golden")["value"].iloc[0])


#: What a cell must never read: a missing value shown as such, or a date in ISO form.
UNREADABLE = re.compile(r"^(None|nan|NaN|NaT|<NA>)$|\d{4}-\d{2}-\d{2}")


def test_the_profile_opens_on_a_summary_of_household_open_flags_and_agencies(app_as, child_at_home):
    at = _open(app_as(UserRole.MASH_ANALYST, "profile", purpose="test_profile: summary"), child_at_home)
    assert [t.label for t in at.tabs][:2] == ["Summary", "Golden view and provenance"]
    summary = at.tabs[0]
    headings = [h.value for h in summary.subheader]
    assert headings[0] == "Lives with" and headings[2] == "Agencies involved"
    assert re.fullmatch(r"Open flags \([1-9]\d*\)", headings[1])
    household, agencies = (d.value for d in summary.dataframe)
    assert len(household) >= 1 and set(household["when"]) <= {"now", "before", "dates not recorded"}
    assert household["born"].str.fullmatch(r"(\d{2}/\d{2}/\d{4})?").all()
    assert household["link"].str.fullmatch(r"/profile\?person=MP\d{7}").all()
    flag = next(m.value for m in summary.markdown if m.value.startswith("**Child in DA household**"))
    assert "decision: **New**" in flag and flag.count("\n- ") >= 1, "the flag in words, with its evidence as lines"
    assert not re.search(r"MP\d{7}|\{\"", flag), "names, not ids or JSON"
    assert agencies["latest_contact"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert agencies["records"].sum() == int(at.caption[0].value.split(" record")[0])


def test_no_profile_table_shows_none_nan_nat_or_an_iso_date(app_as, flagged, child_at_home):
    for person_id in (flagged["id"], child_at_home):
        at = _open(app_as(UserRole.MASH_ANALYST, "profile", purpose="test_profile: readable cells"), person_id)
        assert len(at.dataframe) >= 6, "summary (2), golden view, records, timeline, chronology, flag evidence, why linked"
        for table in at.dataframe:
            assert table.proto.placeholder == "", "a missing value reads blank"
            frame = table.value
            for column in frame.columns:
                bad = [v for v in frame[column] if not present(v) or (isinstance(v, str) and UNREADABLE.search(v))]
                assert not bad, f"{person_id}: column {column!r} shows {bad[:3]}"
