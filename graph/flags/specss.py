"""The SPECSS+ profile of each DA victim: which risk factors every agency's records show around her.

SPECSS+ (DOMAIN.md): Separation, Pregnancy or a new baby, Escalation, Community
isolation, Stalking, Sexual assault, plus Suicide. The extracts show five of them, and
the mental-health and substance-misuse involvement that comes with them; community
isolation and suicide risk are not recorded by any extract. One flag per profiled
victim names the factors present, each with the records (by agency) it rests on and the
weakest link among them, so an analyst can check every factor against its source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import networkx as nx

from graph.codes import CHILD, DASH_ORDER, PATIENT, SOCIAL_CARE, VICTIM, EdgeKind, FlagCode
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of, succ_of
from graph.flags.household import overlaps, person_records, records_at
from graph.flags.incidents import Incident, pair_incidents, record_evidence, victim_incidents
from graph.flags.model import Evidence, Flag, Owners, make_flag
from graph.flags.dwelling import dwelling
from graph.flags.windows import as_of, window_start

__all__ = ["FACTORS", "FACTOR_LABELS", "specss_profile"]

SEPARATION = "separation"
PREGNANCY = "pregnancy"
ESCALATION = "escalation"
STALKING = "stalking"
SEXUAL_ASSAULT = "sexual_assault"
MENTAL_HEALTH = "mental_health"
SUBSTANCE_MISUSE = "substance_misuse"
#: The factors the extracts can show, in the order the profile lists them.
FACTORS = (SEPARATION, PREGNANCY, ESCALATION, STALKING, SEXUAL_ASSAULT, MENTAL_HEALTH, SUBSTANCE_MISUSE)
#: How each factor reads in a row of factors.
FACTOR_LABELS = {
    SEPARATION: "Separation",
    PREGNANCY: "Pregnancy / new baby",
    ESCALATION: "Escalation",
    STALKING: "Stalking / harassment",
    SEXUAL_ASSAULT: "Sexual assault",
    MENTAL_HEALTH: "Mental health",
    SUBSTANCE_MISUSE: "Substance misuse",
}
_DASH_RANK = {level: rank for rank, level in enumerate(DASH_ORDER)}
#: Roles in which a record is the victim's own account of harm to her.
_HARMED = frozenset((VICTIM, PATIENT))


@dataclass(frozen=True)
class _Found:
    """One factor present: what shows it, and the records it rests on."""

    detail: str
    evidence: tuple[Evidence, ...]
    people: tuple[str, ...] = ()


def _when(record: dict, event: dict) -> date | None:
    return record["date"] or event.get("date")


def _mentions(terms: Iterable[str], *texts: str | None) -> bool:
    lowered = [t.lower() for t in texts if t]
    return any(term.lower() in text for term in terms for text in lowered)


def _homes(graph: nx.MultiDiGraph, person: str) -> dict[str, dict]:
    """The person's stays by dwelling (every spelling of one address is one stay): first and last seen, address nodes."""
    homes: dict[str, dict] = {}
    for addr, keyed in succ_of(graph)[person].items():
        seen = keyed.get(EdgeKind.LIVES_AT)
        if seen is None or seen["first_date"] is None or seen["last_date"] is None:
            continue
        stay = homes.setdefault(dwelling(addr), {"first_date": seen["first_date"], "last_date": seen["last_date"], "nodes": []})
        stay["first_date"] = min(stay["first_date"], seen["first_date"])
        stay["last_date"] = max(stay["last_date"], seen["last_date"])
        stay["nodes"].append(addr)
    return homes


def _latest_home(homes: dict[str, dict]) -> str | None:
    return max(homes, key=lambda place: (homes[place]["last_date"], place), default=None)


def _records_at_home(graph: nx.MultiDiGraph, person: str, stay: dict) -> list[Evidence]:
    return [e for addr in sorted(stay["nodes"]) for e in records_at(graph, person, addr)]


def _separation(
    graph: nx.MultiDiGraph, rules: FlagRules, victim: str, perps: list[str], since: date
) -> _Found | None:
    """A perpetrator who lived with her and was last seen elsewhere, or who shares a child with her and lives apart.

    Left home: both seen at one address within ``household_overlap_days``; his last record
    there is before hers, and his latest address, seen in the window, is another one.
    Child contact: both are parent or carer of one child on social care episodes, and
    their latest addresses differ.
    """
    mine = _homes(graph, victim)
    her_latest = _latest_home(mine)
    evidence: list[Evidence] = []
    who: list[str] = []
    details: list[str] = []
    for perp in perps:
        his = _homes(graph, perp)
        his_latest = _latest_home(his)
        moved = his_latest is not None and his[his_latest]["last_date"] >= since
        left = [
            place for place, stay in sorted(his.items())
            if moved and place in mine and place != his_latest
            and overlaps(stay, mine[place], rules.household_overlap_days)
            and stay["last_date"] < mine[place]["last_date"] and stay["last_date"] < his[his_latest]["last_date"]
        ]
        if left:
            who.append(perp)
            details.append("left the shared address")
            evidence += [e for place in left for e in _records_at_home(graph, victim, mine[place]) + _records_at_home(graph, perp, his[place])]
            evidence += _records_at_home(graph, perp, his[his_latest])
            continue
        children = sorted(
            child for child, keyed in succ_of(graph)[perp].items()
            if EdgeKind.CARES_FOR in keyed and EdgeKind.CARES_FOR in pred_of(graph)[child].get(victim, {})
        )
        if children and her_latest is not None and his_latest is not None and her_latest != his_latest:
            who.append(perp)
            details.append("child contact, living apart")
            evidence += [e for child in children for e in _episodes_together(graph, child, (victim, perp))]
            evidence += _records_at_home(graph, victim, mine[her_latest]) + _records_at_home(graph, perp, his[his_latest])
    if not who:
        return None
    return _Found("; ".join(sorted(set(details))), tuple(evidence), tuple(who))


def _episodes_together(graph: nx.MultiDiGraph, child: str, adults: tuple[str, ...]) -> list[Evidence]:
    # The child's social care episodes with each adult on them as parent or carer, and their records there.
    out = []
    for event, keyed in succ_of(graph)[child].items():
        node = nodes_of(graph)[event]
        if node.get("source") != SOCIAL_CARE:
            continue
        people = {adult: succ_of(graph)[adult].get(event, {}) for adult in adults}
        if all(any(d["kind"] == EdgeKind.RECORD for d in keyed_a.values()) for keyed_a in people.values()):
            out += [record_evidence(graph, d, node) for d in keyed.values() if d["kind"] == EdgeKind.RECORD and d["role"] == CHILD]
            out += [record_evidence(graph, d, node) for keyed_a in people.values() for d in keyed_a.values() if d["kind"] == EdgeKind.RECORD]
    return out


def _pregnancy(
    graph: nx.MultiDiGraph, rules: FlagRules, victim: str, incidents: list[Incident], end: date
) -> _Found | None:
    """A maternity record within ``pregnancy_window_days`` of an incident, or a baby born shortly before one."""
    days = rules.pregnancy_window_days
    evidence: list[Evidence] = []
    near: dict[date, Incident] = {}
    details: list[str] = []
    for r, e in person_records(graph, victim):
        when = _when(r, e)
        if when is None or when > end or not (r["pregnancy"] or e.get("service") in rules.maternity_services):
            continue
        close = [i for i in incidents if abs((when - i.date).days) <= days]
        if close:
            evidence.append(record_evidence(graph, r, e))
            near.update((i.date, i) for i in close)
    if evidence:
        details.append("maternity record")
    babies = []
    for child, placed in _children_with(graph, rules, victim):
        dob = nodes_of(graph)[child].get("dob")
        close = [i for i in incidents if dob is not None and 0 <= (i.date - dob).days <= rules.specss_new_baby_days]
        if close:
            babies.append(child)
            evidence += placed
            near.update((i.date, i) for i in close)
    if babies:
        details.append("new baby")
    if not evidence:
        return None
    return _Found(", ".join(details), tuple(evidence + [e for i in near.values() for e in i.evidence]), tuple(babies))


def _children_with(graph: nx.MultiDiGraph, rules: FlagRules, adult: str) -> list[tuple[str, list[Evidence]]]:
    # Children in her care on a social care episode, or seen at one of her addresses within household_overlap_days.
    found: dict[str, list[Evidence]] = {}
    for child, keyed in succ_of(graph)[adult].items():
        if EdgeKind.CARES_FOR in keyed:
            found.setdefault(child, []).extend(_episodes_together(graph, child, (adult,)))
    for addr, keyed_home in succ_of(graph)[adult].items():
        mine = keyed_home.get(EdgeKind.LIVES_AT)
        if mine is None:
            continue
        for other, keyed in pred_of(graph)[addr].items():
            theirs = keyed.get(EdgeKind.LIVES_AT)
            if other != adult and theirs and overlaps(mine, theirs, rules.household_overlap_days):
                found.setdefault(other, []).extend(records_at(graph, other, addr) + records_at(graph, adult, addr))
    return sorted(found.items())


def _escalation(rules: FlagRules, incidents: list[Incident], recent_from: date) -> _Found | None:
    """More incidents, a graver offence or a higher DASH in the last ``specss_escalation_days`` than before them."""
    earlier = [i for i in incidents if i.date < recent_from]
    recent = [i for i in incidents if i.date >= recent_from]
    if not earlier or not recent:
        return None
    rising = []
    if len(recent) > len(earlier):
        rising.append(f"frequency {len(earlier)} then {len(recent)}")
    before, after = (max(rules.gravity(i.offence) for i in part) for part in (earlier, recent))
    if after > before:
        rising.append(f"gravity {before} then {after}")
    dash_before, dash_after = (max((_DASH_RANK.get(i.dash_risk or "", -1) for i in part)) for part in (earlier, recent))
    if dash_after > dash_before and dash_before >= 0:
        rising.append(f"DASH {DASH_ORDER[dash_before]} then {DASH_ORDER[dash_after]}")
    if not rising:
        return None
    return _Found(", ".join(rising), tuple(e for i in incidents for e in i.evidence))


def _own_records(
    graph: nx.MultiDiGraph, person: str, since: date, end: date, harmed_only: bool = False
) -> list[tuple[dict, dict]]:
    return [
        (r, e) for r, e in person_records(graph, person)
        if (when := _when(r, e)) is not None and since <= when <= end and (not harmed_only or r["role"] in _HARMED)
    ]


def _described(
    graph: nx.MultiDiGraph, victim: str, terms: tuple[str, ...], since: date, end: date
) -> _Found | None:
    """Her own records as victim or patient in the window whose offence category or complaint names one of ``terms``."""
    hits = [
        record_evidence(graph, r, e) for r, e in _own_records(graph, victim, since, end, harmed_only=True)
        if _mentions(terms, e.get("event_type"), e.get("complaint"))
    ]
    if not hits:
        return None
    return _Found(f"{len(hits)} record{'s' if len(hits) != 1 else ''}", tuple(hits))


def _involvement(
    graph: nx.MultiDiGraph, rules: FlagRules, people: list[str], marker: str, services: tuple[str, ...],
    since: date, end: date,
) -> _Found | None:
    """Records in the window, of the victim or her perpetrators, with ``marker`` set or on one of ``services``."""
    who: list[str] = []
    evidence: list[Evidence] = []
    for person in people:
        hits = [record_evidence(graph, r, e) for r, e in _own_records(graph, person, since, end)
                if r[marker] or e.get("service") in services]
        if hits:
            who.append(person)
            evidence += hits
    if not who:
        return None
    whose = "the victim" if who == people[:1] else ("the victim and a perpetrator" if people[0] in who else "a perpetrator")
    return _Found(whose, tuple(evidence), tuple(p for p in who if p != people[0]))


def _factor_parameters(found: _Found) -> dict:
    agencies = sorted({e.agency for e in found.evidence})
    return {
        "detail": found.detail,
        "agencies": agencies,
        "records": len({e.unique_id for e in found.evidence}),
        "weakest_link": min(e.link_probability for e in found.evidence),
        "unique_ids": sorted({e.unique_id for e in found.evidence}),
    }


def specss_profile(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """The SPECSS+ factors around each DA victim with an incident within ``specss_window_days``.

    Raised when ``specss_min_factors`` or more factors are present; severity rises by
    ``specss_severity_bonus`` from ``specss_high_factors``. Parameters give the factors
    present in :data:`FACTORS` order, and for each the records (``unique_ids``) and
    agencies it rests on and its weakest link; ``factor_count`` orders the triage queue
    among equal severities. The flag is the victim's, from her incidents and the people
    around her: with ``owners``, only theirs are judged.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "specss_window_days", end)
    recent_from = window_start(rules, "specss_escalation_days", end)
    perps_of: dict[str, set[str]] = {}
    for inc in pair_incidents(graph, end):
        if inc.date >= since:
            perps_of.setdefault(inc.victim, set()).add(inc.perp)
    flags = []
    for victim, incidents in sorted(victim_incidents(graph, rules, end, owners).items()):
        recent = [i for i in incidents if i.date >= since]
        if not recent:
            continue
        perps = sorted(perps_of.get(victim, ()))
        around = [victim, *perps]
        found: dict[str, _Found | None] = {
            SEPARATION: _separation(graph, rules, victim, perps, since),
            PREGNANCY: _pregnancy(graph, rules, victim, recent, end),
            ESCALATION: _escalation(rules, recent, recent_from),
            STALKING: _described(graph, victim, rules.specss_stalking_terms, since, end),
            SEXUAL_ASSAULT: _described(graph, victim, rules.specss_sexual_terms, since, end),
            MENTAL_HEALTH: _involvement(graph, rules, around, "mental_health", rules.mental_health_services, since, end),
            SUBSTANCE_MISUSE: _involvement(
                graph, rules, around, "substance_misuse", rules.substance_misuse_services, since, end
            ),
        }
        present = {name: f for name, f in found.items() if f is not None}
        if len(present) < rules.specss_min_factors:
            continue
        bonus = rules.specss_severity_bonus if len(present) >= rules.specss_high_factors else 0
        others = sorted({p for f in present.values() for p in f.people} | set(perps))
        flag = make_flag(
            FlagCode.SPECSS_PROFILE,
            [victim, *others],
            f"SPECSS+ profile: {len(present)} of {len(FACTORS)} risk factors around a DA victim "
            f"(incident within {rules.specss_window_days} days)",
            {"window_days": rules.specss_window_days, "escalation_days": rules.specss_escalation_days,
             "factor_count": len(present), "factors": list(present), "incidents": len(recent),
             "severity_bonus": bonus,
             **{name: _factor_parameters(f) for name, f in present.items()}},
            [e for f in present.values() for e in f.evidence],
            rules,
        )
        flags.append(dataclasses.replace(flag, severity=flag.severity + bonus) if bonus else flag)
    return flags

