"""What clustering reads of each record: the keys that can keep two people apart, one record at a time
(:class:`RecordKeys`) or held by column for a million (:class:`KeyTable`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.config import ModelConfig
from linkage.resolve.model_inputs import identifier_column



@dataclass(frozen=True)
class RecordKeys:
    """What the constraints need to know about one record."""

    nhs_number: str | None = None
    pnc_id: str | None = None
    dob_year: int | None = None
    dob: int | None = None  # YYYYMMDD, for the one-keystroke exemption from the DOB gap
    source: str | None = None  # set only when sources are linked, not deduplicated (link_only)
    forename: str | None = None  # the forename rule's deciding field (a record without one is ambiguous)
    postcode_area: str | None = None  # outward code, e.g. SE15
    registration: bool = False  # from an agency whose address is a registration (GP)
    place: str | None = None  # postcode area, e.g. SE: where the record puts the person
    day: int | None = None  # the record's event date (days since 1970), when it has a place
    identifiers: tuple[str | None, ...] = ()  # declared 'two_people' identifiers, in the order of their labels
    name: str | None = None  # forename (canonical) and the sound of the surname: two generations of one name
    postcode: str | None = None  # the full postcode: one household


#: The scalar fields of :class:`RecordKeys`, in :class:`KeyTable`'s columns.
_FIELDS = (
    "nhs_number", "pnc_id", "dob_year", "dob", "source", "forename", "postcode_area", "registration", "place", "day", "name", "postcode",
)


class KeyTable(Sequence[RecordKeys]):
    """Every record's :class:`RecordKeys`, held by column in one Arrow table.

    A whole population's keys without an object per record: clustering reads them by
    column to tell which components a rule could part, and builds :class:`RecordKeys`
    (:meth:`rows`) only for the records of those.
    """

    def __init__(self, columns: pa.Table, records: Sequence[RecordKeys] | None = None):
        """Keys from ``columns``: one per :data:`_FIELDS`, then ``identifier_0``, ``identifier_1``, ...

        Args:
            columns: The keys by column (:meth:`from_columns` builds it).
            records: The same keys as objects, when the caller has them already.
        """
        self._table = columns.combine_chunks()
        self._records = records
        self._width = columns.num_columns - len(_FIELDS)

    @classmethod
    def from_columns(cls, columns: Mapping[str, pa.Array | pa.ChunkedArray], identifiers: Sequence[pa.Array | pa.ChunkedArray] = ()) -> KeyTable:
        """Keys from one array per :data:`_FIELDS` name and one per declared identifier, in label order."""
        names = [*_FIELDS, *(f"identifier_{i}" for i in range(len(identifiers)))]
        return cls(pa.table([*(columns[name] for name in _FIELDS), *identifiers], names=names))

    @classmethod
    def from_records(cls, keys: Sequence[RecordKeys]) -> KeyTable:
        """Keys already built one record at a time (small inputs, tests)."""
        width = max((len(k.identifiers) for k in keys), default=0)
        columns = {name: pa.array([getattr(k, name) for k in keys]) for name in _FIELDS}
        identifiers = [pa.array([k.identifiers[i] if i < len(k.identifiers) else None for k in keys]) for i in range(width)]
        table = cls.from_columns(columns, identifiers)
        return cls(table._table, list(keys))

    def __len__(self) -> int:
        return self._table.num_rows

    @overload
    def __getitem__(self, index: int) -> RecordKeys: ...
    @overload
    def __getitem__(self, index: slice) -> list[RecordKeys]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.rows(np.arange(len(self))[index])
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.rows(np.array([index % len(self)]))[0]

    def __iter__(self) -> Iterator[RecordKeys]:
        return iter(self.rows(np.arange(len(self))))

    def rows(self, indices: np.ndarray) -> list[RecordKeys]:
        """The keys of these records, as objects, in this order."""
        if self._records is not None:
            return [self._records[i] for i in indices.tolist()]
        part = self._table.take(pa.array(indices, pa.int64()))
        columns = [part[name].to_pylist() for name in _FIELDS]
        declared = [part[f"identifier_{i}"].to_pylist() for i in range(self._width)]
        identifiers = list(zip(*declared, strict=True)) if declared else [()] * part.num_rows
        return [
            RecordKeys(
                nhs_number=n, pnc_id=p, dob_year=y, dob=b, source=s, forename=f, postcode_area=a, registration=bool(g),
                place=pl, day=d, identifiers=i, name=m, postcode=pc,
            )
            for n, p, y, b, s, f, a, g, pl, d, m, pc, i in zip(*columns, identifiers, strict=True)
        ]

    def codes(self, name: str) -> np.ndarray:
        """A column's values as integer codes, equal values equal codes; -1 for null."""
        column = self._table[name].combine_chunks()
        if pa.types.is_null(column.type) or not len(column):
            return np.full(len(column), -1, dtype=np.int64)
        if pa.types.is_integer(column.type):
            return pc.fill_null(column, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        indices = pc.dictionary_encode(column).indices
        return pc.fill_null(indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A numeric or boolean column as int64 values and a mask of the known ones."""
        column = self._table[name].combine_chunks()
        if pa.types.is_null(column.type) or not len(column):
            return np.zeros(len(column), dtype=np.int64), np.zeros(len(column), dtype=bool)
        known = pc.is_valid(column).to_numpy(zero_copy_only=False)
        return pc.fill_null(column.cast(pa.int64()), 0).to_numpy(zero_copy_only=False), known

    @property
    def identifier_count(self) -> int:
        """How many declared identifiers each record holds."""
        return self._width


#: The model-input columns :func:`record_keys` reads (Spark's clustering ships the same to its executors).
KEY_COLUMNS = ("nhs_number", "pnc_id", "birth_year", "dob", "postcode_outward", "agency", "event_day", "source", "forename", "middle_names")


def record_keys(records: pa.Table, model: ModelConfig) -> KeyTable:
    """What the clustering constraints need from each record, by column (no object per record)."""
    count = records.num_rows
    registration = pa.array(sorted(a.value for a in model.constraints.registration_agencies), pa.string())
    # Place histories feed only the place rule: no per-record area when it is off.
    places = model.constraints.place_needs_history
    # Sources keep records apart only when linking, not deduplicating.
    linking = model.link_type == "link_only"
    dob = records["dob"]
    outward = records["postcode_outward"]
    columns = {
        "nhs_number": records["nhs_number"],
        "pnc_id": records["pnc_id"],
        "dob_year": records["birth_year"],
        "dob": pc.add(pc.add(pc.multiply(pc.year(dob), 10000), pc.multiply(pc.month(dob), 100)), pc.day(dob)),
        "source": records["source"] if linking else pa.nulls(count, pa.string()),
        "forename": records["forename"],
        "postcode_area": outward,
        "registration": pc.fill_null(pc.is_in(records["agency"], value_set=registration), False),
        "place": _postcode_areas(outward) if places else pa.nulls(count, pa.string()),
        "day": records["event_day"] if places else pa.nulls(count, pa.int64()),
        **_household_names(records, model),
    }
    return KeyTable.from_columns(columns, [records[identifier_column(name)] for name in apart_identifiers(model)])


def _household_names(records: pa.Table, model: ModelConfig) -> dict[str, pa.Array | pa.ChunkedArray]:
    """Each record's name (canonical forename and the sound of the surname) and full postcode, for the
    generations rule (``constraints.undated_generation_gap``); nulls when it is off or the input lacks them
    (Spark's clustering reads only :data:`KEY_COLUMNS`)."""
    count = records.num_rows
    wanted = ("forename_canonical", "surname_soundex", "postcode")
    if model.constraints.undated_generation_gap is None or not set(wanted) <= set(records.column_names):
        return {"name": pa.nulls(count, pa.string()), "postcode": pa.nulls(count, pa.string())}
    name = pc.binary_join_element_wise(records["forename_canonical"], records["surname_soundex"], " ")
    return {"name": name, "postcode": records["postcode"]}


def _postcode_areas(outward: pa.ChunkedArray) -> pa.Array:
    """:func:`postcode_area` of each outward code, worked out once per distinct code."""
    encoded = pc.dictionary_encode(outward.combine_chunks())
    areas = pa.array([postcode_area(code) for code in encoded.dictionary.to_pylist()], pa.string())
    return areas.take(encoded.indices)


def apart_identifiers(model: ModelConfig) -> list[str]:
    """The declared identifiers whose different values keep people apart (``different_values: two_people``)."""
    return [name for name, declared in model.identifiers.items() if declared.different_values == "two_people"]


def postcode_area(outward: str | None) -> str | None:
    """The postcode area (the letters of the outward code: SE15 -> SE), or None."""
    if not outward:
        return None
    letters = outward[:2] if outward[:2].isalpha() else outward[:1]
    return letters or None
