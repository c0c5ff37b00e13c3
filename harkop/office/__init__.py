"""The office's year: update rounds, field checks, reports, warning letters and dashboards."""
