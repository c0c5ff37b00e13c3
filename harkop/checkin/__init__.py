"""Check-in at the venue: the rule, scans, the offline roster, conflicts and the dashboard."""
