"""Incremental resolution: score new records with the saved model and re-cluster only the people they touch.

After :func:`linkage.ingest.changes.ingest_changes` has applied an extract's new,
changed and withdrawn rows, this

1. scores the new and changed records against everyone else (Splink's
   ``predict_between``) and against each other (``predict_within``), with the
   term frequencies saved with the model, as a full run does;
2. replaces the touched records' pairs;
3. finds the affected records: the touched ones, the other records of the people
   they belonged to, and everything connected to those by a scored pair or an
   analyst's decision;
4. clusters the affected records exactly as a full run would (clustering never
   looks beyond the pairs connecting records), keeps their person ids stable and
   rebuilds their golden view.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker

from linkage.codes import IDENTITY_FIELDS
from linkage.config import RunConfig
from linkage.errors import MashError
from linkage.ingest.changes import TOUCHED, TOUCHED_INCIDENTS
from linkage.pipeline import create_table_from_arrow, fetch_arrow, run_sql
from linkage.resolve.affected import AFFECTED, find_affected
from linkage.resolve.identity import EVENT_SCHEMA, ID_PREFIX, REGISTRY_SCHEMA, assign_ids
from linkage.resolve.persons import build_person_tables
from linkage.resolve.blocking import check_marked_pair_budget
from linkage.resolve.incremental_input import (
    BLOCKING_KEYS, IS_NEW, PROFILE_SCOPE, blocked_profiles, mark_blocking_keys, model_input_of, profile_scope,
)
from linkage.resolve.profiles import Profiles, collapse, self_pairs
from linkage.resolve.context import Context, context_events
from linkage.resolve.context_scores import ContextScores
from linkage.resolve.decisions import decided_records, read_decisions
from linkage.resolve.run import ResolveReport, cluster_records, clusters_table
from linkage.resolve.linker import KeptPairs, make_linker, scored_pairs
from linkage.resolve.train import TrainedModel, is_current, load_latest_model
from linkage.store import connect_memory, table_columns

if TYPE_CHECKING:  # the engine package imports resolve: only the type is named here
    from linkage.engine import Stages

logger = logging.getLogger(__name__)



def resolve_changes(con: duckdb.DuckDBPyConnection, run: RunConfig, run_id: int, stages: Stages) -> tuple[ResolveReport, list[str]]:
    """Update pairs, clusters, person ids and the golden view for the records an incremental ingest touched.

    Args:
        con: A writable copy of the previous results, after ``ingest_changes``.
        run: The run config.
        run_id: This run's id.
        stages: Where the stages' timings go, and who hears each stage start.

    Returns:
        Counts, and the person ids (before and after) of the people whose records or clusters rows changed
        (:func:`_changed_people`).

    Raises:
        MashError: No saved model, or the model config changed since it was trained.
    """
    model = load_latest_model(run.store)
    if not is_current(model, run.model):
        raise MashError("the linkage model or its config changed since the last run; run a full 'mash run' first")

    # One linker of the saved model scores the changes and the context step's few unscored pairs:
    # building one parses every comparison level's SQL (a tenth of a second).
    work = connect_memory()
    try:
        with stages.time("predict", label="predict changes"):
            # The records the extracts changed, before those re-scored with them are touched too (_changed_people).
            run_sql(con, "changed_in_extracts", f"CREATE OR REPLACE TEMP TABLE changed_in_extracts AS SELECT unique_id FROM {TOUCHED}")
            _touch_partners(con)
            decided = read_decisions(con)
            apart = decided_records(decided)
            # Only the records whose profile can change are read and grouped (incremental_input.profile_scope).
            profile_scope(con)
            scope = model_input_of(con, PROFILE_SCOPE, run.model)
            _touch_profiles(con, collapse(scope, run.model, keep_apart=apart))
            added = set(_ids(con, f"SELECT DISTINCT unique_id FROM {TOUCHED} WHERE change = 'added'"))
            # The budget and the candidates from the blocking columns of every profile, in the store.
            mark_blocking_keys(con, run.model, model.splink)
            check_marked_pair_budget(con, BLOCKING_KEYS, IS_NEW, run.model, run.resources.pair_budget)
            blocked_profiles(con, model.splink, "predicted_profiles")
            # Touched records make up whole profiles (_touch_profiles): their own pairs are scored afresh.
            touched = collapse(scope.filter(pc.is_in(scope["unique_id"], value_set=pa.array(sorted(added), pa.string()))), run.model, apart)
            predicted = model_input_of(con, "predicted_profiles", run.model)
            linker = scoring_linker(work, model, predicted.schema)
            new_pairs = predict_changes(predicted, added, model, linker, run, touched)

        with stages.time("cluster", label="cluster changes"):
            run_sql(con, "drop_touched_pairs", f"DELETE FROM pairs WHERE unique_id_l IN (SELECT unique_id FROM {TOUCHED}) "
                    f"OR unique_id_r IN (SELECT unique_id FROM {TOUCHED})")
            create_table_from_arrow(con, "scored_changes", new_pairs, temporary=True)
            run_sql(con, "add_scored_changes", "INSERT INTO pairs BY NAME SELECT * FROM scored_changes")
            constraints = run.model.constraints
            find_affected(con, constraints.context_links, constraints.undated_generation_gap is not None)
            # Partner keys are computed over each affected record's whole incident (model_input_of), as over all records.
            affected = collapse(model_input_of(con, AFFECTED, run.model), run.model, apart)
            pair_columns = [c for c in table_columns(con, "pairs") if c not in ("band", "reason")]
            # Pairs under the review threshold are only the context step's, which it forms again.
            pairs = fetch_arrow(
                con, "affected_pairs",
                f"SELECT {', '.join(pair_columns)} FROM pairs WHERE unique_id_l IN (SELECT unique_id FROM {AFFECTED}) "
                "AND match_probability >= $review ORDER BY unique_id_l, unique_id_r",
                {"review": run.model.thresholds.review},
            )
            # The context step clusters the affected records; the others' stored people count towards its prior.
            outside = fetch_arrow(
                con, "context_outside",
                "SELECT c.unique_id, c.person_id, r.dob IS NOT NULL AS dated FROM clusters AS c JOIN records AS r USING (unique_id) "
                f"WHERE r.agency = 'police' AND r.domestic_abuse AND c.unique_id NOT IN (SELECT unique_id FROM {AFFECTED})",
            )
            context = Context(
                context_events(con, "records"), model.splink, model.term_frequency_tables(), outside,
                ContextScores.of(con, model, fresh=False), linker=linker,
            )
            clustered = cluster_records(affected, pairs, decided, run.model, context)
            run_sql(
                con, "clusters_before",
                f"CREATE OR REPLACE TEMP TABLE clusters_before AS SELECT * FROM clusters WHERE unique_id IN (SELECT unique_id FROM {AFFECTED}) "
                f"OR unique_id IN (SELECT unique_id FROM {TOUCHED})",
            )
            before = fetch_arrow(con, "affected_person_ids", "SELECT unique_id, person_id FROM clusters_before").to_pandas()
            # Only the registry rows concerned: these people's ids and the aliases pointing at them.
            create_table_from_arrow(con, "ids_before", pa.Table.from_pandas(before[["person_id"]].drop_duplicates(), preserve_index=False), temporary=True)
            registry = fetch_arrow(
                con, "id_registry",
                "SELECT * FROM person_ids WHERE person_id IN (SELECT person_id FROM ids_before) "
                "OR alias_of IN (SELECT person_id FROM ids_before)",
            ).to_pandas()
            (next_number,) = run_sql(
                con, "next_person_number", "SELECT coalesce(max(CAST(substr(person_id, $start) AS BIGINT)), 0) + 1 FROM person_ids",
                {"start": len(ID_PREFIX) + 1},
            ).fetchall()[0]
            ids = assign_ids(affected.unique_ids.to_pylist(), clustered.labels, run_id, before, registry, decided, next_number)
            _write(con, clustered, ids)
    finally:
        work.close()

    with stages.time("persons"):
        changed_people = _changed_people(con)
        _rebuild_persons(con, changed_people)
    (people, pair_count, record_count, profile_count) = run_sql(
        con, "count_people",
        # persons holds one row per person of clusters (rebuilt above for every changed one): counting its rows
        # is the distinct count of clusters' ids without hashing 870k strings at 1M.
        "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM pairs), (SELECT count(*) FROM records), "
        "(SELECT count(*) FROM profiles WHERE unique_id = profile_id)",
    ).fetchall()[0]
    bands = dict(run_sql(con, "count_bands", "SELECT band, count(*) FROM pairs GROUP BY band").fetchall())
    logger.info("re-clustered %d affected records", len(affected.unique_ids))
    report = ResolveReport(
        model=model, trained=False, records=record_count, pairs=pair_count, people=people, band_counts=bands,
        ambiguous_records=clustered.ambiguous, id_counts={**ids.counts, "affected_records": len(affected.unique_ids)},
        profiles=profile_count,
    )
    return report, changed_people


def scoring_linker(work: duckdb.DuckDBPyConnection, model: TrainedModel, schema: pa.Schema) -> Linker:
    """A linker of the saved model in ``work``, with its term frequencies, over no records of its own.

    ``schema`` is the model input's. The linker scores the records handed to it (``predict_between``,
    ``predict_within``) with the model's own term frequencies, as a full run uses: scores agree between the two.
    """
    return make_linker(schema.empty_table(), model.splink, model.term_frequency_tables(), connection=work)


def predict_changes(
    records: pa.Table, added: set[str], model: TrainedModel, linker: Linker, run: RunConfig, touched: Profiles | None = None
) -> pa.Table:
    """Score new and changed records against the others and each other, at or above the review threshold.

    Args:
        records: Model input of the new and changed profiles and of the others a prediction rule pairs
            with one of them (:func:`~linkage.resolve.incremental_input.blocked_profiles`).
        added: Ids of the new and changed records.
        model: The saved model.
        linker: The saved model's :func:`scoring_linker`.
        run: The run config (review threshold, term-frequency columns).
        touched: The touched records' profiles, whose own pairs (``profiles.self_pairs``) are scored
            too, by the same linker (building one parses every comparison level's SQL).
    """
    is_new = pc.is_in(records["unique_id"], value_set=pa.array(sorted(added), pa.string()))
    new = linker.table_management.register_table(records.filter(is_new), "new_records", overwrite=True)
    # The others are only those a rule pairs with a new one (incremental_input.blocked_profiles): Splink
    # need not carry every record of a million through its blocking and term-frequency joins.
    existing = linker.table_management.register_table(records.filter(pc.invert(is_new)), "existing_records", overwrite=True)
    threshold = run.model.thresholds.review
    between = linker.inference.predict_between(existing, new, threshold_match_probability=threshold, warning_mode="never")
    within = linker.inference.predict_within(new, threshold_match_probability=threshold, warning_mode="never")
    scored = scored_pairs(between, within)
    own = None if touched is None else self_pairs(touched, model.splink, {}, threshold, KeptPairs.scorer(linker))
    return scored if own is None else pa.concat_tables([scored, own], promote_options="default")


def _touch_partners(con: duckdb.DuckDBPyConnection) -> None:
    """Re-score the other parties of a new or changed police DA record, as if they had changed too.

    A record's partner keys (``model.DERIVED_COLUMNS``) come from the other rows of its
    incident, so a suspect row arriving after its victim's changes the victim's
    comparisons; so does a withdrawn row, whose incident ingest notes before the row goes
    (``TOUCHED_INCIDENTS``).
    """
    run_sql(
        con, "touch_incident_partners",
        f"INSERT INTO {TOUCHED} SELECT DISTINCT r.unique_id, 'added' FROM records AS r "
        f"JOIN (SELECT source, event_id FROM records WHERE domestic_abuse AND unique_id IN "
        f"(SELECT unique_id FROM {TOUCHED} WHERE change = 'added') UNION SELECT source, event_id FROM {TOUCHED_INCIDENTS}) "
        f"AS t ON t.source = r.source AND t.event_id = r.event_id "
        f"WHERE r.agency = 'police' AND r.domestic_abuse AND r.unique_id NOT IN (SELECT unique_id FROM {TOUCHED})",
    )


def _touch_profiles(con: duckdb.DuckDBPyConnection, profiles: Profiles) -> None:
    """Re-score whole identity profiles whose records changed, and keep the ``profiles`` table current.

    A record new to a profile, gone from one, or in a profile whose representative
    changed (a profile's id is its lowest record id) touches every record of its old and
    its new profile: their pairs are scored again (only representatives have pairs, and
    a profile's own pair is its two lowest ids). Records a new analyst's decision took out
    of a profile count as changed. Results from before profiles were kept count every
    record as its own profile before.
    """
    create_table_from_arrow(con, "profiles_now", profiles.members(), temporary=True)
    run_sql(
        con, "profile_changes",
        "CREATE OR REPLACE TEMP TABLE profile_changes AS SELECT * FROM profiles_now "
        "EXCEPT SELECT * FROM profiles SEMI JOIN profiles_now USING (unique_id)",
    )
    run_sql(
        con, "touch_changed_profiles",
        f"""
        INSERT INTO {TOUCHED}
        WITH seeds AS (SELECT unique_id FROM profile_changes UNION SELECT unique_id FROM {TOUCHED})
        SELECT n.unique_id, 'added' FROM profiles_now AS n
        WHERE n.unique_id NOT IN (SELECT unique_id FROM {TOUCHED} WHERE change = 'added')
          AND (n.profile_id IN (SELECT profile_id FROM profiles_now WHERE unique_id IN (SELECT unique_id FROM seeds))
               OR n.unique_id IN (SELECT unique_id FROM profiles WHERE profile_id IN
                    (SELECT profile_id FROM profiles WHERE unique_id IN (SELECT unique_id FROM seeds))))
        """,
    )
    run_sql(
        con, "drop_changed_profiles",
        "DELETE FROM profiles WHERE unique_id IN (SELECT unique_id FROM profile_changes) "
        "OR unique_id IN (SELECT unique_id FROM profiles ANTI JOIN records USING (unique_id))",
    )
    run_sql(con, "add_changed_profiles", "INSERT INTO profiles SELECT * FROM profile_changes")


def _write(con: duckdb.DuckDBPyConnection, clustered, ids) -> None:
    """Replace the affected records' clusters and pairs, the id registry and its log."""
    run_sql(con, "drop_affected_clusters", f"DELETE FROM clusters WHERE unique_id IN (SELECT unique_id FROM {AFFECTED}) "
            f"OR unique_id IN (SELECT unique_id FROM {TOUCHED})")
    create_table_from_arrow(con, "clusters_changes", clusters_table(clustered, ids.person_of), temporary=True)
    run_sql(con, "add_affected_clusters", "INSERT INTO clusters BY NAME SELECT * FROM clusters_changes")
    run_sql(con, "drop_affected_pairs", f"DELETE FROM pairs WHERE unique_id_l IN (SELECT unique_id FROM {AFFECTED})")
    create_table_from_arrow(con, "pairs_changes", clustered.pairs, temporary=True)
    run_sql(con, "add_affected_pairs", "INSERT INTO pairs BY NAME SELECT * FROM pairs_changes")
    registry = pa.Table.from_pandas(ids.registry, preserve_index=False, schema=REGISTRY_SCHEMA)
    create_table_from_arrow(con, "registry_now", registry, temporary=True)
    run_sql(con, "drop_registry_rows", "DELETE FROM person_ids WHERE person_id IN (SELECT person_id FROM registry_now)")
    run_sql(con, "add_registry_rows", "INSERT INTO person_ids BY NAME SELECT * FROM registry_now")
    if not ids.events.empty:
        events = pa.Table.from_pandas(ids.events, preserve_index=False, schema=EVENT_SCHEMA)
        create_table_from_arrow(con, "events_now", events, temporary=True)
        run_sql(con, "log_id_events", "INSERT INTO person_id_events BY NAME SELECT * FROM events_now")


def _changed_people(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The people (ids before and after) with a record the extracts changed or a record whose ``clusters`` row changed.

    Everything else about a person is read from their own records and those rows: their
    golden view, their plausibility and their part of the graph (the records' events and
    addresses, and each record's link probability). A record touched only to be scored again
    (a new record's incident partner, a member of a changed profile) is unchanged itself.
    Most re-clustered people come out as they were (at a million, about 840 of the 3,300
    people a thousand new records re-cluster change), and each of those stages would
    otherwise redo them all.
    """
    run_sql(
        con, "changed_records",
        "CREATE OR REPLACE TEMP TABLE changed_records AS SELECT unique_id FROM changed_in_extracts "
        "UNION SELECT unique_id FROM (SELECT * FROM clusters SEMI JOIN clusters_before USING (unique_id) EXCEPT SELECT * FROM clusters_before) "
        "UNION SELECT unique_id FROM (SELECT * FROM clusters_before EXCEPT SELECT * FROM clusters SEMI JOIN clusters_before USING (unique_id))",
    )
    rows = run_sql(
        con, "changed_people",
        "SELECT person_id FROM clusters_before SEMI JOIN changed_records USING (unique_id) "
        "UNION SELECT person_id FROM clusters SEMI JOIN changed_records USING (unique_id) ORDER BY person_id",
    ).fetchall()
    return [person_id for (person_id,) in rows]


def _rebuild_persons(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> None:
    """Rebuild the golden view of the given people from their current records."""
    create_table_from_arrow(con, "rebuilt_people", pa.table({"person_id": pa.array(person_ids, pa.string())}), temporary=True)
    for table in ("persons", "person_values"):
        run_sql(con, f"drop_rebuilt_{table}", f"DELETE FROM {table} WHERE person_id IN (SELECT person_id FROM rebuilt_people)")
    # Their records copied out once, only the columns the golden view reads: its three joins would each
    # read every record.
    run_sql(
        con, "rebuilt_clusters",
        "CREATE OR REPLACE TEMP TABLE rebuilt_clusters AS SELECT * FROM clusters WHERE person_id IN (SELECT person_id FROM rebuilt_people)",
    )
    columns = ", ".join(dict.fromkeys(("unique_id", "agency", "event_date", *IDENTITY_FIELDS)))
    run_sql(
        con, "rebuilt_records",
        f"CREATE OR REPLACE TEMP TABLE rebuilt_records AS SELECT {columns} FROM records SEMI JOIN rebuilt_clusters USING (unique_id)",
    )
    build_person_tables(con, "rebuilt_records", "rebuilt_clusters", suffix="__rebuilt")
    for table in ("persons", "person_values"):
        run_sql(con, f"add_rebuilt_{table}", f"INSERT INTO {table} BY NAME SELECT * FROM {table}__rebuilt")
        run_sql(con, f"drop_{table}__rebuilt", f"DROP TABLE {table}__rebuilt")


def _ids(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [row[0] for row in run_sql(con, "touched_ids", sql).fetchall()]

