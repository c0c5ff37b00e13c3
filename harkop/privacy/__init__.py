"""Personal data under UU PDP 27/2022: kept for a set time after the event, then let go.

- the daily `purge_personal_data` job erases participants' and guardians' contact data and
  consent details HARKOP_RETENTION_DAYS days after their event ends;
- the office finds one person, downloads everything held about them (JSON), and erases it at
  their request; both are recorded in the audit log.

What is erased and what stays is decided in one place, `registrations/personal_data.py` (the
package that owns participants); this package decides when, and whose. It sits on top of
registrations, checkin and judging (it reads their records for an export), and nothing below
imports it.
"""
