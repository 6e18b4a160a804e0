"""A results file written before a flag code existed takes the new codes once opened for writing."""

from __future__ import annotations

import duckdb

from graph import FlagCode
from linkage.store import connect


def test_an_older_flag_code_type_gains_the_new_members(tmp_path) -> None:
    """Old flags keep their values; the new codes cast; a second connect changes nothing."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TYPE flag_code AS ENUM ('serial_perpetrator', 'repeat_victim')")
    old.execute("CREATE TABLE flags AS SELECT CAST('repeat_victim' AS flag_code) AS code")
    old.close()
    for _ in range(2):
        con = connect(path)
        try:
            (members,) = con.execute("SELECT enum_range(NULL::flag_code)").fetchone()
            assert members[:2] == ["serial_perpetrator", "repeat_victim"]
            assert set(members) == {c.value for c in FlagCode}
            assert con.execute("SELECT CAST('unseen_man' AS flag_code)::VARCHAR").fetchone() == ("unseen_man",)
            assert con.execute("SELECT code::VARCHAR FROM flags").fetchall() == [("repeat_victim",)]
        finally:
            con.close()
