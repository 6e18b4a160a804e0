"""The safeguarding stage of a run: the bridge between a run's results and ``graph/``.

``graph_input`` reads resolved people and events into the graph's input contract;
``build`` raises every flag rule over them in a full run and ``changes`` only around the
people an incremental run changed; ``flag_tables`` keeps the flags, their evidence and what
changed in the results; ``shared_addresses`` finds refuges and hostels; ``listing`` lists
the stored flags for analysts.
"""

from linkage.safeguard.build import FlagReport, build_flag_tables, store_flags
from linkage.safeguard.changes import update_flag_tables
from linkage.safeguard.flag_tables import (
    FLAG_CHANGES, SAFEGUARDING_TABLES, flags_as_of, read_flag_run, rules_fingerprint, write_flag_changes,
    write_flag_run, write_flags,
)
from linkage.safeguard.graph_input import (
    GRAPH_EVENTS_SCHEMA, GRAPH_PEOPLE_SCHEMA, graph_events_sql, graph_frames, graph_people_sql, person_keys_sql,
    stored_person_keys_sql,
)
from linkage.safeguard.listing import list_flags
from linkage.safeguard.shared_addresses import (
    AREA_SQL, DWELLING_KEY_SQL, SHARED_TABLE, dwelling_sql, find_shared_addresses, key_area_sql,
    read_shared_addresses,
)

__all__ = [
    "AREA_SQL",
    "DWELLING_KEY_SQL",
    "FLAG_CHANGES",
    "GRAPH_EVENTS_SCHEMA",
    "GRAPH_PEOPLE_SCHEMA",
    "SAFEGUARDING_TABLES",
    "SHARED_TABLE",
    "FlagReport",
    "build_flag_tables",
    "dwelling_sql",
    "find_shared_addresses",
    "flags_as_of",
    "graph_events_sql",
    "graph_frames",
    "graph_people_sql",
    "key_area_sql",
    "list_flags",
    "person_keys_sql",
    "read_flag_run",
    "read_shared_addresses",
    "rules_fingerprint",
    "store_flags",
    "stored_person_keys_sql",
    "update_flag_tables",
    "write_flag_changes",
    "write_flag_run",
    "write_flags",
]
