"""Everything derived from the log: transcripts, listings, metrics, analysis tables.

Projections read events and never write to the log; delete any output and rebuild it.
"""
