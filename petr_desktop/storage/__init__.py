"""Storage: SQLite engine and pragmas, units of work, migrations, backups, full-text index."""
