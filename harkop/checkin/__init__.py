"""Check-in at the venue: every scan a recorded fact, at most one admission per ticket per day.

- `rule`: the verdict, pure (the ticket's facts, the day, the day's admission); `decide.js` in the
  browser follows it, both held to `tests/checkin/verdict_cases.json`.
- `lookup`: the one query and builder of what the gate shows about a ticket and its admission.
- `scans`: a scan's checked input (`ScanInput`) and its steps: look up, decide, admit, record, answer.
- `answers`: what a scan shows (labels, message, JSON); `roster`: the offline roster and search;
  `conflicts`: offline admissions for the office to review; `dashboard`: the day's figures;
  `attendance`: who came, for judging.
- `models`, `forms`, `views`, `api`.
"""
