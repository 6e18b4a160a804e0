"""Ingest agency extracts through source configs into canonical records."""

from linkage.ingest.run import INGEST_TABLES, IngestReport, SourceReport, build_ingest_tables, ingest, source_reports

__all__ = ["INGEST_TABLES", "IngestReport", "SourceReport", "build_ingest_tables", "ingest", "source_reports"]
