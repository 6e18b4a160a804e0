"""Ingest agency extracts through source configs into canonical records."""

from linkage.ingest.run import IngestReport, SourceReport, ingest

__all__ = ["IngestReport", "SourceReport", "ingest"]
