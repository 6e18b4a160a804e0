"""The one way personal data leaves the dashboard: an audited, spreadsheet-safe download.

Streamlit's own table download and cell copy are switched off for the whole app
(``client.disableDataExport``, set in ``dashboard/app.py``), so a page offers data
only through :func:`export_button`. The file is made when the user clicks, and the
audit row is written first: if it cannot be written, the download is refused and
nothing leaves. Every text cell a spreadsheet would run as a formula is defused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import session
from linkage.accountability import audit as audit_log
from linkage.accountability.access import User
from linkage.errors import MashError
from linkage.export import safe_frame
from linkage.store import open_state

_LOG = logging.getLogger(__name__)


def export_button(
    label: str,
    make: Callable[[], pd.DataFrame | bytes],
    *,
    file_name: str,
    target: str,
    detail: dict[str, Any] | None = None,
    mime: str = "text/csv",
    help: str | None = None,
    key: str | None = None,
) -> None:
    """A download button whose every click is an ``export`` row in the audit log.

    Args:
        label: The button's text.
        make: Builds the data when clicked: a table (written as spreadsheet-safe CSV) or
            the file's bytes (which the caller has made spreadsheet-safe, e.g. a zip of
            ``safe_frame`` tables).
        file_name: The downloaded file's name (also recorded).
        target: What was exported, for the audit row (a person id, ``audit_log``...).
        detail: Anything else worth recording (page, filters...); the row count is added.
        mime: The file's type.
        help: A tooltip.
        key: A widget key, when a page has two buttons with the same label.
    """
    user = session.current_user()
    data = partial(
        audited_file, make, store=session.store_path(), user=user, purpose=session.purpose(),
        target=target, detail=detail or {}, file_name=file_name,
    )
    # The data is made on the click, outside the page's script run: everything it needs is bound above.
    st.download_button(
        label, data=data, file_name=file_name, mime=mime, icon=":material/download:", help=help, key=key, on_click="ignore",
    )


def audited_file(
    make: Callable[[], pd.DataFrame | bytes],
    *,
    store: Path,
    user: User,
    purpose: str,
    target: str,
    detail: dict[str, Any],
    file_name: str,
) -> bytes:
    """The bytes of an export, once its audit row is written.

    Args:
        make: Builds the data (see :func:`export_button`).
        store: The store's state database, where the audit row goes.
        user: Who is exporting.
        purpose: Their stated purpose.
        target: What is exported.
        detail: Anything else to record; the file name and row count are added.
        file_name: The downloaded file's name.

    Returns:
        The file's bytes: spreadsheet-safe CSV for a table, else what ``make`` returned.

    Raises:
        MashError: The audit row could not be written; nothing is returned.
    """
    data = make()
    recorded = {**detail, "file": file_name}
    if isinstance(data, pd.DataFrame):
        recorded["rows"] = len(data)
        data = safe_frame(data).to_csv(index=False).encode("utf-8")
    try:
        with open_state(store) as con:
            audit_log.record(con, user.name, user.role, "export", target, purpose, recorded)
    except Exception as exc:  # whatever failed, nothing leaves unrecorded
        _LOG.error("export refused: the audit row could not be written (%s)", type(exc).__name__)
        raise MashError("the export could not be recorded in the audit log, so it was refused") from None
    return data
