"""Judging: panels, assignments, scorecards on tablets, results, publication and certificates."""
