"""Experiments: many conversations in the background, resumable from the log."""
