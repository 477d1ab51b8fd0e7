"""Pidgin: record and study conversations between AI models, event-sourced."""
