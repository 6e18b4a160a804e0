"""Read-only questions analysts ask of a run's results: search, profiles, chronologies, networks, review, quality.

Every function takes a results cursor (or, for run history, a state connection) and
returns pandas DataFrames or small dataclasses; the dashboard renders them and does
no SQL of its own. Each filters by person or pair first, so a page costs what the
person's records cost, not what the run does.
"""

from linkage.explore.chronology import CHRONOLOGY_COLUMNS, chronology, chronology_html, family_members
from linkage.explore.flag_text import parameter_lines, person_ids_in
from linkage.explore.explain import PRIOR, level_labels, record_pairs, waterfall
from linkage.explore.intelligence import perpetrator_incidents, perpetrators, victim_network, victims
from linkage.explore.network import LINK_COLUMNS, RELATIONSHIPS, Network, merge_links, network_export, person_network
from linkage.explore.pairs import RECORD_DETAIL, PairView, ReviewQueue, compare_records, review_queue
from linkage.explore.household import HOUSEHOLD_COLUMNS, Household, household
from linkage.explore.profile import (
    AGENCY_COLUMNS,
    BRIEF_COLUMNS,
    LINK_STRENGTHS,
    agency_contacts,
    flag_briefs,
    flag_evidence,
    people_named,
    person_flags,
    person_label,
    person_records,
    person_summary,
    provenance,
    timeline,
)
from linkage.explore.quality import (
    band_counts,
    model_charts,
    run_history,
    score_distribution,
    truth_dir,
)
from linkage.explore.readable import day, readable
from linkage.explore.search import SearchTerms, search_people, standardise_query
from linkage.explore.specss import SPECSS_CODE, specss_evidence, specss_factors
from linkage.explore.withheld import WITHHELD, withhold_in_network, withhold_refuge_addresses, withhold_refuge_postcodes

__all__ = [
    "AGENCY_COLUMNS",
    "BRIEF_COLUMNS",
    "CHRONOLOGY_COLUMNS",
    "HOUSEHOLD_COLUMNS",
    "LINK_COLUMNS",
    "LINK_STRENGTHS",
    "PRIOR",
    "RELATIONSHIPS",
    "SPECSS_CODE",
    "WITHHELD",
    "Household",
    "Network",
    "PairView",
    "RECORD_DETAIL",
    "ReviewQueue",
    "SearchTerms",
    "agency_contacts",
    "band_counts",
    "chronology",
    "chronology_html",
    "compare_records",
    "day",
    "family_members",
    "flag_briefs",
    "flag_evidence",
    "household",
    "level_labels",
    "merge_links",
    "model_charts",
    "network_export",
    "parameter_lines",
    "people_named",
    "person_ids_in",
    "person_label",
    "perpetrator_incidents",
    "perpetrators",
    "person_flags",
    "person_network",
    "person_records",
    "person_summary",
    "provenance",
    "readable",
    "record_pairs",
    "review_queue",
    "run_history",
    "score_distribution",
    "search_people",
    "specss_evidence",
    "specss_factors",
    "standardise_query",
    "timeline",
    "truth_dir",
    "victim_network",
    "victims",
    "waterfall",
    "withhold_in_network",
    "withhold_refuge_addresses",
    "withhold_refuge_postcodes",
]
