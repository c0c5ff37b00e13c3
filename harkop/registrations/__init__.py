"""Entries, participants, tickets and check-in."""
