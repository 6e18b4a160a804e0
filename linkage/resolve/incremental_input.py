"""What an incremental run reads of the model input: only the records its changes can reach.

Building the model input of every record (a million rows with list columns, out of DuckDB
into Arrow) and grouping them all into identity profiles took most of a nightly run's
scoring for a thousand new records. Instead, in the results' own DuckDB:

* :func:`profile_scope` finds the records whose identity profile can change: the touched
  records, the records of any analyst's decision (decisions only ever accrue, so these
  hold every record kept apart now or before), the other records of their stored
  profiles, and every record sharing source, forename, surname and DOB with any of those.
  A record outside keeps its profile key and its profile's members, so its profile is as
  stored; a record inside has every record of its key inside too (the key holds those four
  columns), so grouping the scope alone gives it the profile grouping everyone gives.
* :data:`BLOCKING_KEYS` holds, for every profile representative, only the columns the
  blocking rules read, so the pair budget is counted and the existing profiles a rule
  pairs with a new one are found (:func:`blocked_profiles`) without leaving DuckDB. A full
  run writes it (:func:`write_blocking_keys`); an incremental run replaces the rows of the
  profiles it touched (:func:`mark_blocking_keys`): computing every profile's columns took
  a CPU second a night at a million records.
* :func:`model_input_of` reads the model input of a set of records with each of their
  police DA incidents whole, so their partner keys are those the whole table gives them.
"""

from __future__ import annotations

import logging
import re

import duckdb
import pyarrow as pa

from linkage.config import ModelConfig
from linkage.ingest.changes import TOUCHED
from linkage.pipeline import fetch_arrow, quote_ident, run_sql
from linkage.resolve.linker import model_input_step
from linkage.resolve.model_inputs import DERIVED_COLUMNS, MODEL_COLUMNS, identifier_columns
from linkage.store import table_columns

logger = logging.getLogger(__name__)

#: Temp table of the records whose profile may change (:func:`profile_scope`).
PROFILE_SCOPE = "profile_scope"
#: Table kept with the results: each profile representative's blocking columns, and whether the run that wrote
#: it scored the profile as new or changed (:func:`write_blocking_keys`, :func:`mark_blocking_keys`).
BLOCKING_KEYS = "blocking_keys"
#: :data:`BLOCKING_KEYS`' column marking the new and changed profiles.
IS_NEW = "is_new"
#: A column a blocking rule's SQL reads (``l."dob"``, ``r.surname``).
RULE_COLUMN = re.compile(r'\b[lr]\."?([A-Za-z_][A-Za-z0-9_]*)"?')


def plain_rules(splink_settings: dict) -> list[str] | None:
    """The prediction blocking rules' SQL, or None when one is not plain SQL (an exploding array rule)."""
    rules = splink_settings["blocking_rules_to_generate_predictions"]
    if not rules or any(set(rule) - {"blocking_rule", "sql_dialect"} for rule in rules):
        return None
    return [rule["blocking_rule"] for rule in rules]


def rule_joins(rules: list[str], row: str, others: str, new: str) -> str:
    """SQL for the ``row`` of each of ``others`` that a rule pairs with one of ``new``, each rule joined both ways round.

    A rule that reads the same with ``l`` and ``r`` swapped (:func:`symmetric`) pairs the same
    rows either way round, so it is joined once: each join scans every other profile.
    """
    return " UNION ".join(
        f"SELECT l.{row} FROM {others} AS l JOIN {new} AS r ON ({rule})"
        + ("" if symmetric(rule) else f" UNION SELECT r.{row} FROM {new} AS l JOIN {others} AS r ON ({rule})")
        for rule in rules
    )


def symmetric(rule: str) -> bool:
    """Whether a blocking rule is a conjunction of equalities that reads the same with ``l`` and ``r`` swapped.

    ``l.dob = r.dob AND l.surname = r.surname`` is; so is the name swap
    ``l.forename = r.surname AND l.surname = r.forename``; ``l.source <> r.source``, or
    anything this does not parse, is taken as not.
    """
    equalities = set()
    for part in re.split(r"\s+AND\s+", rule.strip(), flags=re.IGNORECASE):
        found = _EQUALITY.fullmatch(part.strip())
        if found is None:
            return False
        equalities.add(frozenset({(found[1], found[2]), (found[3], found[4])}))
    swap = {"l": "r", "r": "l"}
    return {frozenset((swap[side], column) for side, column in sides) for sides in equalities} == equalities


#: One side of a blocking rule's conjunction: ``l."dob" = r."dob"``, bracketed or not.
_EQUALITY = re.compile(r'\(?\s*([lr])\."?([A-Za-z_][A-Za-z0-9_]*)"?\s*=\s*([lr])\."?([A-Za-z_][A-Za-z0-9_]*)"?\s*\)?')


def profile_scope(con: duckdb.DuckDBPyConnection) -> None:
    """Fill :data:`PROFILE_SCOPE` with the current records whose identity profile may change (see the module's notes)."""
    run_sql(
        con, "profile_scope_seeds",
        f"CREATE OR REPLACE TEMP TABLE profile_seeds AS SELECT unique_id FROM {TOUCHED} "
        "UNION SELECT unique_id_l FROM review_decisions UNION SELECT unique_id_r FROM review_decisions",
    )
    run_sql(
        con, "profile_scope_stored",
        "INSERT INTO profile_seeds SELECT unique_id FROM profiles WHERE profile_id IN "
        "(SELECT profile_id FROM profiles WHERE unique_id IN (SELECT unique_id FROM profile_seeds)) "
        "AND unique_id NOT IN (SELECT unique_id FROM profile_seeds)",
    )
    same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM s.{c}" for c in ("source", "forename", "surname", "dob"))
    run_sql(
        con, "profile_scope",
        f"CREATE OR REPLACE TEMP TABLE {PROFILE_SCOPE} AS SELECT r.unique_id FROM records AS r SEMI JOIN "
        "(SELECT DISTINCT source, forename, surname, dob FROM records WHERE unique_id IN (SELECT unique_id FROM profile_seeds)) "
        f"AS s ON {same}",
    )


def model_input_of(con: duckdb.DuckDBPyConnection, ids: str, model: ModelConfig) -> pa.Table:
    """The model input (``linker.model_input``) of the records in table ``ids``, ordered by ``unique_id``.

    Partner keys are computed over each record's incident (a window by source and event):
    the other records of the police DA incidents are read with them, then left out.
    """
    run_sql(
        con, "model_input_incidents",
        "CREATE OR REPLACE TEMP TABLE model_input_incidents AS SELECT DISTINCT source, event_id FROM records "
        f"WHERE unique_id IN (SELECT unique_id FROM {ids}) AND agency = 'police' AND domestic_abuse",
    )
    run_sql(
        con, "model_input_records",
        f"CREATE OR REPLACE TEMP VIEW model_input_records AS SELECT * FROM records SEMI JOIN {ids} USING (unique_id) "
        "UNION ALL SELECT r.* FROM records AS r SEMI JOIN model_input_incidents AS i "
        "ON r.source = i.source AND r.event_id IS NOT DISTINCT FROM i.event_id "
        f"WHERE r.unique_id NOT IN (SELECT unique_id FROM {ids})",
    )
    step = model_input_step(model)
    return fetch_arrow(
        con, "model_input_of",
        f"SELECT * FROM ({step.render('model_input_records')}) SEMI JOIN {ids} USING (unique_id) ORDER BY unique_id",
        step.params or None,
    )


def blocking_columns(model: ModelConfig, splink_settings: dict) -> list[str]:
    """The model-input columns the configured rules (the pair budget's) and the saved model's prediction rules read."""
    known = {*MODEL_COLUMNS, *DERIVED_COLUMNS, *identifier_columns(model)}
    read = {c for columns in model.blocking_rules for c in columns}
    read |= {c for rule in plain_rules(splink_settings) or () for c in RULE_COLUMN.findall(rule)}
    return sorted(read & known - {"unique_id"})


def write_blocking_keys(
    con: duckdb.DuckDBPyConnection,
    model: ModelConfig,
    splink_settings: dict,
    records: str = "records",
    profiles: str = "profiles",
    table: str = BLOCKING_KEYS,
) -> None:
    """Write ``table``: every profile representative's blocking columns (:func:`blocking_columns`), none marked new.

    A full run writes it with its results, so that an incremental run only replaces the
    rows of the profiles it touches instead of computing the columns of every profile.
    """
    columns = blocking_columns(model, splink_settings)
    _insert_keys(con, model, columns, records, f"SELECT DISTINCT profile_id FROM {profiles}", table, create=True)


def mark_blocking_keys(con: duckdb.DuckDBPyConnection, model: ModelConfig, splink_settings: dict) -> None:
    """Bring :data:`BLOCKING_KEYS` up to date for the profiles an incremental run touched, and mark the new ones.

    A representative's columns read only its own record and, for partner keys, the other
    records of its police DA incident; an incident that gains or loses a record has every
    party touched (``incremental._touch_partners``), and a record that joins, leaves or comes
    to represent a profile has every record of its old and new profile touched
    (``incremental._touch_profiles``), as do withdrawn records. So dropping the touched
    records' rows and adding those of the touched representatives gives the table a full run
    would write, without comparing every profile with it. Results written before the table was
    kept, or under other blocking columns, get it whole, and so does a table that does not hold
    one row per representative afterwards. A representative is new when touched as added.
    """
    columns = blocking_columns(model, splink_settings)
    if table_columns(con, BLOCKING_KEYS) != ["unique_id", *columns, IS_NEW]:
        write_blocking_keys(con, model, splink_settings)
    else:
        run_sql(con, "blocking_keys_unmark", f"UPDATE {BLOCKING_KEYS} SET {IS_NEW} = false WHERE {IS_NEW}")
        run_sql(con, "blocking_keys_drop", f"DELETE FROM {BLOCKING_KEYS} WHERE unique_id IN (SELECT unique_id FROM {TOUCHED})")
        touched = f"SELECT unique_id FROM profiles WHERE unique_id = profile_id AND unique_id IN (SELECT unique_id FROM {TOUCHED})"
        _insert_keys(con, model, columns, "records", touched, BLOCKING_KEYS, create=False)
        (kept, representatives) = run_sql(
            con, "blocking_keys_count",
            f"SELECT (SELECT count(*) FROM {BLOCKING_KEYS}), (SELECT count(*) FROM profiles WHERE unique_id = profile_id)",
        ).fetchall()[0]
        if kept != representatives:
            logger.warning("blocking_keys held %d rows for %d profiles; computing them all", kept, representatives)
            write_blocking_keys(con, model, splink_settings)
    run_sql(
        con, "blocking_keys_mark",
        f"UPDATE {BLOCKING_KEYS} SET {IS_NEW} = true WHERE unique_id IN (SELECT unique_id FROM {TOUCHED} WHERE change = 'added')",
    )


def _insert_keys(
    con: duckdb.DuckDBPyConnection, model: ModelConfig, columns: list[str], records: str, ids: str, table: str, create: bool
) -> None:
    """Add to ``table`` (or, with ``create``, make it of) the blocking columns of the records ``ids`` selects, not marked new.

    Partner keys (a window over each incident) are computed over the records of those
    records' police DA incidents, each incident whole; they are null for every other record.
    """
    partner = [c for c in columns if c in _PARTNER_COLUMNS]
    step = model_input_step(model)
    run_sql(con, "blocking_keys_ids", f"CREATE OR REPLACE TEMP TABLE blocking_keys_ids AS {ids}")
    # The records first: the model input over all of them, then filtered, cost a fifth of a second for a few thousand.
    run_sql(
        con, "blocking_keys_records",
        f"CREATE OR REPLACE TEMP VIEW blocking_keys_records AS SELECT * FROM {records} WHERE unique_id IN (SELECT * FROM blocking_keys_ids)",
    )
    own = ", ".join(f"CAST(NULL AS VARCHAR) AS {quote_ident(c)}" if c in partner else quote_ident(c) for c in columns)
    into = f"CREATE OR REPLACE TABLE {table} AS" if create else f"INSERT INTO {table}"
    run_sql(
        con, "blocking_keys",
        f"{into} SELECT unique_id, {own}, false AS {IS_NEW} FROM ({step.render('blocking_keys_records')})",
        step.params or None,
    )
    if not partner:
        return
    run_sql(
        con, "blocking_partner_incidents",
        f"CREATE OR REPLACE TEMP TABLE blocking_partner_incidents AS SELECT DISTINCT source, event_id FROM {records} "
        "WHERE agency = 'police' AND domestic_abuse AND unique_id IN (SELECT * FROM blocking_keys_ids)",
    )
    run_sql(
        con, "blocking_partner_records",
        f"CREATE OR REPLACE TEMP VIEW blocking_partner_records AS SELECT r.* FROM {records} AS r SEMI JOIN blocking_partner_incidents AS i "
        "ON r.source = i.source AND r.event_id IS NOT DISTINCT FROM i.event_id",
    )
    keys = ", ".join(quote_ident(c) for c in partner)
    run_sql(
        con, "blocking_partner_keys",
        f"UPDATE {table} SET {', '.join(f'{quote_ident(c)} = p.{quote_ident(c)}' for c in partner)} "
        f"FROM (SELECT unique_id, {keys} FROM ({step.render('blocking_partner_records')})) AS p "
        f"WHERE {table}.unique_id = p.unique_id AND p.unique_id IN (SELECT * FROM blocking_keys_ids)",
        step.params or None,
    )


#: Model-input columns derived from the other party of a police DA incident (null for other records).
_PARTNER_COLUMNS = tuple(c for c in DERIVED_COLUMNS if c.startswith("partner_"))


def blocked_profiles(con: duckdb.DuckDBPyConnection, splink_settings: dict, table: str) -> None:
    """Fill ``table`` with the new representatives and the others a prediction rule pairs with one of them.

    Each rule joined in DuckDB over :data:`BLOCKING_KEYS` (:func:`rule_joins`); every
    representative when a rule is not plain SQL.
    """
    rules = plain_rules(splink_settings)
    if rules is None:
        run_sql(con, "blocked_profiles_all", f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT unique_id FROM {BLOCKING_KEYS}")
        return
    # The new ones copied out (a few); the others read in place: copying a million rows cost more than the joins.
    run_sql(con, "blocked_new", f"CREATE OR REPLACE TEMP TABLE blocked_new AS SELECT * FROM {BLOCKING_KEYS} WHERE {IS_NEW}")
    run_sql(con, "blocked_others", f"CREATE OR REPLACE TEMP VIEW blocked_others AS SELECT * FROM {BLOCKING_KEYS} WHERE NOT {IS_NEW}")
    run_sql(
        con, "blocked_profiles",
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT unique_id FROM blocked_new "
        f"UNION SELECT * FROM ({rule_joins(rules, 'unique_id', 'blocked_others', 'blocked_new')})",
    )
