"""Builders for tiny hand-made people and events frames."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

COLUMNS = [
    "unique_id", "person_id", "link_probability", "source", "agency", "record_id", "event_id",
    "event_date", "event_type", "domestic_abuse", "role", "dash_risk", "plan_type", "category",
    "service", "complaint", "mental_health", "substance_misuse", "pregnancy", "postcode", "address",
]

#: The as_of every rule test uses.
AS_OF = date(2026, 11, 1)


def day(offset: int) -> date:
    """AS_OF shifted by ``offset`` days (negative is earlier)."""
    return AS_OF + timedelta(days=offset)


class Frames:
    """Accumulates source records, then hands out the events and people frames."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.n = 0
        self.dob: dict[str, date | None] = {}
        self.sex: dict[str, str] = {}
        #: Recorded (forename, surname) per person, as the loader gives them for DA victims.
        self.names: dict[str, list[tuple[str, str]]] = {}

    def record(self, person: str, source: str, when: date | None, *, event_id: str | None = None,
               link: float = 1.0, **attrs) -> str:
        """Add one record; returns its unique_id."""
        self.n += 1
        rid = f"R{self.n:05d}"
        row = dict.fromkeys(COLUMNS)
        row.update(unique_id=f"{source}:{rid}", person_id=person, link_probability=link, source=source,
                   agency=source, record_id=rid, event_id=event_id, event_date=when, domestic_abuse=False)
        row.update(attrs)
        self.rows.append(row)
        return row["unique_id"]

    def da(self, perp: str, victim: str, when: date, *, dash: str = "standard",
           offence: str = "Domestic Abuse - Assault", perp_link: float = 1.0, victim_link: float = 1.0) -> str:
        """A police DA occurrence: one suspect row and one victim row; returns the event id."""
        event_id = f"OCC-{self.n + 1:05d}"
        for person, role, link in ((perp, "suspect", perp_link), (victim, "victim", victim_link)):
            self.record(person, "police", when, event_id=event_id, link=link, role=role, domestic_abuse=True,
                        dash_risk=dash, event_type=offence)
        return event_id

    def ed_da(self, person: str, when: date, link: float = 1.0) -> str:
        """A health ED attendance disclosing DA; returns its unique_id."""
        return self.record(person, "health", when, event_id=f"ATT-{self.n + 1:05d}", link=link, role="patient",
                           domestic_abuse=True, service="ED", complaint="Assault by partner",
                           event_type="attendance")

    def at(self, person: str, address: str, when: date, source: str = "health", link: float = 1.0, **attrs) -> str:
        """A record placing ``person`` at ``address`` (postcode AB1 2CD) on ``when``; returns its unique_id."""
        attrs.setdefault("role", "patient" if source == "health" else "involved")
        return self.record(person, source, when, link=link, postcode="AB1 2CD", address=address, **attrs)

    def episode(self, when: date, roles: dict[str, str], *, plan: str = "cin", **attrs) -> str:
        """A social care episode with one record per person in ``roles``; returns the event id."""
        event_id = f"EP-{self.n + 1:05d}"
        for person, role in roles.items():
            self.record(person, "social_care", when, event_id=event_id, role=role, plan_type=plan,
                        event_type="referral", **attrs)
        return event_id

    def events(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=COLUMNS)
        frame["event_date"] = pd.to_datetime(frame["event_date"])
        frame["domestic_abuse"] = frame["domestic_abuse"].astype("boolean")
        return frame

    def people(self) -> pd.DataFrame:
        ids = sorted({r["person_id"] for r in self.rows})
        return pd.DataFrame({
            "person_id": ids,
            "dob": pd.to_datetime([self.dob.get(i) for i in ids]),
            "sex": [self.sex.get(i) for i in ids],
            "agencies": [sorted({r["agency"] for r in self.rows if r["person_id"] == i}) for i in ids],
            "forename": ["X"] * len(ids),
            "surname": ["Y"] * len(ids),
            "names": [self.names.get(i) for i in ids],
        })

    def graph(self):
        from graph.build import build_graph

        return build_graph(self.people(), self.events())


@pytest.fixture
def frames() -> Frames:
    return Frames()
