"""Settings of the two children's rules added in issue 17: Operation Encompass and unseen men.

Each is one block of ``configs/flags.yaml`` (``child_at_da_incident`` and ``unseen_men``),
kept here so the main :class:`graph.config.FlagRules` only names the blocks.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EncompassRules", "UnseenMenRules"]

#: Offence types (substrings of the police event type, any case) that count as violence.
DEFAULT_VIOLENCE = ("Assault", "Wounding", "Bodily Harm", "Affray", "Robbery", "Violence")


class EncompassRules(BaseModel):
    """Child present at a DA incident (Operation Encompass): who is on the list a force sends to schools."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(
        default=365,
        ge=1,
        description=(
            "DA incidents this many days or fewer before as_of count; the schools export can list any day in this window."
        ),
    )
    roles: tuple[str, ...] = Field(
        default=("witness", "involved"),
        description="Roles on a DA incident that put a child there (besides living at the incident address on the date).",
    )
    agencies: tuple[str, ...] = Field(
        default=("police",), description="Agencies whose DA records are incidents (Operation Encompass: the police)."
    )


class UnseenMenRules(BaseModel):
    """Unseen men: an adult male living with a child on a plan, known to police, absent from the child's social care record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_years: int = Field(
        default=3,
        ge=1,
        description=(
            "The man's police records (DA or violence as suspect) and the child's plan episode count this many years before as_of."
        ),
    )
    plan_types: tuple[str, ...] = Field(
        default=("cp_plan", "cin"), description="Plans on the child's latest social care episode that make the child's case one to check."
    )
    offences: tuple[str, ...] = Field(
        default=DEFAULT_VIOLENCE,
        description="Violence: police event types containing one of these (any case) count, as do all DA records.",
    )
    suspect_records_place: bool = Field(
        default=False,
        description=(
            "Whether the man's DA suspect records alone place him at their address; if not, another of his records "
            "must give that dwelling (police often record a suspect at the victim's address, where the incident "
            "was, though he lives elsewhere)."
        ),
    )
