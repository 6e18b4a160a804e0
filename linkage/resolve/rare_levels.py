"""Labels of the default levels random pairs seldom reach, whose u is counted (``rare_u.rare_level_u``), not sampled."""

FORENAME_IS_MIDDLE_LABEL = "First name is the other's middle name"
SURNAME_PART_LABEL = "Share a part of a double-barrelled surname"
DOB_EXACT_LABEL = "Exact match on dob"
DOB_SWAPPED_LABEL = "Day and month swapped"
DOB_JAN1_LABEL = "Same year, 1 January (a default) on one or both"
DOB_YEAR_TYPO_LABEL = "Year differs by one"
POSTCODE_OUTWARD_LABEL = "Same outward code"
