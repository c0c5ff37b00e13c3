"""How Harkop talks to its databases, below every domain.

- `sqlite`: SQLite's connection set-up (foreign keys, WAL, busy timeout), the writers' queue and
  the BEGIN each transaction starts with.
- `transactions`: a request's transaction mode on either database (reads without a transaction,
  then one write transaction or a single self-contained write), for the gate's scan.
- `driver`: `DriverStatement`, a hot-path statement run on the driver's own cursor.

The Alembic filter for the hand-written search structures lives with the migrations
(`migrations/env.py`).
"""
