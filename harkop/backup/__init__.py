"""Backup and restore: one archive with the database, the uploaded files and a manifest.

`flask --app wsgi harkop backup FILE` writes the archive while the app runs: SQLite through its
online backup API (a consistent copy without stopping writers), PostgreSQL through `pg_dump`'s
custom format. `restore FILE` checks everything before it touches anything: the archive reads
to its end, every member matches the manifest's checksum, the schema revision is one this code
knows (a newer one is refused; an older one is upgraded on a copy first), and only then replaces
the database and the files, so a refused or failed restore leaves both as they were. The
scheduler's nightly `backup` job keeps the last HARKOP_BACKUP_KEEP archives in HARKOP_BACKUP_DIR.

- `archive.py`: the archive's layout, its manifest and the checks (no database here);
- `databases.py`: copying a database out and in, one class per engine;
- `services.py`: the backup, the restore, the nightly job and the office's view of it.

The package sits on top (beside `scheduler.py` and `cli.py`): it reads the upload folder of
`office/uploads.py`, and nothing below imports it.
"""
