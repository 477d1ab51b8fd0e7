"""Experiments on many machines: procrastinate hands conversations to workers.

The PostgreSQL log stays the only truth; the queue (procrastinate's tables, in the same
database) only says who should run what next. A job rebuilds its conversation from the
log and continues it from its last completed message, so a job run twice records
nothing twice: the log's optimistic concurrency decides.
"""
