"""Graph node keys as SQL over a records row aliased ``r``, beside their pandas forms in :mod:`graph.keys`.

The graph names event and address nodes in pandas (``graph.keys``); the store, the
network view and the flags' person keys find the same nodes in SQL. Both spellings are
here, in SQL that DuckDB and Spark both read, and ``tests/linkage/test_node_keys.py``
holds them to the same values row for row.
"""

from __future__ import annotations

from graph.keys import ADDRESS_PREFIX, EVENT_PREFIX, address_key, address_node_keys, event_node_keys

__all__ = [
    "ADDRESS_KEY_SQL",
    "EVENT_KEY_SQL",
    "EVENT_NODE_SQL",
    "address_key",
    "address_node_keys",
    "event_node_keys",
]

#: A record's event node key (:func:`graph.keys.event_node_keys`): its own event when it has no event id.
EVENT_NODE_SQL = (
    f"CASE WHEN r.event_id IS NOT NULL THEN '{EVENT_PREFIX}' || r.source || ':' || r.event_id "
    f"ELSE '{EVENT_PREFIX}' || r.unique_id END"
)
#: A record's shared-event key: its event node key, null when it has no event id (it shares nothing).
EVENT_KEY_SQL = f"CASE WHEN r.event_id IS NOT NULL THEN '{EVENT_PREFIX}' || r.source || ':' || r.event_id END"
#: A record's address node key (:func:`graph.keys.address_node_keys`); null for a blank address.
ADDRESS_KEY_SQL = (
    f"CASE WHEN nullif(trim(r.address), '') IS NOT NULL THEN '{ADDRESS_PREFIX}' || coalesce(r.postcode, '') || '|' || r.address END"
)
