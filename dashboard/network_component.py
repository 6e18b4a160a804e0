"""streamlit-cytoscape without its own "Download as JSON", so the network leaves only through the audited export.

The component's toolbar has a button that saves every drawn person, with their
attributes, as a JSON file in the browser: an export the audit log would never see,
and the component has no option to turn it off. This module serves the component's
own build with that button and its dialog taken out of the page (inert placeholders
keep the ids its script binds to, so nothing else changes), and points
``streamlit_cytoscape`` at it; draw with the ``streamlit_cytoscape`` imported from here. If a new version of the component changes the page so
the button cannot be found, the network pages fail with that said rather than draw it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import streamlit.components.v1 as components
from streamlit_cytoscape import component as cytoscape_component
from streamlit_cytoscape import streamlit_cytoscape

__all__ = ["streamlit_cytoscape", "without_export"]

_BUILD = Path(cytoscape_component.__file__).resolve().parent / "frontend" / "build"
# (what is removed, what replaces it): the button with the rule before it, then the dialog.
# The placeholders are <template>s: in the document (so the script's getElementById finds them)
# but never drawn, so nothing can be clicked.
_REMOVALS = (
    (re.compile(r'<hr class="bar__hr"><div id="toolbarExport"[^>]*>.*?</div>', re.S), '<template id="toolbarExport"></template>'),
    (
        re.compile(r'<dialog id="exportDialog".*?</dialog>', re.S),
        "".join(
            f'<template id="{name}"></template>'
            for name in ("exportDialog", "exportFilename", "exportIncludeStyles", "exportConfirm", "exportCancel")
        ),
    ),
)


def without_export(page: str) -> str:
    """The component's index.html with its JSON export button and dialog removed.

    Raises:
        RuntimeError: The page does not have exactly one of each (a changed component).
    """
    for pattern, placeholder in _REMOVALS:
        page, found = pattern.subn(placeholder, page)
        if found != 1:
            raise RuntimeError(
                f"streamlit-cytoscape {version('streamlit-cytoscape')}: its JSON export ({pattern.pattern[:40]}...) "
                "was not found once in frontend/build/index.html; check the new version before using it"
            )
    return page


def _patched_build() -> Path:
    """A copy of the component's build with :func:`without_export` applied, made once per content."""
    page = without_export((_BUILD / "index.html").read_text(encoding="utf-8"))
    digest = hashlib.sha256(page.encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"mash-network-component-{digest}"
    if (target / "index.html").is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix="mash-network-component-"))
    shutil.copytree(_BUILD, staging, dirs_exist_ok=True)
    (staging / "index.html").write_text(page, encoding="utf-8")
    try:
        os.rename(staging, target)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


cytoscape_component._component_func = components.declare_component("network_graph", path=str(_patched_build()))
