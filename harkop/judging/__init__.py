"""Judging: assignments, scorecards, score aggregation (`scoring`, pure) and published results."""
