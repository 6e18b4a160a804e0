"""Graph node keys: how an event and an address are named as nodes (pandas and Python forms).

``linkage.node_keys`` holds the same keys as SQL over a records row, beside these, and a
test holds the two to one spelling. A person node's key is its ``person_id``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Prefix of an event node's key: ``event:<source>:<event_id>``, or ``event:<unique_id>``
#: for a record with no event id (its own event: an event id is only shared within a source).
EVENT_PREFIX = "event:"
#: Prefix of an address node's key: ``address:<postcode>|<address>`` (a blank postcode is '').
ADDRESS_PREFIX = "address:"


def address_key(postcode: str | None, address: str) -> str:
    """The node key of one address as recorded (the address must not be blank)."""
    return f"{ADDRESS_PREFIX}{postcode or ''}|{address}"


def event_node_keys(records: pd.DataFrame) -> np.ndarray:
    """Each record's event node key (columns ``source``, ``event_id``, ``unique_id``)."""
    return np.where(
        records["event_id"].notna(),
        EVENT_PREFIX + records["source"].astype(str) + ":" + records["event_id"].astype(str),
        EVENT_PREFIX + records["unique_id"].astype(str),
    )


def address_node_keys(records: pd.DataFrame) -> np.ndarray:
    """Each record's address node key, None where the address is blank (columns ``postcode``, ``address``)."""
    has_address = records["address"].notna() & (records["address"].astype(str).str.strip() != "")
    return np.where(
        has_address,
        ADDRESS_PREFIX + records["postcode"].fillna("").astype(str) + "|" + records["address"].fillna("").astype(str),
        None,
    )
