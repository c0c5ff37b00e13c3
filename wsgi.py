"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`.

Once the app is built, the objects that live as long as the process (modules, the app, its
blueprints and templates, SQLAlchemy's mappers: 160,000-odd objects) are moved out of the
garbage collector's reach with `gc.freeze()`. Otherwise every full collection walks all of them
again: 120-130 ms under load on the 2-core benchmark machine, during which every thread of
that worker waits, so the scanners whose requests it holds all see one slow answer together.
Frozen, a full collection walks only what requests created since: 5-9 ms (`docs/operations.md`).
"""

import gc

from harkop import create_app

app = create_app()
gc.collect()  # startup's own garbage goes first: what is frozen is never collected
gc.freeze()
