"""Codes for flags, graph nodes and graph edges.

Enum values are what the store keeps, so renaming a member's value is a data migration.
Role and agency strings are spelled here rather than imported from ``linkage.codes``
because that module needs DuckDB, which ``graph/`` must not import.
"""

from __future__ import annotations

from enum import StrEnum


class FlagCode(StrEnum):
    """A safeguarding flag raised by one rule."""

    SERIAL_PERPETRATOR = "serial_perpetrator"
    REPEAT_PERPETRATOR = "repeat_perpetrator"
    REPEAT_VICTIM = "repeat_victim"
    MARAC_HIGH_RISK = "marac_high_risk"
    MARAC_ESCALATION = "marac_escalation"
    MARAC_REPEAT = "marac_repeat"
    CHILD_IN_DA_HOUSEHOLD = "child_in_da_household"
    PREGNANCY_AND_DA = "pregnancy_and_da"
    TOXIC_TRIO = "toxic_trio"
    PERPETRATOR_JOINS_HOUSEHOLD = "perpetrator_joins_household"
    # SPECSS+ profile and dangerous places (issue 17): graph/flags/specss.py, graph/flags/places.py.
    SPECSS_PROFILE = "specss_profile"
    DANGEROUS_PLACE = "dangerous_place"
    # Issue 17: Operation Encompass and unseen men (graph/flags/encompass.py, graph/flags/unseen.py).
    CHILD_AT_DA_INCIDENT = "child_at_da_incident"
    UNSEEN_MAN = "unseen_man"


class AddressKind(StrEnum):
    """Why an address is shared or generic rather than a household's home."""

    REFUGE = "refuge"
    HOSTEL = "hostel"
    CUSTODY = "custody"
    HOSPITAL = "hospital"
    COUNCIL = "council"
    NO_FIXED_ABODE = "no_fixed_abode"
    OTHER = "other"
    #: Not on the list: found from the data (many people not related by surname or family).
    MANY_UNRELATED = "many_unrelated"


class NodeKind(StrEnum):
    """What a graph node stands for."""

    PERSON = "person"
    EVENT = "event"
    ADDRESS = "address"


class EdgeKind(StrEnum):
    """What a graph edge stands for (also the edge key for aggregated edges)."""

    RECORD = "record"
    ABUSES = "abuses"
    CARES_FOR = "cares_for"
    LIVES_AT = "lives_at"
    CO_INVOLVED = "co_involved"


#: Edge kinds as plain names, for the rules' hottest loops, which compare a kind on every edge they
#: read: a module global (these, imported) reads about twice as fast as a member off its enum class.
RECORD_EDGE, LIVES_AT_EDGE, CARES_FOR_EDGE = EdgeKind.RECORD, EdgeKind.LIVES_AT, EdgeKind.CARES_FOR


#: Roles on a DA occurrence that give perpetrator -> victim.
SUSPECT = "suspect"
VICTIM = "victim"
PATIENT = "patient"
CHILD = "child"
MALE = "male"
#: Social care roles that look after the child on the same episode.
CARER_ROLES = ("parent", "carer", "household_member")

#: DASH outcomes, least to most severe.
DASH_ORDER = ("standard", "medium", "high")
HIGH = "high"

POLICE = "police"
HEALTH = "health"
SOCIAL_CARE = "social_care"
