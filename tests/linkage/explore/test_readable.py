"""Cells as an analyst reads them: no None, nan or NaT, dates dd/mm/yyyy, never ISO."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from linkage.explore import readable
from linkage.explore.readable import day, moment, present, text, words, yes_no

MISSING = [None, np.nan, pd.NaT, pd.NA, float("nan")]


@pytest.mark.parametrize(
    ("description", "convert", "value", "expected"),
    [
        ("a date", day, date(2024, 3, 7), "07/03/2024"),
        ("a timestamp's day", day, pd.Timestamp("2024-03-07 13:45"), "07/03/2024"),
        ("ISO text read as a date", day, "2024-03-07", "07/03/2024"),
        ("an empty string is no date", day, "", ""),
        ("a moment", moment, datetime(2026, 2, 3, 9, 5), "03/02/2026 09:05"),
        ("a code in words", words, "household_member", "household member"),
        ("a true marker", yes_no, True, "yes"),
        ("a false marker", yes_no, False, "no"),
        ("text as it is", text, "O'BRIEN", "O'BRIEN"),
        ("a DOB held as ISO text", text, "1981-08-03", "03/08/1981"),
        ("a date in a text column", text, date(1981, 8, 3), "03/08/1981"),
        ("text with a date inside is left alone", text, "seen 2024-03-07", "seen 2024-03-07"),
        ("a number as text", text, 3, "3"),
    ],
)
def test_values_read_as_words_and_dd_mm_yyyy(description, convert, value, expected):
    assert convert(value) == expected, description


@pytest.mark.parametrize("convert", [day, moment, words, yes_no, text])
@pytest.mark.parametrize("value", MISSING, ids=["None", "nan", "NaT", "NA", "float nan"])
def test_nothing_recorded_reads_blank(convert, value):
    assert convert(value) == ""
    assert not present(value)


def test_a_list_is_present():
    assert present(["police"]) and present(np.array(["police"]))


def test_a_frame_is_all_text_but_the_columns_kept():
    frame = pd.DataFrame({
        "event_date": [pd.Timestamp("2024-03-07"), pd.NaT],
        "decided_at": [pd.Timestamp("2026-02-03 09:05"), pd.NaT],
        "domestic_abuse": pd.array([True, None], dtype="boolean"),
        "role": ["household_member", None],
        "probability": [0.98765, np.nan],
        "records": [3, 4],
        "agencies": [["police"], []],
        "name": ["ANN", None],
    })
    out = readable(
        frame, days=("event_date",), moments=("decided_at",), markers=("domestic_abuse",), codes=("role",),
        numbers={"probability": "{:.3f}"}, keep=("records", "agencies"),
    )
    assert out.to_dict("list") == {
        "event_date": ["07/03/2024", ""],
        "decided_at": ["03/02/2026 09:05", ""],
        "domestic_abuse": ["yes", ""],
        "role": ["household member", ""],
        "probability": ["0.988", ""],
        "records": [3, 4],
        "agencies": [["police"], []],
        "name": ["ANN", ""],
    }
    assert frame["event_date"].isna().iloc[1], "the input is left as it was"
